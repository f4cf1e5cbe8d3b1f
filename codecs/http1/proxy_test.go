package http1_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// bounds records the most any proxy wire held, across connections.
type bounds struct {
	mu                      sync.Mutex
	maxIn, maxFrame, maxOut int
}

func (b *bounds) add(w *wire) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maxIn, b.maxFrame, b.maxOut = max(b.maxIn, w.maxIn), max(b.maxFrame, w.maxFrame), max(b.maxOut, w.maxOut)
}

// startProxy runs a minimal gateway on 127.0.0.1: each downstream
// connection gets a server session, and its requests go, frame by frame,
// through a client session on an upstream connection to upAddr; responses
// come back the same way. Frames are forwarded as decoded, so the codec's
// own fast path is what runs.
func startProxy(t *testing.T, upAddr string, frameLimit int, b *bounds) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	opts := xprotocol.SessionOptions{MaxFrameSize: frameLimit}
	stopServe := serve(ln, func(c net.Conn) {
		o := opts
		o.Role, o.RemoteAddr = xprotocol.RoleServer, c.RemoteAddr().String()
		down := newWire(c, http1.Proto.NewSession(o))
		defer b.add(down)
		var up *wire
		defer func() {
			if up != nil {
				up.conn.Close()
				b.add(up)
			}
		}()
		for {
			f, err := down.next()
			if err != nil {
				return
			}
			if up == nil || up.shut {
				conn, err := net.Dial("tcp", upAddr)
				if err != nil {
					f.Release()
					return
				}
				o := opts
				o.Role = xprotocol.RoleClient
				up = newWire(conn, http1.Proto.NewSession(o))
			}
			if !relay(down, up, f) {
				return
			}
			r, err := up.next()
			if err != nil {
				return
			}
			if !relay(up, down, r) {
				return
			}
		}
	})
	var once sync.Once
	stop = func() { once.Do(stopServe) }
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// relay sends head f from one wire to the other, then its data frames.
func relay(from, to *wire, f xprotocol.Frame) bool {
	for {
		end := f.EndStream()
		if err := to.send(f); err != nil && !(end && err == errClosed) {
			return false
		}
		if end {
			return true
		}
		var err error
		if f, err = from.next(); err != nil {
			return false
		}
	}
}

// TestProxyRoundTrip: net/http client → server session → client session →
// net/http server, and back.
func TestProxyRoundTrip(t *testing.T) {
	up := httptest.NewServer(upstreamHandler())
	defer up.Close()
	var b bounds
	addr, _ := startProxy(t, strings.TrimPrefix(up.URL, "http://"), 16<<10, &b)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	req, err := http.NewRequest("POST", "http://"+addr+"/echo", strings.NewReader("ping"))
	require.NoError(t, err)
	req.Header.Set("Cookie", "k=v")
	resp, err := client.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ping", string(body))
	assert.Equal(t, addr, resp.Header.Get("X-Host"))
	assert.Equal(t, "k=v", resp.Header.Get("X-Cookie"))

	req, err = http.NewRequest("PUT", "http://"+addr+"/echo", io.MultiReader(strings.NewReader("chunk"), strings.NewReader("ed")))
	require.NoError(t, err)
	req.Trailer = http.Header{"X-Sum": {"7"}}
	resp, err = client.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "chunked", string(body))
	assert.Equal(t, "7", resp.Header.Get("X-Trailer"))

	resp, err = client.Get("http://" + addr + "/chunked")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "part1,part2", string(body))
	assert.Equal(t, "tv", resp.Trailer.Get("X-T"))

	resp, err = client.Head("http://" + addr + "/cl")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, int64(5), resp.ContentLength)

	resp, err = client.Get("http://" + addr + "/103")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "after hints", string(body))
}

// TestStreamingLargeBody streams a large body up and down through the
// proxy, Content-Length and chunked: every frame stays within FrameLimit,
// and what a session's connection holds stays bounded by one read plus
// one head, whatever the body size.
func TestStreamingLargeBody(t *testing.T) {
	size := 64 << 20
	if testing.Short() {
		size = 8 << 20
	}
	const frameLimit = 8 << 10 // below one read, so reads are split into frames
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			if r.URL.Query().Get("cl") != "" {
				w.Header().Set("Content-Length", strconv.Itoa(n))
			}
			gen := newPattern()
			for n > 0 {
				k := min(n, 100_000)
				n -= k
				if _, err := w.Write(gen.next(k)); err != nil {
					return
				}
			}
			return
		}
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	}))
	defer up.Close()
	var b bounds
	addr, stopProxy := startProxy(t, strings.TrimPrefix(up.URL, "http://"), frameLimit, &b)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	want := sha256.New()
	_, _ = io.Copy(want, &patternReader{left: size, p: newPattern()})
	wantSum := hex.EncodeToString(want.Sum(nil))

	for _, chunked := range []bool{false, true} {
		var body io.Reader = &patternReader{left: size, p: newPattern()}
		req, err := http.NewRequest("POST", "http://"+addr+"/up", body)
		require.NoError(t, err)
		if !chunked {
			req.ContentLength = int64(size)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, fmt.Sprintf("%d %s", size, wantSum), string(got), "upload chunked=%v", chunked)

		url := fmt.Sprintf("http://%s/down?n=%d", addr, size)
		if !chunked {
			url += "&cl=1"
		}
		resp, err = client.Get(url)
		require.NoError(t, err)
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, int64(size), n)
		assert.Equal(t, wantSum, hex.EncodeToString(h.Sum(nil)), "download chunked=%v", chunked)
	}
	tr.CloseIdleConnections()
	stopProxy() // every proxy connection has ended and reported its bounds
	t.Logf("largest input held %d, data frame %d, encoded frame %d", b.maxIn, b.maxFrame, b.maxOut)
	assert.LessOrEqual(t, b.maxFrame, frameLimit, "a data frame exceeded FrameLimit")
	assert.LessOrEqual(t, b.maxIn, readSize+http1.DefaultMaxInlineBody+4<<10, "input held beyond one read and one head")
	assert.LessOrEqual(t, b.maxOut, frameLimit+64, "one Encode wrote more than a frame")
	assert.Positive(t, b.maxFrame)
}

// patternReader reads the pattern stream without holding it.
type patternReader struct {
	left int
	p    *pattern
}

func (r *patternReader) Read(b []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := min(len(b), r.left, 64<<10)
	copy(b, r.p.next(n))
	r.left -= n
	return n, nil
}
