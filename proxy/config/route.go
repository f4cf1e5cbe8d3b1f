package config

import (
	"encoding/json"
	"time"
)

// Routing keys beyond a route's cluster: virtual hosts, rich match
// conditions, the weighted_clusters and direct_response actions, header
// changes, timeouts, retries, mirroring and route plugins. The proxy/route
// package compiles them into a lookup table; this file only holds their
// YAML shape, validate_route.go their rules.
//
//	listeners:
//	  - name: edge
//	    address: 127.0.0.1:2045
//	    routes:                          # the default virtual host
//	      - cluster: default
//	    virtual_hosts:
//	      - name: api
//	        domains: [api.example.com, "*.api.example.com"]
//	        routes:
//	          - name: users
//	            match:
//	              path: {prefix: /users/}          # or path: /exact, path_prefix: /users/
//	              method: GET                       # scalar = exact
//	              headers:                          # or the old {x-env: canary}
//	                - {name: x-env, exact: canary}
//	                - {name: x-debug, present: true, invert: true}
//	            weighted_clusters:
//	              - {cluster: users-v1, weight: 90}
//	              - {cluster: users-v2, weight: 10}
//	            timeout: 2s
//	            retry_policy:
//	              num_retries: 2
//	              retry_on: [connect_failure, reset, unavailable]
//	              per_try_timeout: 500ms
//	              backoff: {base_interval: 25ms, max_interval: 250ms}
//	            mirror: {cluster: shadow, percentage: 10}
//	            request_headers_to_add: [{name: x-route, value: users}]
//	            request_headers_to_remove: [x-internal]
//	            response_headers_to_add: [{name: x-served-by, value: xgate}]
//	            response_headers_to_remove: [x-backend]
//	            plugins:
//	              - name: zone_affinity
//	                config: {local_zone: az1}
//	          - direct_response: {status: no_route, body: "no such API"}

// Bounds enforced by Validate on route keys.
const (
	MaxRetries      = 10        // retry_policy.num_retries
	MaxRouteWeight  = 1_000_000 // one weighted_clusters weight
	MaxHeaderValue  = 8192      // a header value added by a route, in bytes
	MaxDirectBody   = 64 << 10  // direct_response.body, in bytes
	MaxRegexpLength = 4096      // a regex condition, in bytes
)

// Conditions a retry_policy may retry on (retry_on).
const (
	// RetryOnConnectFailure retries when no connection to the chosen host
	// could be opened.
	RetryOnConnectFailure = "connect_failure"
	// RetryOnReset retries when the upstream reset the stream or closed the
	// connection before the response head.
	RetryOnReset = "reset"
	// RetryOnUnavailable retries a response or failure with status
	// unavailable.
	RetryOnUnavailable = "unavailable"
	// RetryOnTimeout retries when a try ran out of time (per_try_timeout).
	RetryOnTimeout = "timeout"
	// RetryOnOverload retries a response or refusal with status overload.
	RetryOnOverload = "overload"
	// RetryOnServerError retries a response with status server_error.
	RetryOnServerError = "server_error"
	// RetryOnRefusedStream retries a stream the upstream refused without
	// processing it (HTTP/2 REFUSED_STREAM, a GOAWAY past the stream).
	RetryOnRefusedStream = "refused_stream"
)

// RetryOnNames lists every retry_on condition, in documentation order
// (the names proxy/retry parses).
var RetryOnNames = []string{RetryOnConnectFailure, RetryOnReset, RetryOnUnavailable, RetryOnTimeout, RetryOnOverload, RetryOnServerError, RetryOnRefusedStream}

// VirtualHost groups routes for the requests whose host (HTTP Host or
// :authority, without the port) or, for a protocol without a host, whose
// service is one of Domains. Key: listeners[].virtual_hosts[].
type VirtualHost struct {
	// Name identifies the virtual host in logs and metrics. Key: name.
	// Required, unique in its listener; same character rules as
	// Listener.Name.
	Name string `yaml:"name"`

	// Domains are the hosts or services the virtual host serves: an exact
	// name ("api.example.com", "com.example.EchoService"), a suffix
	// wildcard ("*.example.com", which does not match "example.com"), a
	// prefix wildcard ("com.example.*") or "*" (every request no other
	// virtual host takes; then the listener must have no routes of its
	// own). Hosts compare without regard to ASCII case, services exactly.
	// The most specific domain wins: exact, then the longest suffix
	// wildcard, then the longest prefix wildcard, then "*". Key: domains.
	// At least one; unique (ignoring case) across the listener.
	Domains []string `yaml:"domains"`

	// Routes are tried in order; the first that matches wins and no other
	// virtual host is tried. Key: routes. At least one is required.
	Routes []Route `yaml:"routes"`
}

// StringMatch is one condition on a string: exactly one of Exact, Prefix,
// Regex and Present is set, and Invert negates the outcome. As a key of
// match (service, method, path, host), a plain string is the same as
// {exact: value}.
type StringMatch struct {
	// Exact must equal the value. Key: exact.
	Exact string `yaml:"exact"`
	// Prefix must begin the value. Key: prefix.
	Prefix string `yaml:"prefix"`
	// Regex must match the whole value (it is anchored at both ends); Go
	// RE2 syntax. Key: regex. At most 4096 bytes.
	Regex string `yaml:"regex"`
	// Present requires the value to be there (for a routing key: not
	// empty). Key: present. false is the same as leaving it out: use
	// {present: true, invert: true} to require absence.
	Present bool `yaml:"present"`
	// Invert negates the condition: {exact: a, invert: true} holds when the
	// value is absent or differs from a. Key: invert. Default false.
	Invert bool `yaml:"invert"`
}

