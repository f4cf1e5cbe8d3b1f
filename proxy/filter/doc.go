// Package filter is Xgate's stream-filter chain: code that sees every
// request and response of a listener, whatever its protocol, and may let
// it pass, answer it, or hold it for a while.
//
// One filter, written once, works for Bolt, Dubbo, Thrift, HTTP/1.1,
// HTTP/2 and gRPC alike, because it sees only the protocol-agnostic
// xprotocol.Frame (the routing keys service, method, path and host; the
// header view; the generic status) and answers through the protocol's own
// error reply (Protocol.ErrorReply): the same Reply(StatusOverload, ...)
// is an HTTP 503 with Retry-After, a gRPC RESOURCE_EXHAUSTED, a Bolt or
// Dubbo "server busy" and a Thrift TApplicationException.
//
// # Configuration
//
// Filters are listed per listener, in order (config.Filter); each names a
// registered filter and gives its settings, which `xgate validate` checks
// like every other key:
//
//	listeners:
//	  - name: edge
//	    address: 0.0.0.0:2045
//	    filters:
//	      - name: header_auth
//	        config: {header: authorization, values: ["Bearer s3cret"], remove_header: true}
//	      - name: local_rate_limit
//	        config: {max_tokens: 1000, tokens_per_fill: 100, fill_interval: 100ms}
//	      - name: fault
//	        config: {delay: 200ms, delay_percent: 1, cluster: payments}
//	      - name: access_log
//	        config: {path: /var/log/xgate/access.log, json: true}
//	    routes:
//	      - cluster: default
//
// The built-ins are AccessLog, LocalRateLimit, HeaderAuth and Fault; their
// constants document their settings.
//
// # The request lifecycle
//
// The engine drives one Handle per request (embedded in its pooled
// per-request record) and implements Host for it:
//
//	request head read   h.Begin(chain, host, req)      not for heartbeats or body frames
//	before routing      h.Run(PhaseRequest)            RequestFilter.OnRequest, in order
//	route matched       h.Run(PhaseRouted)             RoutedFilter.OnRouted, in order; h.Route() is set
//	response head       h.RunResponse(resp)            ResponseFilter.OnResponse, in reverse order
//	request over        h.End()                        Logger.OnLog, then Releaser.Release
//
// Each Run returns what the engine does next: Continue, go on at once;
// Stop, nothing (the Handle has already called Host.Reply, which answered
// and finished the request); StopAndWait, nothing for now (the chain is
// paused; later the Handle calls Host.Proceed(phase) to go on, or
// Host.Reply). End is called exactly once, however the request ends
// (response written, the gateway's reply, timeout, reset, client gone),
// before its frames are released; it also disarms a pending filter timer.
//
// # Writing a filter
//
// A filter is a Kind: a name, a Parse that reads its settings, and a Build
// that makes a Factory for one listener (see Example for the whole of it):
//
//	filter.Register(filter.Define("deny_methods",
//		func(s *filter.Settings) []string { return s.List("methods") },
//		func(methods []string, env filter.Env) (filter.Factory, error) {
//			return filter.Shared(&denyMethods{methods: methods, denied: env.Counter("denied")}), nil
//		}))
//
//	func (d *denyMethods) OnRequest(h *filter.Handle, req xprotocol.Frame) filter.Result {
//		if slices.Contains(d.methods, string(req.Key(xprotocol.KeyMethod))) {
//			d.denied.Inc()
//			h.Reply(xprotocol.StatusBadRequest, "method not allowed")
//			return filter.Stop
//		}
//		return filter.Continue
//	}
//
// The instance implements the phases it cares about: RequestFilter,
// RoutedFilter, ResponseFilter, Logger. Its methods run on the request's
// event loop, so they must never block: no I/O, no locks held for long,
// no sleeping, no goroutines per request. A filter that keeps nothing per
// request returns one shared instance (Shared), which must be safe for
// concurrent use by all loops; one that does keeps its per-request state
// in instances from a sync.Pool and implements Releaser.
//
// To hold a request without blocking (a delay, waiting for a budget), the
// filter arms the request's timer through the Handle and returns
// StopAndWait; when the timer fires, on the same loop, it calls
// h.Resume() to run the next filter, or h.Reply to answer instead:
//
//	type slowReq struct {
//		h    *filter.Handle
//		fire func() // r.onFire, bound once when the pool makes r: arming allocates nothing
//		pool *sync.Pool
//	}
//
//	func (r *slowReq) OnRequest(h *filter.Handle, _ xprotocol.Frame) filter.Result {
//		r.h = h
//		h.AfterFunc(50*time.Millisecond, r.fire) // or simply h.ResumeAfter(d)
//		return filter.StopAndWait
//	}
//	func (r *slowReq) onFire() { r.h.Resume() }
//	func (r *slowReq) Release() { r.h = nil; r.pool.Put(r) }
//
// A Handle is valid from the filter's call until End: a filter must not
// keep it past Release. Reply outside a running or paused phase (after
// the request was forwarded) is ignored.
//
// Reply takes a generic status. xprotocol has no "unauthenticated" or
// "permission denied" yet, so HeaderAuth answers bad_request (HTTP 400,
// gRPC INVALID_ARGUMENT) by default.
//
// # Metrics
//
// Filters count through Env.Counter(event), which resolves, once per
// listener, Metrics.Counter(listener, filter, event). The engine
// implements Metrics over its own Prometheus registry, so this package
// does not import Prometheus; a prometheus.Counter is a Counter:
//
//	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "xgate",
//		Name: "filter_events_total", Help: "Stream filter events, by listener, filter and event."},
//		[]string{"listener", "filter", "event"})
//	// Metrics.Counter(l, f, e) returns vec.WithLabelValues(l, f, e)
//
// Events of the built-ins: access_log written, dropped, write_errors;
// local_rate_limit limited; header_auth missing, denied; fault delays,
// aborts, overflow. Replies sent for filters are also the engine's local
// replies, counted by status.
package filter
