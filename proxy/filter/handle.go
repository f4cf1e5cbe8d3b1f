package filter

import (
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Info describes one request for Loggers. The Handle fills what it knows
// (Start, Duration, Protocol, Request, RemoteAddr, Cluster, and Status and
// Details when a filter replied); the engine fills the rest through
// Handle.Info as the request goes on.
type Info struct {
	// Start is when the request head was read (Handle.Begin).
	Start time.Time
	// Duration is from Start to Handle.End.
	Duration time.Duration
	// Protocol is the request's protocol name.
	Protocol string
	// Request is the request head; valid during OnLog only.
	Request xprotocol.Frame
	// Response is the upstream's response head relayed to the client, or
	// nil when the gateway replied; valid during OnLog only.
	Response xprotocol.Frame
	// Status is the response's generic status, or that of the gateway's
	// reply.
	Status xprotocol.Status
	// Details is the message of the gateway's reply ("" when the upstream
	// answered).
	Details string
	// StoppedBy is the name of the filter that replied, if one did.
	StoppedBy string
	// Cluster is the chosen cluster ("" when the request was not routed).
	Cluster string
	// UpstreamHost is the endpoint the request went to ("" if none).
	UpstreamHost string
	// BytesReceived and BytesSent count the request's and the response's
	// wire bytes (heads and bodies), as the engine saw them.
	BytesReceived, BytesSent int64
	// RemoteAddr is the client's address.
	RemoteAddr string
}

// Handle is one request's passage through a listener's filter chain: the
// engine drives it (Begin, Run, RunResponse, End) and filters use it
// (Reply, Resume, AfterFunc, Now, Route, Info). The engine embeds a Handle
// in its pooled per-request record, so a request costs no allocation here
// beyond what the filters' factories do. A Handle must not be copied after
// Begin, and is used only on its request's event loop.
type Handle struct {
	_     noCopy
	chain *Chain
	host  Host
	inst  []Filter
	req   xprotocol.Frame
	resp  xprotocol.Frame

	phase Phase
	next  int // phase position of the next filter to run
	cur   int // index (in chain order) of the filter running or paused

	running    bool // a filter method is on the stack
	resumed    bool // Resume was called while running
	paused     bool // a filter returned StopAndWait
	replied    bool
	ended      bool
	timerArmed bool

	replyStatus xprotocol.Status
	replyMsg    string

	timerFn  func()
	fireFn   func() // h.fire, bound once
	resumeFn func() // h.Resume, bound once

	info Info
}

// Begin starts a request: it makes the request's filter instances (from
// c, which may be nil for no filters) and records the start time. The
// engine calls it once per request head (not for heartbeats or body
// frames), and must call End once, however the request ends.
func (h *Handle) Begin(c *Chain, host Host, req xprotocol.Frame) {
	if h.fireFn == nil {
		h.fireFn = h.fire
		h.resumeFn = h.Resume
	}
	h.chain, h.host, h.req, h.resp = c, host, req, nil
	h.phase, h.next, h.cur = 0, 0, -1
	h.running, h.resumed, h.paused, h.replied, h.ended, h.timerArmed = false, false, false, false, false, false
	h.replyStatus, h.replyMsg, h.timerFn = xprotocol.StatusOK, "", nil
	h.info = Info{Start: host.Now(), Protocol: req.Protocol(), Request: req}
	h.inst = h.inst[:0]
	if c != nil {
		for i := range c.entries {
			h.inst = append(h.inst, c.entries[i].factory.New())
		}
	}
}

// Run runs the filters of phase ph (PhaseRequest or PhaseRouted) on the
// request. Continue: the engine goes on synchronously (routes, forwards).
// Stop: the request was answered through Host.Reply, which has already
// run; the engine must not touch the request further here. StopAndWait:
// the chain is paused; Host.Proceed or Host.Reply follows later, or the
// engine ends the request first (client gone, timeout) with End.
func (h *Handle) Run(ph Phase) Result {
	if h.replied || h.ended {
		return Stop
	}
	h.phase, h.next, h.paused = ph, 0, false
	return h.finish(h.run())
}

// RunResponse runs PhaseResponse on the upstream's response head, which
// the engine holds until the result says what to do: Continue, encode
// it; Stop, it was replaced by the gateway's reply (Host.Reply, where the
// engine releases it); StopAndWait, hold it until Host.Proceed or
// Host.Reply.
func (h *Handle) RunResponse(resp xprotocol.Frame) Result {
	if h.replied || h.ended {
		return Stop
	}
	h.resp = resp
	h.info.Response, h.info.Status = resp, resp.Status()
	return h.Run(PhaseResponse)
}

// run calls the filters from h.next on, until one stops or pauses.
func (h *Handle) run() Result {
	n := len(h.inst)
	for h.next < n {
		i := h.next
		if h.phase == PhaseResponse {
			i = n - 1 - i
		}
		h.next++
		var r Result
		switch h.phase {
		case PhaseRequest:
			f, ok := h.inst[i].(RequestFilter)
			if !ok {
				continue
			}
			h.enter(i)
			r = f.OnRequest(h, h.req)
		case PhaseRouted:
			f, ok := h.inst[i].(RoutedFilter)
			if !ok {
				continue
			}
			h.enter(i)
			r = f.OnRouted(h, h.req)
		case PhaseResponse:
			f, ok := h.inst[i].(ResponseFilter)
			if !ok {
				continue
			}
			h.enter(i)
			r = f.OnResponse(h, h.req, h.resp)
		default:
			return Continue
		}
		h.running = false
		switch {
		case h.replied:
			return Stop
		case r == Stop:
			h.record(xprotocol.StatusServerError, h.chain.entries[i].stopMsg)
			return Stop
		case r == StopAndWait && !h.resumed:
			h.paused = true
			return StopAndWait
		}
		h.resumed = false // StopAndWait then Resume at once, or Continue
	}
	return Continue
}

func (h *Handle) enter(i int) {
	h.cur, h.running, h.resumed = i, true, false
}

// finish performs a chain's outcome. Host.Reply is the last thing done:
// the engine may end and recycle h inside it.
func (h *Handle) finish(r Result) Result {
	if r == Stop {
		h.host.Reply(h.replyStatus, h.replyMsg)
	}
	return r
}

// record notes the chain's reply (the first one wins).
func (h *Handle) record(st xprotocol.Status, msg string) {
	if h.replied {
		return
	}
	h.replied = true
	h.replyStatus, h.replyMsg = st, msg
	h.info.Status, h.info.Details = st, msg
	if h.cur >= 0 && h.chain != nil {
		h.info.StoppedBy = h.chain.entries[h.cur].name
	}
}

// Reply answers the request with the protocol's error reply for st and
// msg (an HTTP status, a grpc-status, a Bolt or Dubbo status, a Thrift
// TApplicationException; nothing for a oneway request). Called from a
// filter method, the filter then returns Stop; called from a paused
// filter's timer, it ends the pause. It is ignored outside a running or
// paused phase, and after a first reply.
func (h *Handle) Reply(st xprotocol.Status, msg string) {
	if h.replied || h.ended || (!h.running && !h.paused) {
		return
	}
	h.record(st, msg)
	if h.running {
		return // run sees it when the filter returns
	}
	h.paused = false
	h.finish(Stop)
}

// Resume continues a paused chain with the filter after the one that
// returned StopAndWait. When the phase's last filter is done the request
// goes on (Host.Proceed). Called while that filter is still running (it
// resumes at once), the chain simply goes on when it returns. It is
// ignored when the chain is not paused.
func (h *Handle) Resume() {
	if h.running {
		h.resumed = true
		return
	}
	if !h.paused || h.replied || h.ended {
		return
	}
	h.paused = false
	if r := h.finish(h.run()); r == Continue {
		h.host.Proceed(h.phase)
	}
}

// AfterFunc arms the request's filter timer to call fn on the event loop
// after d, replacing an earlier arming; no goroutine is involved. fn
// should be bound once (a pooled instance's method value), so arming
// allocates nothing. The timer is disarmed when the request ends.
func (h *Handle) AfterFunc(d time.Duration, fn func()) {
	if h.ended {
		return
	}
	h.timerFn, h.timerArmed = fn, true
	h.host.AfterFunc(d, h.fireFn)
}

// ResumeAfter resumes the paused chain after d (a delay). The filter
// returns StopAndWait after calling it.
func (h *Handle) ResumeAfter(d time.Duration) { h.AfterFunc(d, h.resumeFn) }

// StopTimer disarms the filter timer.
func (h *Handle) StopTimer() {
	if h.timerArmed {
		h.timerArmed, h.timerFn = false, nil
		h.host.StopTimer()
	}
}

func (h *Handle) fire() {
	fn := h.timerFn
	h.timerArmed, h.timerFn = false, nil
	if fn != nil && !h.ended {
		fn()
	}
}

// Now returns the event loop's clock.
func (h *Handle) Now() time.Time { return h.host.Now() }

// Route returns the matched route's index and cluster; ok is false
// before routing (PhaseRequest).
func (h *Handle) Route() (index int, cluster string, ok bool) { return h.host.Route() }

// RemoteAddr returns the client's address.
func (h *Handle) RemoteAddr() string { return h.host.RemoteAddr() }

// Poster returns a function, callable from any goroutine, that runs fn on
// the request's event loop unless the request ended meanwhile (see
// Host.Poster). A filter calls it on the loop before it starts work
// elsewhere, returns StopAndWait, and resumes (Resume or Reply) inside fn.
func (h *Handle) Poster() func(fn func()) { return h.host.Poster() }

// Phase returns the phase running or paused.
func (h *Handle) Phase() Phase { return h.phase }

// Paused reports whether the chain waits for Resume.
func (h *Handle) Paused() bool { return h.paused }

// Replied reports whether a filter answered the request.
func (h *Handle) Replied() bool { return h.replied }

// Info returns the request's description, which the engine completes
// (UpstreamHost, bytes, Response, Status, Details of its own replies)
// before End.
func (h *Handle) Info() *Info { return &h.info }

// End finishes the request: it disarms the filter timer, tells the
// Loggers, releases pooled instances and forgets the frames. The engine
// calls it once per Begin, before releasing the request and response
// frames; afterwards the Handle may be reused for another request.
func (h *Handle) End() {
	if h.ended || h.host == nil {
		return
	}
	h.ended = true
	h.StopTimer()
	h.paused, h.running = false, false
	info := &h.info
	info.Duration = h.host.Now().Sub(info.Start)
	info.RemoteAddr = h.host.RemoteAddr()
	if info.Cluster == "" {
		if _, cl, ok := h.host.Route(); ok {
			info.Cluster = cl
		}
	}
	for _, f := range h.inst {
		if l, ok := f.(Logger); ok {
			l.OnLog(h, info)
		}
	}
	for _, f := range h.inst {
		if r, ok := f.(Releaser); ok {
			r.Release()
		}
	}
	clear(h.inst)
	h.inst = h.inst[:0]
	h.req, h.resp, h.host, h.chain = nil, nil, nil, nil
	h.info = Info{}
}

// noCopy makes `go vet` report a copied Handle: its bound callbacks
// (fireFn, resumeFn) point at the original.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
