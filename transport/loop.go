package transport

import (
	"context"
	"net"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Loop is the per-event-loop state: pending writes and closes, the timer
// wheel, the connections living here and the owner's per-loop Value (for
// example its upstream connection pools). Everything on a Loop runs on one
// goroutine, so none of it needs locks.
type Loop struct {
	// Value holds the owner's per-loop state; set it from a callback.
	Value any

	el       gnet.EventLoop
	server   *Server
	wheel    *wheel
	lastTick time.Time
	now      time.Time

	dirty     []*Conn  // connections with pending writes
	reoffer   []*Conn  // connections resumed with inbound bytes buffered
	spareBufs [][]byte // emptied inbound buffers (inbound.go)
	closing   []*Conn  // connections to close at the end of the callback
	paused    []*Conn  // connections not read because their peer is not reading
	draining  []*Conn  // closed connections whose pending writes gnet still holds
	finishing bool
	conns     Conn // sentinel of the list of accepted and dialled connections
	tickTask  gnet.RunnableFunc
}

func newLoop(s *Server, el gnet.EventLoop) *Loop {
	now := time.Now()
	l := &Loop{el: el, server: s, wheel: newWheel(s.opts.Tick, 1024), lastTick: now, now: now}
	l.conns.prev, l.conns.next = &l.conns, &l.conns
	l.tickTask = func(context.Context) error {
		l.tick()
		return nil
	}
	return l
}

// Now returns the loop's clock, refreshed at the start of every callback.
func (l *Loop) Now() time.Time { return l.now }

// AfterFunc arms t (whose Fire must be set) to fire after d on this loop.
func (l *Loop) AfterFunc(t *Timer, d time.Duration) { l.arm(t, d) }

// arm schedules t no earlier than d after Now. The wheel counts ticks from
// lastTick, which trails Now by up to a tick (more when the loop is busy);
// that lag is added so the timer cannot fire early.
func (l *Loop) arm(t *Timer, d time.Duration) {
	if lag := l.now.Sub(l.lastTick); lag > 0 {
		d += lag
	}
	l.wheel.add(t, d)
}

// Stop disarms t.
func (l *Loop) Stop(t *Timer) { l.wheel.remove(t) }

// Execute runs fn on the loop; it is safe to call from any goroutine. It
// reports false when the loop is shutting down and fn will not run.
func (l *Loop) Execute(fn func()) bool {
	err := l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		l.now = time.Now()
		fn()
		l.finish(nil)
		return nil
	}))
	return err == nil
}

// Each calls fn for every open connection on this loop; it must run on the
// loop. fn may close connections.
func (l *Loop) Each(fn func(c *Conn)) {
	for c := l.conns.next; c != &l.conns; {
		next := c.next
		fn(c)
		c = next
	}
}

// Dial connects to addr (host:port) with the given timeout without blocking
// the loop and returns the connection at once, in the dialling state. Writes
// made meanwhile are sent when it opens; h.OnOpen or h.OnClose (with the
// dial error) follows on this loop. It must be called on the loop.
func (l *Loop) Dial(addr string, timeout time.Duration, h Handler) *Conn {
	c := &Conn{loop: l, handler: h, state: stateDialing, dialed: true, remote: addr}
	l.server.dials.Add(1)
	go func() {
		defer l.server.dials.Done()
		err := l.dial(c, addr, timeout)
		if err != nil {
			l.Execute(func() { c.dialFailed(err) })
		}
	}()
	return c
}

// dial runs off the loop: gnet's own dial has no timeout and would block.
func (l *Loop) dial(c *Conn, addr string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	ch, err := l.el.Enroll(gnet.NewContext(context.Background(), c), nc)
	if err != nil {
		_ = nc.Close()
		return err
	}
	// gnet closes nc once it has its own duplicate of the descriptor. If the
	// engine stops meanwhile, gnet may never answer: do not wait for it.
	select {
	case res := <-ch:
		return res.Err
	case <-l.server.stopping:
		return ErrStopping
	}
}

func (c *Conn) dialFailed(err error) {
	if c.state != stateDialing {
		return // closed by its owner meanwhile; OnClose already ran
	}
	c.state = stateClosed
	c.out = nil
	c.handler.OnClose(c, err)
}

func (l *Loop) link(c *Conn) {
	c.prev, c.next = l.conns.prev, &l.conns
	l.conns.prev.next = c
	l.conns.prev = c
}

func (l *Loop) unlink(c *Conn) {
	if c.prev != nil {
		c.prev.next = c.next
		c.next.prev = c.prev
		c.prev, c.next = nil, nil
	}
}

