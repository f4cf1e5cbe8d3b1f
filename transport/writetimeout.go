package transport

import (
	"errors"
	"time"
)

// ErrWriteTimeout is the error OnClose receives for a connection closed
// because it had bytes waiting to be sent and its peer took none of them
// for the write timeout (SetWriteTimeout).
var ErrWriteTimeout = errors.New("transport: write timeout: the peer is not reading")

// writeChecks is how many times per write timeout a connection looks for
// progress; a stalled connection is closed between d and d+2d/writeChecks
// after its peer took its last byte.
const writeChecks = 8

// SetWriteTimeout closes the connection (with ErrWriteTimeout, without
// lingering) once it has had output pending for d during which the peer
// took none of it. Output that keeps draining, however slowly, keeps it
// open; 0 disables it.
func (c *Conn) SetWriteTimeout(d time.Duration) {
	c.writeTO = d
	if d <= 0 {
		c.loop.wheel.remove(&c.writeT)
		return
	}
	if c.writeT.Fire == nil {
		c.writeT.Fire = c.checkWrite
	}
	c.lastSent = c.taken()
	c.progressAt = c.loop.Now()
	c.loop.arm(&c.writeT, c.writeInterval())
}

// SetHeld tells the write timeout about output its owner holds back for
// the peer (e.g. HTTP/2 DATA waiting for flow-control window): while held
// returns more than 0, output is pending even if none is buffered here, so
// a peer that grants no window and reads nothing more stalls the same way.
func (c *Conn) SetHeld(held func() int) { c.held = held }

func (c *Conn) writeInterval() time.Duration {
	return max(c.writeTO/writeChecks, c.loop.wheel.tick)
}

// taken returns how many bytes the kernel (or, for TLS, the writer
// goroutine) has taken so far.
func (c *Conn) taken() uint64 {
	held := 0
	if c.gc != nil {
		held = c.gc.OutboundBuffered()
	} else if c.tc != nil {
		held = int(c.tc.queued.Load())
	}
	return c.handed - uint64(held)
}

func (c *Conn) checkWrite() {
	if c.state != stateOpen || c.writeTO <= 0 {
		return
	}
	now := c.loop.Now()
	sent := c.taken()
	switch {
	case sent != c.lastSent || c.Outbound() == 0 && (c.held == nil || c.held() == 0):
		c.lastSent, c.progressAt = sent, now
	case now.Sub(c.progressAt) >= c.writeTO+c.writeInterval():
		// The stall began at most one interval after progressAt.
		c.Close(ErrWriteTimeout)
		return
	}
	c.loop.arm(&c.writeT, c.writeInterval())
}
