package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// silentServer accepts connections and reads them, but never answers: a
// hung upstream.
func silentServer(t *testing.T) string {
	return serveLoopback(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// TestUpstreamHeartbeats: idle Bolt connections to a server that answers
// heartbeats stay open; to one that never answers they are closed after
// max_unanswered heartbeats and the host is ejected.
func TestUpstreamHeartbeats(t *testing.T) {
	good := echoServer(t, boltpeer.ServerOptions{Name: "good"})
	hung := silentServer(t)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {service: good}
        cluster: good
      - cluster: hung
clusters:
  - {name: good, protocol: bolt, endpoints: [%s], heartbeat: {interval: 100ms, max_unanswered: 2}}
  - {name: hung, protocol: bolt, endpoints: [%s], request_timeout: 200ms, heartbeat: {interval: 100ms, max_unanswered: 2}}
`, good.Addr(), hung))
	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	r, err := c.Call(ctx, "good", "echo", []byte("x"))
	require.NoError(t, err)
	require.Equal(t, bolt.StatusSuccess, r.Status)
	r, err = c.Call(ctx, "hung", "echo", []byte("x")) // opens the connection; times out
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusTimeout, r.Status)
	require.Eventually(t, func() bool {
		return g.metric(`xgate_upstream_heartbeat_failures_total{cluster="hung"}`) >= 1
	}, 10*time.Second, 10*time.Millisecond, "the connection to the hung server was never given up")
	// Heartbeats kept the good connection: requests still flow on it, and
	// it was never replaced.
	require.Eventually(t, func() bool {
		return g.metric(`xgate_upstream_heartbeats_total{cluster="good"}`) >= 4
	}, 10*time.Second, 10*time.Millisecond, "heartbeats go to the good server")
	r, err = c.Call(ctx, "good", "echo", []byte("y"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status)
	assert.Zero(t, g.metric(`xgate_upstream_heartbeat_failures_total{cluster="good"}`))
	assert.Equal(t, 1.0, g.metric(`xgate_upstream_connections_total{cluster="good"}`))
}

// TestCircuitBreakers: a cluster's max_requests refuses what exceeds it
// with the protocol's overload reply, for a multiplexed (Bolt) and a
// ping-pong (HTTP/1.1) cluster.
func TestCircuitBreakers(t *testing.T) {
	held := make(chan struct{}, 16)
	boltBE := echoServer(t, boltpeer.ServerOptions{Name: "b", Hold: func([]byte) bool { held <- struct{}{}; return true }})
	web := httpBackend(t, "w", false)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s], circuit_breakers: {max_requests: 2}, request_timeout: 1s}
  - {name: web, protocol: http1, endpoints: [%s], circuit_breakers: {max_requests: 1}, request_timeout: 10s}
`, boltBE.Addr(), web.Addr()))
	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 20*time.Second)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Call(ctx, "svc", "echo", []byte("x"))
			if assert.NoError(t, err) {
				assert.Equal(t, bolt.StatusTimeout, r.Status, "held by the server")
			}
		}()
	}
	<-held
	<-held
	r, err := c.Call(ctx, "svc", "echo", []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusServerThreadpoolBusy, r.Status, "the third concurrent request is refused as overload")

	// HTTP/1.1: one slow request holds the only unit.
	hc := newHTTPClient(t, false)
	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		resp, err := hc.Get("http://" + g.addr + "/slow?delay=1500ms")
		if assert.NoError(t, err) {
			_ = resp.Body.Close()
			assert.Equal(t, 200, resp.StatusCode)
		}
	}()
	require.NoError(t, web.WaitRequests(ctx, 1))
	resp, err := hc.Get("http://" + g.addr + "/whoami")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"), "an overload reply")
	wg.Wait()
	<-slowDone
	assert.Equal(t, 2.0, g.metric(`xgate_circuit_breaker_overflow_total{cluster="bolt"}`)+g.metric(`xgate_circuit_breaker_overflow_total{cluster="web"}`))
}

