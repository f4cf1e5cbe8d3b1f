package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhttp2 "golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/conformance/peerserver"
	"github.com/xgate/xgate/xprotocol"
)

// faultGoroutineSlack is how far above its idle baseline the gateway's
// goroutine count may be once an adversary is gone.
const faultGoroutineSlack = 4

// faultEnv is one gateway with an auto listener whose routes send each
// adversary to a cluster of its own, so one scenario's ejected host or
// counters do not touch another's.
type faultEnv struct {
	g              *gateway
	baseGoroutines float64
}

// faultCluster is a cluster of one endpoint reached by Bolt requests to
// service (when set) or by HTTP requests under path.
type faultCluster struct {
	name, protocol, endpoint string
	service                  string // Bolt service routed here
	path                     string // HTTP path prefix routed here
}

// startFaultEnv starts the gateway and records its idle goroutine count.
func startFaultEnv(t *testing.T, clusters ...faultCluster) *faultEnv {
	t.Helper()
	routes := make([]rpcRoute, 0, len(clusters))
	for _, c := range clusters {
		r := rpcRoute{cluster: c.name, protocol: c.protocol, endpoint: c.endpoint}
		switch {
		case c.service != "":
			r.match = "protocol: bolt, service: " + c.service
		case c.path != "":
			r.match = "path_prefix: " + c.path
		}
		routes = append(routes, r)
	}
	return startRPCFaultEnv(t, routes...)
}

// settled requires that the gateway has no client connection left and its
// goroutines are back near their idle baseline.
func (e *faultEnv) settled(t *testing.T) {
	t.Helper()
	assert.Eventually(t, func() bool { return e.g.metric(`xgate_downstream_connections_active{listener="edge"}`) == 0 },
		10*time.Second, 10*time.Millisecond, "client connections left open")
	var n float64
	assert.Eventually(t, func() bool {
		n = e.g.metric("go_goroutines")
		return n <= e.baseGoroutines+faultGoroutineSlack
	}, 10*time.Second, 20*time.Millisecond, "gateway goroutines back to the baseline %v", e.baseGoroutines)
}

// waitMetric waits until series reaches at least want.
func (e *faultEnv) waitMetric(t *testing.T, series string, want float64) {
	t.Helper()
	var got float64
	if !assert.Eventually(t, func() bool { got = e.g.metric(series); return got >= want }, 10*time.Second, 10*time.Millisecond) {
		t.Errorf("%s = %v, want >= %v", series, got, want)
	}
}

// boltRequestBytes is one encoded Bolt v1 request to service.
func boltRequestBytes(t *testing.T, id uint32, service string, content []byte) []byte {
	t.Helper()
	f, err := bolt.Build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: id, Timeout: 5 * time.Second,
		Class: "java.lang.String", Headers: [][2]string{{"service", service}, {"sofa_head_method_name", "m"}}, Content: content})
	require.NoError(t, err)
	defer f.Release()
	b, err := f.AppendBinary(nil)
	require.NoError(t, err)
	return b
}

// decodeBolt decodes every whole Bolt frame in b; rest is what is left.
func decodeBolt(t *testing.T, b []byte) (frames []*boltpeer.Response, rest []byte) {
	t.Helper()
	for {
		f, n, err := bolt.Decode(b, 0)
		if errors.Is(err, xprotocol.ErrIncomplete) {
			return frames, b
		}
		require.NoError(t, err)
		frames = append(frames, &boltpeer.Response{ID: f.RequestID(), Status: f.RespStatus(), Content: append([]byte(nil), f.Content()...)})
		f.Release()
		b = b[n:]
	}
}

// dialRaw opens a plain TCP connection to the gateway with a deadline.
func dialRaw(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(15*time.Second)))
	return c.(*net.TCPConn)
}

// reset closes c with an RST (SO_LINGER 0) instead of a FIN.
func reset(t *testing.T, c *net.TCPConn) {
	t.Helper()
	require.NoError(t, c.SetLinger(0))
	require.NoError(t, c.Close())
}

