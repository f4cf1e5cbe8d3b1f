package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhttp2 "golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// The listener limits of issue 7, through the real binary: length claims,
// header count, concurrent streams, connections, detect/idle/request
// header/write timeouts.

// rawHTTP is an HTTP/1.1 backend on a bare socket, so a test sees exactly
// what reaches it and what it manages to write: each request's body is
// counted (got) and answered with a body of respBytes, counted as written
// (wrote) as the kernel takes it.
type rawHTTP struct {
	ln        net.Listener
	respBytes int64
	got       atomic.Int64
	wrote     atomic.Int64
	heads     atomic.Int64
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     []net.Conn
}

func startRawHTTP(t *testing.T, respBytes int64) *rawHTTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &rawHTTP{ln: ln, respBytes: respBytes}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				b.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		b.mu.Lock()
		for _, c := range b.conns {
			_ = c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

func (b *rawHTTP) addr() string { return b.ln.Addr().String() }

func (b *rawHTTP) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for {
		var clen int64
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
				clen, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			}
		}
		b.heads.Add(1)
		for clen > 0 {
			n, err := br.Discard(int(min(clen, 64<<10)))
			b.got.Add(int64(n))
			clen -= int64(n)
			if err != nil {
				return
			}
		}
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", b.respBytes); err != nil {
			return
		}
		for left := b.respBytes; left > 0; {
			n, err := c.Write(chunk[:min(left, int64(len(chunk)))])
			b.wrote.Add(int64(n))
			left -= int64(n)
			if err != nil {
				return
			}
		}
	}
}

