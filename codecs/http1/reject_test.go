package http1_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// TestRejectWritesResponseFirst: a refused request gets its error response
// queued as pending output before Decode returns the *FrameError, with
// "Connection: close", and the session asks to close.
func TestRejectWritesResponseFirst(t *testing.T) {
	many := strings.Repeat("X-A: b\r\n", 101)
	big := "X-Big: " + strings.Repeat("a", 70<<10) + "\r\n"
	cases := []struct {
		name, raw string
		status    int
	}{
		{"cl-te", "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX", 400},
		{"te-cl", "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nX", 400},
		{"two cl", "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"obs-fold", "GET / HTTP/1.1\r\n" + hostLine + "X-A: a\r\n b\r\n\r\n", 400},
		{"bare lf", "GET / HTTP/1.1\n" + hostLine + "\r\n", 400},
		{"bare cr", "GET / HTTP/1.1\r\n" + hostLine + "X: a\rb\r\n\r\n", 400},
		{"bad name", "GET / HTTP/1.1\r\n" + hostLine + "X(Y): a\r\n\r\n", 400},
		{"bad value", "GET / HTTP/1.1\r\n" + hostLine + "X: a\x00b\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding : chunked\r\n\r\n", 400},
		{"no host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET / HTTP/1.1\r\n" + hostLine + hostLine + "\r\n", 400},
		{"too many fields", "GET / HTTP/1.1\r\n" + hostLine + many + "\r\n", 431},
		{"head too large", "GET / HTTP/1.1\r\n" + hostLine + big + "\r\n", 431},
		{"unknown coding", "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: foo, chunked\r\n\r\n", 501},
		{"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501},
		{"http/2.0", "GET / HTTP/2.0\r\n" + hostLine + "\r\n", 505},
		{"bad chunk size", "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"chunk without crlf", "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\n\r\n1\r\naXX", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer()
			_, rest, err := decodeFramesSome(srv, []byte(c.raw), 0)
			require.Error(t, err)
			assert.NotEmpty(t, rest)
			var fe *xprotocol.FrameError
			require.ErrorAs(t, err, &fe)
			var he *http1.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, c.status, he.Status)
			assert.True(t, errors.Is(err, xprotocol.ErrMalformed) || errors.Is(err, xprotocol.ErrFrameTooLarge))
			assert.True(t, shouldClose(srv))
			out := pending(srv)
			assert.True(t, strings.HasPrefix(out, fmt.Sprintf("HTTP/1.1 %d ", c.status)), out)
			resp := readResponse(t, out)
			assert.Equal(t, c.status, resp.StatusCode)
			assert.True(t, resp.Close)
			// Nothing more is decoded.
			_, _, err2 := srv.Decode([]byte("GET / HTTP/1.1\r\n" + hostLine + "\r\n"))
			assert.Error(t, err2)
		})
	}
}

// TestRejectAfterResponseStarted: a body that turns bad after the response
// began cannot be answered with a 400: the connection is just closed.
func TestRejectAfterResponseStarted(t *testing.T) {
	srv := newServer()
	got := decodeFrames(t, srv, []byte("POST / HTTP/1.1\r\n"+hostLine+"Transfer-Encoding: chunked\r\n\r\n"), 0)
	require.Len(t, got, 1)
	encode(t, srv, h2Response(1, "200", false, ""))
	_, _, err := srv.Decode([]byte("zz\r\n"))
	require.Error(t, err)
	assert.Empty(t, pending(srv))
	assert.True(t, shouldClose(srv))
}

func readResponse(t *testing.T, raw string) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(bufioReader(raw), nil)
	require.NoError(t, err, "%q", raw)
	return resp
}

