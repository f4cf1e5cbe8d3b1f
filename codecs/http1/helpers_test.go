package http1_test

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// msg is a decoded frame, copied out so that it outlives Release.
type msg struct {
	Kind   xprotocol.Kind
	ID     uint64
	End    bool
	Body   string
	Fields []string // "name: value", from Range
	Size   int
}

func snap(f xprotocol.Frame) msg {
	m := msg{Kind: f.Kind(), ID: f.StreamID(), End: f.EndStream(), Body: string(f.Body()), Size: f.Size()}
	f.Header().Range(func(k, v []byte) bool {
		m.Fields = append(m.Fields, string(k)+": "+string(v))
		return true
	})
	return m
}

func (m msg) field(name string) (string, bool) {
	for _, f := range m.Fields {
		if k, v, _ := strings.Cut(f, ": "); k == name {
			return v, true
		}
	}
	return "", false
}

func newServer(opts ...func(*xprotocol.SessionOptions)) xprotocol.Session {
	o := xprotocol.SessionOptions{Role: xprotocol.RoleServer}
	for _, fn := range opts {
		fn(&o)
	}
	return http1.Proto.NewSession(o)
}

func newClient(opts ...func(*xprotocol.SessionOptions)) xprotocol.Session {
	o := xprotocol.SessionOptions{Role: xprotocol.RoleClient}
	for _, fn := range opts {
		fn(&o)
	}
	return http1.Proto.NewSession(o)
}

func withRemote(addr string) func(*xprotocol.SessionOptions) {
	return func(o *xprotocol.SessionOptions) { o.RemoteAddr = addr }
}

func withFrameLimit(n int) func(*xprotocol.SessionOptions) {
	return func(o *xprotocol.SessionOptions) { o.MaxFrameSize = n }
}

// decodeFrames decodes every frame in src, feeding it in pieces of step bytes
// (0: all at once) and keeping what a Decode did not consume, as the engine
// does. It fails the test on an error and on leftover bytes.
func decodeFrames(t *testing.T, s xprotocol.Session, src []byte, step int) []msg {
	t.Helper()
	out, rest, err := decodeFramesSome(s, src, step)
	require.NoError(t, err)
	require.Empty(t, rest, "undecoded bytes")
	return out
}

// decodeFramesSome is decodeFrames returning the error and the unconsumed bytes.
func decodeFramesSome(s xprotocol.Session, src []byte, step int) ([]msg, []byte, error) {
	if step <= 0 {
		step = len(src)
	}
	var out []msg
	var buf []byte
	for fed := 0; fed < len(src); {
		k := min(step, len(src)-fed)
		buf = append(buf, src[fed:fed+k]...)
		fed += k
		for len(buf) > 0 {
			f, n, err := s.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return out, buf, err
			}
			buf = buf[n:]
			if f != nil {
				out = append(out, snap(f))
				f.Release()
			}
		}
	}
	return out, buf, nil
}

// encode encodes frames with s and returns the bytes, failing on error.
func encode(t *testing.T, s xprotocol.Session, frames ...xprotocol.Frame) string {
	t.Helper()
	var out []byte
	for _, f := range frames {
		var err error
		out, err = s.Encode(out, f)
		require.NoError(t, err)
	}
	return string(out)
}

func pending(s xprotocol.Session) string {
	return string(s.(xprotocol.Flusher).AppendPending(nil))
}

func shouldClose(s xprotocol.Session) bool { return s.(xprotocol.Closing).ShouldClose() }

// forward decodes src with a server session and re-encodes every frame with
// a client session, as the gateway forwards a request.
func forward(t *testing.T, srv, cli xprotocol.Session, src string) string {
	t.Helper()
	var out []byte
	buf := []byte(src)
	for len(buf) > 0 {
		f, n, err := srv.Decode(buf)
		require.NoError(t, err)
		buf = buf[n:]
		if f != nil {
			out, err = cli.Encode(out, f)
			require.NoError(t, err)
			f.Release()
		}
	}
	return string(out)
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
