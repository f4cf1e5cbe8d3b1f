package filter

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Fault is the name of the fault-injection filter.
//
// Settings:
//
//	delay: 200ms             # delay requests by this long; 0..1h
//	delay_percent: 10        # share of requests delayed, 0..100 (decimals allowed); default 100
//	abort: unavailable       # answer with this status instead of forwarding: no_route,
//	                         #   unavailable, timeout, overload, bad_request, server_error, unknown
//	abort_percent: 5         # share of requests aborted; default 100
//	abort_message: "fault"   # the reply's message; default "fault injected"
//	cluster: payments        # only requests routed to this cluster (then it runs after routing)
//	header_control: true     # let requests choose their fault (below); default false
//	max_active: 100          # at most this many requests delayed at once; default 0 (no limit)
//
// At least one of delay and abort (or header_control) is required. A
// request drawn for both is delayed, then aborted. Delays never block the
// event loop: the filter pauses the chain and arms the request's timer.
//
// With header_control, a request header overrides the configured fault,
// still subject to the configured percentages: x-fault-delay-request
// (milliseconds, at most one hour) and x-fault-abort-request (a status
// name as above). Counters: "delays", "aborts", "overflow" (a delay
// skipped because of max_active).
const Fault = "fault"

// Fault-control request headers (header_control).
const (
	FaultDelayHeader = "x-fault-delay-request"
	FaultAbortHeader = "x-fault-abort-request"
)

const maxFaultDelay = time.Hour

type faultConfig struct {
	delay         time.Duration
	delayPPM      uint32
	abort         xprotocol.Status
	abortSet      bool
	abortPPM      uint32
	message       string
	cluster       string
	headerControl bool
	maxActive     int
}

func parseFault(s *Settings) faultConfig {
	c := faultConfig{
		delay:         s.Duration("delay", 0, 0, maxFaultDelay),
		delayPPM:      s.Percent("delay_percent", Million),
		abortSet:      s.Has("abort"),
		abort:         s.Status("abort", xprotocol.StatusUnavailable),
		abortPPM:      s.Percent("abort_percent", Million),
		message:       s.String("abort_message", "fault injected"),
		cluster:       s.String("cluster", ""),
		headerControl: s.Bool("header_control", false),
		maxActive:     s.Int("max_active", 0, 0, 1<<30),
	}
	if c.delay == 0 && !c.abortSet && !c.headerControl {
		s.Fail("", "set delay, abort or header_control: this fault does nothing")
	}
	if s.Has("delay_percent") && c.delay == 0 && !c.headerControl {
		s.Fail("delay_percent", "is set but delay is not")
	}
	if s.Has("abort_percent") && !c.abortSet && !c.headerControl {
		s.Fail("abort_percent", "is set but abort is not")
	}
	return c
}

func buildFault(c faultConfig, env Env) (Factory, error) {
	f := &fault{cfg: c, rand: env.Rand,
		delays: env.Counter("delays"), aborts: env.Counter("aborts"), overflow: env.Counter("overflow")}
	if f.rand == nil {
		f.rand = rand.Uint64
	}
	f.pool.New = func() any {
		r := &faultReq{f: f}
		r.fireFn = r.fire
		return r
	}
	return f, nil
}

// fault is the listener's factory; each request gets a pooled faultReq.
type fault struct {
	cfg      faultConfig
	rand     func() uint64
	pool     sync.Pool
	active   atomic.Int64
	delays   Counter
	aborts   Counter
	overflow Counter
}

func (f *fault) New() Filter { return f.pool.Get().(*faultReq) }

// roll reports true for ppm parts per million of calls.
func (f *fault) roll(ppm uint32) bool {
	switch ppm {
	case 0:
		return false
	case Million:
		return true
	}
	return f.rand()%Million < uint64(ppm)
}

// faultReq is one request's fault state: what to do when its delay ends.
type faultReq struct {
	f      *fault
	h      *Handle
	abort  bool
	status xprotocol.Status
	active bool // counted in f.active
	fireFn func()
}

func (r *faultReq) OnRequest(h *Handle, req xprotocol.Frame) Result {
	if r.f.cfg.cluster != "" {
		return Continue
	}
	return r.apply(h, req)
}

func (r *faultReq) OnRouted(h *Handle, req xprotocol.Frame) Result {
	if r.f.cfg.cluster == "" {
		return Continue
	}
	if _, cl, ok := h.Route(); !ok || cl != r.f.cfg.cluster {
		return Continue
	}
	return r.apply(h, req)
}

func (r *faultReq) apply(h *Handle, req xprotocol.Frame) Result {
	f := r.f
	c := &f.cfg
	delay, status, abortSet := c.delay, c.abort, c.abortSet
	if c.headerControl {
		hdr := req.Header()
		if v, ok := hdr.Get(FaultDelayHeader); ok {
			if ms, ok := parseMillis(v); ok {
				delay = ms
			}
		}
		if v, ok := hdr.Get(FaultAbortHeader); ok {
			if st, ok := statusByName[string(v)]; ok {
				status, abortSet = st, true
			}
		}
	}
	abort := abortSet && f.roll(c.abortPPM)
	if delay > 0 && f.roll(c.delayPPM) {
		if c.maxActive > 0 && f.active.Add(1) > int64(c.maxActive) {
			f.active.Add(-1)
			f.overflow.Inc()
		} else {
			if c.maxActive > 0 {
				r.active = true
			}
			f.delays.Inc()
			r.h, r.abort, r.status = h, abort, status
			h.AfterFunc(delay, r.fireFn)
			return StopAndWait
		}
	}
	if abort {
		f.aborts.Inc()
		h.Reply(status, c.message)
		return Stop
	}
	return Continue
}

// fire ends the delay: abort, or resume the chain.
func (r *faultReq) fire() {
	h := r.h
	r.h = nil
	r.deactivate()
	if h == nil {
		return
	}
	if r.abort {
		r.f.aborts.Inc()
		h.Reply(r.status, r.f.cfg.message)
		return
	}
	h.Resume()
}

func (r *faultReq) deactivate() {
	if r.active {
		r.active = false
		r.f.active.Add(-1)
	}
}

// Release returns r to its pool when the request ends (a delayed request
// that ended early, e.g. its client left, no longer counts as active).
func (r *faultReq) Release() {
	r.deactivate()
	r.h, r.abort = nil, false
	r.f.pool.Put(r)
}

// parseMillis reads a whole number of milliseconds, at most an hour.
func parseMillis(b []byte) (time.Duration, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	d := time.Duration(n) * time.Millisecond
	return d, d <= maxFaultDelay
}
