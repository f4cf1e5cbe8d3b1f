// Package extproc is the "external" stream filter: a filter that runs as a
// separate program (a plugin), which Xgate starts, supervises and asks
// about every request over gRPC on a Unix socket. Plugins can be written in
// any language with gRPC; the process management and handshake are
// hashicorp/go-plugin's (see docs/plugins.md for writing one).
//
// # Configuration
//
//	filters:
//	  - name: external
//	    config:
//	      command: [bin/go-authz, --flag]   # required: the plugin program and its arguments
//	      timeout: 50ms                     # per request, queueing included; default 100ms
//	      failure: fail_closed              # or fail_open; default fail_closed
//	      restart_backoff_base: 100ms       # first restart delay; default 100ms
//	      restart_backoff_max: 5s           # delays double up to this; default 5s
//	      health_interval: 1s               # health check period; default 1s
//	      health_timeout: 1s                # one health check's deadline; default 1s
//	      health_failures: 3                # consecutive failures that restart the plugin; default 3
//	      max_concurrency: 64               # calls in flight to the plugin; default 64
//	      max_queue: 1024                   # requests waiting for a call; default 1024
//	      start_timeout: 10s                # handshake deadline; default 10s
//
// (The restart backoff is two flat settings rather than a nested mapping
// because filter.Settings reads scalars and lists only.)
//
// # The protocol
//
// The plugin serves xgate.extproc.v1.Filter (extprocpb/filter.proto):
//
//	service Filter { rpc OnRequest(Request) returns (Decision); }
//
// Request carries the protocol name, the routing keys (service, method,
// path, host), the headers, the client's address and the listener name.
// Decision is CONTINUE (with headers to remove, then to set) or REPLY
// (a generic status name and a message, answered in the request's
// protocol). The plugin also serves grpc.health.v1.Health with the
// service "plugin" SERVING. Go plugins get all of it from package sdk.
//
// # The request path
//
// OnRequest runs before routing, on the event loop: it copies what the
// plugin needs from the frame (nothing of the frame is read off the
// loop), takes the request's Poster, queues the call for a bounded pool of
// workers (max_concurrency goroutines, max_queue waiting requests), arms
// the request's filter timer for timeout and returns StopAndWait. A worker
// makes the gRPC call with the same deadline and posts the answer back to
// the loop, where the decision is applied and the chain resumed (or the
// request answered). The event loop never waits for the plugin.
//
// # Failures
//
// Whatever happens to the plugin, a request gets an answer within the
// timeout, in its own protocol's terms:
//
//	queue full                     overload      "filter plugin overloaded"
//	plugin down or call failed     unavailable   "filter plugin unavailable"
//	no answer within the timeout   timeout       "filter plugin timed out"
//	malformed decision             server_error  "filter plugin gave a bad decision"
//
// With failure: fail_open these requests go on unfiltered instead (the
// count "failed_open" says how many). A REPLY with an unknown status name
// answers server_error with the plugin's message.
//
// # Supervision
//
// One plugin process serves one listener's filter (each listener with the
// filter starts its own). The first start happens while the listener is
// built, and a plugin that cannot start (missing program, failed
// handshake) fails the build: `xgate run` or a reload reports it. Later, a
// plugin that exits, or fails health_failures health checks in a row (a
// hung process), is killed and started again after a backoff that doubles
// from restart_backoff_base to restart_backoff_max and starts over once a
// plugin stayed up for restart_backoff_max. Meanwhile requests fail as
// above, at once. A call that finds the connection broken asks for a
// health check straight away. The plugin runs in its own process group,
// killed as a whole. Chain.Close (listener stopped, retired by a reload,
// gateway shut down) asks the plugin to stop (go-plugin's controller
// Shutdown), waits up to two seconds, then kills it.
//
// Counters (xgate_filter_events_total{filter="external"}): calls,
// continued, replied, overflow, unavailable, timeouts, errors,
// bad_decisions, failed_open, starts, restarts, start_failures, exits,
// unhealthy.
//
// Plugin stderr lines go to Xgate's log: lines prefixed [INFO], [WARN] or
// [ERROR] (or hclog JSON, as Go plugins write) at that level, others at
// debug.
package extproc
