package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhttp2 "golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/grpcpeer"
	"github.com/xgate/xgate/conformance/httppeer"
)

// Chaos parameters. The gateway answers within chaosGatewayTimeout; a
// client waits chaosClientTimeout, well past it, so a client that gives up
// saw a hang.
const (
	chaosGatewayTimeout = 2 * time.Second
	chaosClientTimeout  = 10 * time.Second
	chaosWorkers        = 3               // concurrent callers per protocol
	chaosCILoad         = 8 * time.Second // load duration without XGATE_SOAK
	// chaosGoroutineSlack is how far above its idle baseline the gateway's
	// goroutine count may stay once the load is over (the Go runtime and
	// the metrics scrape itself start a few).
	chaosGoroutineSlack = 4
	// chaosHeapSlack bounds how far above its idle baseline the gateway's
	// in-use heap may stay after the load and a forced GC (pools and
	// buffers that grew under load are kept; a leak proportional to
	// traffic is not).
	chaosHeapSlack = 16 << 20
)

// verdict is how one request ended.
type verdict int

const (
	vOK       verdict = iota // the upstream's answer
	vProtoErr                // a protocol-correct error reply from the gateway
	vReset                   // HTTP/2: the stream reset after its head was relayed
	vBroken                  // a broken connection or a malformed reply
	vHung                    // the client gave up waiting
)

// outcome tallies a load run: successes, protocol-correct error replies,
// other failures (a broken connection, a malformed reply) and hangs (the
// client gave up before the gateway answered).
type outcome struct {
	ok, protoErr, reset, broken, hung atomic.Int64
	logged                            atomic.Int64 // failures logged so far (bounded)
}

func (o *outcome) add(v verdict) {
	[...]*atomic.Int64{vOK: &o.ok, vProtoErr: &o.protoErr, vReset: &o.reset, vBroken: &o.broken, vHung: &o.hung}[v].Add(1)
}

func (o *outcome) total() int64 {
	return o.ok.Load() + o.protoErr.Load() + o.reset.Load() + o.broken.Load() + o.hung.Load()
}

// flaky is an upstream the chaos schedule kills and restarts, always on
// the same address.
type flaky struct {
	name  string
	addr  string
	start func(addr string) (requests func() int64, stop func(), err error)

	mu       sync.Mutex
	requests func() int64 // of the running incarnation; nil while down
	stop     func()
	earlier  int64 // requests served by earlier incarnations
	kills    int
}

func (f *flaky) restart() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests != nil {
		return nil
	}
	var err error
	// The port was ours a moment ago; listening again can race the
	// kernel's cleanup of the old socket, so try a few times.
	for range 50 {
		var req func() int64
		var stop func()
		if req, stop, err = f.start(f.addr); err == nil {
			f.requests, f.stop = req, stop
			return nil
		}
		time.Sleep(20 * time.Millisecond) // not synchronisation: a retry pause
	}
	return fmt.Errorf("%s: restart on %s: %w", f.name, f.addr, err)
}

func (f *flaky) kill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests == nil {
		return
	}
	f.earlier += f.requests()
	f.stop()
	f.requests, f.stop = nil, nil
	f.kills++
}

func (f *flaky) up() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests != nil
}

// served returns how many requests every incarnation has received.
func (f *flaky) served() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.earlier
	if f.requests != nil {
		n += f.requests()
	}
	return n
}

// chaosProto is one protocol of the chaos run: how to start its servers
// and how one client worker calls through the gateway.
type chaosProto struct {
	name    string
	cluster string // the cluster's protocol in the configuration
	start   func(addr, name string) (requests func() int64, stop func(), err error)
	// worker returns a caller bound to one client (connection) of its
	// own; close releases it.
	worker    func(t *testing.T, gw string) (call func() (verdict, error), close func())
	stable    string
	stableReq func() int64 // requests the stable upstream has received
	flaky     *flaky
	res       outcome
}

func listenServe[S interface {
	Requests() int64
	Close() error
}](addr string, serve func(net.Listener) S) (func() int64, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	s := serve(ln)
	return s.Requests, func() { _ = s.Close() }, nil
}

