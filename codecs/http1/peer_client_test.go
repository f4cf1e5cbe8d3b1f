package http1_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// upstreamHandler is a net/http upstream with one behaviour per path.
func upstreamHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/cl", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		_, _ = io.WriteString(w, "fixed")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Te", strings.Join(r.TransferEncoding, ","))
		w.Header().Set("X-Trailer", r.Trailer.Get("X-Sum"))
		w.Header().Set("X-Method", r.Method)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-T")
		_, _ = io.WriteString(w, "part1,")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "part2")
		w.Header().Set("X-T", "tv")
	})
	mux.HandleFunc("/103", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(103)
		w.Header().Del("Link")
		_, _ = io.WriteString(w, "after hints")
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"e"`)
		w.WriteHeader(304)
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	})
	return mux
}

func dialClient(t *testing.T, addr string) *wire {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	t.Cleanup(func() { conn.Close() })
	return newWire(conn, http1.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient}))
}

// TestPeerNetHTTPServer: a client session sends requests built as HTTP/2
// frames to a net/http server over one connection and decodes its
// responses.
func TestPeerNetHTTPServer(t *testing.T) {
	up := httptest.NewServer(upstreamHandler())
	defer up.Close()
	host := strings.TrimPrefix(up.URL, "http://")
	w := dialClient(t, host)
	roundTrip := func(frames ...xprotocol.Frame) message {
		t.Helper()
		require.NoError(t, w.send(frames...))
		m, err := w.readMessage()
		require.NoError(t, err)
		assert.Equal(t, frames[0].StreamID(), m.head.ID)
		return m
	}

	m := roundTrip(h2Request(1, "GET", host, "/cl", true, ""))
	assert.Equal(t, "fixed", string(m.body))
	assert.True(t, m.head.End, "a small Content-Length body rides in the head")

	m = roundTrip(h2Request(2, "POST", "svc.internal:8080", "/echo", true, "payload", "cookie", "a=1", "cookie", "b=2"))
	assert.Equal(t, "payload", string(m.body))
	v, _ := m.head.field("x-host")
	assert.Equal(t, "svc.internal:8080", v)
	v, _ = m.head.field("x-cookie")
	assert.Equal(t, "a=1; b=2", v)

	m = roundTrip(h2Request(3, "PUT", host, "/echo", false, "ab"), h2Data(3, "cd", false), h2Data(3, "", true, "x-sum", "4"))
	assert.Equal(t, "abcd", string(m.body))
	v, _ = m.head.field("x-te")
	assert.Equal(t, "chunked", v)
	v, _ = m.head.field("x-trailer")
	assert.Equal(t, "4", v)

	m = roundTrip(h2Request(4, "GET", host, "/chunked", true, ""))
	assert.False(t, m.head.End)
	assert.Equal(t, "part1,part2", string(m.body))
	assert.Equal(t, []string{"x-t: tv"}, m.trailers)

	m = roundTrip(h2Request(5, "HEAD", host, "/cl", true, ""))
	assert.True(t, m.head.End)
	assert.Empty(t, m.body)
	v, _ = m.head.field("content-length")
	assert.Equal(t, "5", v)

	m = roundTrip(h2Request(6, "GET", host, "/103", true, ""))
	v, _ = m.head.field(":status")
	assert.Equal(t, "200", v, "the 103 is consumed")
	assert.Equal(t, "after hints", string(m.body))

	m = roundTrip(h2Request(7, "GET", host, "/204", true, ""))
	v, _ = m.head.field(":status")
	assert.Equal(t, "204", v)
	m = roundTrip(h2Request(8, "GET", host, "/304", true, ""))
	v, _ = m.head.field("etag")
	assert.Equal(t, `"e"`, v)
	assert.True(t, m.head.End)

	assert.False(t, shouldClose(w.sess))
	m = roundTrip(h2Request(9, "GET", host, "/close", true, ""))
	assert.Equal(t, "bye", string(m.body))
	assert.True(t, shouldClose(w.sess), "the upstream said Connection: close")
}

// TestPeerCloseDelimited: an HTTP/1.0-style upstream that ends its body by
// closing: the body streams, and EndOfInput ends the stream.
func TestPeerCloseDelimited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	stop := serve(ln, func(c net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(c))
		_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this, until the close")
	})
	defer stop()
	w := dialClient(t, ln.Addr().String())
	require.NoError(t, w.send(h2Request(11, "GET", "old.example", "/", true, "")))
	m, err := w.readMessage()
	require.NoError(t, err)
	assert.Equal(t, uint64(11), m.head.ID)
	assert.False(t, m.head.End)
	assert.Equal(t, "all of this, until the close", string(m.body))
	assert.True(t, shouldClose(w.sess))
}
