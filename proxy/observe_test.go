package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

func TestMaskSettings(t *testing.T) {
	cases := []struct {
		name, filter, in, want string
	}{
		{"header_auth values", "header_auth", `{header: x-token, values: [s3cret, other]}`, `{header: x-token, values: '***'}`},
		{"secret words", "custom", `{token: t, api_key: k, apiKey: k, clientSecret: s, db-password: p, passwd: p, credentials: {user: u}, authorization: Bearer x}`,
			`{token: '***', api_key: '***', apiKey: '***', clientSecret: '***', db-password: '***', passwd: '***', credentials: '***', authorization: '***'}`},
		{"plurals and lists", "custom", `{tokens: [a, b], keys: [k1]}`, `{tokens: '***', keys: '***'}`},
		{"numbers, booleans and null stay", "local_rate_limit", `{max_tokens: 100, tokens_per_fill: 10, key: 7, secret: true, password: null}`,
			`{max_tokens: 100, tokens_per_fill: 10, key: 7, secret: true, password: null}`},
		{"paths stay", "custom", `{key_file: /etc/k.pem, token_path: /run/t}`, `{key_file: /etc/k.pem, token_path: /run/t}`},
		{"nested", "custom", `{upstream: {auth: {bearer_token: x, user: u}}, list: [{secret: s, name: n}]}`,
			`{upstream: {auth: {bearer_token: '***', user: u}}, list: [{secret: '***', name: n}]}`},
		{"not secrets", "custom", `{monkey: banana, keyboard: k, header: x-api-key, values: [a], tokenizer: z}`,
			`{monkey: banana, keyboard: k, header: x-api-key, values: [a], tokenizer: z}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in, want yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(c.in), &in))
			require.NoError(t, yaml.Unmarshal([]byte(c.want), &want))
			MaskSettings(c.filter, in.Content[0])
			var got, exp any
			require.NoError(t, in.Decode(&got))
			require.NoError(t, want.Decode(&exp))
			assert.Equal(t, exp, got)
		})
	}
}

func TestMaskConfigShowsDefaultsAndHidesSecrets(t *testing.T) {
	cfg, err := config.Parse([]byte(`
admin: {disabled: true}
listeners:
  - name: edge
    address: 127.0.0.1:0
    filters:
      - {name: header_auth, config: {header: x-token, values: [s3cret-value]}}
      - {name: local_rate_limit, config: {max_tokens: 100, tokens_per_fill: 10, fill_interval: 1s}}
    routes: [{cluster: c}]
clusters:
  - {name: c, endpoints: [127.0.0.1:1]}
`), xprotocol.Default.Names())
	require.NoError(t, err)
	doc, err := MaskConfig(cfg)
	require.NoError(t, err)
	out, err := yaml.Marshal(doc)
	require.NoError(t, err)
	s := string(out)
	assert.NotContains(t, s, "s3cret-value")
	assert.Contains(t, s, "values: '***'")
	assert.Contains(t, s, "max_tokens: 100", "limits are not secrets")
	assert.Contains(t, s, "detect_timeout: 5s", "defaults are filled in")
	assert.Contains(t, s, "request_timeout: 3s")
	assert.Contains(t, string(cfg.Listeners[0].Filters[0].Config), "s3cret-value", "the configuration in use is not changed")
}

// hostSeries lists the series of reg that carry label host=addr.
func hostSeries(t *testing.T, reg *prometheus.Registry, addr string) []string {
	t.Helper()
	return seriesWith(t, reg, "host", addr)
}

func startObsGateway(t *testing.T, yamlText string) *Gateway {
	t.Helper()
	cfg, err := config.Parse([]byte(yamlText), xprotocol.Default.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})
	return g
}

func obsConfig(addr, clusters string) string { return obsRoutesConfig(addr, "{cluster: c}", clusters) }

func obsRoutesConfig(addr, routes, clusters string) string {
	return fmt.Sprintf(`
admin: {disabled: true}
listeners:
  - {name: edge, address: "%s", event_loops: 1, routes: [%s]}
clusters:
%s`, addr, routes, clusters)
}

// seriesWith lists the series of reg with label name=value.
func seriesWith(t *testing.T, reg *prometheus.Registry, name, value string) []string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == name && lp.GetValue() == value {
					out = append(out, mf.GetName())
				}
			}
		}
	}
	return out
}

func freeTCPAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// TestHostSeriesFollowReload: the per-host series of hosts a reload
// removes (an endpoint dropped, or its whole cluster) are deleted, those of
// hosts that stay are kept; so are the per-route series of a route renamed.
func TestHostSeriesFollowReload(t *testing.T) {
	addr := freeTCPAddr(t)
	g := startObsGateway(t, obsConfig(addr, `
  - {name: c, protocol: bolt, endpoints: ["127.0.0.1:1", "127.0.0.1:2"]}
  - {name: gone, protocol: bolt, endpoints: ["127.0.0.1:3"]}
`))
	want := []string{"xgate_upstream_host_requests_total", "xgate_upstream_host_responses_total", "xgate_upstream_request_duration_seconds",
		"xgate_upstream_connections_active", "xgate_upstream_requests_active", "xgate_upstream_host_healthy"}
	for _, h := range []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"} {
		got := hostSeries(t, g.m.reg, h)
		for _, name := range want {
			assert.Contains(t, got, name, "host %s", h)
		}
	}
	routeSeries := []string{"xgate_route_requests_total", "xgate_route_responses_total", "xgate_route_request_duration_seconds"}
	for _, name := range routeSeries {
		assert.Contains(t, seriesWith(t, g.m.reg, "route", "routes[0]"), name)
	}
	cfg, err := config.Parse([]byte(obsRoutesConfig(addr, "{cluster: c, name: renamed}", `
  - {name: c, protocol: bolt, endpoints: ["127.0.0.1:1"]}
`)), xprotocol.Default.Names())
	require.NoError(t, err)
	require.NoError(t, g.Reload(cfg))
	assert.Empty(t, seriesWith(t, g.m.reg, "route", "routes[0]"), "a route the reload renamed")
	for _, name := range routeSeries {
		assert.Contains(t, seriesWith(t, g.m.reg, "route", "renamed"), name)
	}
	assert.Empty(t, hostSeries(t, g.m.reg, "127.0.0.1:2"), "an endpoint the reload removed")
	assert.Empty(t, hostSeries(t, g.m.reg, "127.0.0.1:3"), "a host of a cluster the reload removed")
	got := hostSeries(t, g.m.reg, "127.0.0.1:1")
	for _, name := range want {
		assert.Contains(t, got, name, "a host that stayed keeps its series")
	}
}

// fakeResolver answers every name with the addresses it holds now.
type fakeResolver struct {
	mu    sync.Mutex
	addrs []string
}

func (r *fakeResolver) LookupHost(context.Context, string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.addrs), nil
}

func (r *fakeResolver) set(addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addrs = addrs
}

// TestHostSeriesFollowDNS: a strict_dns refresh that drops an address
// deletes its host's series.
func TestHostSeriesFollowDNS(t *testing.T) {
	res := &fakeResolver{addrs: []string{"127.0.0.1", "127.0.0.2"}}
	dnsResolver = res
	t.Cleanup(func() { dnsResolver = nil })
	g := startObsGateway(t, obsConfig(freeTCPAddr(t), `
  - {name: c, protocol: bolt, type: strict_dns, dns_refresh_rate: 100ms, endpoints: ["svc.test:4000"]}
`))
	require.NotEmpty(t, hostSeries(t, g.m.reg, "127.0.0.1:4000"))
	require.NotEmpty(t, hostSeries(t, g.m.reg, "127.0.0.2:4000"))
	res.set("127.0.0.1")
	require.Eventually(t, func() bool { return len(hostSeries(t, g.m.reg, "127.0.0.2:4000")) == 0 },
		5*time.Second, 10*time.Millisecond, "the series of a host DNS no longer returns are deleted")
	assert.NotEmpty(t, hostSeries(t, g.m.reg, "127.0.0.1:4000"))
}

// TestObservationsDoNotAllocate: what a request records on its way
// (route and host counters, both latency histograms, status counters,
// bytes, requests in flight) allocates nothing.
func TestObservationsDoNotAllocate(t *testing.T) {
	cfg, err := config.Parse([]byte(obsConfig("127.0.0.1:0", `
  - {name: c, protocol: bolt, endpoints: ["127.0.0.1:1"]}
`)), xprotocol.Default.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	l, cl := g.listeners[0], g.clusters[0]
	rtg := l.routing.Load()
	rt := rtg.table.Routes()[0]
	h := cl.set.Load().hosts[0]
	ls := &loopState{l: l, loop: new(transport.Loop)}
	ds := &downstream{l: l, ls: ls, ps: ls.protoStats("bolt")}
	require.NotNil(t, ds.ps)
	hp := &hostPool{ls: ls, cl: cl, h: h}
	p := &pending{ls: ls, ds: ds, hp: hp}
	u := &upstream{hp: hp}
	const runs = 1000
	allocs := testing.AllocsPerRun(runs, func() {
		ls.requestStarted()
		ds.ps.request()
		ds.ps.received(128)
		p.obs.rs = rtg.count(ls, rt, cl)
		p.sentTo(h)
		u.observeResponse(p, xprotocol.StatusOK)
		u.received(64)
		p.observeEnd(xprotocol.StatusOK)
		ls.requestEnded()
	})
	assert.Zero(t, allocs)
	ls.obs.publish() // as the loop does when a scrape asks
	mfs, err := g.m.reg.Gather()
	require.NoError(t, err)
	counts := map[string]uint64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if hg := m.GetHistogram(); hg != nil && strings.HasPrefix(mf.GetName(), "xgate_") {
				counts[mf.GetName()] += hg.GetSampleCount()
			}
		}
	}
	// AllocsPerRun runs the function once more to warm up.
	assert.EqualValues(t, runs+1, counts["xgate_route_request_duration_seconds"])
	assert.EqualValues(t, runs+1, counts["xgate_upstream_request_duration_seconds"])
}

// TestLoopCountersSumAcrossLoops: several event loops (here goroutines,
// each with its own loop state) count into their own blocks and publish
// them while the registry is scraped; the exported series are the exact
// sums, histograms included (buckets as prometheus.Histogram fills them).
func TestLoopCountersSumAcrossLoops(t *testing.T) {
	cfg, err := config.Parse([]byte(obsConfig("127.0.0.1:0", `
  - {name: c, protocol: bolt, endpoints: ["127.0.0.1:1"]}
`)), xprotocol.Default.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	l, cl := g.listeners[0], g.clusters[0]
	rtg := l.routing.Load()
	rt := rtg.table.Routes()[0]
	h := cl.set.Load().hosts[0]
	ref := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ref", Buckets: latencyBuckets})
	const loops, runs = 4, 2001 // runs: a multiple of 3, the statuses used
	list := []time.Duration{0, 50 * time.Microsecond, 100 * time.Microsecond, 101 * time.Microsecond, 3 * time.Millisecond,
		2500 * time.Millisecond, 10 * time.Second, 11 * time.Second, time.Minute}
	durations := func(i int) time.Duration { return list[i%len(list)] }
	for i := range loops * runs {
		ref.Observe(durations(i % runs).Seconds())
	}
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() { // scrapes race with the loops' writes
		defer close(scraped)
		for {
			select {
			case <-stop:
				return
			default:
				_, err := g.m.reg.Gather()
				assert.NoError(t, err)
			}
		}
	}()
	var wg sync.WaitGroup
	for range loops {
		wg.Go(func() {
			ls := &loopState{l: l, loop: new(transport.Loop)}
			ds := &downstream{l: l, ls: ls, ps: ls.protoStats("bolt")}
			hp := &hostPool{ls: ls, cl: cl, h: h}
			p := &pending{ls: ls, ds: ds, hp: hp}
			u := &upstream{hp: hp}
			for i := range runs {
				ls.requestStarted()
				ds.ps.request()
				ds.ps.received(10)
				p.obs.rs = rtg.count(ls, rt, cl)
				p.sentTo(h)
				p.obs.sent = p.obs.sent.Add(-durations(i))
				u.observeResponse(p, xprotocol.Status(i%3))
				u.received(3)
				p.obs.start = ls.loop.Now().Add(-durations(i))
				p.observeEnd(xprotocol.Status(i % 3))
				ls.requestEnded()
				if i%97 == 0 {
					ls.obs.publish()
				}
			}
			ls.obs.publish()
		})
	}
	wg.Wait()
	close(stop)
	<-scraped

	mfs, err := g.m.reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	hists := map[string]*dto.Histogram{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "status" {
					key += "/" + lp.GetValue()
				}
			}
			switch {
			case m.GetCounter() != nil:
				got[key] += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[key] += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				hists[key] = m.GetHistogram()
			}
		}
	}
	const n = loops * runs
	for name, want := range map[string]float64{
		"xgate_downstream_requests_active":             0,
		"xgate_downstream_requests_total":              n,
		"xgate_downstream_received_bytes_total":        10 * n,
		"xgate_upstream_received_bytes_total":          3 * n,
		"xgate_requests_total":                         n,
		"xgate_route_requests_total":                   n,
		"xgate_upstream_host_requests_total":           n,
		"xgate_route_responses_total/ok":               n / 3,
		"xgate_route_responses_total/no_route":         n / 3,
		"xgate_upstream_responses_total/ok":            n / 3,
		"xgate_upstream_host_responses_total/ok":       n / 3,
		"xgate_downstream_responses_total/ok":          n / 3,
		"xgate_downstream_responses_total/no_route":    n / 3,
		"xgate_downstream_responses_total/bad_request": 0,
	} {
		assert.Equal(t, want, got[name], name)
	}
	var want dto.Metric
	require.NoError(t, ref.Write(&want))
	for _, name := range []string{"xgate_route_request_duration_seconds", "xgate_upstream_request_duration_seconds"} {
		hg := hists[name]
		require.NotNil(t, hg, name)
		assert.EqualValues(t, n, hg.GetSampleCount(), name)
		assert.InDelta(t, want.GetHistogram().GetSampleSum(), hg.GetSampleSum(), 1e-6, name)
		require.Len(t, hg.GetBucket(), len(latencyBuckets))
		for i, b := range hg.GetBucket() {
			wb := want.GetHistogram().GetBucket()[i]
			assert.Equal(t, wb.GetUpperBound(), b.GetUpperBound())
			assert.Equal(t, wb.GetCumulativeCount(), b.GetCumulativeCount(), "%s le=%v", name, b.GetUpperBound())
		}
	}
}

// TestScrapeAsksLoops: a scrape has the listener's loops publish their
// counters, and does not wait on loops that stopped.
func TestScrapeAsksLoops(t *testing.T) {
	cfg, err := config.Parse([]byte(obsConfig(freeTCPAddr(t), `
  - {name: c, protocol: bolt, endpoints: ["127.0.0.1:1"]}
`)), xprotocol.Default.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NoError(t, g.Start())
	c, err := net.Dial("tcp", g.listeners[0].server.Address())
	require.NoError(t, err)
	defer c.Close()
	require.Eventually(t, func() bool {
		g.m.obs.loopsMu.Lock()
		defer g.m.obs.loopsMu.Unlock()
		return len(g.m.obs.loops) == 1
	}, 5*time.Second, 10*time.Millisecond, "the connection's loop registers")
	var ls *loopState
	g.m.obs.loopsMu.Lock()
	for l := range g.m.obs.loops {
		ls = l
	}
	g.m.obs.loopsMu.Unlock()
	done := make(chan struct{})
	ls.loop.Execute(func() { // counted on the loop, not yet published
		ls.requestStarted()
		close(done)
	})
	<-done
	gauge := func() float64 {
		mfs, err := g.m.reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			if mf.GetName() == "xgate_downstream_requests_active" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		return -1
	}
	assert.Equal(t, 1.0, gauge(), "a scrape sees what the loop counted")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, g.Shutdown(ctx))
	start := time.Now()
	assert.Equal(t, 1.0, gauge(), "what a stopped loop published stays")
	assert.Less(t, time.Since(start), publishWait/2, "stopped loops are not waited for")
	g.m.obs.loopsMu.Lock()
	assert.Empty(t, g.m.obs.loops, "stopped loops are forgotten")
	g.m.obs.loopsMu.Unlock()
}
