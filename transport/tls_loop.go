package transport

import (
	"crypto/tls"
	"errors"
	"io"
)

// The loop half of a TLS connection: what gnet's callbacks do for a gnet
// connection, driven by the tasks the reader and writer queue (run).

// TLS returns the connection's TLS state, or nil for a plain connection or
// one still dialling. The result must not be modified.
func (c *Conn) TLS() *tls.ConnectionState {
	if c.tc == nil {
		return nil
	}
	return &c.tc.state
}

// NegotiatedProtocol returns the application protocol agreed by ALPN in the
// TLS handshake, or "" (plain connection, or no protocol agreed).
func (c *Conn) NegotiatedProtocol() string {
	if c.tc == nil {
		return ""
	}
	return c.tc.state.NegotiatedProtocol
}

// openAccepted runs on the loop once the handshake of an accepted
// connection is done: it makes the Conn and hands it to Accept.
func (tc *tlsConn) openAccepted() {
	l, s := tc.loop, tc.srv
	if s.tlsStopping() {
		s.count.Add(-1)
		tc.abort()
		return
	}
	c := &Conn{loop: l, server: s, tc: tc, state: stateOpen, remote: remoteString(tc.raw.RemoteAddr()), lastIO: l.now}
	tc.c = c
	c.handler = s.opts.Accept(c)
	if c.handler == nil {
		c.state = stateClosed
		s.count.Add(-1)
		tc.abort()
		return
	}
	l.link(c)
	c.handler.OnOpen(c)
	tc.run() // bytes (or an error) that arrived meanwhile
}

// openDialed runs on the loop once the handshake of a dialled connection is
// done.
func (tc *tlsConn) openDialed(c *Conn) {
	if c.state != stateDialing {
		tc.abort() // its owner gave up while it was dialling
		return
	}
	l := tc.loop
	if tc.srv.tlsStopping() {
		tc.abort()
		c.dialFailed(ErrStopping)
		return
	}
	tc.c = c
	c.tc = tc
	c.state = stateOpen
	c.lastIO = l.now
	l.link(c)
	c.handler.OnOpen(c)
	if len(c.out) > 0 {
		c.markDirty()
	}
	tc.run()
}

// run moves what the reader read to the handler, applying back-pressure and
// the inbound limit, and closes the connection on a read or write error.
func (tc *tlsConn) run() {
	c := tc.c
	tc.mu.Lock()
	tc.scheduled = false
	if c == nil || c.state == stateClosed {
		// Not open yet (openAccepted runs this again) or gone.
		tc.mu.Unlock()
		return
	}
	fresh := len(tc.in) > 0
	if len(tc.inbuf) == 0 {
		tc.inbuf, tc.in = tc.in, tc.inbuf[:0]
	} else {
		tc.inbuf = append(tc.inbuf, tc.in...)
		tc.in = tc.in[:0]
	}
	rerr, werr := tc.rerr, tc.werr
	tc.mu.Unlock()

	if werr != nil {
		c.terminateTLS(werr, modeAbort)
		return
	}
	l := c.loop
	opts := &l.server.opts
	limit := opts.InboundLimit + 1
	switch {
	case c.state != stateOpen:
		tc.inbuf = tc.inbuf[:0] // closing: inbound bytes are dropped
	case !c.dialed && (c.paused || c.Outbound() > opts.HighWatermark):
		// A client not reading what we send: stop reading what it sends.
		// Unlike gnet, which reads whatever arrives (and so closes a paused
		// connection over its inbound limit), the reader can stop: it does
		// at pausedReadLimit and TCP holds the client back.
		if !c.paused {
			c.paused = true
			l.paused = append(l.paused, c)
		}
		limit = min(limit, pausedReadLimit)
		if fresh {
			c.lastIO = l.now
		}
	default:
		if fresh {
			c.lastIO = l.now
		}
		if len(tc.inbuf) > 0 && (fresh || tc.offer) {
			tc.offer = false
			used := c.handler.OnData(c, tc.inbuf)
			tc.consume(used)
		}
		if len(tc.inbuf) > opts.InboundLimit {
			c.Close(ErrInboundLimit)
		}
	}
	if len(tc.inbuf) == 0 && cap(tc.inbuf) > maxRetainedOut {
		tc.inbuf = nil
	}

	tc.mu.Lock()
	tc.unprocessed = len(tc.in) + len(tc.inbuf)
	tc.readLimit = limit
	wake := tc.readWaiting && tc.unprocessed < limit
	tc.mu.Unlock()
	if wake {
		tc.rcond.Signal()
	}

	if rerr != nil && c.state != stateClosed {
		// The peer closed (io.EOF: it may still take what was just written,
		// within flushBound) or the connection failed.
		mode := modeAbort
		if errors.Is(rerr, io.EOF) {
			mode = modeFlush
		}
		c.terminateTLS(rerr, mode)
	}
}

// consume drops the first n bytes of inbuf, keeping the rest at its start.
func (tc *tlsConn) consume(n int) {
	switch {
	case n <= 0:
	case n >= len(tc.inbuf):
		tc.inbuf = tc.inbuf[:0]
	default:
		rest := copy(tc.inbuf, tc.inbuf[n:])
		tc.inbuf = tc.inbuf[:rest]
	}
}

// send hands the connection's pending writes to the writer goroutine.
func (tc *tlsConn) send(c *Conn) {
	n := len(c.out)
	tc.mu.Lock()
	if len(tc.pend) == 0 {
		// Swap rather than copy: the batch becomes the writer's.
		tc.pend, c.out = c.out, tc.pend[:0]
	} else {
		tc.pend = append(tc.pend, c.out...)
		c.out = c.out[:0]
	}
	tc.queued.Add(int64(n))
	wake := tc.wWaiting
	tc.mu.Unlock()
	if cap(c.out) > maxRetainedOut {
		c.out = nil
	}
	if wake {
		tc.wcond.Signal()
	}
}

// closeTLS applies a deferred Close (from Loop.finish): like a gnet
// connection, one with pending writes lingers until its peer takes them
// (see Loop.tick), unless it is closed for the peer's own fault or is an
// upstream; those get flushBound.
func (c *Conn) closeTLS() {
	if c.tc.queued.Load() > 0 && c.lingers() {
		c.lingerEnd = c.loop.now.Add(closeLinger)
		c.loop.draining = append(c.loop.draining, c)
		return
	}
	c.terminateTLS(c.closeErr, modeFlush)
}

// terminateTLS ends a TLS connection on its loop: the socket is closed in
// the given mode and OnClose runs, once. A connection that was closing
// reports the reason it was closed with.
func (c *Conn) terminateTLS(err error, mode closeMode) {
	if c.state == stateClosed {
		return
	}
	if c.state == stateClosing {
		err = c.closeErr
	}
	if mode == modeFlush && len(c.out) > 0 {
		c.tc.send(c)
	}
	l := c.loop
	c.state = stateClosed
	c.out = nil
	l.unlink(c)
	l.wheel.remove(&c.idleT)
	if c.server != nil {
		c.server.count.Add(-1)
	}
	c.tc.shutdown(mode)
	c.handler.OnClose(c, err)
}
