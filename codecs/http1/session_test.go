package http1_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

const hostLine = "Host: example.com\r\n"

// TestStreamIDs: a server session numbers requests 1, 2, 3…; a client
// session gives each response the id of the request it answers.
func TestStreamIDs(t *testing.T) {
	srv := newServer()
	got := decodeFrames(t, srv, []byte(strings.Repeat("GET / HTTP/1.1\r\n"+hostLine+"\r\n", 3)), 0)
	require.Len(t, got, 3)
	for i, m := range got {
		assert.Equal(t, uint64(i+1), m.ID)
	}
	cli := newClient()
	encode(t, cli, h2Request(77, "GET", "a", "/", true, ""))
	resp := decodeFrames(t, cli, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 0)
	require.Len(t, resp, 1)
	assert.Equal(t, uint64(77), resp[0].ID)
}

// TestSplitAnywhere: a streamed message decodes to the same body and
// trailers whether it arrives whole or byte by byte.
func TestSplitAnywhere(t *testing.T) {
	raw := "POST /up HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n" +
		"GET /next HTTP/1.1\r\n" + hostLine + "\r\n"
	for _, step := range []int{0, 1, 2, 7} {
		got := decodeFrames(t, newServer(), []byte(raw), step)
		var body strings.Builder
		var trailers []string
		require.GreaterOrEqual(t, len(got), 3, "step %d", step)
		assert.Equal(t, xprotocol.KindRequest, got[0].Kind)
		assert.False(t, got[0].End)
		for _, m := range got[1 : len(got)-1] {
			assert.Equal(t, xprotocol.KindData, m.Kind)
			assert.Equal(t, uint64(1), m.ID)
			body.WriteString(m.Body)
			trailers = append(trailers, m.Fields...)
		}
		assert.True(t, got[len(got)-2].End)
		assert.Equal(t, "hello world", body.String(), "step %d", step)
		assert.Equal(t, []string{"x-sum: 42", "x-other: y"}, trailers, "step %d", step)
		last := got[len(got)-1]
		assert.Equal(t, xprotocol.KindRequest, last.Kind)
		assert.Equal(t, uint64(2), last.ID)
		assert.True(t, last.End)
	}
}

// TestInlineAndStreamedLength: a Content-Length body up to the inline
// limit rides in the head; a larger one streams in frames of at most
// FrameLimit bytes.
func TestInlineAndStreamedLength(t *testing.T) {
	small := "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 5\r\n\r\nhello"
	got := decodeFrames(t, newServer(), []byte(small), 1)
	require.Len(t, got, 1)
	assert.True(t, got[0].End)
	assert.Equal(t, "hello", got[0].Body)
	assert.Equal(t, len(small), got[0].Size)

	body := strings.Repeat("x", 100)
	big := "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 100\r\n\r\n" + body
	got = decodeFrames(t, newServer(withFrameLimit(32)), []byte(big), 0)
	require.Len(t, got, 5) // head + 32 + 32 + 32 + 4
	assert.False(t, got[0].End)
	assert.Empty(t, got[0].Body)
	var sb strings.Builder
	for i, m := range got[1:] {
		assert.LessOrEqual(t, len(m.Body), 32)
		assert.Equal(t, i == 3, m.End)
		sb.WriteString(m.Body)
	}
	assert.Equal(t, body, sb.String())
}