// chaosProtocols returns every protocol the gateway serves, each with its
// servers and its client.
func chaosProtocols() []*chaosProto {
	httpStart := func(h2 bool) func(addr, name string) (func() int64, func(), error) {
		return func(addr, name string) (func() int64, func(), error) {
			s, err := httppeer.Start(httppeer.Options{Address: addr, Name: name, HTTP2: h2})
			if err != nil {
				return nil, nil, err
			}
			return s.Requests, func() { _ = s.Close() }, nil
		}
	}
	httpWorker := func(h2c bool) func(t *testing.T, gw string) (func() (verdict, error), func()) {
		return func(_ *testing.T, gw string) (func() (verdict, error), func()) {
			c := httppeer.NewH1Client()
			if h2c {
				c = httppeer.NewH2CClient()
			}
			c.Timeout = chaosClientTimeout
			return func() (verdict, error) {
				resp, err := c.Get("http://" + gw + "/whoami")
				var nerr net.Error
				switch {
				case errors.As(err, &nerr) && nerr.Timeout():
					return vHung, err
				case err != nil:
					return vBroken, err
				}
				body, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				var se xhttp2.StreamError
				switch {
				case h2c && errors.As(err, &se):
					// The upstream died after the response head was
					// relayed: HTTP/2 can only reset the stream then (an
					// HTTP/1.1 response is not cut here: the codec
					// relays a body this small with its head).
					return vReset, nil
				case err != nil:
					return vBroken, fmt.Errorf("reading the body of a %d: %w", resp.StatusCode, err)
				case resp.StatusCode == http.StatusOK && (string(body) == "stable" || string(body) == "flaky"):
					return vOK, nil
				case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable ||
					resp.StatusCode == http.StatusGatewayTimeout:
					return vProtoErr, nil
				}
				return vBroken, fmt.Errorf("malformed reply: %d %q", resp.StatusCode, body)
			}, c.Close
		}
	}
	return []*chaosProto{
		{
			name: "bolt", cluster: "bolt",
			start: func(addr, name string) (func() int64, func(), error) {
				return listenServe(addr, func(ln net.Listener) *boltpeer.Server {
					return boltpeer.Serve(ln, boltpeer.ServerOptions{Name: name})
				})
			},
			worker: func(_ *testing.T, gw string) (func() (verdict, error), func()) {
				var c *boltpeer.Client
				return func() (verdict, error) {
						if c == nil {
							var err error
							if c, err = boltpeer.Dial(gw, chaosClientTimeout); err != nil {
								return vBroken, err
							}
						}
						ctx, cancel := context.WithTimeout(context.Background(), chaosClientTimeout)
						defer cancel()
						r, err := c.Call(ctx, "svc", "echo", []byte("chaos"))
						switch {
						case errors.Is(err, context.DeadlineExceeded):
							return vHung, err
						case err != nil:
							_ = c.Close()
							c = nil
							return vBroken, err
						case r.Status == bolt.StatusSuccess && string(r.Content) == "chaos":
							return vOK, nil
						case r.Status != bolt.StatusSuccess:
							return vProtoErr, nil
						}
						return vBroken, fmt.Errorf("malformed reply: %+v", r)
					}, func() {
						if c != nil {
							_ = c.Close()
						}
					}
			},
		},
		{
			name: "dubbo", cluster: "dubbo",
			start: func(addr, name string) (func() int64, func(), error) {
				return listenServe(addr, func(ln net.Listener) *dubbopeer.Server {
					return dubbopeer.Serve(ln, dubbopeer.ServerOptions{Name: name})
				})
			},
			worker: func(_ *testing.T, gw string) (func() (verdict, error), func()) {
				var c *dubbopeer.Client
				return func() (verdict, error) {
						if c == nil {
							var err error
							if c, err = dubbopeer.Dial(gw, chaosClientTimeout); err != nil {
								return vBroken, err
							}
						}
						ctx, cancel := context.WithTimeout(context.Background(), chaosClientTimeout)
						defer cancel()
						r, err := c.Call(ctx, "com.example.DemoService", "echo", "chaos")
						switch {
						case errors.Is(err, context.DeadlineExceeded):
							return vHung, err
						case err != nil:
							_ = c.Close()
							c = nil
							return vBroken, err
						case r.Status == dubboOK && r.Value == "chaos":
							return vOK, nil
						case r.Status != dubboOK:
							return vProtoErr, nil
						}
						return vBroken, fmt.Errorf("malformed reply: %+v", r)
					}, func() {
						if c != nil {
							_ = c.Close()
						}
					}
			},
		},
		{
			name: "thrift", cluster: "thrift",
			start: func(addr, name string) (func() int64, func(), error) {
				s, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Address: addr, Name: name})
				if err != nil {
					return nil, nil, err
				}
				// The server keeps every call; count them and forget them
				// so a long soak does not grow the test process.
				var n atomic.Int64
				return func() int64 {
					n.Add(int64(len(s.Calls())))
					s.Reset()
					return n.Load()
				}, s.Stop, nil
			},
			worker: func(_ *testing.T, gw string) (func() (verdict, error), func()) {
				var c *thriftpeer.Client
				opts := thriftpeer.ClientOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Timeout: chaosClientTimeout}
				return func() (verdict, error) {
						if c == nil {
							var err error
							if c, err = thriftpeer.Dial(gw, opts); err != nil {
								return vBroken, err
							}
						}
						got, err := c.Echo.Echo(context.Background(), "chaos")
						var ae athrift.TApplicationException
						var nerr net.Error
						switch {
						case errors.As(err, &ae):
							return vProtoErr, nil
						case errors.As(err, &nerr) && nerr.Timeout():
							return vHung, err
						case err != nil:
							_ = c.Close()
							c = nil
							return vBroken, err
						case got == "chaos":
							return vOK, nil
						}
						return vBroken, fmt.Errorf("malformed reply: %q", got)
					}, func() {
						if c != nil {
							_ = c.Close()
						}
					}
			},
		},
		{name: "http1", cluster: "http1", start: httpStart(false), worker: httpWorker(false)},
		{name: "h2c", cluster: "http2", start: httpStart(true), worker: httpWorker(true)},
		{
			name: "grpc", cluster: "grpc",
			start: func(addr, name string) (func() int64, func(), error) {
				s, err := grpcpeer.Start(grpcpeer.Options{Address: addr, Name: name})
				if err != nil {
					return nil, nil, err
				}
				return s.Requests, s.Close, nil
			},
			worker: func(t *testing.T, gw string) (func() (verdict, error), func()) {
				cc, err := grpcpeer.Dial(gw)
				require.NoError(t, err)
				return func() (verdict, error) {
					ctx, cancel := context.WithTimeout(context.Background(), chaosClientTimeout)
					defer cancel()
					_, err := grpcpeer.Unary(ctx, cc, 16, 16, grpc.WaitForReady(false))
					if err == nil {
						return vOK, nil
					}
					if ctx.Err() != nil {
						return vHung, err
					}
					switch status.Code(err) {
					case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
						// The gateway's statuses for "no upstream",
						// "upstream timed out" and "overloaded".
						return vProtoErr, nil
					case codes.Internal:
						if strings.Contains(err.Error(), "RST_STREAM") {
							// grpc-go's report of a RST_STREAM
							// INTERNAL_ERROR: the upstream died after
							// the response head was relayed.
							return vReset, nil
						}
					}
					return vBroken, err
				}, func() { _ = cc.Close() }
			},
		},
	}
}

