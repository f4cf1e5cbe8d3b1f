package filter

import (
	"log/slog"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Result is what a filter tells the chain.
type Result uint8

// Filter results.
const (
	// Continue runs the next filter; after the last one the request goes on
	// to its next step (routing, forwarding, encoding the response).
	Continue Result = iota
	// Stop ends the chain: the filter answered the request with
	// Handle.Reply. A filter that stops without replying gets a
	// server_error reply on its behalf, so no client is left hanging.
	Stop
	// StopAndWait pauses the chain without blocking the event loop. The
	// filter calls Handle.Resume later (usually from a Handle.AfterFunc
	// timer) to run the next filter, or Handle.Reply to answer instead.
	StopAndWait
)

// String names the result.
func (r Result) String() string {
	switch r {
	case Continue:
		return "continue"
	case Stop:
		return "stop"
	case StopAndWait:
		return "stop_and_wait"
	}
	return "unknown"
}

// Phase is a point of the request lifecycle where filters run.
type Phase uint8

// Phases, in lifecycle order.
const (
	// PhaseRequest runs on a request head before routing.
	PhaseRequest Phase = iota + 1
	// PhaseRouted runs on a request head after routing: Handle.Route
	// reports the chosen route and cluster.
	PhaseRouted
	// PhaseResponse runs on the upstream's response head, in reverse
	// filter order (the first filter sees the request first and the
	// response last).
	PhaseResponse
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseRequest:
		return "request"
	case PhaseRouted:
		return "routed"
	case PhaseResponse:
		return "response"
	}
	return "unknown"
}

// Filter is one request's instance of a configured filter. It implements
// at least one of RequestFilter, RoutedFilter, ResponseFilter and Logger,
// and may implement Releaser. Every method runs on the request's event
// loop and must not block.
type Filter any

// RequestFilter sees request heads before routing (PhaseRequest).
type RequestFilter interface {
	OnRequest(h *Handle, req xprotocol.Frame) Result
}

// RoutedFilter sees request heads after routing (PhaseRouted).
type RoutedFilter interface {
	OnRouted(h *Handle, req xprotocol.Frame) Result
}

// ResponseFilter sees the upstream's response head (PhaseResponse). A
// filter that replies here replaces the response with the gateway's reply.
type ResponseFilter interface {
	OnResponse(h *Handle, req, resp xprotocol.Frame) Result
}

// Logger is told once that a request ended, however it ended (response,
// the gateway's reply, reset, client gone), while its frames are still
// valid. It must not call Reply or Resume.
type Logger interface {
	OnLog(h *Handle, info *Info)
}

// Releaser is implemented by pooled per-request instances: Release is
// called once when the request ends, after OnLog.
type Releaser interface {
	Release()
}

// Factory makes a configured filter's instances for one listener. It is
// built once per listener and shared by all of its event loops.
type Factory interface {
	// New returns the instance for one request. A stateless filter
	// returns one shared value (no allocation); a stateful one takes it
	// from a pool and implements Releaser.
	New() Filter
}

// Shared returns a Factory that hands every request the same instance f,
// for filters that keep no per-request state. f must be safe for
// concurrent use by every event loop.
func Shared(f Filter) Factory { return shared{f} }

type shared struct{ f Filter }

func (s shared) New() Filter { return s.f }

// Host is what the engine provides to one request's Handle (the engine's
// per-request record implements it). Every method runs on the request's
// event loop.
type Host interface {
	// Reply answers the request with the protocol's own error reply,
	// Protocol.ErrorReply(req, st, msg) (nothing for a oneway request),
	// counts it as a local reply and finishes the request, calling
	// Handle.End. In PhaseResponse the reply replaces the held response,
	// which the engine releases. The Handle calls Reply as its last act:
	// the engine may recycle the Handle inside it.
	Reply(st xprotocol.Status, msg string)
	// Proceed continues the lifecycle after a paused chain ran its last
	// filter of phase ph: route the request (PhaseRequest), forward it
	// (PhaseRouted), or encode the held response (PhaseResponse). The
	// Handle calls Proceed as its last act.
	Proceed(ph Phase)
	// AfterFunc arms the request's one filter timer on its event loop to
	// call fn after d, replacing an earlier arming.
	AfterFunc(d time.Duration, fn func())
	// StopTimer disarms the filter timer.
	StopTimer()
	// Now returns the event loop's clock.
	Now() time.Time
	// Route returns the index of the matched route in the listener's
	// routes and its cluster name; ok is false before routing.
	Route() (index int, cluster string, ok bool)
	// RemoteAddr returns the client's address ("ip:port").
	RemoteAddr() string
	// Poster returns a function that runs fn on the request's event loop
	// and may be called from any goroutine: the way a filter that waits
	// for something off the loop (an out-of-process plugin) resumes its
	// request. fn is dropped if the request ended meanwhile. Poster itself
	// is called on the loop.
	Poster() func(fn func())
}

// Counter is one monotonic count. A prometheus.Counter satisfies it.
type Counter interface {
	Inc()
}

// Metrics gives filters their counters. The engine implements it over its
// own Prometheus registry, e.g. as one CounterVec
// xgate_filter_events_total{listener, filter, event}.
type Metrics interface {
	// Counter returns the counter of one event of one filter on one
	// listener. It is called while building a chain, never per request;
	// two filters of the same name on one listener share their counters.
	Counter(listener, filter, event string) Counter
}

// Env is what a filter gets when it is built for a listener.
type Env struct {
	// Listener is the listener's name.
	Listener string
	// Filter is the filter's configured name (set by the chain builder).
	Filter string
	// Metrics gives counters; nil counts nothing.
	Metrics Metrics
	// Log is the listener's logger; nil discards.
	Log *slog.Logger
	// Now is the wall clock, used while building (a rate limiter's epoch);
	// nil means time.Now. Per-request code uses Handle.Now.
	Now func() time.Time
	// Rand returns uniformly random 64-bit numbers and is safe for
	// concurrent use; nil means math/rand/v2. Tests seed it.
	Rand func() uint64
}

// Counter returns the counter of event for this filter.
func (e Env) Counter(event string) Counter {
	if e.Metrics == nil {
		return nopCounter{}
	}
	if c := e.Metrics.Counter(e.Listener, e.Filter, event); c != nil {
		return c
	}
	return nopCounter{}
}

type nopCounter struct{}

func (nopCounter) Inc() {}

func (e Env) logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}
