package transport

import "slices"

// inbound returns the unconsumed inbound bytes of a gnet connection: those
// moved to c.in and those gnet still holds.
func (c *Conn) inbound() int {
	n := len(c.in) - c.inOff
	if c.gc != nil {
		n += c.gc.InboundBuffered()
	}
	return n
}

// offer hands a gnet connection's unconsumed inbound bytes to its handler,
// unless back-pressure or the handler (PauseReading) holds them; it runs on
// the connection's loop, from OnTraffic or from Loop.finish (ResumeReading).
//
// Bytes the handler leaves are moved out of gnet into c.in, so gnet's ring
// buffer is empty whenever bytes are offered: a fresh read is offered in
// place (gnet's Peek of its read buffer, no copy), and leftovers from c.in
// with the new bytes appended. gnet's own Peek would copy into a new buffer
// whenever its ring wraps, which pipelined input makes common. While reading
// is paused or held the bytes stay in gnet, which only appends to its ring
// (pause.go), and are moved to c.in once offered again.
func (l *Loop) offer(c *Conn) {
	gc := c.gc
	opts := &l.server.opts
	if !c.dialed && (c.paused || c.Outbound() > opts.HighWatermark) {
		// A client not reading what we send: stop reading what it sends.
		// (Dialled connections are never paused: their input is replies,
		// which frees the requests their output holds.)
		if !c.paused {
			c.paused = true
			l.paused = append(l.paused, c)
		}
		c.hold(opts.InboundLimit)
		return
	}
	if c.readHeld {
		// The handler will take nothing until ResumeReading: gnet keeps
		// reading the socket, but its bytes are not copied out on every
		// read, only bounded.
		c.hold(opts.InboundLimit)
		return
	}
	n := gc.InboundBuffered()
	var data []byte
	if len(c.in) == 0 && !c.gnetHolds {
		if n == 0 {
			return
		}
		data, _ = gc.Peek(n) // gnet's ring is empty: its read buffer, in place
	} else {
		if n > 0 {
			if c.in == nil {
				c.in = l.spareIn()
			}
			c.in = appendInbound(c.in, &c.inOff, n)
			_, _ = gc.Read(c.in[len(c.in)-n:])
		}
		c.gnetHolds = false
		data = c.in[c.inOff:]
		if len(data) == 0 {
			return
		}
	}
	inPlace := len(c.in) == 0
	c.offering = true
	used := c.handler.OnData(c, data)
	c.offering = false
	used = min(max(used, 0), len(data))
	left := len(data) - used
	if inPlace {
		if left > 0 {
			c.in = append(l.spareIn(), data[used:]...)
			c.inOff = 0
		}
		_, _ = gc.Discard(n)
	} else {
		c.inOff += used
		if left == 0 {
			l.putSpareIn(c.in)
			c.in, c.inOff = nil, 0
		}
	}
	if c.resumeAgain {
		c.resumeAgain = false
		// Resumed during its own OnData, which saw every byte: offer the
		// rest again only if it made progress, else fall back to a wake
		// (a handler that resumes while declining everything would
		// otherwise spin inside finish).
		if left > 0 && c.state == stateOpen {
			if used > 0 {
				if !c.reofferQ {
					c.reofferQ = true
					l.reoffer = append(l.reoffer, c)
				}
			} else {
				_ = gc.Wake(nil)
			}
		}
	}
	if left > opts.InboundLimit {
		c.Close(ErrInboundLimit)
	}
}

// hold leaves a connection's new bytes in gnet, closing it when what it
// holds exceeds the inbound limit.
func (c *Conn) hold(limit int) {
	if c.gc.InboundBuffered() > 0 {
		c.gnetHolds = true
	}
	if c.inbound() > limit {
		c.Close(ErrInboundLimit)
	}
}

// appendInbound extends buf by n bytes for new input, first moving the
// unconsumed part (from *off) to the start when that avoids growing it.
func appendInbound(buf []byte, off *int, n int) []byte {
	if *off > 0 && len(buf)+n > cap(buf) {
		buf = buf[:copy(buf, buf[*off:])]
		*off = 0
	}
	return slices.Grow(buf, n)[:len(buf)+n]
}

// spareIn returns an empty inbound buffer from the loop's spares, or nil.
// A connection holds one only while it has leftovers, so idle connections
// keep no inbound memory (as gnet returns its emptied ring buffers).
func (l *Loop) spareIn() []byte {
	n := len(l.spareBufs)
	if n == 0 {
		return nil
	}
	b := l.spareBufs[n-1]
	l.spareBufs[n-1] = nil
	l.spareBufs = l.spareBufs[:n-1]
	return b
}

// putSpareIn keeps an emptied inbound buffer for reuse, within bounds.
func (l *Loop) putSpareIn(b []byte) {
	if cap(b) > 0 && cap(b) <= maxSpareIn && len(l.spareBufs) < maxSpareBufs {
		l.spareBufs = append(l.spareBufs, b[:0])
	}
}

// Spare inbound buffers per loop: at most maxSpareBufs of at most
// maxSpareIn bytes (a larger one, after a big frame, is dropped).
const (
	maxSpareIn   = 64 << 10
	maxSpareBufs = 64
)