// rawBackend runs serve on every connection accepted on a loopback port
// and counts the connections.
type rawBackend struct {
	*peerserver.Server
	conns atomic.Int64
}

func startRawBackend(t *testing.T, serve func(c *net.TCPConn)) *rawBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &rawBackend{}
	b.Server = peerserver.Start(ln, func(c net.Conn) {
		b.conns.Add(1)
		_ = c.SetDeadline(time.Now().Add(15 * time.Second))
		serve(c.(*net.TCPConn))
	})
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestFaultClientHalfClose: a client that sends a whole request and then
// shuts down its writing side (FIN). Bolt and HTTP/1.1 would both allow
// the reply to follow, but gnet closes a connection as soon as a read
// returns EOF (it has no half-closed state), so the gateway cannot keep
// the connection for the reply: a known limit (README). What the test
// holds the gateway to: the connection ends with a FIN and either nothing
// or exactly the whole reply (never part of one, never an RST), the
// request reached the upstream (Bolt; an HTTP/1.1 request, a stream, may
// be cancelled first) and its late reply is dropped cleanly, the close is
// counted as abandoning a request in flight, and nothing leaks.
func TestFaultClientHalfClose(t *testing.T) {
	echo := echoServer(t, boltpeer.ServerOptions{Name: "echo"})
	web := httpBackend(t, "web", false)
	e := startFaultEnv(t,
		faultCluster{name: "bolt", protocol: "bolt", endpoint: echo.Addr(), service: "svc"},
		faultCluster{name: "web", protocol: "http1", endpoint: web.Addr()})
	abandoned := `xgate_downstream_incomplete_closes_total{listener="edge"}`

	t.Run("bolt", func(t *testing.T) {
		before := e.g.metric(abandoned)
		c := dialRaw(t, e.g.addr)
		_, err := c.Write(boltRequestBytes(t, 7, "svc", []byte("half")))
		require.NoError(t, err)
		require.NoError(t, c.CloseWrite())
		all, err := io.ReadAll(c)
		require.NoError(t, err, "the gateway closes with a FIN, not an RST")
		frames, rest := decodeBolt(t, all)
		assert.Empty(t, rest, "no partial reply")
		if len(frames) > 0 {
			require.Len(t, frames, 1, "exactly the reply")
			assert.Equal(t, uint32(7), frames[0].ID)
			assert.Equal(t, bolt.StatusSuccess, frames[0].Status)
			assert.Equal(t, "half", string(frames[0].Content))
		} else {
			t.Log("reply dropped: the gateway closed on the client's FIN (gnet)")
			e.waitMetric(t, abandoned, before+1)
		}
		e.waitMetric(t, `xgate_upstream_responses_total{cluster="bolt",status="ok"}`, 1)
		assert.Equal(t, int64(1), echo.Requests(), "the request reached the upstream")
		e.settled(t)
	})
	t.Run("http1", func(t *testing.T) {
		before := e.g.metric(abandoned)
		c := dialRaw(t, e.g.addr)
		_, err := io.WriteString(c, "GET /whoami HTTP/1.1\r\nHost: half.example\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, c.CloseWrite())
		all, err := io.ReadAll(c)
		require.NoError(t, err, "the gateway closes with a FIN, not an RST")
		if len(all) > 0 {
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
			require.NoError(t, err, "a whole response: %q", all)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err, "a whole body")
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "web", string(body))
		} else {
			t.Log("reply dropped: the gateway closed on the client's FIN (gnet)")
			e.waitMetric(t, abandoned, before+1)
		}
		// The request was either relayed (and its reply dropped) or, as a
		// stream the client abandoned, cancelled before it was sent.
		assert.LessOrEqual(t, web.Requests(), int64(1))
		e.settled(t)
	})
}

