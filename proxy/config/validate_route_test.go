package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// routeBase is a valid config using every route key; each broken case
// changes one thing in it without moving lines.
const routeBase = `listeners:
  - name: edge
    address: 127.0.0.1:2045
    routes:
      - match: {service: com.example.EchoService, headers: {x-env: canary}}
        cluster: a
    virtual_hosts:
      - name: api
        domains: [api.example.com, "*.api.example.com", "com.example.*"]
        routes:
          - name: users
            match:
              path: {prefix: /users/}
              method: {regex: "GET|HEAD"}
              host: {exact: "api.example.com:8443", invert: true}
              headers:
                - {name: x-env, exact: canary}
                - {name: x-debug, present: true, invert: true}
            weighted_clusters:
              - {cluster: a, weight: 90}
              - {cluster: b, weight: 10}
            timeout: 2s
            retry_policy:
              num_retries: 2
              retry_on: [connect_failure, reset, unavailable]
              per_try_timeout: 500ms
              backoff: {base_interval: 25ms, max_interval: 250ms}
            mirror: {cluster: b, percentage: 10}
            request_headers_to_add: [{name: x-route, value: users}]
            request_headers_to_remove: [x-internal]
            response_headers_to_add: [{name: x-served-by, value: xgate}]
            response_headers_to_remove: [x-backend]
            plugins:
              - name: zone_affinity
                config: {local_zone: az1, weights: [1, 2.5], nested: {on: true}}
          - match: {path: /exact, service: {prefix: com.}}
            direct_response: {status: no_route, body: "no such API"}
clusters:
  - {name: a, endpoints: [127.0.0.1:1]}
  - {name: b, endpoints: [127.0.0.1:2]}
`

var routeRegistered = Registered{Protocols: testProtocols, RoutePlugins: []string{"zone_affinity", "canary"}}

func TestParseRouteBase(t *testing.T) {
	c, err := ParseWith([]byte(routeBase), routeRegistered)
	require.NoError(t, err)
	l := c.Listeners[0]
	require.Len(t, l.VirtualHosts, 1)
	vh := l.VirtualHosts[0]
	assert.Equal(t, "api", vh.Name)
	assert.Equal(t, []string{"api.example.com", "*.api.example.com", "com.example.*"}, vh.Domains)
	r := vh.Routes[0]
	assert.Equal(t, "users", r.Name)
	assert.Equal(t, RouteMatch{
		PathMatch:   &StringMatch{Prefix: "/users/"},
		MethodMatch: &StringMatch{Regex: "GET|HEAD"},
		HostMatch:   &StringMatch{Exact: "api.example.com:8443", Invert: true},
		HeaderMatches: []HeaderMatch{
			{Name: "x-env", Exact: "canary"},
			{Name: "x-debug", Present: true, Invert: true},
		},
	}, r.Match)
	assert.Equal(t, []WeightedCluster{{"a", 90}, {"b", 10}}, r.WeightedClusters)
	assert.Equal(t, 2*time.Second, r.Timeout)
	assert.Equal(t, &RetryPolicy{
		NumRetries: 2, RetryOn: []string{"connect_failure", "reset", "unavailable"}, PerTryTimeout: 500 * time.Millisecond,
		Backoff: RetryBackoff{BaseInterval: 25 * time.Millisecond, MaxInterval: 250 * time.Millisecond},
	}, r.RetryPolicy)
	assert.Equal(t, &Mirror{Cluster: "b", Percentage: 10}, r.Mirror)
	assert.Equal(t, []HeaderValue{{"x-route", "users"}}, r.RequestHeadersToAdd)
	assert.Equal(t, []string{"x-internal"}, r.RequestHeadersToRemove)
	assert.Equal(t, []HeaderValue{{"x-served-by", "xgate"}}, r.ResponseHeadersToAdd)
	assert.Equal(t, []string{"x-backend"}, r.ResponseHeadersToRemove)
	require.Len(t, r.Plugins, 1)
	assert.Equal(t, "zone_affinity", r.Plugins[0].Name)
	assert.JSONEq(t, `{"local_zone": "az1", "weights": [1, 2.5], "nested": {"on": true}}`, string(r.Plugins[0].Config))

	d := vh.Routes[1]
	assert.Equal(t, RouteMatch{Path: "/exact", ServiceMatch: &StringMatch{Prefix: "com."}}, d.Match)
	assert.Equal(t, &DirectResponse{Status: "no_route", Body: "no such API"}, d.DirectResponse)
	assert.Empty(t, d.Cluster)

	// The old forms decode as before.
	assert.Equal(t, RouteMatch{Service: "com.example.EchoService", Headers: map[string]string{"x-env": "canary"}}, l.Routes[0].Match)
}