// TestErrorReply: each generic status gets its HTTP code, a text body and
// its Content-Length, and reads back as the same status; a HEAD request's
// reply has no body.
func TestErrorReply(t *testing.T) {
	want := map[xprotocol.Status]int{
		xprotocol.StatusNoRoute: 404, xprotocol.StatusUnavailable: 503, xprotocol.StatusTimeout: 504,
		xprotocol.StatusOverload: 503, xprotocol.StatusBadRequest: 400, xprotocol.StatusServerError: 500,
		xprotocol.StatusUnknown: 502,
	}
	for st, code := range want {
		srv := newServer()
		req, _, err := srv.Decode([]byte("GET / HTTP/1.1\r\n" + hostLine + "\r\n"))
		require.NoError(t, err)
		r := http1.Proto.ErrorReply(req, st, "no luck")
		require.NotNil(t, r)
		assert.Equal(t, st, r.Status())
		assert.True(t, r.EndStream())
		out := encode(t, srv, r)
		resp := readResponse(t, out)
		assert.Equal(t, code, resp.StatusCode, st.String())
		assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Equal(t, int64(7), resp.ContentLength)
		assert.Equal(t, st == xprotocol.StatusOverload, resp.Header.Get("Retry-After") != "", st.String())
		assert.True(t, strings.HasSuffix(out, "\r\n\r\nno luck"), "%q", out)
		r.Release()
		req.Release()
	}
	// HEAD: same fields, no body, even when encoded by a session that did not decode the request.
	req := h2Request(3, "HEAD", "a", "/", true, "")
	r := http1.Proto.ErrorReply(req, xprotocol.StatusNoRoute, "missing")
	assert.Empty(t, r.Body())
	out := encode(t, newServer(), r)
	assert.Equal(t, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 7\r\n\r\n", out)
	r.Release()
	// Responses get no reply.
	assert.Nil(t, http1.Proto.ErrorReply(h2Response(1, "200", true, ""), xprotocol.StatusTimeout, "x"))
}

// TestGenericStatus pins the mapping of status codes.
func TestGenericStatus(t *testing.T) {
	cases := map[int]xprotocol.Status{
		100: xprotocol.StatusOK, 200: xprotocol.StatusOK, 302: xprotocol.StatusOK, 400: xprotocol.StatusBadRequest,
		403: xprotocol.StatusBadRequest, 404: xprotocol.StatusNoRoute, 408: xprotocol.StatusTimeout,
		429: xprotocol.StatusOverload, 500: xprotocol.StatusServerError, 501: xprotocol.StatusServerError,
		502: xprotocol.StatusUnknown, 503: xprotocol.StatusUnavailable, 504: xprotocol.StatusTimeout,
		520: xprotocol.StatusServerError, 600: xprotocol.StatusUnknown,
	}
	for code, st := range cases {
		assert.Equal(t, st, http1.GenericStatus(code, false), "%d", code)
	}
	assert.Equal(t, xprotocol.StatusOverload, http1.GenericStatus(503, true))
}

// TestProtocol pins the protocol's constants.
func TestProtocol(t *testing.T) {
	p, ok := xprotocol.Lookup("http1")
	require.True(t, ok, "registered")
	assert.Equal(t, http1.Proto, p)
	assert.Equal(t, xprotocol.PoolPingPong, p.PoolMode())
	assert.Equal(t, uint64(1<<62), p.MaxStreamID())
	assert.Equal(t, "http", xprotocol.FamilyOf(p))
	assert.Nil(t, p.NewHeartbeat(1))
	assert.Nil(t, p.HeartbeatReply(h2Request(1, "GET", "a", "/", true, "")))
}

// TestMatch: the known methods followed by SP, nothing else; monotone over
// every prefix; never allocating.
func TestMatch(t *testing.T) {
	yes := []string{"GET ", "HEAD /", "POST /x HTTP/1.1", "PUT ", "DELETE ", "CONNECT ", "OPTIONS *", "TRACE ", "PATCH "}
	no := []string{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET/", "get ", "GETX ", "\x01\x01\x00\x01", "\x02\x01\x01",
		"\xda\xbb", "\x80\x01\x00\x01", "\x82\x21", "\x00\x00\x00\x10\x80\x01", "\r\nGET ", " GET", "PROPFIND ", "HTTP/1.1 200"}
	for _, s := range yes {
		assert.Equal(t, xprotocol.MatchYes, http1.Proto.Match([]byte(s)), "%q", s)
	}
	for _, s := range no {
		assert.Equal(t, xprotocol.MatchNo, http1.Proto.Match([]byte(s)), "%q", s)
	}
	for _, s := range append(yes, no...) {
		var decided xprotocol.MatchResult = xprotocol.MatchNeedMore
		for i := 0; i <= len(s); i++ {
			r := http1.Proto.Match([]byte(s[:i]))
			if decided != xprotocol.MatchNeedMore {
				require.Equal(t, decided, r, "%q at %d: answer changed", s, i)
			}
			decided = r
		}
	}
	b := []byte("OPTIONS * HTTP/1.1")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = http1.Proto.Match(b) }))
}
