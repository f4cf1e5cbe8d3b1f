package route_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/retry"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/route/internal/fake"
	"github.com/xgate/xgate/proxy/route/zoneaffinity"
	"github.com/xgate/xgate/xprotocol"
)

const clustersYAML = `
clusters:
  - {name: any, endpoints: [127.0.0.1:1]}
  - {name: rpc-c, protocol: rpc, endpoints: [127.0.0.1:2]}
  - {name: rpc2-c, protocol: rpc2, endpoints: [127.0.0.1:3]}
  - {name: web-c, protocol: web2, endpoints: [127.0.0.1:4]}
  - {name: web1-c, protocol: web1, endpoints: [127.0.0.1:5]}
  - {name: v1, endpoints: [127.0.0.1:6]}
  - {name: v2, endpoints: [127.0.0.1:7]}
  - {name: shadow, endpoints: [127.0.0.1:8]}
`

// testPlugins is a private plugin registry with zone_affinity and the
// recording plugins of plugin_test.go.
func testPlugins() *route.Registry {
	reg := route.NewRegistry()
	if err := reg.Register(zoneaffinity.New()); err != nil {
		panic(err)
	}
	return reg
}

// parseListener parses one listener (its keys below name and address,
// indented by four spaces) with the test clusters, through the real
// config parser and validator.
func parseListener(t testing.TB, body string, plugins *route.Registry) (*config.Config, *xprotocol.Registry) {
	t.Helper()
	reg := fake.Registry()
	doc := "listeners:\n  - name: edge\n    address: 127.0.0.1:2045\n" + body + clustersYAML
	cfg, err := config.ParseWith([]byte(doc), config.Registered{
		Protocols:        reg.Names(),
		RoutePlugins:     plugins.Names(),
		CheckRoutePlugin: plugins.CheckConfig,
	})
	require.NoError(t, err, "config:\n%s", doc)
	return cfg, reg
}

func compileListener(t testing.TB, body string) *route.Table {
	t.Helper()
	plugins := testPlugins()
	cfg, reg := parseListener(t, body, plugins)
	tbl, err := route.Compile(&cfg.Listeners[0], route.ConfigClusters(cfg.Clusters), reg, plugins)
	require.NoError(t, err)
	return tbl
}

// legacyRoutes uses only the keys that existed before virtual hosts, with
// the semantics proxy/router.go has.
const legacyRoutes = `    routes:
      - name: echo
        match: {service: com.example.EchoService, method: echo}
        cluster: rpc-c
      - name: canary
        match: {path_prefix: /api/, headers: {x-env: canary, x-team: a}}
        cluster: any
      - name: rpc2-proto
        match: {protocol: rpc2}
        cluster: any
      - name: web-family
        match: {service: web.example.com}
        cluster: web-c
      - name: web2-alias
        match: {protocol: web2, service: alias.example.com}
        cluster: any
      - name: rpc-only
        cluster: rpc-c
      - name: catch-all
        match: {}
        cluster: any
`

func TestMatchLegacy(t *testing.T) {
	tbl := compileListener(t, legacyRoutes)
	tests := []struct {
		name  string
		frame *fake.Frame
		want  string
	}{
		{"service and method", &fake.Frame{Proto: "rpc", Service: "com.example.EchoService", Method: "echo"}, "echo"},
		{"method differs", &fake.Frame{Proto: "rpc", Service: "com.example.EchoService", Method: "other"}, "rpc-only"},
		{"cluster protocol refuses other protocols", &fake.Frame{Proto: "rpc2", Service: "com.example.EchoService", Method: "echo"}, "rpc2-proto"},
		{"path prefix and headers", &fake.Frame{Proto: "web1", Path: "/api/x", Headers: fake.H("x-env", "canary", "x-team", "a")}, "canary"},
		{"a header missing", &fake.Frame{Proto: "web1", Path: "/api/x", Headers: fake.H("x-env", "canary")}, "catch-all"},
		{"header value differs", &fake.Frame{Proto: "web1", Path: "/api/x", Headers: fake.H("x-env", "prod", "x-team", "a")}, "catch-all"},
		{"path prefix differs", &fake.Frame{Proto: "web1", Path: "/apix", Headers: fake.H("x-env", "canary", "x-team", "a")}, "catch-all"},
		{"family: web1 to a web2 cluster", &fake.Frame{Proto: "web1", Service: "web.example.com"}, "web-family"},
		{"family: alias to a web2 cluster", &fake.Frame{Proto: "webrpc", Service: "web.example.com"}, "web-family"},
		{"family does not take rpc", &fake.Frame{Proto: "rpc", Service: "web.example.com"}, "rpc-only"},
		{"match.protocol takes its alias", &fake.Frame{Proto: "webrpc", Service: "alias.example.com"}, "web2-alias"},
		{"match.protocol is not the family", &fake.Frame{Proto: "web1", Service: "alias.example.com"}, "catch-all"},
		{"heartbeat-like frame without keys", &fake.Frame{Proto: "rpc2"}, "rpc2-proto"},
		{"catch-all", &fake.Frame{Proto: "web2", Path: "/"}, "catch-all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, routeName(tbl.Match(tt.frame)))
		})
	}
}