// limitsConfig is one auto listener at {{ADDR}} with the given extra keys,
// whose catch-all goes to an HTTP/1.1 cluster at backend.
func limitsConfig(extra, backend string) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
%s
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http1, endpoints: [%s], request_timeout: 20s}
`, indent(extra, "    "), backend)
}

func indent(s, by string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(by + l + "\n")
		}
	}
	return b.String()
}

// dialLimit opens a client connection with a failsafe deadline.
func dialLimit(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitClosed reads until the peer closes c (EOF or reset) and returns what
// it read.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) []byte {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(within)))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the gateway did not close the connection within %s (read %q)", within, got)
	}
	return got
}

// assertOpen checks that the gateway has not closed c: a read finds no
// byte and no EOF for a short while.
func assertOpen(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	n, err := c.Read(make([]byte, 1))
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "connection answered or closed: n=%d err=%v", n, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
}

// readReply reads one whole HTTP/1.1 response and returns its status.
func readReply(t *testing.T, br *bufio.Reader) int {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

// heapInuse returns the gateway's heap in use, after a collection where the
// admin server offers one (pprof's heap profile with gc=1), so garbage
// not yet collected does not count.
func heapInuse(g *gateway) float64 {
	if resp, err := http.Get("http://" + g.admin + "/debug/pprof/heap?gc=1"); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return g.metric("go_memstats_heap_inuse_bytes")
}

// Frame headers claiming a huge body, and nothing more.
func boltClaim(n uint32) []byte {
	h := []byte{0x01, 0x01, 0x00, 0x01, 0x01, 0, 0, 0, 7, 0x01, 0, 0, 0x0b, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[18:], n) // contentLen
	return h
}

func dubboClaim(n uint32) []byte {
	h := []byte{0xda, 0xbb, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[12:], n) // body length
	return h
}

func thriftFramedClaim(n uint32) []byte {
	h := []byte{0, 0, 0, 0, 0x80, 0x01, 0x00, 0x01, 0, 0, 0, 4, 'e', 'c', 'h', 'o', 0, 0, 0, 7}
	binary.BigEndian.PutUint32(h, n) // frame size
	return h
}

// TestLimitLengthClaims: frame headers whose length fields claim up to
// 1 GiB make the gateway allocate nothing up front. On a listener whose
// max_frame_size allows them they wait for bytes that never come (until
// request_header_timeout closes them, counted); on one with a 1 MiB limit
// they are refused at once as too large. An HTTP/1.1 request claiming
// Content-Length 1 GiB is streamed to the upstream, not buffered; an
// HTTP/2 frame longer than SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR.
func TestLimitLengthClaims(t *testing.T) {
	be := startRawHTTP(t, 2)
	tight := freeAddr(t)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    max_frame_size: 1073741824
    request_header_timeout: 3s
    routes: [{cluster: web}]
  - name: tight
    address: "%s"
    max_frame_size: 1048576
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http1, endpoints: [%s], request_timeout: 20s}
`, tight, be.addr()))

	t.Run("refused over max_frame_size", func(t *testing.T) {
		for _, tc := range []struct {
			proto string
			claim []byte
		}{
			{"bolt", boltClaim(1 << 30)},
			{"dubbo", dubboClaim(1 << 30)},
			{"thrift", thriftFramedClaim(15 << 20)}, // framed Thrift is detected under 16 MiB
		} {
			c := dialLimit(t, tight)
			_, err := c.Write(tc.claim)
			require.NoError(t, err)
			waitClosed(t, c, 5*time.Second)
			assert.Equal(t, 1.0, g.metric(fmt.Sprintf(
				`xgate_decode_errors_total{kind="too_large",listener="tight",protocol=%q,side="downstream"}`, tc.proto)), tc.proto)
		}
	})

	t.Run("http2 frame over max frame size", func(t *testing.T) {
		c := dialLimit(t, g.addr)
		_, err := c.Write([]byte(xhttp2.ClientPreface))
		require.NoError(t, err)
		fr := xhttp2.NewFramer(c, c)
		require.NoError(t, fr.WriteSettings())
		// A HEADERS frame header claiming 16 MiB - 1 bytes, and no payload.
		_, err = c.Write([]byte{0xff, 0xff, 0xff, 0x1, 0x4, 0, 0, 0, 1})
		require.NoError(t, err)
		var code xhttp2.ErrCode
		for {
			f, err := fr.ReadFrame()
			require.NoError(t, err, "no GOAWAY before the close")
			if ga, ok := f.(*xhttp2.GoAwayFrame); ok {
				code = ga.ErrCode
				break
			}
		}
		assert.Equal(t, xhttp2.ErrCodeFrameSize, code)
		waitClosed(t, c, 5*time.Second)
	})

	t.Run("accepted claims allocate nothing", func(t *testing.T) {
		before := heapInuse(g)
		var conns []net.Conn
		for _, claim := range [][]byte{boltClaim(1<<30 - 64), dubboClaim(1<<30 - 64), thriftFramedClaim(16<<20 - 1)} {
			c := dialLimit(t, g.addr)
			_, err := c.Write(claim)
			require.NoError(t, err)
			conns = append(conns, c)
		}
		// HTTP/1.1: Content-Length 1 GiB, 8 MiB of it sent; the upstream
		// gets the bytes as they come.
		h1 := dialLimit(t, g.addr)
		_, err := fmt.Fprintf(h1, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 1<<30)
		require.NoError(t, err)
		const sent = 8 << 20
		chunk := bytes.Repeat([]byte("b"), 64<<10)
		for range sent / len(chunk) {
			_, err := h1.Write(chunk)
			require.NoError(t, err)
		}
		require.Eventually(t, func() bool { return be.got.Load() == sent }, 10*time.Second, 5*time.Millisecond,
			"the upstream got %d of the %d body bytes sent", be.got.Load(), sent)
		for _, c := range conns {
			assertOpen(t, c) // waiting for its body, not refused
		}
		grew := heapInuse(g) - before
		t.Logf("heap in use grew by %.1f MiB", grew/(1<<20))
		assert.Less(t, grew, float64(48<<20), "claims of ~2 GiB in total must not be allocated")
		assert.Equal(t, 0.0, g.metric(`xgate_decode_errors_total{kind="too_large",listener="edge",protocol="bolt",side="downstream"}`))

		// Stalled partial frames are closed by request_header_timeout.
		for _, c := range conns {
			waitClosed(t, c, 10*time.Second)
		}
		assert.Equal(t, 3.0, g.metric(`xgate_downstream_timeouts_total{kind="request_header",listener="edge"}`))
		assertOpen(t, h1) // a body in progress is not a partial head
	})
}

// h2Client is a raw HTTP/2 client connection: preface and SETTINGS sent.
type h2Client struct {
	c   net.Conn
	fr  *xhttp2.Framer
	enc *hpack.Encoder
	dec *hpack.Decoder
	buf bytes.Buffer
}

func dialH2(t *testing.T, addr string) *h2Client {
	t.Helper()
	c := dialLimit(t, addr)
	_, err := c.Write([]byte(xhttp2.ClientPreface))
	require.NoError(t, err)
	h := &h2Client{c: c, fr: xhttp2.NewFramer(c, c)}
	h.enc = hpack.NewEncoder(&h.buf)
	h.dec = hpack.NewDecoder(4096, nil)
	require.NoError(t, h.fr.WriteSettings())
	return h
}

