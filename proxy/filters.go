package proxy

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// Stream filters: a request of a listener with filters carries a
// filter.Handle from its head on, and *pending is the filter.Host the
// chain talks back to.

var _ filter.Host = (*pending)(nil)

// filterMetrics gives filters counters on the gateway's registry.
type filterMetrics struct{ vec *prometheus.CounterVec }

// Counter implements filter.Metrics.
func (m filterMetrics) Counter(listener, name, event string) filter.Counter {
	return m.vec.WithLabelValues(listener, name, event)
}

// Reply implements filter.Host: the request is answered with the
// protocol's error reply, replacing a held response.
func (p *pending) Reply(st xprotocol.Status, msg string) {
	if p.heldResp != nil {
		p.heldResp.Release()
		p.heldResp = nil
	}
	p.ls.loop.Stop(&p.retryT)
	if p.up != nil || p.queued {
		p.abandon() // routed and sent: the upstream side is cancelled
	}
	p.fail(st, msg)
}

// Proceed implements filter.Host: the lifecycle continues after a paused
// phase.
func (p *pending) Proceed(ph filter.Phase) {
	switch ph {
	case filter.PhaseRequest:
		rt := p.ds.l.routing.Load().table.Match(p.req)
		if rt == nil {
			p.Reply(xprotocol.StatusNoRoute, noRouteMessage(p.req))
			return
		}
		p.ds.routeTo(p.req, rt, p.variant, p)
	case filter.PhaseRouted:
		p.forward()
	case filter.PhaseResponse:
		resp := p.heldResp
		p.heldResp = nil
		if resp != nil {
			p.deliver(resp)
		}
	}
}

// AfterFunc implements filter.Host with the request's filter timer.
func (p *pending) AfterFunc(d time.Duration, fn func()) {
	p.filterFn = fn
	p.ls.loop.AfterFunc(&p.filterT, d)
}

func (p *pending) fireFilter() {
	if fn := p.filterFn; fn != nil {
		p.filterFn = nil
		fn()
	}
}

// StopTimer implements filter.Host.
func (p *pending) StopTimer() {
	p.filterFn = nil
	p.ls.loop.Stop(&p.filterT)
}

// Now implements filter.Host.
func (p *pending) Now() time.Time { return p.ls.loop.Now() }

// Route implements filter.Host.
func (p *pending) Route() (int, string, bool) {
	if p.rt == nil || p.cl == nil {
		return 0, "", false
	}
	return p.rt.ID, p.cl.name, true
}

// RemoteAddr implements filter.Host.
func (p *pending) RemoteAddr() string { return p.ds.conn.RemoteAddr() }

// Poster implements filter.Host: fn runs on the loop through
// Loop.Execute, and only if p still serves the same request (a pending
// record is reused once its request ends).
func (p *pending) Poster() func(fn func()) {
	gen, loop := p.gen, p.ls.loop
	return func(fn func()) {
		loop.Execute(func() {
			if p.gen == gen {
				fn()
			}
		})
	}
}

// endFilters ends the request's passage through the chain (loggers run);
// it must come before the request frame is released.
func (p *pending) endFilters() {
	if p.filtered {
		p.filtered = false
		p.fh.End()
	}
}

// releaseReq ends the filters and releases the request head.
func (p *pending) releaseReq() {
	p.endFilters()
	if p.req != nil {
		p.req.Release()
		p.req = nil
	}
}

// sendHeld forwards the body frames that arrived while the request waited
// (for its filters or a connection), and lets the client be read again. A
// send that fails ends the request (and recycles p): the frames after it
// are dropped.
func (p *pending) sendHeld() {
	ds, gen := p.ds, p.gen
	held := p.held
	p.held = nil
	for i, f := range held {
		held[i] = nil
		if p.gen != gen {
			f.Release() // the request failed meanwhile
			continue
		}
		p.sendData(f)
	}
	if ds.waitConn {
		ds.waitConn = false
		ds.resume()
	}
}