func routeName(r *route.Route) string {
	if r == nil {
		return ""
	}
	return r.Name
}

const richRoutes = `    routes:
      - name: svc-prefix
        match: {service: {prefix: com.acme.}, method: {regex: "get[A-Z].*"}}
        cluster: any
      - name: svc-regex-inverted
        match: {service: {regex: "com\\.example\\..*", invert: true}, protocol: rpc}
        cluster: any
      - name: path-exact
        match: {path: /healthz}
        cluster: any
      - name: path-regex
        match: {path: {regex: "/users/[0-9]+"}}
        cluster: any
      - name: path-prefix-map
        match: {path: {prefix: /static/}, method: {exact: GET}}
        cluster: any
      - name: host-exact
        match: {host: {exact: "internal:8080"}}
        cluster: any
      - name: headers-list
        match:
          headers:
            - {name: x-env, prefix: can}
            - {name: x-debug, present: true, invert: true}
            - {name: x-id, regex: "[a-f0-9]{4}"}
        cluster: any
      - name: header-absent-or-other
        match:
          headers: [{name: x-tier, exact: gold, invert: true}]
          path: {prefix: /tier/}
        cluster: any
      - name: method-present
        match: {method: {present: true}, protocol: rpc}
        cluster: any
      - name: last
        cluster: any
`

func TestMatchConditions(t *testing.T) {
	tbl := compileListener(t, richRoutes)
	tests := []struct {
		name  string
		frame *fake.Frame
		want  string
	}{
		{"service prefix, method regex", &fake.Frame{Proto: "rpc", Service: "com.acme.Users", Method: "getUser"}, "svc-prefix"},
		{"method regex is anchored", &fake.Frame{Proto: "rpc", Service: "com.acme.Users", Method: "xgetUser"}, "svc-regex-inverted"},
		{"inverted regex: other service", &fake.Frame{Proto: "rpc", Service: "org.other.S", Method: "m"}, "svc-regex-inverted"},
		{"inverted regex: no service at all", &fake.Frame{Proto: "rpc", Method: "m"}, "svc-regex-inverted"},
		{"inverted regex: matching service", &fake.Frame{Proto: "rpc", Service: "com.example.S", Method: "m"}, "method-present"},
		{"method absent", &fake.Frame{Proto: "rpc", Service: "com.example.S"}, "last"},
		{"path exact", &fake.Frame{Proto: "web1", Path: "/healthz"}, "path-exact"},
		{"path exact is not a prefix", &fake.Frame{Proto: "web1", Path: "/healthz/x"}, "last"},
		{"path regex", &fake.Frame{Proto: "web1", Path: "/users/42"}, "path-regex"},
		{"path regex anchored at the end", &fake.Frame{Proto: "web1", Path: "/users/42/x"}, "last"},
		{"path prefix mapping and method", &fake.Frame{Proto: "web1", Path: "/static/a.css", Method: "GET"}, "path-prefix-map"},
		{"path prefix mapping, other method", &fake.Frame{Proto: "web1", Path: "/static/a.css", Method: "POST"}, "last"},
		{"host exact keeps the port", &fake.Frame{Proto: "web1", Host: "internal:8080", Path: "/"}, "host-exact"},
		{"host exact, other port", &fake.Frame{Proto: "web1", Host: "internal:9090", Path: "/"}, "last"},
		{"header list", &fake.Frame{Proto: "web1", Path: "/", Headers: fake.H("x-env", "canary-2", "x-id", "beef")}, "headers-list"},
		{"header list: x-debug present", &fake.Frame{Proto: "web1", Path: "/", Headers: fake.H("x-env", "canary", "x-id", "beef", "x-debug", "")}, "last"},
		{"header list: regex anchored", &fake.Frame{Proto: "web1", Path: "/", Headers: fake.H("x-env", "canary", "x-id", "beef0")}, "last"},
		{"inverted exact: header absent", &fake.Frame{Proto: "web1", Path: "/tier/a"}, "header-absent-or-other"},
		{"inverted exact: other value", &fake.Frame{Proto: "web1", Path: "/tier/a", Headers: fake.H("x-tier", "silver")}, "header-absent-or-other"},
		{"inverted exact: the value", &fake.Frame{Proto: "web1", Path: "/tier/a", Headers: fake.H("x-tier", "gold")}, "last"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, routeName(tbl.Match(tt.frame)))
		})
	}
}

