package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPeerNetHTTPClient drives a server session with net/http's client over
// one keep-alive connection: what the client sees is exactly what the
// HTTP/1.1 rules say.
func TestPeerNetHTTPClient(t *testing.T) {
	e := startEcho(t, 16<<10)
	tr := &http.Transport{MaxConnsPerHost: 1, ExpectContinueTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + e.addr
	do := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	newReq := func(method, path string, body io.Reader) *http.Request {
		req, err := http.NewRequest(method, url+path, body)
		require.NoError(t, err)
		return req
	}

	resp, body := do(newReq("GET", "/a?b=1", nil))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("X-Method"))
	assert.Equal(t, "/a?b=1", resp.Header.Get("X-Path"))
	assert.Equal(t, "user-agent,accept-encoding,x-forwarded-for,x-forwarded-proto", resp.Header.Get("X-Fields"))
	assert.Equal(t, int64(0), resp.ContentLength)
	assert.Empty(t, body)

	resp, body = do(newReq("POST", "/cl", strings.NewReader("hello")))
	assert.Equal(t, "hello", body)
	assert.Equal(t, int64(5), resp.ContentLength)

	// A chunked upload with a trailer; a chunked download with one.
	up := newReq("POST", "/chunked", io.MultiReader(strings.NewReader("abc"), strings.NewReader("defghi")))
	up.Trailer = http.Header{"X-Up": {"sent-last"}}
	resp, body = do(up)
	assert.Equal(t, "abcdefghi", body)
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	assert.Equal(t, "x-up: sent-last", resp.Header.Get("X-Trailers"))
	assert.Equal(t, "9", resp.Trailer.Get("X-Checksum"))
	assert.NotContains(t, resp.Header.Get("X-Fields"), "transfer-encoding")

	// Expect: 100-continue, for a body waited for whole and for a streamed one.
	for _, size := range []int{10, 200 << 10} {
		req := newReq("PUT", "/cl", strings.NewReader(strings.Repeat("e", size)))
		req.Header.Set("Expect", "100-continue")
		got100 := false
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{Got100Continue: func() { got100 = true }}))
		resp, body = do(req)
		assert.True(t, got100, "size %d: no 100 Continue", size)
		assert.Len(t, body, size)
		assert.NotContains(t, resp.Header.Get("X-Fields"), "expect")
	}

	resp, body = do(newReq("HEAD", "/head", nil))
	assert.Equal(t, int64(42), resp.ContentLength)
	assert.Empty(t, body)

	resp, _ = do(newReq("GET", "/204", nil))
	assert.Equal(t, 204, resp.StatusCode)
	resp, _ = do(newReq("GET", "/304", nil))
	assert.Equal(t, 304, resp.StatusCode)
	assert.Equal(t, `"v1"`, resp.Header.Get("Etag"))

	assert.EqualValues(t, 1, e.accepted.Load(), "every exchange on one kept-alive connection")

	// Connection: close is honoured: the server closes, the next request dials again.
	req := newReq("GET", "/bye", nil)
	req.Close = true
	resp, _ = do(req)
	assert.True(t, resp.Close)
	do(newReq("GET", "/again", nil))
	assert.EqualValues(t, 2, e.accepted.Load())
}

// rawExchange writes raw on a new connection and reads len(reqs) responses.
func rawExchange(t *testing.T, addr, raw string, reqs ...*http.Request) ([]*http.Response, []string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	_, err = io.WriteString(conn, raw)
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	var resps []*http.Response
	var bodies []string
	for _, req := range reqs {
		resp, err := http.ReadResponse(br, req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resps, bodies = append(resps, resp), append(bodies, string(b))
	}
	return resps, bodies
}

// TestPeerPipelined: requests written back to back are answered in order.
func TestPeerPipelined(t *testing.T) {
	e := startEcho(t, 16<<10)
	raw := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz" +
		"POST /chunked/3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
		"HEAD /4 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /5 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	get := &http.Request{Method: "GET"}
	resps, bodies := rawExchange(t, e.addr, raw, get, get, get, &http.Request{Method: "HEAD"}, get)
	for i, want := range []string{"/1", "/2", "/chunked/3", "/4", "/5"} {
		assert.Equal(t, want, resps[i].Header.Get("X-Path"))
	}
	assert.Equal(t, []string{"", "xyz", "hi", "", ""}, bodies)
	assert.True(t, resps[4].Close)
}

// TestPeerHTTP10: an HTTP/1.0 client gets a streamed body delimited by the
// close, and Connection: keep-alive kept.
func TestPeerHTTP10(t *testing.T) {
	e := startEcho(t, 16<<10)
	req10 := &http.Request{Method: "GET", ProtoMajor: 1, ProtoMinor: 0}
	resps, bodies := rawExchange(t, e.addr, "POST /chunked HTTP/1.0\r\nContent-Length: 6\r\n\r\nabcdef", req10)
	assert.Nil(t, resps[0].TransferEncoding)
	assert.Equal(t, int64(-1), resps[0].ContentLength)
	assert.Equal(t, "abcdef", bodies[0])
	assert.True(t, resps[0].Close)

	resps, bodies = rawExchange(t, e.addr,
		"GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /y HTTP/1.0\r\n\r\n", req10, req10)
	assert.Equal(t, "keep-alive", resps[0].Header.Get("Connection"))
	assert.False(t, resps[0].Close)
	assert.Equal(t, "/y", resps[1].Header.Get("X-Path"))
	assert.True(t, resps[1].Close)
	assert.Equal(t, []string{"", ""}, bodies)
}

// TestPeerSmuggling: a refused request gets its 400 (or 431) on the wire
// before the connection closes.
func TestPeerSmuggling(t *testing.T) {
	e := startEcho(t, 16<<10)
	cases := map[string]int{
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n": 400,
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde":              400,
		"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n":                                           400,
		"GET / HTTP/1.1\r\n\r\n": 400,
		"GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 200) + "\r\n": 431,
	}
	for raw, code := range cases {
		conn, err := net.Dial("tcp", e.addr)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
		_, err = io.WriteString(conn, raw)
		require.NoError(t, err)
		all, err := io.ReadAll(conn) // the server closes after the reply
		require.NoError(t, err)
		conn.Close()
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(all))), nil)
		require.NoError(t, err, "%q", all)
		assert.Equal(t, code, resp.StatusCode, "%q", raw)
		assert.True(t, resp.Close)
		assert.True(t, strings.HasPrefix(string(all), fmt.Sprintf("HTTP/1.1 %d ", code)))
	}
}