// TestOutlierDetectionAndHealthChecks: a host that answers with server
// errors is ejected after consecutive_failures (ping-pong HTTP/1.1
// cluster); a dead host found by the active TCP health check gets no
// traffic (multiplexed Bolt cluster).
func TestOutlierDetectionAndHealthChecks(t *testing.T) {
	bad := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	})}
	badLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = bad.Serve(badLn) }()
	t.Cleanup(func() { _ = bad.Close() })
	good := httpBackend(t, "good", false)
	liveBolt := echoServer(t, boltpeer.ServerOptions{Name: "live"})
	dead := closedAddr(t)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - name: web
    protocol: http1
    endpoints: [%s, %s]
    outlier_detection: {consecutive_failures: 3, base_ejection_time: 30s}
  - name: bolt
    protocol: bolt
    endpoints: [%s, %s]
    health_check: {kind: tcp, interval: 100ms, timeout: 100ms, unhealthy_threshold: 1, healthy_threshold: 1}
`, badLn.Addr(), good.Addr(), dead, liveBolt.Addr()))

	hc := newHTTPClient(t, false)
	statuses := map[int]int{}
	for range 40 {
		resp, err := hc.Get("http://" + g.addr + "/whoami")
		require.NoError(t, err)
		_ = resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	assert.Equal(t, 3, statuses[500], "the bad host served exactly consecutive_failures requests, then was ejected: %v", statuses)
	assert.Equal(t, 37, statuses[200])

	require.Eventually(t, func() bool {
		return g.metric(`xgate_health_check_transitions_total{cluster="bolt",state="unhealthy"}`) >= 1
	}, 10*time.Second, 10*time.Millisecond, "the health check never found the dead host")
	c := dialBolt(t, g.addr)
	for i := range 20 {
		r, err := c.Call(context.Background(), "svc", "echo", []byte("x"))
		require.NoError(t, err)
		assert.Equal(t, bolt.StatusSuccess, r.Status, "call %d went to the dead host", i)
	}
	assert.Zero(t, g.metric(`xgate_upstream_connect_failures_total{cluster="bolt"}`), "no request was sent to the dead host")
}

// TestStrictDNSCluster: a strict_dns cluster resolves its endpoint names
// (here "localhost", answered from /etc/hosts: no network lookup) and
// serves from the addresses found.
func TestStrictDNSCluster(t *testing.T) {
	be := echoServer(t, boltpeer.ServerOptions{Name: "dns"})
	_, port, err := net.SplitHostPort(be.Addr())
	require.NoError(t, err)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - cluster: named
        retry_policy: {num_retries: 2, retry_on: [connect_failure]}
clusters:
  - {name: named, protocol: bolt, type: strict_dns, dns_refresh_rate: 200ms, endpoints: ["localhost:%s"]}
`, port))
	c := dialBolt(t, g.addr)
	for range 10 {
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("x"))
		require.NoError(t, err)
		assert.Equal(t, bolt.StatusSuccess, r.Status)
	}
	assert.Positive(t, be.Requests())
}