const vhostListener = `    routes:
      - name: default
        cluster: any
    virtual_hosts:
      - name: api
        domains: [api.example.com, "*.api.example.com"]
        routes:
          - {name: api-users, match: {path: {prefix: /users/}}, cluster: any}
          - {name: api-rest, cluster: any}
      - name: deep
        domains: ["*.eu.api.example.com"]
        routes:
          - {name: deep, cluster: any}
      - name: web
        domains: ["*.example.com", "www.*"]
        routes:
          - {name: web, match: {path: {prefix: /}}, cluster: any}
      - name: echo
        domains: [com.example.EchoService, "com.acme.*"]
        routes:
          - {name: echo, match: {method: echo}, cluster: any}
`

func TestVirtualHosts(t *testing.T) {
	tbl := compileListener(t, vhostListener)
	tests := []struct {
		name  string
		frame *fake.Frame
		want  string
	}{
		{"exact host", &fake.Frame{Proto: "web1", Host: "api.example.com", Path: "/users/1"}, "api-users"},
		{"exact host, case and port ignored", &fake.Frame{Proto: "web1", Host: "API.Example.COM:8443", Path: "/x"}, "api-rest"},
		{"trailing dot", &fake.Frame{Proto: "web1", Host: "api.example.com.", Path: "/x"}, "api-rest"},
		{"suffix wildcard", &fake.Frame{Proto: "web1", Host: "v2.api.example.com", Path: "/x"}, "api-rest"},
		{"longest suffix wins", &fake.Frame{Proto: "web1", Host: "x.eu.api.example.com", Path: "/x"}, "deep"},
		{"shorter suffix", &fake.Frame{Proto: "web1", Host: "shop.example.com", Path: "/x"}, "web"},
		{"suffix needs a label", &fake.Frame{Proto: "web1", Host: "example.com", Path: "/x"}, "default"},
		{"prefix wildcard", &fake.Frame{Proto: "web1", Host: "www.other.org", Path: "/x"}, "web"},
		{"ipv6 host", &fake.Frame{Proto: "web1", Host: "[::1]:80", Path: "/x"}, "default"},
		{"selected vhost with no match: no route", &fake.Frame{Proto: "web1", Host: "shop.example.com"}, ""},
		{"service exact", &fake.Frame{Proto: "rpc", Service: "com.example.EchoService", Method: "echo"}, "echo"},
		{"service is case-sensitive", &fake.Frame{Proto: "rpc", Service: "com.example.echoservice", Method: "echo"}, "default"},
		{"service prefix wildcard", &fake.Frame{Proto: "rpc", Service: "com.acme.Users", Method: "echo"}, "echo"},
		{"host wins over service", &fake.Frame{Proto: "webrpc", Host: "api.example.com", Service: "com.acme.Users", Path: "/x"}, "api-rest"},
		{"unknown host: default", &fake.Frame{Proto: "web1", Host: "nowhere.org", Path: "/x"}, "default"},
		{"no host nor service: default", &fake.Frame{Proto: "rpc"}, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, routeName(tbl.Match(tt.frame)))
		})
	}
	var names []string
	for _, vh := range tbl.VirtualHosts() {
		names = append(names, vh.Name)
	}
	assert.Equal(t, []string{"api", "deep", "web", "echo", ""}, names)
	for i, r := range tbl.Routes() {
		assert.Equal(t, i, r.ID)
	}
}