// TestPipelining: requests already buffered decode one after another, and
// responses are written in order, each framed for its own request.
func TestPipelining(t *testing.T) {
	srv := newServer()
	raw := "HEAD /a HTTP/1.1\r\n" + hostLine + "\r\n" +
		"GET /b HTTP/1.1\r\n" + hostLine + "\r\n" +
		"GET /c HTTP/1.1\r\n" + hostLine + "Connection: close\r\n\r\n"
	got := decodeFrames(t, srv, []byte(raw), 0)
	require.Len(t, got, 3)
	out := encode(t, srv,
		h2Response(1, "200", true, "", "content-length", "10"),
		h2Response(2, "200", true, "bb"),
		h2Response(3, "200", true, "ccc"))
	assert.Equal(t, "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nbb"+
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nccc", out)
	assert.True(t, shouldClose(srv))
}

// TestExpectContinue: the server session answers "100 Continue" itself,
// once, and forwards the head without Expect; a request without a body, or
// one behind an unanswered request, gets no early 100.
func TestExpectContinue(t *testing.T) {
	head := "POST / HTTP/1.1\r\n" + hostLine + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"
	srv := newServer()
	f, n, err := srv.Decode([]byte(head))
	require.ErrorIs(t, err, xprotocol.ErrIncomplete)
	require.Nil(t, f)
	require.Zero(t, n)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n\r\n", pending(srv))
	_, _, err = srv.Decode([]byte(head + "he"))
	require.ErrorIs(t, err, xprotocol.ErrIncomplete)
	assert.Empty(t, pending(srv), "100 Continue is sent once")
	got := decodeFrames(t, srv, []byte(head+"hello"), 0)
	require.Len(t, got, 1)
	_, has := got[0].field("expect")
	assert.False(t, has)

	// Forwarded upstream without Expect.
	out := forward(t, newServer(), newClient(), head+"hello")
	assert.NotContains(t, out, "Expect")
	assert.Contains(t, out, "Content-Length: 5\r\n\r\nhello")

	// Streamed body: the head comes at once, with the 100.
	srv = newServer()
	big := "POST / HTTP/1.1\r\n" + hostLine + "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
	got = decodeFrames(t, srv, []byte(big), 0)
	require.Len(t, got, 1)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n\r\n", pending(srv))

	// No body: no 100.
	srv = newServer()
	decodeFrames(t, srv, []byte("GET / HTTP/1.1\r\n"+hostLine+"Expect: 100-continue\r\n\r\n"), 0)
	assert.Empty(t, pending(srv))

	// Pipelined behind an unanswered request: the 100 waits for its turn.
	srv = newServer()
	decodeFrames(t, srv, []byte("GET / HTTP/1.1\r\n"+hostLine+"\r\n"+big), 0)
	assert.Empty(t, pending(srv))
	out = encode(t, srv, h2Response(1, "200", true, "ok"))
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", out)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n\r\n", pending(srv))
}

// TestHopByHop: connection-specific fields are neither reported nor
// forwarded; end-to-end ones are, Proxy-Authorization included.
func TestHopByHop(t *testing.T) {
	raw := "GET / HTTP/1.1\r\n" + hostLine +
		"Connection: keep-alive, X-Secret, Content-Length\r\n" +
		"Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nUpgrade: websocket\r\n" +
		"TE: trailers\r\nX-Secret: s\r\nProxy-Authorization: Basic eA==\r\nTrailer: X-Sum\r\nX-Keep: k\r\n\r\n"
	got := decodeFrames(t, newServer(), []byte(raw), 0)
	require.Len(t, got, 1)
	assert.Equal(t, []string{":method: GET", ":scheme: http", ":authority: example.com", ":path: /",
		"te: trailers", "proxy-authorization: Basic eA==", "trailer: X-Sum", "x-keep: k"}, got[0].Fields)
	out := forward(t, newServer(), newClient(), raw)
	assert.Equal(t, "GET / HTTP/1.1\r\n"+hostLine+"Proxy-Authorization: Basic eA==\r\nTrailer: X-Sum\r\nX-Keep: k\r\n\r\n", out)

	// The same from an upstream's response.
	cli := newClient()
	encode(t, cli, h2Request(1, "GET", "a", "/", true, ""))
	resp := decodeFrames(t, cli, []byte("HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n"), 0)
	require.Len(t, resp, 1)
	assert.Equal(t, []string{":status: 200", "content-length: 0"}, resp[0].Fields)
}

// TestForwardedFor: X-Forwarded-For gets the peer's address appended (to
// every earlier value), X-Forwarded-Proto is the session's scheme, and a
// client's own X-Forwarded-Proto is replaced.
func TestForwardedFor(t *testing.T) {
	raw := "GET / HTTP/1.1\r\n" + hostLine + "X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n"
	srv := newServer(withRemote("10.1.2.3:4567"))
	out := forward(t, srv, newClient(), raw)
	assert.Equal(t, "GET / HTTP/1.1\r\n"+hostLine+"Accept: */*\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.1.2.3\r\nX-Forwarded-Proto: http\r\n\r\n", out)

	srv = newServer(withRemote("[::1]:443"), func(o *xprotocol.SessionOptions) { o.Secure = true })
	got := decodeFrames(t, srv, []byte("GET / HTTP/1.1\r\n"+hostLine+"\r\n"), 0)
	require.Len(t, got, 1)
	v, _ := got[0].field("x-forwarded-for")
	assert.Equal(t, "::1", v)
	v, _ = got[0].field("x-forwarded-proto")
	assert.Equal(t, "https", v)
	v, _ = got[0].field(":scheme")
	assert.Equal(t, "https", v)
}