// tick advances the wheel by the ticks elapsed and resumes connections whose
// peers drained their replies.
func (l *Loop) tick() {
	l.now = time.Now()
	for n := 0; l.now.Sub(l.lastTick) >= l.wheel.tick && n < len(l.wheel.slots); n++ {
		l.lastTick = l.lastTick.Add(l.wheel.tick)
		l.wheel.advance()
	}
	if l.now.Sub(l.lastTick) >= l.wheel.tick {
		// Far behind (a stalled loop): every slot was visited; resynchronise.
		l.lastTick = l.now
	}
	if len(l.paused) > 0 {
		kept := l.paused[:0]
		for _, c := range l.paused {
			switch {
			case c.state != stateOpen:
				c.paused = false
			case c.Outbound() <= l.server.opts.LowWatermark:
				c.paused = false
				c.ResumeReading()
			default:
				kept = append(kept, c)
			}
		}
		clear(l.paused[len(kept):])
		l.paused = kept
	}
	if len(l.draining) > 0 {
		// Closing a connection runs OnClose, which may close others and so
		// append to l.draining: work on a detached list.
		list := l.draining
		l.draining = nil
		for _, c := range list {
			switch {
			case c.state != stateClosing || (c.gc == nil && c.tc == nil):
				// gone meanwhile (peer closed, write error, shutdown)
			case c.tc != nil && c.tc.queued.Load() == 0:
				c.terminateTLS(c.closeErr, modeFlush)
			case c.tc != nil && !l.now.Before(c.lingerEnd):
				c.terminateTLS(c.closeErr, modeAbort)
			case c.tc != nil:
				l.draining = append(l.draining, c)
			case c.gc.OutboundBuffered() == 0 || !l.now.Before(c.lingerEnd):
				_ = l.el.Close(c.gc)
			default:
				l.draining = append(l.draining, c)
			}
		}
	}
	l.finish(nil)
}

// finish applies what the callback queued: it offers resumed connections
// their buffered inbound bytes (ResumeReading), flushes every connection
// with pending writes (one write each) and then performs deferred closes. current
// is the connection whose gnet callback is running; closing it is reported
// as the returned action instead of being done in place.
func (l *Loop) finish(current gnet.Conn) gnet.Action {
	if l.finishing {
		return gnet.None // the outer finish picks up what was queued
	}
	l.finishing = true
	defer func() { l.finishing = false }()
	action := gnet.None
	for len(l.dirty) > 0 || len(l.closing) > 0 || len(l.reoffer) > 0 {
		// Resumed connections first: what they answer is flushed below.
		for i := 0; i < len(l.reoffer); i++ {
			c := l.reoffer[i]
			l.reoffer[i] = nil
			c.reofferQ = false
			if c.state == stateOpen && c.gc != nil {
				l.offer(c)
			}
		}
		l.reoffer = l.reoffer[:0]
		for i := 0; i < len(l.dirty); i++ {
			c := l.dirty[i]
			l.dirty[i] = nil
			c.queued = false
			if (c.gc == nil && c.tc == nil) || c.state == stateClosed {
				continue // dialling: sent on open; closed: dropped
			}
			c.handed += uint64(len(c.out))
			if len(c.out) > 0 && c.tc != nil {
				c.lastIO = l.now
				c.tc.send(c) // the connection's writer goroutine writes it
			} else if len(c.out) > 0 {
				c.lastIO = l.now
				// On a write error gnet closes the connection, and its
				// OnClose runs inside this call.
				_, _ = c.gc.Write(c.out)
				if cap(c.out) > maxRetainedOut {
					c.out = nil
				} else {
					c.out = c.out[:0]
				}
			}
		}
		l.dirty = l.dirty[:0]
		for i := 0; i < len(l.closing); i++ {
			c := l.closing[i]
			l.closing[i] = nil
			if c.state != stateClosing {
				continue
			}
			switch {
			case c.tc != nil:
				c.closeTLS()
			case c.gc == nil: // still dialling: report now, drop the socket on open
				c.state = stateClosed
				c.out = nil
				c.handler.OnClose(c, c.closeErr)
			case c.gc.OutboundBuffered() > 0 && c.lingers():
				// gnet drops what is still in its outbound buffer when it
				// closes; close once the peer has taken it (see tick).
				c.lingerEnd = l.now.Add(closeLinger)
				l.draining = append(l.draining, c)
			case c.gc == current:
				action = gnet.Close
			default:
				_ = l.el.Close(c.gc)
			}
		}
		l.closing = l.closing[:0]
	}
	return action
}

// lingers reports whether a closing connection waits for its peer to take
// its pending writes: not when the transport closes it for the peer's own
// fault (not reading its replies, idle, over the inbound limit, a stalled
// write).
func (c *Conn) lingers() bool {
	// A dialled (upstream) connection is closed because it is of no more
	// use (timeout, broken stream): its owner has already moved on.
	return !c.dialed && !c.paused && c.closeErr != ErrInboundLimit && c.closeErr != ErrIdleTimeout &&
		c.closeErr != ErrWriteTimeout
}

// closeLinger bounds how long a closed connection waits for its peer to
// take the pending writes before it is closed anyway.
const closeLinger = 10 * time.Second

// maxRetainedOut bounds the write buffer kept between callbacks per
// connection; a larger one (after a big frame) is dropped after its flush.
const maxRetainedOut = 64 << 10
