package http1_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/xprotocol"
)

// exchange forwards one request and its response through the gateway's
// two sessions, as the engine does: decode the client's request, encode it
// upstream, decode the upstream's response, encode it to the client.
type exchangeBench struct {
	srv, cli       xprotocol.Session
	req, resp, dst []byte
}

func newExchangeBench(req, resp string) *exchangeBench {
	return &exchangeBench{
		srv: newServer(withRemote("192.0.2.10:50000")), cli: newClient(),
		req: []byte(req), resp: []byte(resp), dst: make([]byte, 0, 4096),
	}
}

func (e *exchangeBench) run(tb testing.TB) {
	f, _, err := e.srv.Decode(e.req)
	if err != nil {
		tb.Fatal(err)
	}
	_ = f.Key(xprotocol.KeyService)
	_ = f.Key(xprotocol.KeyPath)
	if e.dst, err = e.cli.Encode(e.dst[:0], f); err != nil {
		tb.Fatal(err)
	}
	f.Release()
	r, _, err := e.cli.Decode(e.resp)
	if err != nil {
		tb.Fatal(err)
	}
	if e.dst, err = e.srv.Encode(e.dst[:0], r); err != nil {
		tb.Fatal(err)
	}
	r.Release()
}

// TestForwardZeroAllocs: once warm, forwarding a typical browser request
// and a response with a small body allocates nothing (frames, buffers and
// the exchange queues are reused), and neither do the header view, a
// chunked body's data frames with their trailers.
func TestForwardZeroAllocs(t *testing.T) {
	skipUnderRace(t)
	e := newExchangeBench(browserHead, responseHead+string(make([]byte, 1234)))
	e.run(t)
	assert.Zero(t, testing.AllocsPerRun(200, func() { e.run(t) }), "forward exchange")

	f, _, err := newServer().Decode([]byte(browserHead))
	require.NoError(t, err)
	n := 0
	count := func(_, _ []byte) bool { n++; return true }
	f.Header().Range(count)
	assert.Zero(t, testing.AllocsPerRun(200, func() {
		f.Header().Range(count)
		_, _ = f.Header().Get("accept-language")
	}), "header view")
	f.Release()

	srv := newServer()
	body := []byte("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.TrimSuffix(chunkedBody, "NEXT"))
	resp := h2Response(0, "204", true, "")
	dst := make([]byte, 0, 256)
	stream := func() {
		src := body
		for len(src) > 0 {
			f, n, err := srv.Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			src = src[n:]
			if f != nil {
				resp.id = f.StreamID()
				f.Release()
			}
		}
		if _, err := srv.Encode(dst[:0], resp); err != nil {
			t.Fatal(err)
		}
	}
	stream()
	assert.Zero(t, testing.AllocsPerRun(200, stream), "chunked request")
}