// TestAbsoluteFormAndHTTP10: an absolute-form target is forwarded in
// origin-form with Host from it; an HTTP/1.0 request is forwarded as
// HTTP/1.1 with an (empty) Host.
func TestAbsoluteFormAndHTTP10(t *testing.T) {
	out := forward(t, newServer(), newClient(), "GET http://Example.com:81?q=1 HTTP/1.1\r\nHost: other\r\nX: y\r\n\r\n")
	assert.Equal(t, "GET /?q=1 HTTP/1.1\r\nX: y\r\nHost: Example.com:81\r\n\r\n", out)
	out = forward(t, newServer(), newClient(), "GET /old HTTP/1.0\r\nUser-Agent: ancient\r\n\r\n")
	assert.Equal(t, "GET /old HTTP/1.1\r\nUser-Agent: ancient\r\nHost: \r\n\r\n", out)
}

// TestKeys: the routing keys of a request.
func TestKeys(t *testing.T) {
	f, _, err := newServer().Decode([]byte("PATCH /a/b?c=d HTTP/1.1\r\nHost: api.example.com:8443\r\n\r\n"))
	require.NoError(t, err)
	defer f.Release()
	assert.Equal(t, "api.example.com", string(f.Key(xprotocol.KeyService)))
	assert.Equal(t, "api.example.com:8443", string(f.Key(xprotocol.KeyHost)))
	assert.Equal(t, "PATCH", string(f.Key(xprotocol.KeyMethod)))
	assert.Equal(t, "/a/b?c=d", string(f.Key(xprotocol.KeyPath)))
	assert.Zero(t, f.Timeout())
	assert.Equal(t, "http1", f.Protocol())
	assert.Equal(t, xprotocol.StatusOK, f.Status())
}

// TestHeaderEdits: Get ignores case; Set and Del change what is reported
// and what is forwarded, pseudo-headers included.
func TestHeaderEdits(t *testing.T) {
	f, _, err := newServer().Decode([]byte("GET /a HTTP/1.1\r\n" + hostLine + "User-Agent: UA\r\nX-Drop: 1\r\nX-Drop: 2\r\n\r\n"))
	require.NoError(t, err)
	defer f.Release()
	h := f.Header()
	v, ok := h.Get("USER-agent")
	assert.True(t, ok)
	assert.Equal(t, "UA", string(v))
	_, ok = h.Get("host")
	assert.False(t, ok, "Host is :authority")
	h.Del("x-drop")
	h.Set("X-Added", "yes")
	h.Set(":path", "/rewritten")
	h.Set(":authority", "upstream.local")
	out := encode(t, newClient(), f)
	assert.Equal(t, "GET /rewritten HTTP/1.1\r\nHost: upstream.local\r\nuser-agent: UA\r\nx-added: yes\r\n\r\n", out)
}