func (h *h2Client) request(t *testing.T, id uint32, end bool, extra ...string) {
	t.Helper()
	h.buf.Reset()
	fields := append([]string{":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"}, extra...)
	for i := 0; i < len(fields); i += 2 {
		require.NoError(t, h.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]}))
	}
	require.NoError(t, h.fr.WriteHeaders(xhttp2.HeadersFrameParam{StreamID: id, BlockFragment: h.buf.Bytes(), EndHeaders: true, EndStream: end}))
}

// until reads frames until match returns true; it fails on a read error.
func (h *h2Client) until(t *testing.T, match func(f xhttp2.Frame) bool) {
	t.Helper()
	for {
		f, err := h.fr.ReadFrame()
		require.NoError(t, err)
		if match(f) {
			return
		}
	}
}

// status reads frames until the response head of stream id and returns its
// :status.
func (h *h2Client) status(t *testing.T, id uint32) string {
	t.Helper()
	var st string
	h.until(t, func(f xhttp2.Frame) bool {
		hf, ok := f.(*xhttp2.HeadersFrame)
		if !ok {
			return false
		}
		fields, err := h.dec.DecodeFull(hf.HeaderBlockFragment())
		require.NoError(t, err)
		if hf.StreamID != id {
			return false
		}
		for _, fl := range fields {
			if fl.Name == ":status" {
				st = fl.Value
			}
		}
		return true
	})
	return st
}

func manyFields(n int) []string {
	var f []string
	for i := range n {
		f = append(f, fmt.Sprintf("x-h%d", i), "v")
	}
	return f
}

// TestLimitHeaderCount: max_header_count bounds the header fields of a
// request, HTTP/1.1 and HTTP/2 alike: over it, 431; at it, served.
func TestLimitHeaderCount(t *testing.T) {
	be := startRawHTTP(t, 2)
	g := startGateway(t, limitsConfig("max_header_count: 10", be.addr()))

	h1 := func(fields int) string {
		c := dialLimit(t, g.addr)
		req := "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", fields-1) + "\r\n"
		_, err := c.Write([]byte(req))
		require.NoError(t, err)
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		return line
	}
	assert.Equal(t, "HTTP/1.1 200 OK\r\n", h1(10))
	assert.Equal(t, "HTTP/1.1 431 Request Header Fields Too Large\r\n", h1(11))

	h := dialH2(t, g.addr)
	h.request(t, 1, true, manyFields(10)...)
	assert.Equal(t, "200", h.status(t, 1))
	h.request(t, 3, true, manyFields(11)...)
	assert.Equal(t, "431", h.status(t, 3))
}

// TestLimitConcurrentStreams: max_concurrent_streams is advertised in the
// gateway's SETTINGS, and a stream beyond it is refused (REFUSED_STREAM)
// while the others go on.
func TestLimitConcurrentStreams(t *testing.T) {
	be := startRawHTTP(t, 2)
	g := startGateway(t, limitsConfig("max_concurrent_streams: 2", be.addr()))
	h := dialH2(t, g.addr)
	h.until(t, func(f xhttp2.Frame) bool {
		s, ok := f.(*xhttp2.SettingsFrame)
		if !ok || s.IsAck() {
			return false
		}
		v, ok := s.Value(xhttp2.SettingMaxConcurrentStreams)
		assert.True(t, ok, "SETTINGS_MAX_CONCURRENT_STREAMS advertised")
		assert.EqualValues(t, 2, v)
		return true
	})
	// Two streams whose bodies never end stay open; the third is refused.
	h.request(t, 1, false, "content-length", "10")
	h.request(t, 3, false, "content-length", "10")
	h.request(t, 5, true)
	h.until(t, func(f xhttp2.Frame) bool {
		rst, ok := f.(*xhttp2.RSTStreamFrame)
		if ok {
			assert.EqualValues(t, 5, rst.StreamID)
			assert.Equal(t, xhttp2.ErrCodeRefusedStream, rst.ErrCode)
		}
		return ok
	})
	// Finishing stream 1 frees a slot.
	require.NoError(t, h.fr.WriteData(1, true, []byte("0123456789")))
	assert.Equal(t, "200", h.status(t, 1))
	h.request(t, 7, true)
	assert.Equal(t, "200", h.status(t, 7))
}

