package http2_test

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// The conformance kit treats every golden as a self-contained frame that a
// fresh session decodes, re-encodes byte for byte and renumbers. HTTP/2
// frames are not self-contained: a connection starts with the preface and
// SETTINGS, a response needs its stream opened by a request, and stream
// ids must grow. kitProto adapts the codec to the kit without loosening
// it: each session the kit asks for is a real session whose connection is
// already set up the way the golden needs —
//
//   - server sessions have read the client preface and SETTINGS (and, for
//     encoding replies, requests opening streams 1, 3, 5 and 7);
//   - client sessions have read the server SETTINGS (and, for decoding
//     responses, sent requests with engine ids 1, 3, 5 and 7, which get
//     wire ids 1, 3, 5 and 7);
//   - each decoded frame comes from its own connection, so the kit's
//     1,000-frame stream of repeated ids is 1,000 connections;
//   - each Encode uses a fresh encoder, so HPACK state does not carry
//     over (x/net wrote every golden with a fresh encoder too);
//   - MaxStreamID is 7, a stream the primed client sessions have open;
//   - Match sees the preface ahead of the golden frame, as a detector does.
type kitProto struct{ *xh2.Protocol }

func (kitProto) MaxStreamID() uint64 { return 7 }

func (k kitProto) Match(prefix []byte) xprotocol.MatchResult {
	return k.Protocol.Match(append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), prefix...))
}

func (k kitProto) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return &kitSession{p: k.Protocol, role: opts.Role}
}

type kitSession struct {
	p    *xh2.Protocol
	role xprotocol.Role
	cur  xprotocol.Session
	used bool
}

func (k *kitSession) Decode(src []byte) (xprotocol.Frame, int, error) {
	if k.cur == nil || k.used {
		k.cur, k.used = primed(k.p, k.role, k.role == xprotocol.RoleClient), false
	}
	f, n, err := k.cur.Decode(src)
	if f != nil {
		k.used = true
	}
	return f, n, err
}

func (k *kitSession) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	return primed(k.p, k.role, k.role == xprotocol.RoleServer).Encode(dst, f)
}

// primed returns a session of role whose connection set-up is done and,
// with streams, has streams 1, 3, 5 and 7 open.
func primed(p *xh2.Protocol, role xprotocol.Role, streams bool) xprotocol.Session {
	s := p.NewSession(xprotocol.SessionOptions{Role: role})
	var in bytes.Buffer
	fr := http2.NewFramer(&in, nil)
	if role == xprotocol.RoleServer {
		in.WriteString(http2.ClientPreface)
	}
	_ = fr.WriteSettings()
	if streams && role == xprotocol.RoleServer {
		var block bytes.Buffer
		enc := hpack.NewEncoder(&block)
		for _, id := range []uint32{1, 3, 5, 7} {
			block.Reset()
			for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "a"}} {
				_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
			}
			_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true})
		}
	}
	for b := in.Bytes(); len(b) > 0; {
		f, n, err := s.Decode(b)
		if err != nil {
			panic(err)
		}
		if f != nil {
			f.Release()
		}
		b = b[n:]
	}
	if streams && role == xprotocol.RoleClient {
		for _, id := range []uint64{1, 3, 5, 7} {
			req := xh2.NewRequest(id, [][2]string{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "a"}}, nil, true)
			if _, err := s.Encode(nil, req); err != nil {
				panic(err)
			}
			req.Release()
		}
	}
	s.(xprotocol.Flusher).AppendPending(nil)
	return s
}

func TestConformance(t *testing.T) {
	conformance.Run(t, kitProto{xh2.Proto}, goldenFrames(t))
}

func TestConformanceGRPC(t *testing.T) {
	conformance.Run(t, kitProto{&xh2.GRPC.Protocol}, goldenFrames(t))
}