// TestGenericRequest: a request from an HTTP/2 session (pseudo-headers, no
// Host, split cookies) becomes an HTTP/1.1 request; its framing follows
// EndStream and Content-Length.
func TestGenericRequest(t *testing.T) {
	cli := newClient()
	out := encode(t, cli, h2Request(3, "POST", "example.com", "/p?q", true, "body", "cookie", "a=1", "cookie", "b=2", "x-y", "z"))
	assert.Equal(t, "POST /p?q HTTP/1.1\r\nHost: example.com\r\nx-y: z\r\ncookie: a=1; b=2\r\nContent-Length: 4\r\n\r\nbody", out)

	cli = newClient()
	out = encode(t, cli, h2Request(5, "PUT", "example.com", "/s", false, "ab"),
		h2Data(5, "cde", false), h2Data(5, "", true, "grpc-status", "0"))
	assert.Equal(t, "PUT /s HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"2\r\nab\r\n3\r\ncde\r\n0\r\ngrpc-status: 0\r\n\r\n", out)

	cli = newClient()
	out = encode(t, cli, h2Request(7, "PUT", "example.com", "/s", false, "", "content-length", "3"), h2Data(7, "abc", true))
	assert.Equal(t, "PUT /s HTTP/1.1\r\nHost: example.com\r\ncontent-length: 3\r\n\r\nabc", out)

	// Injection attempts and impossible requests are refused.
	for _, f := range []*genFrame{
		h2Request(9, "GET", "example.com", "/", true, "", "x", "a\r\nInjected: 1"),
		h2Request(9, "GET", "example.com", "/ HTTP/1.1\r\nX: y", true, ""),
		h2Request(9, "GET", "exa mple", "/", true, ""),
		h2Request(9, "CONNECT", "example.com:443", "", true, ""),
		h2Request(9, "GET", "example.com", "/", true, "", "bad name", "v"),
	} {
		_, err := newClient().Encode(nil, f)
		assert.Error(t, err, "%v", f.fields)
	}
	// A body longer than its Content-Length is refused, a shorter one too.
	cli = newClient()
	_, err := cli.Encode(nil, h2Request(1, "PUT", "a", "/", false, "", "content-length", "2"))
	require.NoError(t, err)
	_, err = cli.Encode(nil, h2Data(1, "abc", true))
	assert.Error(t, err)
	cli = newClient()
	_, err = cli.Encode(nil, h2Request(1, "PUT", "a", "/", false, "", "content-length", "2"))
	require.NoError(t, err)
	_, err = cli.Encode(nil, h2Data(1, "a", true))
	assert.Error(t, err)
}

// TestResponseFraming: how a server session frames responses from any
// HTTP-family frame, for the request each answers.
func TestResponseFraming(t *testing.T) {
	get := "GET / HTTP/1.1\r\n" + hostLine + "\r\n"
	cases := []struct {
		name, req string
		frames    []xprotocol.Frame
		want      string
		close     bool
	}{
		{"end-stream gets content-length", get,
			[]xprotocol.Frame{h2Response(1, "200", true, "hi", "content-type", "text/plain")},
			"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 2\r\n\r\nhi", false},
		{"streamed gets chunked with trailers", get,
			[]xprotocol.Frame{h2Response(1, "200", false, ""), h2Data(1, "abc", false), h2Data(1, "", true, "x-sum", "3")},
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 3\r\n\r\n", false},
		{"kept content-length streams raw", get,
			[]xprotocol.Frame{h2Response(1, "200", false, "", "content-length", "3"), h2Data(1, "abc", true, "x-lost", "1")},
			"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc", false},
		{"http/1.0 client gets close-delimited", "GET / HTTP/1.0\r\n\r\n",
			[]xprotocol.Frame{h2Response(1, "200", false, ""), h2Data(1, "abc", true)},
			"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc", true},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			[]xprotocol.Frame{h2Response(1, "200", true, "abc")},
			"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc", false},
		{"head keeps content-length, no body", "HEAD / HTTP/1.1\r\n" + hostLine + "\r\n",
			[]xprotocol.Frame{h2Response(1, "200", false, "", "content-length", "99"), h2Data(1, "ignored", true)},
			"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n", false},
		{"204 loses content-length", get,
			[]xprotocol.Frame{h2Response(1, "204", true, "", "content-length", "0")},
			"HTTP/1.1 204 No Content\r\n\r\n", false},
		{"304 keeps content-length, no body", get,
			[]xprotocol.Frame{h2Response(1, "304", true, "", "content-length", "50", "etag", `"x"`)},
			"HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\netag: \"x\"\r\n\r\n", false},
		{"1xx passes to 1.1", get,
			[]xprotocol.Frame{h2Response(1, "103", false, "", "link", "</a.css>"), h2Response(1, "200", true, "")},
			"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false},
		{"1xx dropped for 1.0", "GET / HTTP/1.0\r\n\r\n",
			[]xprotocol.Frame{h2Response(1, "103", false, ""), h2Response(1, "200", true, "")},
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true},
		{"connection close honoured", "GET / HTTP/1.1\r\n" + hostLine + "Connection: close\r\n\r\n",
			[]xprotocol.Frame{h2Response(1, "200", true, "")},
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true},
		{"connection-specific fields dropped", get,
			[]xprotocol.Frame{h2Response(1, "200", true, "", "connection", "x", "transfer-encoding", "gzip", "keep-alive", "1")},
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer()
			decodeFrames(t, srv, []byte(c.req), 0)
			assert.Equal(t, c.want, encode(t, srv, c.frames...))
			assert.Equal(t, c.close, shouldClose(srv))
		})
	}
}

// TestClientDecode: how a client session frames responses: interim ones
// are consumed, HEAD/204/304 have no body, a body without length runs until
// the close, and "Connection: close" ends the connection.
func TestClientDecode(t *testing.T) {
	t.Run("1xx consumed", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(4, "GET", "a", "/", true, ""))
		got := decodeFrames(t, cli, []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"), 1)
		require.Len(t, got, 1)
		assert.Equal(t, msg{Kind: xprotocol.KindResponse, ID: 4, End: true, Body: "x",
			Fields: []string{":status: 200", "content-length: 1"}, Size: 39}, got[0])
	})
	t.Run("head has no body", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(1, "HEAD", "a", "/", true, ""))
		got := decodeFrames(t, cli, []byte("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"), 0)
		require.Len(t, got, 1)
		assert.True(t, got[0].End)
		assert.False(t, shouldClose(cli))
	})
	t.Run("204 and 304", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(1, "GET", "a", "/", true, ""))
		encode(t, cli, h2Request(2, "GET", "a", "/", true, ""))
		got := decodeFrames(t, cli, []byte("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"), 0)
		require.Len(t, got, 2)
		assert.Equal(t, []uint64{1, 2}, []uint64{got[0].ID, got[1].ID})
		assert.True(t, got[0].End && got[1].End)
	})
	t.Run("until close", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(9, "GET", "a", "/", true, ""))
		got := decodeFrames(t, cli, []byte("HTTP/1.0 200 OK\r\n\r\nsome bytes"), 0)
		require.Len(t, got, 2)
		assert.False(t, got[0].End)
		assert.Equal(t, "some bytes", got[1].Body)
		assert.False(t, got[1].End)
		end := cli.(xprotocol.EndOfInput).EndOfInput()
		require.NotNil(t, end)
		assert.Equal(t, xprotocol.KindData, end.Kind())
		assert.Equal(t, uint64(9), end.StreamID())
		assert.True(t, end.EndStream())
		end.Release()
		assert.True(t, shouldClose(cli))
	})
	t.Run("cut short", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(1, "GET", "a", "/", true, ""))
		decodeFramesSome(cli, []byte("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc"), 0)
		assert.Nil(t, cli.(xprotocol.EndOfInput).EndOfInput())
	})
	t.Run("connection close", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(1, "GET", "a", "/", true, ""))
		decodeFrames(t, cli, []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), 0)
		assert.True(t, shouldClose(cli))
	})
	t.Run("101 refused", func(t *testing.T) {
		cli := newClient()
		encode(t, cli, h2Request(1, "GET", "a", "/", true, ""))
		_, _, err := cli.Decode([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"))
		requireRule(t, err, http1.RuleSwitchingProtocols, 502, "101")
		assert.True(t, shouldClose(cli))
	})
	t.Run("malformed response", func(t *testing.T) {
		cli := newClient()
		_, _, err := cli.Decode([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
		require.ErrorIs(t, err, xprotocol.ErrMalformed)
		var fe *xprotocol.FrameError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "http1", fe.Protocol)
		assert.True(t, shouldClose(cli))
		assert.Empty(t, pending(cli), "nothing is sent to a broken upstream")
	})
}

// TestResetAndGoAway: a reset can only close an HTTP/1.1 connection; a
// GoAway closes it once the exchange in progress is done.
func TestResetAndGoAway(t *testing.T) {
	srv := newServer()
	decodeFrames(t, srv, []byte("GET / HTTP/1.1\r\n"+hostLine+"\r\n"), 0)
	out, err := srv.Encode(nil, &genFrame{kind: xprotocol.KindGoAway})
	require.NoError(t, err)
	assert.Empty(t, out)
	assert.False(t, shouldClose(srv))
	assert.Contains(t, encode(t, srv, h2Response(1, "200", true, "")), "Connection: close\r\n")
	assert.True(t, shouldClose(srv))

	srv = newServer()
	_, err = srv.Encode(nil, &genFrame{kind: xprotocol.KindReset, id: 1})
	require.NoError(t, err)
	assert.True(t, shouldClose(srv))
}