// TestFaultClientResetMidFrame: a client that sends part of a request (half
// a Bolt frame, half an HTTP/1.1 head) and then resets the connection is
// dropped: nothing reaches the upstream, the close is counted
// (xgate_downstream_incomplete_closes_total), the connection is gone from
// the gateway's gauges, and the gateway keeps serving.
func TestFaultClientResetMidFrame(t *testing.T) {
	echo := echoServer(t, boltpeer.ServerOptions{Name: "echo"})
	web := httpBackend(t, "web", false)
	e := startFaultEnv(t,
		faultCluster{name: "bolt", protocol: "bolt", endpoint: echo.Addr(), service: "svc"},
		faultCluster{name: "web", protocol: "http1", endpoint: web.Addr()})
	cases := []struct {
		name, protocol string
		partial        []byte
	}{
		{"bolt", "bolt", boltRequestBytes(t, 1, "svc", bytes.Repeat([]byte("x"), 200))[:40]},
		{"http1", "http1", []byte("POST /echo HTTP/1.1\r\nHost: reset.example\r\nContent-Le")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			detected := e.g.metric(fmt.Sprintf(`xgate_detect_total{listener="edge",protocol="%s",result="matched"}`, tc.protocol))
			accepted := e.g.metric(`xgate_downstream_connections_total{listener="edge"}`)
			abandoned := e.g.metric(`xgate_downstream_incomplete_closes_total{listener="edge"}`)
			boltBefore, webBefore := echo.Requests(), web.Requests()
			c := dialRaw(t, e.g.addr)
			_, err := c.Write(tc.partial)
			require.NoError(t, err)
			// The gateway has read the partial frame once it has told the
			// protocol; then the client resets.
			e.waitMetric(t, fmt.Sprintf(`xgate_detect_total{listener="edge",protocol="%s",result="matched"}`, tc.protocol), detected+1)
			reset(t, c)
			e.waitMetric(t, `xgate_downstream_incomplete_closes_total{listener="edge"}`, abandoned+1)
			e.settled(t)
			assert.Equal(t, accepted+1, e.g.metric(`xgate_downstream_connections_total{listener="edge"}`))
			assert.Equal(t, boltBefore, echo.Requests(), "nothing reached the Bolt upstream")
			assert.Equal(t, webBefore, web.Requests(), "nothing reached the HTTP upstream")
			// The gateway still serves.
			bc := dialBolt(t, e.g.addr)
			r, err := bc.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("after"))
			require.NoError(t, err)
			assert.Equal(t, bolt.StatusSuccess, r.Status)
		})
	}
}