func TestVirtualHostStarWithoutDefault(t *testing.T) {
	tbl := compileListener(t, `    virtual_hosts:
      - name: api
        domains: [api.example.com]
        routes: [{name: api, cluster: any}]
      - name: rest
        domains: ["*"]
        routes: [{name: rest, match: {protocol: rpc}, cluster: any}]
`)
	assert.Equal(t, "api", routeName(tbl.Match(&fake.Frame{Proto: "web1", Host: "api.example.com"})))
	assert.Equal(t, "rest", routeName(tbl.Match(&fake.Frame{Proto: "rpc", Service: "x"})))
	assert.Equal(t, "", routeName(tbl.Match(&fake.Frame{Proto: "web1", Host: "other"})))

	only := compileListener(t, `    virtual_hosts:
      - name: api
        domains: [api.example.com]
        routes: [{name: api, cluster: any}]
`)
	assert.Nil(t, only.Match(&fake.Frame{Proto: "web1", Host: "other.example.com"}), "no default virtual host")
}

func TestActions(t *testing.T) {
	tbl := compileListener(t, `    routes:
      - name: split
        match: {method: split}
        weighted_clusters:
          - {cluster: v1, weight: 90}
          - {cluster: v2, weight: 10}
        timeout: 2s
        retry_policy:
          num_retries: 3
          retry_on: [connect_failure, unavailable, server_error]
          per_try_timeout: 500ms
        mirror: {cluster: shadow, percentage: 25}
      - name: direct
        match: {method: direct}
        direct_response: {status: unavailable, body: down for maintenance}
      - name: ok
        match: {method: ok}
        direct_response: {status: ok}
      - name: mirror-proto
        match: {method: mp}
        cluster: any
        mirror: {cluster: rpc-c, percentage: 100}
        retry_policy:
          num_retries: 1
          retry_on: [reset, refused_stream]
          backoff: {base_interval: 10ms, max_interval: 35ms}
`)
	split := tbl.Match(&fake.Frame{Proto: "rpc", Method: "split"})
	require.NotNil(t, split)
	assert.Equal(t, route.ActionWeighted, split.Action)
	assert.Equal(t, "weighted_clusters", split.Action.String())
	assert.Equal(t, "unknown", route.Action(0).String())
	assert.Equal(t, "v1", split.PickCluster(0).Name())
	assert.Equal(t, "v1", split.PickCluster(89).Name())
	assert.Equal(t, "v2", split.PickCluster(90).Name())
	assert.Equal(t, "v2", split.PickCluster(99).Name())
	assert.Equal(t, "v1", split.PickCluster(100).Name())
	counts := map[string]int{}
	for rnd := range uint64(1000) {
		counts[split.PickCluster(rnd*7919).Name()]++
	}
	assert.Equal(t, map[string]int{"v1": 900, "v2": 100}, counts)
	assert.Equal(t, 2*time.Second, split.Timeout)

	rp := split.Retry
	require.NotNil(t, rp)
	assert.Equal(t, 3, rp.NumRetries)
	assert.Equal(t, retry.ConnectFailure|retry.Unavailable|retry.ServerError, rp.Policy.On)
	assert.Equal(t, 500*time.Millisecond, rp.PerTryTimeout)
	assert.Equal(t, retry.Backoff{Base: retry.DefaultBackoffBase, Max: 10 * retry.DefaultBackoffBase}, rp.Backoff)

	m := split.Mirror
	require.NotNil(t, m)
	assert.Equal(t, "shadow", m.Cluster.Name())
	assert.True(t, m.Sample(24))
	assert.False(t, m.Sample(25))
	assert.True(t, m.Sample(124))
	assert.True(t, m.Accepts("rpc"))

	direct := tbl.Match(&fake.Frame{Proto: "web1", Method: "direct"})
	require.NotNil(t, direct)
	assert.Equal(t, route.ActionDirect, direct.Action)
	assert.Equal(t, route.DirectResponse{Status: xprotocol.StatusUnavailable, Body: "down for maintenance"}, direct.Direct)
	assert.Nil(t, direct.PickCluster(0))
	ok := tbl.Match(&fake.Frame{Proto: "rpc", Method: "ok"})
	require.NotNil(t, ok)
	assert.Equal(t, xprotocol.StatusOK, ok.Direct.Status)

	mp := tbl.Match(&fake.Frame{Proto: "web1", Method: "mp"})
	require.NotNil(t, mp)
	assert.Equal(t, route.ActionCluster, mp.Action)
	assert.Equal(t, "any", mp.PickCluster(12345).Name())
	assert.True(t, mp.Mirror.Accepts("rpc"))
	assert.False(t, mp.Mirror.Accepts("web1"), "the mirror cluster speaks rpc only")
	assert.Equal(t, &route.RetryPolicy{
		NumRetries: 1,
		Policy:     retry.Policy{On: retry.Reset | retry.RefusedStream},
		Backoff:    retry.Backoff{Base: 10 * time.Millisecond, Max: 35 * time.Millisecond},
	}, mp.Retry)
}

