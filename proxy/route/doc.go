// Package route is Xgate's router: it compiles a listener's routing
// configuration (proxy/config: routes, virtual_hosts) into an immutable
// Table, and matches decoded requests against it without allocating.
//
// Nothing here names a concrete protocol. A request is an xprotocol.Frame:
// the generic routing keys (service, method, path, host) come from
// Frame.Key, headers from Frame.Header, and the protocol name only ever
// meets the registry (aliases, families).
//
// # Matching
//
// Table.Match picks a virtual host, then the first of its routes whose
// conditions all hold:
//
//   - Virtual host: by the request's host (Key(KeyHost) without its port,
//     ASCII case ignored) or, when the protocol has no host, by its service
//     (exactly). The most specific domain wins: exact, the longest
//     "*suffix", the longest "prefix*", then "*". A request no virtual host
//     takes (and every request of a listener without virtual hosts) goes to
//     the default virtual host: the listener's own routes. A selected
//     virtual host is final: when none of its routes matches, there is no
//     route (nil).
//   - Route conditions: protocol (see below); service, method, path and
//     host, each exact, prefix, regex (RE2, anchored at both ends, compiled
//     once) or present, each optionally inverted; path_prefix; headers
//     (exact, prefix, regex, present, inverted). An inverted condition holds
//     when the value is absent, too.
//   - Protocol: a route whose match names a protocol takes that protocol's
//     requests and those of its aliases (grpc for http2). A route that does
//     not, but whose cluster speaks one protocol, takes only requests that
//     cluster can serve: that protocol's, or its family's (HTTP/1.1, HTTP/2
//     and gRPC translate). A weighted split takes what every one of its
//     clusters can serve.
//
// Match allocates nothing for exact, prefix, present and header
// conditions, nor for virtual host selection. Regex conditions run
// regexp.Regexp.Match on the frame's bytes, which reuses the regexp's
// pooled matchers and allocates nothing once warm (a garbage collection
// may empty that pool, and the next match then allocates once).
//
// # Actions
//
// A Route carries one action (Action: cluster, weighted clusters, direct
// response) and data for the engine: request and response header changes
// (ApplyRequest, ApplyResponse), a timeout, a retry policy, a mirror and a
// plugin Chain. The engine implements what the data asks: see each type.
//
// # Plugins
//
// A route plugin is registered by name in a Registry (Default, like
// xprotocol.Default) as a RouteFactory. A factory builds one Handler per
// route from the route's static configuration, and accepts dynamic
// configuration at run time (Configure) concurrently with requests. A
// route's handlers form a Chain ordered by the factories' Order; each
// handler narrows the candidate hosts of the chosen cluster and may add
// Metadata. The zoneaffinity subpackage is an example.
package route