// HeaderMatch is one condition on a request header, in the list form of
// match.headers. Header names are compared as each protocol does (HTTP
// family: lower-case, so write them in lower case).
type HeaderMatch struct {
	// Name is the header. Key: name. Required.
	Name string `yaml:"name"`
	// Exact, Prefix, Regex, Present and Invert: as in StringMatch.
	Exact   string `yaml:"exact"`
	Prefix  string `yaml:"prefix"`
	Regex   string `yaml:"regex"`
	Present bool   `yaml:"present"`
	Invert  bool   `yaml:"invert"`
}

// StringMatch returns the condition of h without its name.
func (h HeaderMatch) StringMatch() StringMatch {
	return StringMatch{Exact: h.Exact, Prefix: h.Prefix, Regex: h.Regex, Present: h.Present, Invert: h.Invert}
}

// WeightedCluster is one share of a weighted_clusters split.
type WeightedCluster struct {
	// Cluster names the cluster. Key: cluster. Required; must name a
	// cluster, once per split.
	Cluster string `yaml:"cluster"`
	// Weight is the cluster's share: a request goes to it with probability
	// weight / (sum of weights). Key: weight. 1..1000000.
	Weight int `yaml:"weight"`
}

// DirectResponse answers matched requests at the gateway, in the request's
// protocol, without an upstream. Key: direct_response.
type DirectResponse struct {
	// Status is a generic status: ok, no_route, unavailable, timeout,
	// overload, bad_request, server_error or unknown. Key: status.
	// Required.
	Status string `yaml:"status"`
	// Body is the reply's message (an error reply's text, or an ok reply's
	// body). Key: body. Optional; at most 65536 bytes.
	Body string `yaml:"body"`
}

// HeaderValue is a header a route sets on a request or response (replacing
// a header of the same name). Key: request_headers_to_add[],
// response_headers_to_add[].
type HeaderValue struct {
	// Name is the header. Key: name. Required; not a pseudo-header (":…"),
	// no control characters or spaces; unique in its list.
	Name string `yaml:"name"`
	// Value is set as written. Key: value. No control characters; at most
	// 8192 bytes.
	Value string `yaml:"value"`
}

// RetryPolicy says when the gateway sends a failed request again, to
// another host where there is one. Key: retry_policy. Only requests the
// gateway still holds whole (not streamed on) are retried.
type RetryPolicy struct {
	// NumRetries is how many times a request may be sent again.
	// Key: num_retries. Required; 1..10.
	NumRetries int `yaml:"num_retries"`

	// RetryOn lists the failures that are retried: connect_failure, reset,
	// unavailable, timeout, overload, server_error, refused_stream (see
	// proxy/retry for which are safe in which phase). Key: retry_on. At
	// least one; no duplicates.
	RetryOn []string `yaml:"retry_on"`

	// PerTryTimeout bounds each try; the route's (or cluster's) timeout
	// still bounds them all. Key: per_try_timeout. Default 0: each try may
	// use what is left of the whole timeout; must be >= 0.
	PerTryTimeout time.Duration `yaml:"per_try_timeout"`

	// Backoff spaces tries apart. Key: backoff.
	Backoff RetryBackoff `yaml:"backoff"`
}

// RetryBackoff is a fully jittered exponential backoff: before retry n
// (from 1) the gateway waits a random time up to
// min(base_interval * 2^(n-1), max_interval).
type RetryBackoff struct {
	// BaseInterval is the first retry's bound. Key: base_interval.
	// Default 0, meaning 25ms; must be >= 0.
	BaseInterval time.Duration `yaml:"base_interval"`
	// MaxInterval caps the bound. Key: max_interval. Default 0, meaning
	// 10 × base_interval; must be >= base_interval when set.
	MaxInterval time.Duration `yaml:"max_interval"`
}

// Mirror sends a copy of a share of matched requests to another cluster
// and ignores its replies. Key: mirror.
type Mirror struct {
	// Cluster names the cluster that receives the copies. Key: cluster.
	// Required; must name a cluster.
	Cluster string `yaml:"cluster"`
	// Percentage is the share of matched requests mirrored. Key:
	// percentage. Required; 1..100.
	Percentage int `yaml:"percentage"`
}

// RoutePlugin names a registered route plugin and its static
// configuration. Key: plugins[].
type RoutePlugin struct {
	// Name is the plugin's registered name (e.g. zone_affinity).
	// Key: name. Required; registered; once per route.
	Name string `yaml:"name"`
	// Config is the plugin's own configuration, any YAML value, kept as
	// JSON for the plugin to decode. Key: config. Optional.
	Config RawConfig `yaml:"config"`
}

// RawConfig is a configuration value kept undecoded, as JSON: any YAML
// value whose mapping keys are strings (other keys are written as strings)
// and whose numbers are finite. nil means absent.
type RawConfig []byte

// MarshalJSON writes the value itself (null when absent).
func (r RawConfig) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// MarshalYAML writes the value itself, so a Config marshalled back to YAML
// shows the plugin's configuration as written.
func (r RawConfig) MarshalYAML() (any, error) {
	if len(r) == 0 {
		return nil, nil
	}
	var v any
	err := json.Unmarshal(r, &v)
	return v, err
}