func TestWeightedProtocols(t *testing.T) {
	tbl := compileListener(t, `    routes:
      - name: split
        weighted_clusters:
          - {cluster: web-c, weight: 1}
          - {cluster: web1-c, weight: 1}
          - {cluster: any, weight: 1}
`)
	r := tbl.Routes()[0]
	for _, p := range []string{"web1", "web2", "webrpc"} {
		assert.True(t, r.AcceptsProtocol(p), p)
	}
	assert.False(t, r.AcceptsProtocol("rpc"))

	plugins := testPlugins()
	cfg, reg := parseListener(t, `    routes:
      - weighted_clusters:
          - {cluster: web-c, weight: 1}
          - {cluster: rpc-c, weight: 1}
`, plugins)
	_, err := route.Compile(&cfg.Listeners[0], route.ConfigClusters(cfg.Clusters), reg, plugins)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "routes[0].weighted_clusters: no request can go to every one of these clusters")
}

func TestHeaderMutations(t *testing.T) {
	tbl := compileListener(t, `    routes:
      - cluster: any
        request_headers_to_add: [{name: x-route, value: r1}, {name: x-env, value: prod}]
        request_headers_to_remove: [x-internal, x-env]
        response_headers_to_add: [{name: x-served-by, value: xgate}]
        response_headers_to_remove: [x-backend]
`)
	r := tbl.Routes()[0]
	req := &fake.Frame{Proto: "rpc", Headers: fake.H("x-internal", "1", "x-env", "dev", "keep", "k")}
	r.ApplyRequest(req)
	assert.Equal(t, map[string]string{"keep": "k", "x-route": "r1", "x-env": "prod"}, req.Headers.Map())
	resp := &fake.Frame{Proto: "rpc", Headers: fake.H("x-backend", "b1", "x-served-by", "old")}
	r.ApplyResponse(resp)
	assert.Equal(t, map[string]string{"x-served-by": "xgate"}, resp.Headers.Map())

	plain := compileListener(t, "    routes: [{cluster: any}]\n").Routes()[0]
	untouched := &fake.Frame{Proto: "rpc", Headers: fake.H("a", "b")}
	plain.ApplyRequest(untouched)
	plain.ApplyResponse(untouched)
	assert.Equal(t, map[string]string{"a": "b"}, untouched.Headers.Map())
}