// TestSubsetLoadBalancing: a cluster partitioned by endpoint metadata
// (version) sends a request naming a version (header "version") to that
// subset, and one naming none anywhere.
func TestSubsetLoadBalancing(t *testing.T) {
	v1 := echoServer(t, boltpeer.ServerOptions{Name: "v1"})
	v2 := echoServer(t, boltpeer.ServerOptions{Name: "v2"})
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes: [{cluster: versions}]
clusters:
  - name: versions
    protocol: bolt
    subset: {keys: [version], fallback: any}
    endpoints:
      - {address: "%s", metadata: {version: "1"}}
      - {address: "%s", metadata: {version: "2"}}
`, v1.Addr(), v2.Addr()))
	c := dialBolt(t, g.addr)
	call := func(version string) string {
		h := [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}}
		if version != "" {
			h = append(h, [2]string{"version", version})
		}
		r, err := c.Do(ctxTimeout(t, 10*time.Second), h, []byte("x"))
		require.NoError(t, err)
		return r.Headers["server"]
	}
	for range 10 {
		assert.Equal(t, "v2", call("2"))
		assert.Equal(t, "v1", call("1"))
	}
	seen := map[string]bool{}
	for range 10 {
		seen[call("")] = true
	}
	assert.Equal(t, map[string]bool{"v1": true, "v2": true}, seen, "no version: the whole cluster")
}

// TestUpstreamIdleTimeout: upstream connections that carry nothing for a
// cluster's idle_timeout are closed (multiplexed Bolt and ping-pong
// HTTP/1.1), and the next request opens a new one.
func TestUpstreamIdleTimeout(t *testing.T) {
	boltBE := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	web := httpBackend(t, "w", false)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s], idle_timeout: 200ms}
  - {name: web, protocol: http1, endpoints: [%s], idle_timeout: 200ms}
`, boltBE.Addr(), web.Addr()))
	c := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)
	for round := range 2 {
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("x"))
		require.NoError(t, err)
		require.Equal(t, bolt.StatusSuccess, r.Status)
		resp, _ := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
		require.Equal(t, 200, resp.StatusCode)
		for _, cl := range []string{"bolt", "web"} {
			require.Eventually(t, func() bool {
				return g.metric(fmt.Sprintf(`xgate_upstream_connections_closed_total{cluster="%s",reason="idle_timeout"}`, cl)) >= float64(round+1)
			}, 10*time.Second, 10*time.Millisecond, "%s: the idle upstream connection was not closed (round %d)", cl, round)
		}
	}
	assert.Equal(t, 2.0, g.metric(`xgate_upstream_connections_total{cluster="bolt"}`), "a new connection after the idle close")
	assert.Equal(t, 2.0, g.metric(`xgate_upstream_connections_total{cluster="web"}`))
}

// TestOutlierAndHealthCheckOtherProtocols mirrors
// TestOutlierDetectionAndHealthChecks with the protocols swapped: a Bolt
// host that times out is ejected after consecutive failures, and an
// HTTP/1.1 cluster's dead host found by the TCP health check gets no
// traffic.
func TestOutlierAndHealthCheckOtherProtocols(t *testing.T) {
	hung := echoServer(t, boltpeer.ServerOptions{Name: "hung", Hold: func([]byte) bool { return true }})
	good := echoServer(t, boltpeer.ServerOptions{Name: "good"})
	web := httpBackend(t, "w", false)
	dead := closedAddr(t)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - name: bolt
    protocol: bolt
    endpoints: [%s, %s]
    request_timeout: 200ms
    outlier_detection: {consecutive_failures: 2, base_ejection_time: 30s}
  - name: web
    protocol: http1
    endpoints: [%s, %s]
    health_check: {kind: tcp, interval: 100ms, timeout: 100ms, unhealthy_threshold: 1, healthy_threshold: 1}
`, hung.Addr(), good.Addr(), dead, web.Addr()))
	c := dialBolt(t, g.addr)
	timeouts, ok := 0, 0
	for range 20 {
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("x"))
		require.NoError(t, err)
		if r.Status == bolt.StatusSuccess {
			ok++
		} else {
			timeouts++
		}
	}
	assert.Equal(t, 2, timeouts, "the hung host got exactly consecutive_failures requests")
	assert.Equal(t, 18, ok)

	require.Eventually(t, func() bool {
		return g.metric(`xgate_health_check_transitions_total{cluster="web",state="unhealthy"}`) >= 1
	}, 10*time.Second, 10*time.Millisecond, "the health check never found the dead host")
	hc := newHTTPClient(t, false)
	for i := range 20 {
		resp, _ := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
		assert.Equal(t, 200, resp.StatusCode, "request %d went to the dead host", i)
	}
	assert.Zero(t, g.metric(`xgate_upstream_connect_failures_total{cluster="web"}`))
}
