package http2

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/xprotocol"
)

// peer plays the other end of a session in memory with x/net's Framer
// and hpack Encoder: it writes frames into in, feeds them to the session
// and reads the session's output back as frames.
type peer struct {
	t   testing.TB
	s   *session
	in  bytes.Buffer
	fr  *http2.Framer
	hb  bytes.Buffer
	enc *hpack.Encoder
}

func newPeer(t testing.TB, role xprotocol.Role, opts xprotocol.SessionOptions) *peer {
	opts.Role = role
	p := &peer{t: t, s: newSession(Name, opts)}
	p.fr = http2.NewFramer(&p.in, nil)
	p.fr.AllowIllegalWrites = true
	p.enc = hpack.NewEncoder(&p.hb)
	if role == xprotocol.RoleServer {
		p.in.WriteString(http2.ClientPreface)
	}
	_ = p.fr.WriteSettings()
	p.mustFeed()
	p.s.AppendPending(nil) // our SETTINGS (and the client preface)
	return p
}

// block HPACK-encodes fields.
func (p *peer) block(fields ...string) []byte {
	p.hb.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = p.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(p.hb.Bytes())
}

var getReq = []string{":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"}

func (p *peer) headers(id uint32, end bool, fields ...string) {
	if len(fields) == 0 {
		fields = getReq
	}
	_ = p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: p.block(fields...), EndStream: end, EndHeaders: true})
}

// feed decodes everything written so far; it returns the frames and the
// first error.
func (p *peer) feed() ([]xprotocol.Frame, error) {
	var out []xprotocol.Frame
	b := p.in.Bytes()
	defer p.in.Reset()
	for len(b) > 0 {
		f, n, err := p.s.Decode(b)
		if err != nil {
			return out, err
		}
		if f != nil {
			out = append(out, f)
		}
		b = b[n:]
	}
	return out, nil
}

func (p *peer) mustFeed() []xprotocol.Frame {
	p.t.Helper()
	fs, err := p.feed()
	if err != nil {
		p.t.Fatalf("decode: %v", err)
	}
	return fs
}

// output parses the session's pending output.
func (p *peer) output() []http2.Frame { return parseFrames(p.t, p.s.AppendPending(nil)) }

func parseFrames(t testing.TB, b []byte) []http2.Frame {
	t.Helper()
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	fr.MaxHeaderListSize = 1 << 20
	var out []http2.Frame
	for {
		f, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("session output does not parse: %v", err)
		}
		// Copy what the tests look at: the framer reuses its buffers.
		switch f := f.(type) {
		case *http2.DataFrame:
			d := *f
			out = append(out, &dataCopy{DataFrame: &d, data: bytes.Clone(f.Data())})
		default:
			out = append(out, f)
		}
	}
}

type dataCopy struct {
	*http2.DataFrame
	data []byte
}

func goAwayCode(fs []http2.Frame) (http2.ErrCode, bool) {
	for _, f := range fs {
		if g, ok := f.(*http2.GoAwayFrame); ok {
			return g.ErrCode, true
		}
	}
	return 0, false
}

func rstCodes(fs []http2.Frame) map[uint32]http2.ErrCode {
	m := map[uint32]http2.ErrCode{}
	for _, f := range fs {
		if r, ok := f.(*http2.RSTStreamFrame); ok {
			m[r.StreamID] = r.ErrCode
		}
	}
	return m
}

func releaseAll(fs []xprotocol.Frame) {
	for _, f := range fs {
		f.Release()
	}
}