// TestCompileErrors covers what Compile refuses in a Config that did not
// pass validation (built in Go).
func TestCompileErrors(t *testing.T) {
	reg := fake.Registry()
	clusters := route.ConfigClusters([]config.Cluster{{Name: "a"}, {Name: "r", Protocol: "rpc"}, {Name: "w", Protocol: "web2"}})
	tests := []struct {
		name string
		l    config.Listener
		want string
	}{
		{"unknown cluster", config.Listener{Routes: []config.Route{{Cluster: "nope"}}},
			`routes[0].cluster: unknown cluster "nope"`},
		{"no action", config.Listener{Routes: []config.Route{{}}},
			`routes[0].cluster: is required`},
		{"two actions", config.Listener{Routes: []config.Route{{Cluster: "a", DirectResponse: &config.DirectResponse{Status: "ok"}}}},
			`routes[0]: set only one of`},
		{"bad regex", config.Listener{Routes: []config.Route{{Cluster: "a", Match: config.RouteMatch{PathMatch: &config.StringMatch{Regex: "("}}}}},
			`routes[0].match.path: invalid regex`},
		{"empty condition", config.Listener{Routes: []config.Route{{Cluster: "a", Match: config.RouteMatch{HeaderMatches: []config.HeaderMatch{{Name: "x"}}}}}},
			`routes[0].match.headers[0]: set one of exact, prefix, regex or present`},
		{"both forms", config.Listener{Routes: []config.Route{{Cluster: "a", Match: config.RouteMatch{Service: "s", ServiceMatch: &config.StringMatch{Prefix: "s"}}}}},
			`routes[0].match.service: set either the string form or the mapping form`},
		{"bad status", config.Listener{Routes: []config.Route{{DirectResponse: &config.DirectResponse{Status: "teapot"}}}},
			`routes[0].direct_response.status: unknown status "teapot"`},
		{"zero weight", config.Listener{Routes: []config.Route{{WeightedClusters: []config.WeightedCluster{{Cluster: "a"}}}}},
			`routes[0].weighted_clusters[0].weight: must be between 1 and 1000000, got 0`},
		{"bad retry", config.Listener{Routes: []config.Route{{Cluster: "a", RetryPolicy: &config.RetryPolicy{NumRetries: 1, RetryOn: []string{"bad"}}}}},
			`routes[0].retry_policy.retry_on[0]: unknown retry_on condition "bad"`},
		{"bad mirror", config.Listener{Routes: []config.Route{{Cluster: "a", Mirror: &config.Mirror{Cluster: "a"}}}},
			`routes[0].mirror.percentage: must be between 1 and 100, got 0`},
		{"unknown plugin", config.Listener{Routes: []config.Route{{Cluster: "a", Plugins: []config.RoutePlugin{{Name: "nope"}}}}},
			`routes[0].plugins[0].name: unknown route plugin "nope" (registered: zone_affinity)`},
		{"bad plugin config", config.Listener{Routes: []config.Route{{Cluster: "a", Plugins: []config.RoutePlugin{{Name: "zone_affinity", Config: config.RawConfig(`{"zone": 1}`)}}}}},
			`routes[0].plugins[0].config: json: unknown field "zone"`},
		{"plugins on a direct response", config.Listener{Routes: []config.Route{{DirectResponse: &config.DirectResponse{Status: "ok"}, Plugins: []config.RoutePlugin{{Name: "zone_affinity"}}}}},
			`routes[0].plugins: a direct_response route has no hosts`},
		{"duplicate domain", config.Listener{VirtualHosts: []config.VirtualHost{
			{Name: "a", Domains: []string{"x.com"}, Routes: []config.Route{{Cluster: "a"}}},
			{Name: "b", Domains: []string{"X.com"}, Routes: []config.Route{{Cluster: "a"}}}}},
			`virtual_hosts[1].domains[0]: duplicate domain "X.com" (also virtual_hosts[0].domains[0])`},
		{"star with default", config.Listener{Routes: []config.Route{{Cluster: "a"}}, VirtualHosts: []config.VirtualHost{
			{Name: "a", Domains: []string{"*"}, Routes: []config.Route{{Cluster: "a"}}}}},
			`virtual_hosts[0].domains[0]: "*" would take every request`},
		{"bad wildcard", config.Listener{VirtualHosts: []config.VirtualHost{
			{Name: "a", Domains: []string{"a.*.com"}, Routes: []config.Route{{Cluster: "a"}}}}},
			`virtual_hosts[0].domains[0]: invalid domain "a.*.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.l.Name = "edge"
			_, err := route.Compile(&tt.l, clusters, reg, testPlugins())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "route: listener edge: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// Every problem is reported, not the first only.
	l := config.Listener{Name: "edge", Routes: []config.Route{{Cluster: "x"}, {Cluster: "y"}}}
	_, err := route.Compile(&l, clusters, reg, nil)
	require.Error(t, err)
	assert.Equal(t, 2, strings.Count(err.Error(), "unknown cluster"))
}

// TestCompileDefaults: nil registries mean the process-wide ones, and a
// Config built in Go with the old fields works as before.
func TestCompileDefaults(t *testing.T) {
	l := config.Listener{Name: "edge", Routes: []config.Route{
		{Match: config.RouteMatch{Service: "s", Headers: map[string]string{"b": "2", "a": "1"}}, Cluster: "a"},
	}}
	tbl, err := route.Compile(&l, route.ConfigClusters([]config.Cluster{{Name: "a"}}), nil, nil)
	require.NoError(t, err)
	assert.NotNil(t, tbl.Match(&fake.Frame{Proto: "x", Service: "s", Headers: fake.H("a", "1", "b", "2")}))
	assert.Nil(t, tbl.Match(&fake.Frame{Proto: "x", Service: "s", Headers: fake.H("a", "1")}))
}