// TestFaultUpstreamResetMidResponse: an upstream that writes part of a
// response and then resets its connection. Before the head reached the
// client the client gets the protocol's error reply (Bolt: an error
// status; HTTP/1.1 and h2c: 503); after the head was forwarded an
// HTTP/1.1 client sees its connection closed (it has no other way to learn
// the body is cut) and an h2c client sees the stream reset with
// INTERNAL_ERROR (not REFUSED_STREAM, which would tell it the request was
// not processed) while its connection lives on. The upstream close is counted as remote.
func TestFaultUpstreamResetMidResponse(t *testing.T) {
	// halfThenReset answers the first read with half of resp, then resets.
	halfThenReset := func(resp func(req []byte) []byte) func(c *net.TCPConn) {
		return func(c *net.TCPConn) {
			buf := make([]byte, 64<<10)
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			out := resp(buf[:n])
			_, _ = c.Write(out[:len(out)/2])
			_ = c.SetLinger(0)
		}
	}
	boltReset := startRawBackend(t, halfThenReset(func(req []byte) []byte {
		f, _, err := bolt.Decode(req, 0)
		if err != nil {
			return []byte("garbage!")
		}
		defer f.Release()
		r, err := bolt.Build(bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: f.RequestID(),
			Class: "java.lang.String", Content: bytes.Repeat([]byte("r"), 100)})
		if err != nil {
			return []byte("garbage!")
		}
		defer r.Release()
		b, _ := r.AppendBinary(nil)
		return b
	}))
	headReset := func() *rawBackend {
		return startRawBackend(t, halfThenReset(func([]byte) []byte {
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")
		}))
	}
	// bodyReset sends a whole head and part of the body, waits for the
	// test to see the head at the client, then resets.
	bodyCut := make(chan struct{}, 2)
	bodyReset := func() *rawBackend {
		return startRawBackend(t, func(c *net.TCPConn) {
			if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1048576\r\n\r\n"+strings.Repeat("b", 1000))
			select {
			case <-bodyCut:
			case <-time.After(10 * time.Second):
			}
			_ = c.SetLinger(0)
		})
	}
	h1Head, h2Head, h1Body, h2Body := headReset(), headReset(), bodyReset(), bodyReset()
	e := startFaultEnv(t,
		faultCluster{name: "bolt-reset", protocol: "bolt", endpoint: boltReset.Addr(), service: "svc"},
		faultCluster{name: "h1-head", protocol: "http1", endpoint: h1Head.Addr(), path: "/h1-head"},
		faultCluster{name: "h2-head", protocol: "http1", endpoint: h2Head.Addr(), path: "/h2-head"},
		faultCluster{name: "h1-body", protocol: "http1", endpoint: h1Body.Addr(), path: "/h1-body"},
		faultCluster{name: "h2-body", protocol: "http1", endpoint: h2Body.Addr(), path: "/h2-body"})
	remote := func(cluster string) string {
		return fmt.Sprintf(`xgate_upstream_connections_closed_total{cluster="%s",reason="remote"}`, cluster)
	}

	t.Run("bolt", func(t *testing.T) {
		c := dialBolt(t, e.g.addr)
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("x"))
		require.NoError(t, err, "an error reply, not a broken connection")
		assert.NotEqual(t, bolt.StatusSuccess, r.Status)
		assert.Equal(t, int64(1), boltReset.conns.Load())
		e.waitMetric(t, remote("bolt-reset"), 1)
		e.waitMetric(t, `xgate_local_replies_total{listener="edge",status="unavailable"}`, 1)
		// The client's connection is still good.
		_, err = c.Heartbeat(ctxTimeout(t, 10*time.Second))
		assert.NoError(t, err)
	})
	for _, h2c := range []bool{false, true} {
		name := map[bool]string{false: "h1", true: "h2"}[h2c]
		t.Run(name+"/head", func(t *testing.T) {
			c := newHTTPClient(t, h2c)
			c.Timeout = 10 * time.Second
			resp, err := c.Get("http://" + e.g.addr + "/" + name + "-head")
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			e.waitMetric(t, remote(name+"-head"), 1)
		})
		t.Run(name+"/body", func(t *testing.T) {
			c := newHTTPClient(t, h2c)
			c.Timeout = 10 * time.Second
			resp, err := c.Get("http://" + e.g.addr + "/" + name + "-body")
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode, "the head was forwarded")
			bodyCut <- struct{}{}
			got, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			require.Error(t, err, "the cut body is not taken for a whole one")
			assert.Less(t, len(got), 1<<20)
			if h2c {
				var se xhttp2.StreamError
				require.True(t, errors.As(err, &se), "h2c: the stream is reset (%v)", err)
				assert.Equal(t, xhttp2.ErrCodeInternal, se.Code,
					"not REFUSED_STREAM: the request was processed, it is not safe to retry")
				// The connection lives on.
				resp, err := c.Get("http://" + e.g.addr + "/h2-head")
				require.NoError(t, err)
				_ = resp.Body.Close()
			} else {
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "h1: the connection closes early")
			}
			e.waitMetric(t, remote(name+"-body"), 1)
		})
	}
	e.settled(t) // the subtests' clients were closed by their cleanups
}

// uploadBackend is a net/http server whose handler reads the request body
// to its end and reports how that went.
type uploadBackend struct {
	addr    string
	entered chan struct{} // a handler started reading
	result  chan error    // what reading the body ended with
}

func startUploadBackend(t *testing.T, h2 bool) *uploadBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &uploadBackend{addr: ln.Addr().String(), entered: make(chan struct{}, 4), result: make(chan error, 4)}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(h2)
	srv := &http.Server{Protocols: &protos, ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b.entered <- struct{}{}
			_, err := io.Copy(io.Discard, r.Body)
			b.result <- err
			if err == nil {
				w.WriteHeader(http.StatusNoContent)
			}
		})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return b
}

