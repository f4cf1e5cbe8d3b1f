package main

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
)

// Dubbo status bytes (the wire protocol's, not ours).
const (
	dubboOK              = 20
	dubboServerTimeout   = 31
	dubboServiceNotFound = 60
)

func dubboServer(t *testing.T, opts dubbopeer.ServerOptions) *dubbopeer.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := dubbopeer.Serve(ln, opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func dialDubbo(t *testing.T, addr string) *dubbopeer.Client {
	t.Helper()
	c, err := dubbopeer.Dial(addr, 2*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dubboConfig(timeout, heartbeat string, endpoints string) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    heartbeat: %s
    routes:
      - match: {service: com.example.DemoService, headers: {group: canary}}
        cluster: canary
      - match: {service: com.example.DemoService}
        cluster: demo
clusters:
  - name: demo
    protocol: dubbo
    request_timeout: %s
    endpoints: [%s]
  - name: canary
    protocol: dubbo
    endpoints: [%s]
`, heartbeat, timeout, endpoints, endpoints)
}

// TestDubboThroughGateway: a client and servers built on dubbo-go's own
// hessian2 codec talk through xgate.
func TestDubboThroughGateway(t *testing.T) {
	a := dubboServer(t, dubbopeer.ServerOptions{Name: "a", Shuffle: true})
	b := dubboServer(t, dubbopeer.ServerOptions{Name: "b", Shuffle: true})
	g := startGateway(t, dubboConfig("5s", "local", a.Addr()+", "+b.Addr()))
	c := dialDubbo(t, g.addr)

	// Concurrent calls, answered out of order by the backends, each matched
	// to its caller; round robin spreads them.
	const n = 200
	var wg sync.WaitGroup
	servers := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := fmt.Sprintf("hello-%d", i)
			r, err := c.Call(ctxTimeout(t, 10*time.Second), "com.example.DemoService", "echo", msg)
			if !assert.NoError(t, err) {
				return
			}
			assert.EqualValues(t, dubboOK, r.Status)
			assert.Equal(t, msg, r.Value)
			servers <- fmt.Sprint(r.Attachments["server"])
		}()
	}
	wg.Wait()
	close(servers)
	count := map[string]int{}
	for s := range servers {
		count[s]++
	}
	assert.Equal(t, map[string]int{"a": n / 2, "b": n / 2}, count)
	assert.Positive(t, a.Reordered()+b.Reordered(), "backends never answered out of order")

	// A typed exception from the server comes back as such.
	r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.DemoService", "fail", "boom")
	require.NoError(t, err)
	assert.EqualValues(t, dubboOK, r.Status)
	assert.Error(t, r.Exception)

	// Attachments route: group=canary goes to the canary cluster.
	r, err = c.Do(ctxTimeout(t, 5*time.Second), dubbopeer.Invocation{Service: "com.example.DemoService", Method: "echo", Group: "canary", Args: []any{"g"}})
	require.NoError(t, err)
	assert.Equal(t, "g", r.Value)
	assert.Equal(t, 1.0, g.metric(`xgate_requests_total{cluster="canary",listener="edge"}`))

	// No route: SERVICE_NOT_FOUND with a readable message.
	r, err = c.Call(ctxTimeout(t, 5*time.Second), "com.example.Nope", "echo", "x")
	require.NoError(t, err)
	assert.EqualValues(t, dubboServiceNotFound, r.Status)
	assert.Contains(t, r.ErrorMessage, "no route")

	// Heartbeat answered locally (the backends see no extra request).
	before := a.Requests() + b.Requests()
	hb, err := c.Heartbeat(ctxTimeout(t, 5*time.Second))
	require.NoError(t, err)
	assert.True(t, hb.Heartbeat)
	assert.EqualValues(t, dubboOK, hb.Status)
	assert.Equal(t, before, a.Requests()+b.Requests())
}

func TestDubboTimeoutAndForwardedHeartbeat(t *testing.T) {
	a := dubboServer(t, dubbopeer.ServerOptions{Name: "a", Hold: func(method string, _ []any) bool { return method == "slow" }})
	cfg := dubboConfig("300ms", "forward", a.Addr())
	// A catch-all route makes forwarded heartbeats reach the backend.
	cfg = replaceOnce(cfg, "      - match: {service: com.example.DemoService}\n        cluster: demo\n",
		"      - match: {service: com.example.DemoService}\n        cluster: demo\n      - match: {}\n        cluster: demo\n")
	g := startGateway(t, cfg)
	c := dialDubbo(t, g.addr)

	r, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.DemoService", "slow", "x")
	require.NoError(t, err)
	assert.EqualValues(t, dubboServerTimeout, r.Status)

	// The client's own timeout attachment is shorter than the cluster's:
	// the gateway gives up when the client does.
	start := time.Now()
	r, err = c.Do(ctxTimeout(t, 5*time.Second), dubbopeer.Invocation{Service: "com.example.DemoService", Method: "slow", Timeout: 50 * time.Millisecond, Args: []any{"x"}})
	require.NoError(t, err)
	assert.EqualValues(t, dubboServerTimeout, r.Status)
	assert.Less(t, time.Since(start), 290*time.Millisecond, "the timeout attachment was not honoured")

	// heartbeat: forward — the backend answers it (through the gateway).
	hb, err := c.Heartbeat(ctxTimeout(t, 5*time.Second))
	require.NoError(t, err)
	assert.True(t, hb.Heartbeat)
	assert.EqualValues(t, dubboOK, hb.Status)
	assert.Equal(t, 1.0, g.metric(`xgate_upstream_responses_total{cluster="demo",status="ok"}`))
}
