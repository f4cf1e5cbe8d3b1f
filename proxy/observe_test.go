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
	ds := &downstream{l: l, ls: ls, ps: l.stats.protos["bolt"]}
	require.NotNil(t, ds.ps)
	p := &pending{ls: ls, ds: ds}
	u := &upstream{hp: &hostPool{ls: ls, cl: cl, h: h}}
	const runs = 1000
	allocs := testing.AllocsPerRun(runs, func() {
		l.stats.activeReqs.Inc()
		ds.ps.request()
		ds.ps.received(128)
		p.obs.rs = rtg.count(rt, cl)
		p.sentTo(h)
		u.observeResponse(p, xprotocol.StatusOK)
		u.received(64)
		p.observeEnd(xprotocol.StatusOK)
		l.stats.activeReqs.Dec()
	})
	assert.Zero(t, allocs)
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
