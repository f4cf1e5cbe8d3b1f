package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/examples/codecs/toyrpc/toypeer"
)

// The ToyRPC example codec (examples/codecs/toyrpc) through a real gateway
// process. cmd/xgate links only the shipped codecs, so these tests build
// examples/codecs/toyrpc/cmd/xgate-toy — the same engine with one more
// blank import — and run it exactly as the other end-to-end tests run
// xgate. Nothing in proxy/ knows ToyRPC: routing, load balancing, pools,
// heartbeats, retries, metrics and detection all come from the contract.

var toyGateway struct {
	once sync.Once
	path string
	err  error
}

// toyGatewayBin builds xgate-toy (race detector on) next to the xgate
// binary, once per test run.
func toyGatewayBin(t *testing.T) string {
	t.Helper()
	toyGateway.once.Do(func() {
		toyGateway.path = filepath.Join(filepath.Dir(xgateBin), "xgate-toy")
		out, err := exec.Command("go", "build", "-race", "-o", toyGateway.path,
			"../../examples/codecs/toyrpc/cmd/xgate-toy").CombinedOutput()
		if err != nil {
			toyGateway.err = fmt.Errorf("building xgate-toy: %v\n%s", err, out)
		}
	})
	require.NoError(t, toyGateway.err)
	return toyGateway.path
}

// startToyGateway is startGateway for the xgate-toy binary, after
// `xgate-toy validate` accepts the configuration.
func startToyGateway(t *testing.T, cfg string) *gateway {
	t.Helper()
	bin := toyGatewayBin(t)
	g := startGatewayBinary(t, bin, cfg)
	out, err := exec.Command(bin, "validate", "-c", g.path).CombinedOutput()
	require.NoError(t, err, "xgate-toy validate: %s", out)
	return g
}