// TestLimitConnections: max_connections refuses the connection beyond it
// (counted) and takes new ones once others left; detect_timeout closes a
// connection that sends nothing; idle_timeout one that stopped talking.
func TestLimitConnections(t *testing.T) {
	be := startRawHTTP(t, 2)
	g := startGateway(t, limitsConfig(`
max_connections: 2
detect_timeout: 500ms
idle_timeout: 700ms
`, be.addr()))

	get := func(c net.Conn) int {
		_, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		return readReply(t, bufio.NewReader(c))
	}
	a, b := dialLimit(t, g.addr), dialLimit(t, g.addr)
	assert.Equal(t, 200, get(a))
	assert.Equal(t, 200, get(b))
	third := dialLimit(t, g.addr)
	waitClosed(t, third, 5*time.Second)
	assert.Equal(t, 1.0, g.metric(`xgate_downstream_connections_refused_total{listener="edge",reason="max_connections"}`))

	// Both are idle now: closed by idle_timeout, counted.
	start := time.Now()
	waitClosed(t, a, 5*time.Second)
	waitClosed(t, b, 5*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.Eventually(t, func() bool {
		return g.metric(`xgate_downstream_timeouts_total{kind="idle",listener="edge"}`) == 2
	}, 5*time.Second, 10*time.Millisecond)

	// Room again; a silent connection is closed by detect_timeout.
	require.Eventually(t, func() bool { return g.metric(`xgate_downstream_connections_active{listener="edge"}`) == 0 },
		5*time.Second, 10*time.Millisecond)
	c := dialLimit(t, g.addr)
	assert.Equal(t, 200, get(c))
	silent := dialLimit(t, g.addr)
	waitClosed(t, silent, 5*time.Second)
	assert.Equal(t, 1.0, g.metric(`xgate_detect_total{listener="edge",protocol="",result="timeout"}`))
	assert.Equal(t, 1.0, g.metric(`xgate_downstream_connections_refused_total{listener="edge",reason="max_connections"}`))
}

// TestLimitRequestHeaderTimeout (slowloris): a client dribbling its request
// head one byte per 100 ms is answered 408 and closed at
// request_header_timeout, counted, while a normal client on the same
// listener is served throughout.
func TestLimitRequestHeaderTimeout(t *testing.T) {
	be := startRawHTTP(t, 2)
	const timeout = time.Second
	g := startGateway(t, limitsConfig("request_header_timeout: 1s", be.addr()))

	slow := dialLimit(t, g.addr)
	stop := make(chan struct{})
	dribbled := make(chan time.Time, 1)
	go func() {
		head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := range len(head) {
			if _, err := slow.Write([]byte{head[i]}); err != nil {
				return // closed by the gateway
			}
			if i == 0 {
				dribbled <- time.Now()
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	start := <-dribbled

	normal := dialLimit(t, g.addr)
	br := bufio.NewReader(normal)
	served := 0
	done := make(chan []byte, 1)
	go func() {
		require.NoError(t, slow.SetReadDeadline(time.Now().Add(10*time.Second)))
		got, _ := io.ReadAll(slow)
		done <- got
	}()
	var reply []byte
loop:
	for {
		select {
		case reply = <-done:
			break loop
		default:
		}
		_, err := normal.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		require.Equal(t, 200, readReply(t, br))
		served++
		time.Sleep(50 * time.Millisecond) // the normal client's pace
	}
	took := time.Since(start)
	assert.True(t, strings.HasPrefix(string(reply), "HTTP/1.1 408 "), "slow client got %q", reply)
	assert.GreaterOrEqual(t, took, timeout)
	assert.Less(t, took, 3*timeout)
	assert.Greater(t, served, 5, "the normal client was served meanwhile")
	assert.Equal(t, 1.0, g.metric(`xgate_downstream_timeouts_total{kind="request_header",listener="edge"}`))

	// HTTP/2: a header block dribbled as empty CONTINUATION frames, each
	// complete, is cut the same way.
	h := dialH2(t, g.addr)
	h.buf.Reset()
	require.NoError(t, h.enc.WriteField(hpack.HeaderField{Name: ":method", Value: "GET"}))
	require.NoError(t, h.fr.WriteHeaders(xhttp2.HeadersFrameParam{StreamID: 1, BlockFragment: h.buf.Bytes(), EndStream: true}))
	start = time.Now()
	cut := make(chan struct{})
	go func() {
		defer close(cut)
		for range 100 {
			if h.fr.WriteContinuation(1, false, nil) != nil {
				return // closed by the gateway
			}
			time.Sleep(100 * time.Millisecond) // the dribbling client's pace
		}
	}()
	waitClosed(t, h.c, 10*time.Second)
	took = time.Since(start)
	<-cut
	assert.GreaterOrEqual(t, took, timeout)
	assert.Less(t, took, 3*timeout)
	assert.Equal(t, 2.0, g.metric(`xgate_downstream_timeouts_total{kind="request_header",listener="edge"}`))
}

// TestLimitWriteTimeout: a client asks for a large download and never
// reads. The gateway stops decoding the upstream once the client holds
// more than the back-pressure bound, memory stays bounded, and the client
// is closed by write_timeout (counted), not by the slow-client bound.
func TestLimitWriteTimeout(t *testing.T) {
	const body = 12 << 20 // under the upstream inbound bound (max_frame_size + 1 MiB)
	be := startRawHTTP(t, body)
	g := startGateway(t, limitsConfig("write_timeout: 3s", be.addr()))
	before := heapInuse(g)

	c := dialLimit(t, g.addr)
	if tc, ok := c.(*net.TCPConn); ok {
		require.NoError(t, tc.SetReadBuffer(64<<10)) // keep the kernel from taking it all
	}
	start := time.Now()
	_, err := c.Write([]byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	waitStalled(t, &be.wrote)
	// Mid-stall: what the gateway holds for the client is bounded.
	grew := heapInuse(g) - before
	t.Logf("stalled: heap in use grew by %.1f MiB; the upstream wrote %.1f MiB", grew/(1<<20), float64(be.wrote.Load())/(1<<20))
	assert.Less(t, grew, float64(48<<20))
	require.Zero(t, g.metric(`xgate_downstream_timeouts_total{kind="write",listener="edge"}`), "closed before write_timeout")
	require.Eventually(t, func() bool {
		return g.metric(`xgate_downstream_timeouts_total{kind="write",listener="edge"}`) == 1
	}, 15*time.Second, 20*time.Millisecond, "the client that never reads was not closed by write_timeout")
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 3*time.Second)
	assert.Less(t, took, 8*time.Second)
	assert.Equal(t, 0.0, g.metric(`xgate_downstream_slow_client_closes_total{listener="edge"}`))

	// What reached the client is cut short of the response.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	n, _ := io.Copy(io.Discard, c)
	assert.Less(t, n, int64(body), "the download was cut off")
}

// waitStalled waits until *n, a count of bytes an upstream wrote, is more
// than zero and has not moved for 300 ms.
func waitStalled(t *testing.T, n *atomic.Int64) {
	t.Helper()
	last, since := int64(-1), time.Now()
	require.Eventually(t, func() bool {
		v := n.Load()
		if v != last {
			last, since = v, time.Now()
		}
		return v > 0 && time.Since(since) >= 300*time.Millisecond
	}, 10*time.Second, 20*time.Millisecond, "the upstream never stalled")
}

// TestLimitNeverReadingClientBoundsUpstream: a 64 MiB HTTP/1.1 download to
// a client that never reads. The gateway stops decoding the upstream
// (back-pressure), so what the upstream manages to write stays far below
// the response and the gateway's memory stays bounded. gnet cannot stop
// reading a socket, so the upstream is cut once the bytes it holds unread
// pass max_frame_size + 1 MiB (README, known limits), and the client,
// whose response can no longer complete, is closed.
func TestLimitNeverReadingClientBoundsUpstream(t *testing.T) {
	const body = 64 << 20
	be := startRawHTTP(t, body)
	g := startGateway(t, limitsConfig("max_frame_size: 4194304\nwrite_timeout: 30s", be.addr()))
	before := heapInuse(g)

	c := dialLimit(t, g.addr)
	if tc, ok := c.(*net.TCPConn); ok {
		require.NoError(t, tc.SetReadBuffer(64<<10))
	}
	_, err := c.Write([]byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return be.heads.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		return g.metric(`xgate_downstream_connections_active{listener="edge"}`) == 0
	}, 20*time.Second, 20*time.Millisecond, "the client that never reads was never closed")
	grew := heapInuse(g) - before
	wrote := be.wrote.Load()
	t.Logf("heap in use grew by %.1f MiB; the upstream wrote %.1f MiB of %d MiB", grew/(1<<20), float64(wrote)/(1<<20), body>>20)
	assert.Less(t, wrote, int64(body/2), "the upstream was not held back")
	assert.Less(t, grew, float64(32<<20))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	n, _ := io.Copy(io.Discard, c)
	assert.Less(t, n, int64(body), "the download was cut off")
}

// TestLimitRequestsPerConnection: on a multiplexed RPC protocol (Bolt) the
// per-connection stream bound is max_requests_per_connection: a request
// beyond it gets the protocol's overload reply while the others go on.
func TestLimitRequestsPerConnection(t *testing.T) {
	be := echoServer(t, boltpeer.ServerOptions{Hold: func(content []byte) bool { return string(content) == "hold" }})
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    max_requests_per_connection: 2
    routes: [{cluster: echo}]
clusters:
  - {name: echo, protocol: bolt, endpoints: [%s], request_timeout: 2s}
`, be.Addr()))
	c := dialBolt(t, g.addr)
	var wg sync.WaitGroup
	held := make(chan bolt.RespStatus, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Call(ctxTimeout(t, 10*time.Second), "com.example.EchoService", "echo", []byte("hold"))
			if assert.NoError(t, err) {
				held <- r.Status
			}
		}()
	}
	require.Eventually(t, func() bool { return be.Requests() == 2 }, 5*time.Second, 5*time.Millisecond)
	r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("third"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusServerThreadpoolBusy, r.Status, "the request over the bound is refused as overload")
	assert.EqualValues(t, 2, be.Requests(), "it never reached the upstream")
	wg.Wait()
	close(held)
	for st := range held {
		assert.Equal(t, bolt.StatusTimeout, st, "the held requests time out as usual")
	}
	r, err = c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("after"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status, "room again once they ended")
}

// h2Streamer is an h2c (prior knowledge) net/http backend whose handler
// streams size bytes, counting what its writes got through.
type h2Streamer struct {
	srv   *http.Server
	ln    net.Listener
	wrote atomic.Int64
	ended chan struct{}
}

func startH2Streamer(t *testing.T, size int64) *h2Streamer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &h2Streamer{ln: ln, ended: make(chan struct{}, 1)}
	chunk := bytes.Repeat([]byte("y"), 16<<10)
	protos := new(http.Protocols)
	protos.SetUnencryptedHTTP2(true)
	s.srv = &http.Server{Protocols: protos, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { s.ended <- struct{}{} }()
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		for left := size; left > 0; left -= int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			s.wrote.Add(int64(len(chunk)))
		}
	})}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// TestLimitWriteTimeoutHTTP2Upstream: a client that never reads asks an
// HTTP/2 upstream for 64 MiB. The gateway pauses that response stream
// (no more window for it), so the upstream's writes block after a few MiB;
// memory stays bounded; write_timeout then closes the client (counted) and
// the upstream stream is cancelled.
func TestLimitWriteTimeoutHTTP2Upstream(t *testing.T) {
	const body = 64 << 20
	be := startH2Streamer(t, body)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    write_timeout: 3s
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http2, endpoints: [%s], request_timeout: 20s}
`, be.ln.Addr()))
	before := heapInuse(g)

	c := dialLimit(t, g.addr)
	if tc, ok := c.(*net.TCPConn); ok {
		require.NoError(t, tc.SetReadBuffer(64<<10))
	}
	_, err := c.Write([]byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	waitStalled(t, &be.wrote)
	wrote := be.wrote.Load()
	grew := heapInuse(g) - before
	t.Logf("stalled: heap in use grew by %.1f MiB; the upstream wrote %.1f MiB of %d MiB", grew/(1<<20), float64(wrote)/(1<<20), body>>20)
	assert.Less(t, wrote, int64(16<<20), "the upstream was not held back")
	assert.Less(t, grew, float64(32<<20))
	require.Zero(t, g.metric(`xgate_downstream_timeouts_total{kind="write",listener="edge"}`), "closed before write_timeout")
	require.Eventually(t, func() bool {
		return g.metric(`xgate_downstream_timeouts_total{kind="write",listener="edge"}`) == 1
	}, 15*time.Second, 20*time.Millisecond, "the client that never reads was not closed by write_timeout")
	assert.Equal(t, 0.0, g.metric(`xgate_downstream_slow_client_closes_total{listener="edge"}`))
	select {
	case <-be.ended: // its stream was reset: the handler's write failed
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream handler was never released")
	}
	assert.Less(t, be.wrote.Load(), int64(body))
}