// chaosConfig routes every protocol of one auto listener to its cluster of
// a stable and a flaky upstream; timeout is each cluster's request timeout.
// Outlier detection ejects a flaky host for at most 2s (not the default
// 30s), so a restarted host is back within the run.
func chaosConfig(protos []*chaosProto, timeout time.Duration) string {
	var b strings.Builder
	b.WriteString(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    protocols: [auto]
    routes:
      - {match: {protocol: bolt}, cluster: bolt}
      - {match: {protocol: dubbo}, cluster: dubbo}
      - {match: {protocol: thrift}, cluster: thrift}
      - {match: {protocol: grpc}, cluster: grpc}
      - {match: {protocol: http2}, cluster: h2c}
      - {cluster: http1}
clusters:
`)
	for _, p := range protos {
		fmt.Fprintf(&b, "  - {name: %s, protocol: %s, endpoints: [%s, %s], request_timeout: %s, connect_timeout: 300ms,\n"+
			"     outlier_detection: {base_ejection_time: 500ms, max_ejection_time: 2s}}\n",
			p.name, p.cluster, p.stable, p.flaky.addr, timeout)
	}
	return b.String()
}

// soakDuration returns the load duration: XGATE_SOAK (a Go duration) when
// set, else the short CI run.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("XGATE_SOAK")
	if v == "" {
		return chaosCILoad
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "XGATE_SOAK")
	return d
}

// chaosSeed returns the seed of the kill schedule: XGATE_CHAOS_SEED when
// set (to replay a run), else the clock.
func chaosSeed(t *testing.T) uint64 {
	if v := os.Getenv("XGATE_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "XGATE_CHAOS_SEED")
		return s
	}
	return uint64(time.Now().UnixNano())
}

// TestChaos keeps every protocol (Bolt, Dubbo, Thrift, HTTP/1.1, h2c,
// gRPC) busy through one gateway whose clusters each have a stable and a
// flaky upstream, kills and restarts the flaky ones at random (seeded)
// times, and reloads the configuration twice (POST /reload, then SIGHUP)
// in the middle. Every request must succeed or get the protocol's error
// reply in time: none hangs, none breaks. Afterwards the restarted hosts
// serve again, the gateway's goroutines and heap return near their idle
// baseline, it still answers /healthz and it exits cleanly on SIGTERM.
//
// No protocol is allowed a broken connection: each has an error reply the
// gateway can give when an upstream dies under a request (Bolt and Dubbo
// statuses, Thrift's TApplicationException, HTTP 502/503/504, gRPC
// UNAVAILABLE), so a transport error at the client counts as broken. The
// one allowance: an h2c or gRPC response whose upstream dies after its
// head was relayed ends in RST_STREAM, HTTP/2's only way to cut a
// response (counted apart, as resets).
//
// XGATE_SOAK=10m (make soak) runs the load that long; XGATE_CHAOS_SEED
// replays a kill schedule.
func TestChaos(t *testing.T) {
	load, seed := soakDuration(t), chaosSeed(t)
	t.Logf("chaos: load %s, seed %d (XGATE_CHAOS_SEED=%d replays it)", load, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	protos := chaosProtocols()
	for _, p := range protos {
		p.stable = freeAddr(t)
		req, stop, err := p.start(p.stable, "stable")
		require.NoError(t, err)
		p.stableReq = req
		t.Cleanup(stop)
		p.flaky = &flaky{name: p.name, addr: freeAddr(t), start: func(addr string) (func() int64, func(), error) {
			return p.start(addr, "flaky")
		}}
		require.NoError(t, p.flaky.restart())
		t.Cleanup(p.flaky.kill)
	}
	g := startGateway(t, chaosConfig(protos, chaosGatewayTimeout))

	baseGoroutines := g.metric("go_goroutines")
	forceGC(t, g)
	baseHeap := g.metric("go_memstats_heap_inuse_bytes")

	ctx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	var wg sync.WaitGroup
	for _, p := range protos {
		for range chaosWorkers {
			call, closeFn := p.worker(t, g.addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer closeFn()
				for ctx.Err() == nil {
					v, err := call()
					p.res.add(v)
					if v >= vBroken && p.res.logged.Add(1) <= 5 {
						t.Logf("%s: %s: %v", p.name, map[verdict]string{vBroken: "broken", vHung: "hung"}[v], err)
					}
				}
			}()
		}
	}

	// The chaos schedule: every 100–600 ms one flaky upstream is killed if
	// up or restarted if down, the protocols taken in random order, each
	// once per round. The configuration is
	// reloaded every third of the run (every minute in a long soak).
	begin := time.Now()
	reloads, reloadEvery := 0, min(load/3, time.Minute)
	lastReport := begin
	var order []int
	for time.Since(begin) < load {
		select {
		case <-time.After(time.Duration(100+rng.IntN(500)) * time.Millisecond): // the schedule, not synchronisation
		case <-g.exited:
			t.Fatalf("the gateway crashed under load\n%s", g.logs())
		}
		if len(order) == 0 {
			order = rng.Perm(len(protos))
		}
		f := protos[order[0]].flaky
		order = order[1:]
		if f.up() {
			f.kill()
		} else {
			require.NoError(t, f.restart())
		}
		if time.Since(begin) > reloadEvery*time.Duration(reloads+1) {
			reloads++
			chaosReload(t, g, protos, reloads)
		}
		if time.Since(lastReport) > time.Minute {
			lastReport = time.Now()
			chaosProgress(t, g, protos, time.Since(begin))
		}
	}
	// Every flaky host comes back and is used again (its ejection ends).
	for _, p := range protos {
		require.NoError(t, p.flaky.restart())
	}
	for _, p := range protos {
		before := p.flaky.served()
		if !assert.Eventually(t, func() bool { return p.flaky.served() > before }, 20*time.Second, 10*time.Millisecond,
			"%s: the restarted flaky upstream serves again", p.name) {
			t.Logf("%s metrics:\n%s", p.name, metricLines(t, g, fmt.Sprintf(`cluster="%s"`, p.name)))
		}
	}
	stopLoad()
	wg.Wait()

	// The gateway lives on, and what the load took is given back.
	resp, err := http.Get("http://" + g.admin + "/healthz")
	require.NoError(t, err, "the gateway answers /healthz after the chaos")
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var goroutines, heap float64
	assert.Eventually(t, func() bool {
		goroutines = g.metric("go_goroutines")
		return goroutines <= baseGoroutines+chaosGoroutineSlack
	}, 20*time.Second, 50*time.Millisecond, "gateway goroutines return to the baseline %v (+%d)", baseGoroutines, chaosGoroutineSlack)
	assert.Eventually(t, func() bool {
		forceGC(t, g)
		heap = g.metric("go_memstats_heap_inuse_bytes")
		return heap <= baseHeap+chaosHeapSlack
	}, 20*time.Second, 50*time.Millisecond, "gateway heap in use returns to within %d MiB of its baseline", chaosHeapSlack>>20)
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGTERM))
	g.waitExit(t, 15*time.Second)

	var table strings.Builder
	fmt.Fprintf(&table, "chaos summary (seed %d, load %s, %d reloads, gateway crashes 0)\n", seed, load.Round(time.Second), reloads)
	fmt.Fprintf(&table, "%-8s %9s %9s %11s %7s %7s %6s %6s\n", "protocol", "requests", "ok", "proto-errs", "resets", "broken", "hangs", "kills")
	for _, p := range protos {
		fmt.Fprintf(&table, "%-8s %9d %9d %11d %7d %7d %6d %6d\n", p.name, p.res.total(), p.res.ok.Load(), p.res.protoErr.Load(),
			p.res.reset.Load(), p.res.broken.Load(), p.res.hung.Load(), p.flaky.kills)
	}
	fmt.Fprintf(&table, "gateway goroutines %v -> %v, heap in use %.1f -> %.1f MiB\n", baseGoroutines, goroutines, baseHeap/(1<<20), heap/(1<<20))
	t.Log("\n" + table.String())
	if testing.Verbose() {
		fmt.Print(table.String())
	}
	for _, p := range protos {
		assert.Zero(t, p.res.hung.Load(), "%s: hung requests", p.name)
		assert.Zero(t, p.res.broken.Load(), "%s: requests without a protocol-correct answer", p.name)
		assert.Positive(t, p.res.ok.Load(), p.name)
	}
}

// chaosReload reloads the gateway with every request timeout changed (to
// 2.25s and back): odd reloads by POST /reload, even ones by SIGHUP, and
// waits until the gateway has counted it.
func chaosReload(t *testing.T, g *gateway, protos []*chaosProto, n int) {
	t.Helper()
	g.rewrite(t, chaosConfig(protos, chaosGatewayTimeout+time.Duration(n%2)*250*time.Millisecond))
	if n%2 == 1 {
		resp, err := http.Post("http://"+g.admin+"/reload", "text/plain", nil)
		require.NoError(t, err)
		msg, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "reload %d: %s", n, msg)
	} else {
		require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	}
	require.Eventually(t, func() bool { return g.metric(`xgate_config_reloads_total{result="ok"}`) >= float64(n) },
		10*time.Second, 10*time.Millisecond, "reload %d", n)
}

// metricLines returns the gateway's /metrics lines that contain substr
// (for failure reports).
func metricLines(t *testing.T, g *gateway, substr string) string {
	t.Helper()
	resp, err := http.Get("http://" + g.admin + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") && !strings.Contains(l, "_bucket") && !strings.HasSuffix(l, " 0") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// forceGC makes the gateway collect garbage: the heap profile with gc=1
// runs a GC first (admin /debug/pprof). Without pprof the heap is only
// polled.
func forceGC(t *testing.T, g *gateway) {
	t.Helper()
	resp, err := http.Get("http://" + g.admin + "/debug/pprof/heap?gc=1")
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// chaosProgress logs a soak's running totals and the gateway's goroutines
// and heap (a long run's trend shows a slow leak).
func chaosProgress(t *testing.T, g *gateway, protos []*chaosProto, elapsed time.Duration) {
	t.Helper()
	var b strings.Builder
	for _, p := range protos {
		fmt.Fprintf(&b, " %s=%d/%d(stable %d, flaky %d)", p.name, p.res.ok.Load(), p.res.total(), p.stableReq(), p.flaky.served())
	}
	t.Logf("soak %s: goroutines %v, heap in use %.1f MiB;%s", elapsed.Round(time.Second), g.metric("go_goroutines"),
		g.metric("go_memstats_heap_inuse_bytes")/(1<<20), b.String())
}