func toyServer(t *testing.T, opts toypeer.ServerOptions) *toypeer.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := toypeer.Serve(ln, opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func dialToy(t *testing.T, addr string) *toypeer.Client {
	t.Helper()
	c, err := toypeer.Dial(addr, 2*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// toyClosedAddr returns a loopback address nothing listens on.
func toyClosedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func toyCall(t *testing.T, c *toypeer.Client, service, method, body string) *toypeer.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.Call(ctx, service, method, []byte(body))
	require.NoError(t, err)
	return r
}

// TestToyThroughGateway drives the example codec through every engine
// feature the issue lists, on one `auto` port it shares with Bolt.
func TestToyThroughGateway(t *testing.T) {
	a := toyServer(t, toypeer.ServerOptions{Name: "a", Hold: func(_, method string, _ []byte) bool { return method == "hold" }})
	b := toyServer(t, toypeer.ServerOptions{Name: "b"})
	c := toyServer(t, toypeer.ServerOptions{Name: "c"})
	hb := toyServer(t, toypeer.ServerOptions{Name: "hb"})
	bolts := echoServer(t, boltpeer.ServerOptions{Name: "bolt"})
	dead := toyClosedAddr(t)

	g := startToyGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    protocols: [auto]
    detect_timeout: 2s
    filters: [{name: stamp, config: {header: x-served-by, value: xgate-toy}}]
    routes:
      - match: {protocol: bolt}
        cluster: bolt-echo
      - match: {service: toy.Echo, method: echo}
        cluster: toy-rr
      - match: {service: toy.Echo, method: pinned}
        cluster: toy-a
      - match: {service: toy.Echo, method: hold}
        cluster: toy-a
        timeout: 300ms
      - match: {service: toy.Retry}
        cluster: toy-retry
        retry_policy: {num_retries: 2, retry_on: [connect_failure], backoff: {base_interval: 5ms}}
      - match: {service: toy.Heartbeat}
        cluster: toy-hb
      - match: {service: toy.Version}
        cluster: toy-versions
        plugins: [{name: version_pin, config: {header: x-version}}]
clusters:
  - {name: toy-rr, protocol: toy, lb: round_robin, endpoints: [%s, %s]}
  - {name: toy-a, protocol: toy, endpoints: [%s]}
  - {name: toy-retry, protocol: toy, lb: round_robin, connect_timeout: 500ms, endpoints: [%s, %s]}
  - {name: toy-hb, protocol: toy, heartbeat: {interval: 50ms, max_unanswered: 5}, endpoints: [%s]}
  - name: toy-versions
    protocol: toy
    endpoints: [{address: "%s", metadata: {version: v1}}, {address: "%s", metadata: {version: v2}}]
  - {name: bolt-echo, protocol: bolt, endpoints: [%s]}
`, a.Addr(), b.Addr(), a.Addr(), dead, c.Addr(), hb.Addr(), a.Addr(), b.Addr(), bolts.Addr()))
	client := dialToy(t, g.addr)

	t.Run("routing by service and method", func(t *testing.T) {
		r := toyCall(t, client, "toy.Echo", "pinned", "to a")
		assert.Equal(t, toyrpc.CodeOK, r.Code)
		assert.Equal(t, "a", r.Headers[toypeer.HeaderServer])
		assert.Equal(t, "to a", string(r.Body))
		assert.Equal(t, "toy.Echo", r.Service)
		assert.Equal(t, "pinned", r.Method)

		r = toyCall(t, client, "toy.Nowhere", "echo", "lost")
		assert.Equal(t, toyrpc.CodeNoRoute, r.Code, "no route: the codec's own error reply")
		assert.Contains(t, string(r.Body), "route")
	})

	t.Run("round robin over two backends", func(t *testing.T) {
		before := a.Requests() + b.Requests()
		var seen []string
		for i := range 10 {
			msg := fmt.Sprintf("hello-%d", i)
			r := toyCall(t, client, "toy.Echo", "echo", msg)
			require.Equal(t, toyrpc.CodeOK, r.Code)
			require.Equal(t, msg, string(r.Body))
			seen = append(seen, r.Headers[toypeer.HeaderServer])
		}
		for i := 1; i < len(seen); i++ {
			assert.NotEqual(t, seen[i-1], seen[i], "round robin broken: %v", seen)
		}
		assert.EqualValues(t, 10, a.Requests()+b.Requests()-before)
		assert.Equal(t, 10.0, g.metric(`xgate_requests_total{cluster="toy-rr",listener="edge"}`))
		assert.Equal(t, 10.0, g.metric(`xgate_upstream_responses_total{cluster="toy-rr",status="ok"}`))
	})

	t.Run("concurrent calls multiplexed", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				msg := fmt.Sprintf("m-%d", i)
				r, err := client.Call(ctx, "toy.Echo", "pinned", []byte(msg))
				if err == nil && (r.Code != toyrpc.CodeOK || string(r.Body) != msg) {
					err = fmt.Errorf("call %d: code %d body %q", i, r.Code, r.Body)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		r := toyCall(t, client, "toy.Echo", "hold", "never answered")
		assert.Equal(t, toyrpc.CodeTimeout, r.Code)
	})

	t.Run("retry on connect failure", func(t *testing.T) {
		for i := range 6 {
			r := toyCall(t, client, "toy.Retry", "echo", "x")
			assert.Equal(t, toyrpc.CodeOK, r.Code, "request %d failed despite the retry policy", i)
			assert.Equal(t, "c", r.Headers[toypeer.HeaderServer])
		}
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_connect_failures_total{cluster="toy-retry"}`), 1.0)
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_retries_total{cluster="toy-retry"}`), 1.0)
	})

	t.Run("upstream heartbeats", func(t *testing.T) {
		r := toyCall(t, client, "toy.Heartbeat", "echo", "open a connection")
		require.Equal(t, toyrpc.CodeOK, r.Code)
		require.Eventually(t, func() bool { return hb.Heartbeats() >= 3 }, 10*time.Second, 5*time.Millisecond,
			"the idle upstream connection got no heartbeats")
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_heartbeats_total{cluster="toy-hb"}`), 3.0)
		assert.Zero(t, g.metric(`xgate_upstream_heartbeat_failures_total{cluster="toy-hb"}`), "every heartbeat was answered")
		r = toyCall(t, client, "toy.Heartbeat", "echo", "same connection")
		require.Equal(t, toyrpc.CodeOK, r.Code)
		assert.Equal(t, 1.0, g.metric(`xgate_upstream_connections_total{cluster="toy-hb"}`),
			"the heartbeats kept the first connection")
	})

	t.Run("client heartbeat answered by the gateway", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := client.Heartbeat(ctx)
		require.NoError(t, err)
		assert.True(t, r.Heartbeat)
		assert.Equal(t, toyrpc.CodeOK, r.Code)
	})

	t.Run("in-process extensions", func(t *testing.T) {
		for range 4 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r, err := client.Call(ctx, "toy.Version", "echo", []byte("v2 please"), [2]string{"x-version", "v2"})
			cancel()
			require.NoError(t, err)
			assert.Equal(t, toyrpc.CodeOK, r.Code)
			assert.Equal(t, "b", r.Headers[toypeer.HeaderServer], "version_pin keeps the v2 host")
			assert.Equal(t, "xgate-toy", r.Headers["x-served-by"], "the stamp filter set it")
		}
		assert.GreaterOrEqual(t, g.metric(`xgate_filter_events_total{event="stamped",filter="stamp",listener="edge"}`), 4.0)
	})

	t.Run("auto detection shared with bolt", func(t *testing.T) {
		bc := dialBolt(t, g.addr)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		br, err := bc.Call(ctx, "com.example.EchoService", "echo", []byte("bolt on the toy port"))
		require.NoError(t, err)
		assert.Equal(t, bolt.StatusSuccess, br.Status)
		assert.Equal(t, "bolt on the toy port", string(br.Content))
		assert.Equal(t, "bolt", br.Headers["server"])

		tc := dialToy(t, g.addr)
		r := toyCall(t, tc, "toy.Echo", "pinned", "toy on the bolt port")
		assert.Equal(t, toyrpc.CodeOK, r.Code)

		assert.GreaterOrEqual(t, g.metric(`xgate_detect_total{listener="edge",protocol="toy",result="matched"}`), 2.0)
		assert.GreaterOrEqual(t, g.metric(`xgate_detect_total{listener="edge",protocol="bolt",result="matched"}`), 1.0)
	})

	t.Run("malformed frame counted and closed", func(t *testing.T) {
		bad := dialToy(t, g.addr)
		// A valid start (detected as toy), then a flag byte no frame has.
		require.NoError(t, bad.WriteRaw([]byte("TOY1\x01\xf0\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00")))
		require.Eventually(t, func() bool {
			return g.metric(`xgate_decode_errors_total{kind="malformed",listener="edge",protocol="toy",side="downstream"}`) >= 1
		}, 10*time.Second, 5*time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := bad.Call(ctx, "toy.Echo", "pinned", []byte("after garbage"))
		assert.Error(t, err, "the connection is closed after a malformed frame")
	})
}