// TestRouteWithoutPluginRegistry: Parse (no plugin names) refuses every
// plugin, and accepts everything else.
func TestRouteWithoutPluginRegistry(t *testing.T) {
	_, err := Parse([]byte(routeBase), testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, `line 34: listeners[0].virtual_hosts[0].routes[0].plugins[0].name: unknown route plugin "zone_affinity" (no route plugins are registered)`, errs[0].Error())
}

func TestParseRouteBroken(t *testing.T) {
	type edited struct{ old, new string }
	tests := []struct {
		name string
		edit edited
		also *edited
		path string
		line int
		msg  string
	}{
		// Virtual hosts.
		{name: "vhost name missing", edit: edited{"      - name: api\n", "      - name: \"\"\n"},
			path: "listeners[0].virtual_hosts[0].name", line: 8, msg: "is required"},
		{name: "vhost bad name", edit: edited{"      - name: api\n", "      - name: a b\n"},
			path: "listeners[0].virtual_hosts[0].name", line: 8, msg: `virtual host name "a b" may hold only`},
		{name: "no domains", edit: edited{`domains: [api.example.com, "*.api.example.com", "com.example.*"]`, "domains: []"},
			path: "listeners[0].virtual_hosts[0].domains", line: 9, msg: "at least one domain is required"},
		{name: "duplicate domain ignoring case", edit: edited{`"com.example.*"]`, `API.example.com]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: `duplicate domain "API.example.com" (also virtual_hosts[0].domains[0])`},
		{name: "wildcard in the middle", edit: edited{`"com.example.*"]`, `"com.*.example"]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: `may hold "*" only as its first or last character`},
		{name: "two wildcards", edit: edited{`"com.example.*"]`, `"*.example.*"]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: `may hold one "*" only`},
		{name: "empty domain", edit: edited{`"com.example.*"]`, `""]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: `domain "" is empty`},
		{name: "domain with a space", edit: edited{`"com.example.*"]`, `"a b"]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: "must not hold spaces"},
		{name: "star beside the listener's routes", edit: edited{`"com.example.*"]`, `"*"]`},
			path: "listeners[0].virtual_hosts[0].domains[2]", line: 9, msg: `"*" takes every request the listener's own routes`},
		{name: "vhost route to unknown cluster", edit: edited{"{cluster: b, weight: 10}", "{cluster: c, weight: 10}"},
			path: "listeners[0].virtual_hosts[0].routes[0].weighted_clusters[1].cluster", line: 21, msg: `unknown cluster "c" (defined: a, b)`},

		// Match.
		{name: "mapping and list forms refuse scalars", edit: edited{"              headers:\n                - {name: x-env, exact: canary}\n                - {name: x-debug, present: true, invert: true}\n", "              headers: canary\n              # gone\n              # gone\n"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.headers", line: 16, msg: `must be a mapping or a list, got "canary"`},
		{name: "service as a list", edit: edited{"match: {path: /exact, service: {prefix: com.}}", "match: {path: /exact, service: [com.]}"},
			path: "listeners[0].virtual_hosts[0].routes[1].match.service", line: 36, msg: `must be a string or a mapping, got a list`},
		{name: "empty condition", edit: edited{"path: {prefix: /users/}", "path: {}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.path", line: 13, msg: "set one of exact, prefix, regex or present: true"},
		{name: "two conditions", edit: edited{"path: {prefix: /users/}", "path: {prefix: /users/, regex: /u.*}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.path", line: 13, msg: "set only one of exact, prefix, regex and present, got prefix and regex"},
		{name: "bad regex", edit: edited{`method: {regex: "GET|HEAD"}`, `method: {regex: "GET|(HEAD"}`},
			path: "listeners[0].virtual_hosts[0].routes[0].match.method.regex", line: 14, msg: "invalid regex: missing closing ): `GET|(HEAD`"},
		{name: "path prefix without slash", edit: edited{"path: {prefix: /users/}", "path: {prefix: users/}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.path.prefix", line: 13, msg: `must start with "/", got "users/"`},
		{name: "path without slash", edit: edited{"match: {path: /exact,", "match: {path: exact,"},
			path: "listeners[0].virtual_hosts[0].routes[1].match.path", line: 36, msg: `must start with "/", got "exact"`},
		{name: "unknown condition key", edit: edited{"{name: x-env, exact: canary}", "{name: x-env, equals: canary}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.headers[0].equals", line: 17, msg: `unknown field "equals"`},
		{name: "header condition without name", edit: edited{"{name: x-env, exact: canary}", "{exact: canary}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.headers[0].name", line: 17, msg: "is required"},
		{name: "present must be a bool", edit: edited{"{name: x-debug, present: true, invert: true}", "{name: x-debug, present: yes please}"},
			path: "listeners[0].virtual_hosts[0].routes[0].match.headers[1].present", line: 18, msg: "must be true or false"},

		// Actions.
		{name: "two actions", edit: edited{"            direct_response:", "            cluster: a\n            direct_response:"},
			path: "listeners[0].virtual_hosts[0].routes[1]", line: 36, msg: "set only one of cluster, weighted_clusters and direct_response"},
		{name: "no action", edit: edited{`            direct_response: {status: no_route, body: "no such API"}`, "            # none"},
			path: "listeners[0].virtual_hosts[0].routes[1].cluster", line: 36, msg: "is required (the name of a cluster), unless weighted_clusters or direct_response is set"},
		{name: "empty split", edit: edited{"            weighted_clusters:\n              - {cluster: a, weight: 90}\n              - {cluster: b, weight: 10}\n", "            weighted_clusters: []\n            # none\n            # none\n"},
			path: "listeners[0].virtual_hosts[0].routes[0].weighted_clusters", line: 19, msg: "at least one cluster is required"},
		{name: "zero weight", edit: edited{"{cluster: a, weight: 90}", "{cluster: a, weight: 0}"},
			path: "listeners[0].virtual_hosts[0].routes[0].weighted_clusters[0].weight", line: 20, msg: "must be between 1 and 1000000, got 0"},
		{name: "missing weight", edit: edited{"{cluster: a, weight: 90}", "{cluster: a}"},
			path: "listeners[0].virtual_hosts[0].routes[0].weighted_clusters[0].weight", line: 20, msg: "must be between 1 and 1000000, got 0"},
		{name: "duplicate split cluster", edit: edited{"{cluster: b, weight: 10}", "{cluster: a, weight: 10}"},
			path: "listeners[0].virtual_hosts[0].routes[0].weighted_clusters[1].cluster", line: 21, msg: `duplicate cluster "a" (also [0])`},
		{name: "unknown status", edit: edited{"status: no_route", "status: not_found"},
			path: "listeners[0].virtual_hosts[0].routes[1].direct_response.status", line: 37, msg: `unknown status "not_found" (want one of ok, no_route, unavailable, timeout, overload, bad_request, server_error, unknown)`},
		{name: "missing status", edit: edited{"{status: no_route, body:", "{body:"},
			path: "listeners[0].virtual_hosts[0].routes[1].direct_response.status", line: 37, msg: "is required (one of ok, no_route,"},
		{name: "body too large", edit: edited{`body: "no such API"`, `body: "` + strings.Repeat("x", MaxDirectBody+1) + `"`},
			path: "listeners[0].virtual_hosts[0].routes[1].direct_response.body", line: 37, msg: "is 65537 bytes, more than 65536"},

		// Timeout, retries, mirror.
		{name: "negative timeout", edit: edited{"timeout: 2s", "timeout: -2s"},
			path: "listeners[0].virtual_hosts[0].routes[0].timeout", line: 22, msg: "must be >= 0"},
		{name: "no retries", edit: edited{"num_retries: 2", "num_retries: 0"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.num_retries", line: 24, msg: "must be between 1 and 10, got 0"},
		{name: "too many retries", edit: edited{"num_retries: 2", "num_retries: 11"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.num_retries", line: 24, msg: "must be between 1 and 10, got 11"},
		{name: "unknown retry condition", edit: edited{"retry_on: [connect_failure, reset, unavailable]", "retry_on: [connect_failure, 5xx]"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.retry_on[1]", line: 25, msg: `unknown retry condition "5xx" (known: connect_failure, reset, unavailable, timeout, overload, server_error, refused_stream)`},
		{name: "duplicate retry condition", edit: edited{"retry_on: [connect_failure, reset, unavailable]", "retry_on: [reset, reset]"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.retry_on[1]", line: 25, msg: `duplicate retry condition "reset"`},
		{name: "no retry condition", edit: edited{"retry_on: [connect_failure, reset, unavailable]", "retry_on: []"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.retry_on", line: 25, msg: "at least one condition is required"},
		{name: "negative per-try timeout", edit: edited{"per_try_timeout: 500ms", "per_try_timeout: -1s"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.per_try_timeout", line: 26, msg: "must be >= 0"},
		{name: "max below base", edit: edited{"max_interval: 250ms", "max_interval: 10ms"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.backoff.max_interval", line: 27, msg: "must be >= base_interval (25ms), got 10ms"},
		{name: "backoff unit missing", edit: edited{"base_interval: 25ms", "base_interval: 25"},
			path: "listeners[0].virtual_hosts[0].routes[0].retry_policy.backoff.base_interval", line: 27, msg: "duration 25 has no unit"},
		{name: "mirror to unknown cluster", edit: edited{"mirror: {cluster: b,", "mirror: {cluster: shadow,"},
			path: "listeners[0].virtual_hosts[0].routes[0].mirror.cluster", line: 28, msg: `unknown cluster "shadow" (defined: a, b)`},
		{name: "mirror percentage", edit: edited{"percentage: 10", "percentage: 101"},
			path: "listeners[0].virtual_hosts[0].routes[0].mirror.percentage", line: 28, msg: "must be between 1 and 100 percent, got 101"},
		{name: "mirror percentage missing", edit: edited{"mirror: {cluster: b, percentage: 10}", "mirror: {cluster: b}"},
			path: "listeners[0].virtual_hosts[0].routes[0].mirror.percentage", line: 28, msg: "must be between 1 and 100 percent, got 0"},

		// Header changes.
		{name: "pseudo-header", edit: edited{"[{name: x-route, value: users}]", "[{name: \":path\", value: /x}]"},
			path: "listeners[0].virtual_hosts[0].routes[0].request_headers_to_add[0].name", line: 29, msg: `":path" is a pseudo-header`},
		{name: "header name with a space", edit: edited{"[{name: x-route, value: users}]", "[{name: x route, value: users}]"},
			path: "listeners[0].virtual_hosts[0].routes[0].request_headers_to_add[0].name", line: 29, msg: `header name "x route" must not hold spaces`},
		{name: "header value with CRLF", edit: edited{"[{name: x-route, value: users}]", `[{name: x-route, value: "a\r\nx-evil: 1"}]`},
			path: "listeners[0].virtual_hosts[0].routes[0].request_headers_to_add[0].value", line: 29, msg: "must not hold control characters"},
		{name: "duplicate header to add", edit: edited{"[{name: x-route, value: users}]", "[{name: x-route, value: a}, {name: x-route, value: b}]"},
			path: "listeners[0].virtual_hosts[0].routes[0].request_headers_to_add[1].name", line: 29, msg: `duplicate header "x-route" (also [0])`},
		{name: "header to add without name", edit: edited{"[{name: x-served-by, value: xgate}]", "[{value: xgate}]"},
			path: "listeners[0].virtual_hosts[0].routes[0].response_headers_to_add[0].name", line: 31, msg: "header name is required"},
		{name: "empty header to remove", edit: edited{"response_headers_to_remove: [x-backend]", `response_headers_to_remove: [x-backend, ""]`},
			path: "listeners[0].virtual_hosts[0].routes[0].response_headers_to_remove[1]", line: 32, msg: "header name is required"},
		{name: "duplicate header to remove", edit: edited{"request_headers_to_remove: [x-internal]", "request_headers_to_remove: [x-internal, x-internal]"},
			path: "listeners[0].virtual_hosts[0].routes[0].request_headers_to_remove[1]", line: 30, msg: `duplicate header "x-internal" (also [0])`},

		// Plugins.
		{name: "unknown plugin", edit: edited{"- name: zone_affinity", "- name: zone_afinity"},
			path: "listeners[0].virtual_hosts[0].routes[0].plugins[0].name", line: 34, msg: `unknown route plugin "zone_afinity" (registered: zone_affinity, canary)`},
		{name: "plugin without name", edit: edited{"- name: zone_affinity", "- name: \"\""},
			path: "listeners[0].virtual_hosts[0].routes[0].plugins[0].name", line: 34, msg: "is required"},
		{name: "duplicate plugin", edit: edited{"                config: {local_zone: az1, weights: [1, 2.5], nested: {on: true}}\n", "                config: {local_zone: az1}\n              - {name: zone_affinity}\n"},
			path: "listeners[0].virtual_hosts[0].routes[0].plugins[1].name", line: 36, msg: `duplicate plugin "zone_affinity" (also plugins[0])`},
		{name: "plugin config with a NaN", edit: edited{"weights: [1, 2.5]", "weights: [1, .nan]"},
			path: "listeners[0].virtual_hosts[0].routes[0].plugins[0].config", line: 35, msg: "cannot be kept as JSON: unsupported value: NaN"},
		{name: "route name", edit: edited{"          - name: users\n", "          - name: my users\n"},
			path: "listeners[0].virtual_hosts[0].routes[0].name", line: 11, msg: `route name "my users" may hold only`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(routeBase, tt.edit.old), "edit %q", tt.edit.old)
			doc := strings.Replace(routeBase, tt.edit.old, tt.edit.new, 1)
			if tt.also != nil {
				doc = strings.Replace(doc, tt.also.old, tt.also.new, 1)
			}
			_, err := ParseWith([]byte(doc), routeRegistered)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want one problem, got:\n%v", err)
			assert.Equal(t, tt.path, errs[0].Path)
			assert.Equal(t, tt.line, errs[0].Line, "%v", errs[0])
			assert.Contains(t, errs[0].Msg, tt.msg)
		})
	}
}

func TestRoutePluginsOnDirectResponse(t *testing.T) {
	doc := strings.Replace(routeBase, `            direct_response: {status: no_route, body: "no such API"}`,
		`            direct_response: {status: no_route, body: "no such API"}
            plugins: [{name: canary}]`, 1)
	_, err := ParseWith([]byte(doc), routeRegistered)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1, "%v", err)
	assert.Equal(t, "listeners[0].virtual_hosts[0].routes[1].plugins", errs[0].Path)
	assert.Contains(t, errs[0].Msg, "a direct_response route has none")
}

func TestCheckRoutePlugin(t *testing.T) {
	reg := routeRegistered
	var seen []string
	reg.CheckRoutePlugin = func(name string, cfg []byte) error {
		seen = append(seen, name+" "+string(cfg))
		if name == "zone_affinity" {
			return errors.New(`unknown key "weights"`)
		}
		return nil
	}
	_, err := ParseWith([]byte(routeBase), reg)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, `line 35: listeners[0].virtual_hosts[0].routes[0].plugins[0].config: unknown key "weights"`, errs[0].Error())
	assert.Equal(t, []string{`zone_affinity {"local_zone":"az1","nested":{"on":true},"weights":[1,2.5]}`}, seen)
}

func TestRawConfigForms(t *testing.T) {
	const doc = `listeners:
  - name: edge
    address: 127.0.0.1:2045
    routes:
      - cluster: a
        plugins:
          - {name: p1}
          - {name: p2, config: 42}
          - {name: p3, config: [a, {1: b}]}
          - {name: p4, config: &x {k: v}}
          - {name: p5, config: {<<: *x, j: w}}
          - {name: p6, config: ~}
clusters:
  - {name: a, endpoints: [127.0.0.1:1]}
`
	c, err := ParseWith([]byte(doc), Registered{RoutePlugins: []string{"p1", "p2", "p3", "p4", "p5", "p6"}})
	require.NoError(t, err)
	ps := c.Listeners[0].Routes[0].Plugins
	assert.Nil(t, ps[0].Config)
	assert.Equal(t, `42`, string(ps[1].Config))
	assert.Equal(t, `["a",{"1":"b"}]`, string(ps[2].Config))
	assert.Equal(t, `{"k":"v"}`, string(ps[3].Config))
	assert.JSONEq(t, `{"k":"v","j":"w"}`, string(ps[4].Config))
	assert.Nil(t, ps[5].Config)

	js, err := ps[1].Config.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, "42", string(js))
	js, err = ps[0].Config.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, "null", string(js))
	y, err := ps[3].Config.MarshalYAML()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"k": "v"}, y)
}

func TestVirtualHostsOnly(t *testing.T) {
	const doc = `listeners:
  - name: edge
    address: 127.0.0.1:2045
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes: [{cluster: a}]
      - name: other
        domains: [x.example.com]
        routes: []
clusters:
  - {name: a, endpoints: [127.0.0.1:1]}
`
	_, err := Parse([]byte(doc), testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1, "listener routes are optional with virtual hosts: %v", err)
	assert.Equal(t, "listeners[0].virtual_hosts[1].routes", errs[0].Path)
	assert.Equal(t, "at least one route is required", errs[0].Msg)

	doc2 := strings.Replace(doc, "      - name: other\n        domains: [x.example.com]\n        routes: []\n", "", 1)
	_, err = Parse([]byte(doc2), testProtocols)
	require.NoError(t, err)

	// A duplicate virtual host name.
	doc3 := strings.Replace(doc, "- name: other", "- name: all", 1)
	doc3 = strings.Replace(doc3, "routes: []", "routes: [{cluster: a}]", 1)
	_, err = Parse([]byte(doc3), testProtocols)
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, `line 8: listeners[0].virtual_hosts[1].name: duplicate virtual host name "all" (also virtual_hosts[0])`, errs[0].Error())
}

// TestValidateWithGo: a Config built in Go is checked the same way, both
// forms of a key may not be set at once, and Validate (no plugin names)
// refuses plugins.
func TestValidateRouteInGo(t *testing.T) {
	l := DefaultListener()
	l.Name, l.Address = "edge", "127.0.0.1:2045"
	l.Routes = []Route{{
		Cluster: "a",
		Match:   RouteMatch{Method: "get", MethodMatch: &StringMatch{Prefix: "g"}},
		Plugins: []RoutePlugin{{Name: "p"}},
	}}
	cl := DefaultCluster()
	cl.Name, cl.Endpoints = "a", []string{"127.0.0.1:1"}
	c := &Config{Admin: DefaultAdmin(), Listeners: []Listener{l}, Clusters: []Cluster{cl}}

	err := c.Validate(testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "%v", err)
	assert.Equal(t, "listeners[0].routes[0].match.method: set either the string (exact) form or the mapping form, not both", errs[0].Error())
	assert.Equal(t, `listeners[0].routes[0].plugins[0].name: unknown route plugin "p" (no route plugins are registered)`, errs[1].Error())

	c.Listeners[0].Routes[0].Match = RouteMatch{}
	assert.NoError(t, c.ValidateWith(Registered{Protocols: testProtocols, RoutePlugins: []string{"p"}}))
}

func TestAnchoredRegexp(t *testing.T) {
	re, err := AnchoredRegexp("a|b")
	require.NoError(t, err)
	assert.True(t, re.MatchString("a"))
	assert.True(t, re.MatchString("b"))
	assert.False(t, re.MatchString("ab"))
	_, err = AnchoredRegexp("a)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "`a)`")
}

func TestLoadWith(t *testing.T) {
	path := t.TempDir() + "/x.yaml"
	require.NoError(t, os.WriteFile(path, []byte(routeBase), 0o600))
	_, err := LoadWith(path, routeRegistered)
	require.NoError(t, err)
	_, err = LoadWith(path+".missing", routeRegistered)
	require.Error(t, err)
}
