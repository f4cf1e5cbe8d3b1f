package transport

import (
	"errors"
	"net"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Handler receives a connection's events, always on the connection's loop.
type Handler interface {
	// OnOpen runs once when the connection is established. For a dialled
	// connection, bytes written before OnOpen are sent at that moment.
	OnOpen(c *Conn)
	// OnData is given every unread inbound byte and returns how many it
	// consumed; the rest is offered again with the next bytes. data aliases
	// the event loop's buffers and is valid only during the call.
	OnData(c *Conn, data []byte) (consumed int)
	// OnClose runs once when the connection is gone (closed by either side,
	// or a dial that failed, with its error). Writes to c are dropped after it.
	OnClose(c *Conn, err error)
}

type connState uint8

const (
	stateDialing connState = iota
	stateOpen
	stateClosing // Close called; applied at the end of the loop callback
	stateClosed
)

// ErrClosed is the error OnClose receives when this side closed the
// connection without giving a reason.
var ErrClosed = errors.New("transport: connection closed locally")

// Conn is one connection on a Loop. All its methods must be called on the
// loop's goroutine (from Handler callbacks, timers or Loop.Execute).
type Conn struct {
	// Value holds the owner's per-connection state.
	Value any

	gc       gnet.Conn
	tc       *tlsConn // TLS connections (gc is nil), set once open
	loop     *Loop
	server   *Server // nil for dialled connections
	handler  Handler
	state    connState
	out      []byte // batched writes, flushed at the end of the callback
	queued   bool   // in loop.dirty
	paused   bool   // reading paused by back-pressure
	readHeld bool   // reading paused by the handler (PauseReading)
	// Inbound bytes a gnet connection's handler left unconsumed are moved
	// out of gnet into in[inOff:] (offer, inbound.go), so gnet's ring
	// buffer stays empty and Peek never copies across its wrap.
	in          []byte
	inOff       int
	gnetHolds   bool // gnet holds inbound bytes not yet moved to in (paused, held)
	reofferQ    bool // in loop.reoffer
	offering    bool // its OnData is running
	resumeAgain bool // ResumeReading was called during its own OnData
	closeErr    error
	lingerEnd   time.Time // a closing conn with pending writes waits until then
	remote      string
	lastIO      time.Time
	idle        time.Duration
	idleT       Timer
	dialed      bool
	// Stalled-write detection (SetWriteTimeout, writetimeout.go).
	handed     uint64        // bytes handed to gnet or the TLS writer so far
	writeTO    time.Duration // 0: off
	held       func() int    // output the owner holds back (SetHeld)
	writeT     Timer
	lastSent   uint64    // bytes the peer had taken at the last check
	progressAt time.Time // last check that saw progress or nothing pending

	prev, next *Conn // loop.conns membership
}

// Loop returns the event loop the connection lives on.
func (c *Conn) Loop() *Loop { return c.loop }

// RemoteAddr returns the peer address as text.
func (c *Conn) RemoteAddr() string { return c.remote }

// Dialed reports whether the connection was dialled (upstream) rather than
// accepted (downstream).
func (c *Conn) Dialed() bool { return c.dialed }

// Open reports whether the connection is established and not closing.
func (c *Conn) Open() bool { return c.state == stateOpen }

// Closed reports whether the connection is closing or gone.
func (c *Conn) Closed() bool { return c.state >= stateClosing }

// Write queues p to be sent at the end of the current loop callback. It
// copies p. Writes on a dialling connection are sent once it opens; writes
// on a closing or closed one are dropped.
func (c *Conn) Write(p []byte) {
	if c.state >= stateClosing {
		return
	}
	c.out = append(c.out, p...)
	c.markDirty()
}

// Buffer returns the connection's pending write buffer so an encoder can
// append to it directly; pass the result to SetBuffer. Nothing is copied.
func (c *Conn) Buffer() []byte { return c.out }

// SetBuffer replaces the pending write buffer with b, typically the result
// of appending to Buffer().
func (c *Conn) SetBuffer(b []byte) {
	if c.state >= stateClosing {
		return
	}
	c.out = b
	c.markDirty()
}

func (c *Conn) markDirty() {
	if !c.queued && len(c.out) > 0 {
		c.queued = true
		c.loop.dirty = append(c.loop.dirty, c)
	}
}

// Outbound returns the bytes written but not yet accepted by the kernel
// (for a TLS connection: not yet written to the tls.Conn).
func (c *Conn) Outbound() int {
	n := len(c.out)
	if c.state == stateClosed {
		return n
	}
	if c.gc != nil {
		n += c.gc.OutboundBuffered()
	} else if c.tc != nil {
		n += int(c.tc.queued.Load())
	}
	return n
}

// Close closes the connection at the end of the current loop callback,
// after its pending writes. err (or ErrClosed when nil) is what OnClose
// receives.
func (c *Conn) Close(err error) {
	if c.state >= stateClosing {
		return
	}
	if err == nil {
		err = ErrClosed
	}
	c.closeErr = err
	c.state = stateClosing
	c.loop.closing = append(c.loop.closing, c)
}

// SetIdleTimeout closes the connection after d without reads or writes;
// 0 disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	c.idle = d
	if d <= 0 {
		c.loop.wheel.remove(&c.idleT)
		return
	}
	if c.idleT.Fire == nil {
		c.idleT.Fire = c.checkIdle
	}
	c.lastIO = c.loop.Now()
	c.loop.arm(&c.idleT, d)
}

// ErrIdleTimeout is the error OnClose receives for a connection closed for
// being idle too long.
var ErrIdleTimeout = errors.New("transport: idle timeout")

func (c *Conn) checkIdle() {
	if c.state >= stateClosing || c.idle <= 0 {
		return
	}
	quiet := c.loop.Now().Sub(c.lastIO)
	if quiet >= c.idle {
		c.Close(ErrIdleTimeout)
		return
	}
	c.loop.arm(&c.idleT, c.idle-quiet)
}

// ResumeReading offers buffered inbound bytes to the handler again, e.g.
// after it declined them. It is cheap to call when nothing is buffered:
// for a gnet connection the bytes are offered at the end of the current
// loop callback (Loop.finish), without waking the loop.
func (c *Conn) ResumeReading() {
	c.readHeld = false
	if c.state != stateOpen {
		return
	}
	if c.gc != nil {
		if c.offering {
			c.resumeAgain = true // decided once its OnData returns (offer)
			return
		}
		if !c.reofferQ && c.inbound() > 0 {
			c.reofferQ = true
			c.loop.reoffer = append(c.loop.reoffer, c)
		}
	} else if c.tc != nil && len(c.tc.inbuf) > 0 {
		// Bytes not moved to inbuf yet have a run queued already.
		c.tc.offer = true
		c.tc.schedule()
	}
}

func remoteString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
