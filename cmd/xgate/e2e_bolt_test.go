package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

func echoServer(t testing.TB, opts boltpeer.ServerOptions) *boltpeer.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := boltpeer.Serve(ln, opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func boltConfig(timeout string, endpoints ...string) string {
	return fmt.Sprintf(`
admin:
  address: {{ADMIN}}
listeners:
  - name: edge
    address: {{ADDR}}
    protocols: [auto]
    detect_timeout: 2s
    routes:
      - match: {service: com.example.EchoService}
        cluster: echo
      - match: {service: com.example.Canary, headers: {x-env: canary}}
        cluster: echo
clusters:
  - name: echo
    protocol: bolt
    lb: round_robin
    request_timeout: %s
    connect_timeout: 500ms
    endpoints: [%s]
`, timeout, strings.Join(endpoints, ", "))
}

func dialBolt(t *testing.T, addr string) *boltpeer.Client {
	t.Helper()
	c, err := boltpeer.Dial(addr, 2*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestBoltRoundRobinThroughGateway(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "a"})
	b := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	g := startGateway(t, boltConfig("3s", a.Addr(), b.Addr()))
	c := dialBolt(t, g.addr)

	var seen []string
	for i := range 10 {
		msg := fmt.Sprintf("hello-%d", i)
		r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte(msg))
		require.NoError(t, err)
		require.Equal(t, bolt.StatusSuccess, r.Status)
		require.Equal(t, msg, string(r.Content))
		seen = append(seen, r.Headers["server"])
	}
	// Sequential requests alternate between the two backends.
	for i := 1; i < len(seen); i++ {
		assert.NotEqual(t, seen[i-1], seen[i], "round robin broken: %v", seen)
	}
	assert.EqualValues(t, 5, a.Requests())
	assert.EqualValues(t, 5, b.Requests())

	// Header matching routes too.
	r, err := c.Do(ctxTimeout(t, 5*time.Second), [][2]string{{"service", "com.example.Canary"}, {"x-env", "canary"}}, []byte("c"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status)

	// A heartbeat is answered by the gateway itself.
	before := a.Requests() + b.Requests()
	hb, err := c.Heartbeat(ctxTimeout(t, 5*time.Second))
	require.NoError(t, err)
	assert.True(t, hb.Heartbeat)
	assert.Equal(t, bolt.StatusSuccess, hb.Status)
	assert.Equal(t, before, a.Requests()+b.Requests())
}

func TestBoltConcurrentOutOfOrder(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "a", Shuffle: true})
	b := echoServer(t, boltpeer.ServerOptions{Name: "b", Shuffle: true})
	g := startGateway(t, boltConfig("10s", a.Addr(), b.Addr()))
	c := dialBolt(t, g.addr)

	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := fmt.Sprintf("req-%04d", i)
			r, err := c.Call(ctxTimeout(t, 20*time.Second), "com.example.EchoService", "echo", []byte(msg))
			switch {
			case err != nil:
				errs <- err
			case r.Status != bolt.StatusSuccess:
				errs <- fmt.Errorf("%s: status %v", msg, r.Status)
			case string(r.Content) != msg:
				errs <- fmt.Errorf("sent %q, got %q", msg, r.Content)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.EqualValues(t, n, a.Requests()+b.Requests())
	assert.Positive(t, a.Reordered()+b.Reordered(), "backends never answered out of order; the test proves nothing")
}

func TestBoltKilledUpstream(t *testing.T) {
	var held sync.WaitGroup
	held.Add(2)
	a := echoServer(t, boltpeer.ServerOptions{Name: "a", Hold: func([]byte) bool { held.Done(); return true }})
	b := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	g := startGateway(t, boltConfig("10s", a.Addr(), b.Addr()))
	c := dialBolt(t, g.addr)

	// Four requests: round robin puts two on a, which holds them.
	results := make(chan *boltpeer.Response, 4)
	for i := range 4 {
		go func() {
			r, err := c.Call(ctxTimeout(t, 10*time.Second), "com.example.EchoService", "echo", fmt.Appendf(nil, "%d", i))
			if assert.NoError(t, err) {
				results <- r
			}
		}()
	}
	held.Wait()
	require.NoError(t, a.Close()) // kill a with two requests in flight

	var ok, unavailable int
	for range 4 {
		select {
		case r := <-results:
			switch r.Status {
			case bolt.StatusSuccess:
				ok++
				assert.Equal(t, "b", r.Headers["server"])
			case bolt.StatusConnectionClosed:
				unavailable++
			default:
				t.Errorf("unexpected status %v", r.Status)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a request hung after its upstream died")
		}
	}
	assert.Equal(t, 2, ok)
	assert.Equal(t, 2, unavailable)

	// The next requests go to the live backend.
	for i := range 4 {
		r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", fmt.Appendf(nil, "after-%d", i))
		require.NoError(t, err)
		require.Equal(t, bolt.StatusSuccess, r.Status)
		assert.Equal(t, "b", r.Headers["server"])
	}
}

func TestBoltErrorReplies(t *testing.T) {
	held := echoServer(t, boltpeer.ServerOptions{Name: "slow", Hold: func([]byte) bool { return true }})
	g := startGateway(t, boltConfig("200ms", held.Addr()))
	c := dialBolt(t, g.addr)

	// No route: NO_PROCESSOR with a message.
	r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.Unknown", "x", nil)
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusNoProcessor, r.Status)
	assert.Contains(t, string(r.Content), "no route")

	// The upstream never answers: TIMEOUT after the cluster's request timeout.
	start := time.Now()
	r, err = c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("slow"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusTimeout, r.Status)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	assert.Equal(t, 1.0, g.metric(`xgate_local_replies_total{listener="edge",status="timeout"}`))
	assert.Equal(t, 1.0, g.metric(`xgate_local_replies_total{listener="edge",status="no_route"}`))
}

