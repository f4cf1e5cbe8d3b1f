package http2_test

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// HTTP/2 frames are not self-contained: a connection starts with the
// preface and SETTINGS, a response needs its stream opened by a request,
// stream ids must grow, and HPACK state carries over from one header
// block to the next. The kit's options say so, without wrapping the codec:
//
//   - every request golden has the client preface and SETTINGS as its
//     Prelude (fed to each fresh server session, and seen by detection);
//   - client sessions that decode responses have read the server SETTINGS
//     and sent requests with engine ids 1, 3, 5 and 7 (wire ids 1, 3, 5 and
//     7): the Decoder factory;
//   - each Encode uses a fresh session (HPACK state does not carry over;
//     x/net wrote every golden with a fresh encoder too), a server one with
//     streams 1, 3, 5 and 7 open so replies may be written: the Encoder
//     factory;
//   - the stream-id check renumbers to 7, a stream those sessions have
//     open (RewriteID), and a connection never repeats a stream (NoRepeat);
//   - bodies flow as DATA frames (Streaming).
func kitOptions(p *xh2.Protocol) conformance.Options {
	return conformance.Options{
		Decoder: func(role xprotocol.Role) xprotocol.Session {
			if role == xprotocol.RoleServer {
				return p.NewSession(xprotocol.SessionOptions{Role: role}) // the Prelude sets it up
			}
			return primed(p, role, true)
		},
		Encoder: func(role xprotocol.Role) xprotocol.Session {
			return primed(p, role, role == xprotocol.RoleServer)
		},
		RewriteID: 7,
		NoRepeat:  true,
		Streaming: true,
		LengthClaim: func(int) conformance.Bad {
			// The length field is 24 bits: the largest claim is 16 MiB - 1,
			// far beyond the 16 KiB SETTINGS_MAX_FRAME_SIZE the codec
			// advertises.
			return conformance.Bad{Name: "HEADERS claiming 16 MiB", Role: xprotocol.RoleServer, Prelude: clientPreface(),
				Wire: []byte{0xff, 0xff, 0xff, 0x01, 0x04, 0, 0, 0, 1, 0x82}}
		},
		Bad: []conformance.Bad{
			{Name: "DATA on stream 0", Role: xprotocol.RoleServer, Prelude: clientPreface(), Want: xprotocol.ErrMalformed,
				Wire: []byte{0, 0, 1, 0x00, 0x01, 0, 0, 0, 0, 'x'}},
			{Name: "frame header in progress", Role: xprotocol.RoleServer, Prelude: clientPreface(), Want: xprotocol.ErrIncomplete,
				Wire: []byte{0, 0, 1, 0x01}},
		},
	}
}

// clientPreface returns what a client sends first: the preface and SETTINGS.
func clientPreface() []byte {
	var in bytes.Buffer
	in.WriteString(http2.ClientPreface)
	_ = http2.NewFramer(&in, nil).WriteSettings()
	return in.Bytes()
}

// kitGoldens returns the golden frames with the client preface as the
// Prelude of every request.
func kitGoldens(t *testing.T) []conformance.Golden {
	gs := goldenFrames(t)
	for i := range gs {
		if gs[i].Role == xprotocol.RoleServer {
			gs[i].Prelude = clientPreface()
		}
	}
	return gs
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
	conformance.RunWith(t, xh2.Proto, kitGoldens(t), kitOptions(xh2.Proto))
}

func TestConformanceGRPC(t *testing.T) {
	conformance.RunWith(t, xh2.GRPC, kitGoldens(t), kitOptions(&xh2.GRPC.Protocol))
}