// wait returns what the next handler's body read ended with.
func (b *uploadBackend) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-b.result:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream request never ended: it was not aborted")
		return nil
	}
}

// TestFaultClientAbortMidRequest: a client that goes away in the middle of
// a request body (HTTP/1.1: closes its connection after the head and part
// of the body; HTTP/2: RST_STREAM after part of the body) has its upstream
// request aborted: the backend's body read fails instead of waiting, and
// the gateway counts it (HTTP/1.1: the upstream connection closed locally
// and the client connection counted as abandoning a request; HTTP/2: a
// client stream reset, while the client's connection lives on).
func TestFaultClientAbortMidRequest(t *testing.T) {
	h1, h2 := startUploadBackend(t, false), startUploadBackend(t, true)
	e := startFaultEnv(t,
		faultCluster{name: "up-h1", protocol: "http1", endpoint: h1.addr, path: "/h1"},
		faultCluster{name: "up-h2", protocol: "http2", endpoint: h2.addr, path: "/h2"})
	const declared = 1 << 20

	t.Run("http1", func(t *testing.T) {
		c := dialRaw(t, e.g.addr)
		_, err := fmt.Fprintf(c, "POST /h1/upload HTTP/1.1\r\nHost: abort.example\r\nContent-Length: %d\r\n\r\n", declared)
		require.NoError(t, err)
		_, err = c.Write(bytes.Repeat([]byte("u"), 16<<10))
		require.NoError(t, err)
		select {
		case <-h1.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the request never reached the upstream")
		}
		require.NoError(t, c.Close())
		err = h1.wait(t)
		assert.Error(t, err, "the upstream sees its request body fail")
		e.waitMetric(t, `xgate_upstream_connections_closed_total{cluster="up-h1",reason="local"}`, 1)
		e.waitMetric(t, `xgate_downstream_incomplete_closes_total{listener="edge"}`, 1)
		e.settled(t)
	})
	t.Run("h2c", func(t *testing.T) {
		resets := e.g.metric(`xgate_downstream_stream_resets_total{listener="edge"}`)
		c := dialRaw(t, e.g.addr)
		_, err := io.WriteString(c, xhttp2.ClientPreface)
		require.NoError(t, err)
		fr := xhttp2.NewFramer(c, c)
		require.NoError(t, fr.WriteSettings())
		var hb bytes.Buffer
		enc := hpack.NewEncoder(&hb)
		for _, hf := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "abort.example"},
			{":path", "/h2/upload"}, {"content-length", fmt.Sprint(declared)}} {
			require.NoError(t, enc.WriteField(hpack.HeaderField{Name: hf[0], Value: hf[1]}))
		}
		require.NoError(t, fr.WriteHeaders(xhttp2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true}))
		require.NoError(t, fr.WriteData(1, false, bytes.Repeat([]byte("u"), 16<<10)))
		select {
		case <-h2.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the request never reached the upstream")
		}
		require.NoError(t, fr.WriteRSTStream(1, xhttp2.ErrCodeCancel))
		err = h2.wait(t)
		assert.Error(t, err, "the upstream sees its request body fail")
		e.waitMetric(t, `xgate_downstream_stream_resets_total{listener="edge"}`, resets+1)
		// The client's connection lives on: a PING is answered.
		require.NoError(t, fr.WritePing(false, [8]byte{1, 2, 3}))
		for {
			f, err := fr.ReadFrame()
			require.NoError(t, err, "the connection survives the stream reset")
			if p, ok := f.(*xhttp2.PingFrame); ok && p.IsAck() {
				break
			}
			if s, ok := f.(*xhttp2.SettingsFrame); ok && !s.IsAck() {
				require.NoError(t, fr.WriteSettingsAck())
			}
		}
		require.NoError(t, c.Close())
		e.settled(t)
	})
}