func TestBoltUpstreamDown(t *testing.T) {
	dead := freeAddr(t) // nothing listens here
	g := startGateway(t, boltConfig("3s", dead))
	c := dialBolt(t, g.addr)
	for range 3 {
		r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("x"))
		require.NoError(t, err, "the gateway must answer, not hang")
		assert.Equal(t, bolt.StatusConnectionClosed, r.Status)
	}
	assert.GreaterOrEqual(t, g.metric(`xgate_upstream_connect_failures_total{cluster="echo"}`), 1.0)
}

func TestGarbageClosedOthersCarryOn(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "a"})
	g := startGateway(t, boltConfig("3s", a.Addr()))
	good := dialBolt(t, g.addr)
	_, err := good.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("before"))
	require.NoError(t, err)

	// Bytes no protocol claims: the gateway closes the connection.
	bad, err := net.Dial("tcp", g.addr)
	require.NoError(t, err)
	defer bad.Close()
	_, err = bad.Write([]byte("\xff\xfe garbage that is no protocol at all"))
	require.NoError(t, err)
	require.NoError(t, bad.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = bad.Read(make([]byte, 16))
	require.Error(t, err, "the gateway kept a garbage connection open")
	assert.NotContains(t, err.Error(), "timeout")
	assert.Equal(t, 1.0, g.metric(`xgate_detect_total{listener="edge",protocol="",result="no_match"}`))

	// A Bolt frame that breaks the layout (cmdcode 9) on a detected
	// connection: closed and counted as a decode error.
	broken := dialBolt(t, g.addr)
	_, err = broken.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("detected"))
	require.NoError(t, err)
	frame := []byte{0x01, 0x01, 0x00, 0x09, 0x01, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	require.NoError(t, broken.WriteRaw(frame))
	select {
	case <-broken.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("malformed frame did not close the connection")
	}
	assert.Equal(t, 1.0, g.metric(`xgate_decode_errors_total{kind="malformed",listener="edge",protocol="bolt",side="downstream"}`))

	// The healthy connection carries on.
	r, err := good.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("after"))
	require.NoError(t, err)
	assert.Equal(t, "after", string(r.Content))
}

func TestDetectTimeout(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "a"})
	g := startGateway(t, strings.Replace(boltConfig("3s", a.Addr()), "detect_timeout: 2s", "detect_timeout: 100ms", 1))
	silent, err := net.Dial("tcp", g.addr)
	require.NoError(t, err)
	defer silent.Close()
	require.NoError(t, silent.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = silent.Read(make([]byte, 1))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "timeout", "the gateway should close a silent connection itself")
	assert.Equal(t, 1.0, g.metric(`xgate_detect_total{listener="edge",protocol="",result="timeout"}`))
}

func TestGracefulStopFinishesInFlight(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{})
	a := echoServer(t, boltpeer.ServerOptions{Name: "a", Hold: func(b []byte) bool {
		if string(b) == "slow" {
			close(arrived)
			<-release // the backend answers only once released
		}
		return false
	}})
	g := startGateway(t, boltConfig("10s", a.Addr()))
	c := dialBolt(t, g.addr)
	done := make(chan *boltpeer.Response, 1)
	go func() {
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "com.example.EchoService", "echo", []byte("slow"))
		if assert.NoError(t, err) {
			done <- r
		}
	}()
	<-arrived
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGTERM))
	g.waitLog(t, "shutting down")

	// While draining, new connections are not served.
	late, err := net.Dial("tcp", g.addr)
	if err == nil {
		require.NoError(t, late.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = late.Read(make([]byte, 1))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "timeout", "a new connection was accepted while draining")
		_ = late.Close()
	}

	close(release)
	select {
	case r := <-done:
		assert.Equal(t, bolt.StatusSuccess, r.Status)
		assert.Equal(t, "slow", string(r.Content))
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request was not finished during graceful stop")
	}
	select {
	case err := <-g.exited:
		assert.NoError(t, err, g.logs())
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not exit after draining")
	}
}

func TestBoltV2ThroughGateway(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "a", Shuffle: true})
	g := startGateway(t, boltConfig("5s", a.Addr()))
	for _, crc := range []bool{false, true} {
		c := dialBolt(t, g.addr)
		c.Proto, c.CRC = bolt.ProtoV2, crc
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msg := fmt.Sprintf("v2-%v-%d", crc, i)
				r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte(msg))
				if assert.NoError(t, err) {
					assert.Equal(t, bolt.StatusSuccess, r.Status)
					assert.Equal(t, msg, string(r.Content))
					assert.EqualValues(t, bolt.ProtoV2, r.Proto)
					// The gateway renumbered the request and restored the id:
					// the CRC still verifies (the client decoded it) and is present.
					assert.Equal(t, crc, r.CRC)
				}
			}()
		}
		wg.Wait()
		// Error replies answer v2 in v2.
		r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.Unknown", "x", nil)
		require.NoError(t, err)
		assert.Equal(t, bolt.StatusNoProcessor, r.Status)
		assert.EqualValues(t, bolt.ProtoV2, r.Proto)
		assert.Equal(t, crc, r.CRC)
		hb, err := c.Heartbeat(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		assert.True(t, hb.Heartbeat)
		assert.EqualValues(t, bolt.ProtoV2, hb.Proto)
	}
}
