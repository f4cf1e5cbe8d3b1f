package transport

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// A TLS connection is bridged onto a Loop by two goroutines, because
// crypto/tls only offers blocking I/O on a net.Conn and gnet has no TLS:
//
//   - the reader performs the handshake, then reads plaintext and appends it
//     to tlsConn.in, queueing one loop task (run) per batch; it stops reading
//     while the bytes not yet consumed by the handler reach readLimit, so a
//     peer that is not read from is held back by TCP flow control;
//   - the writer takes the batches Loop.finish hands over (tlsConn.pend) and
//     writes them, so a slow peer blocks it and never the loop.
//
// Everything else (handler calls, timers, close decisions) happens on the
// loop, exactly as for gnet connections.

// TLS read sizing: the reader starts with a small buffer (idle connections
// are common) and grows it to a full TLS record while reads fill it.
const (
	minReadChunk = 2 << 10
	maxReadChunk = 16 << 10
	// pausedReadLimit bounds the unconsumed inbound bytes of a connection
	// paused by back-pressure: beyond it the reader stops reading.
	pausedReadLimit = 64 << 10
	// writeChunk is the most one tls.Conn.Write is given, so that Outbound
	// falls as a big batch drains.
	writeChunk = 256 << 10
)

// closeMode is how the socket of a TLS connection is being closed.
type closeMode uint8

const (
	modeOpen  closeMode = iota
	modeFlush           // write what is pending (within flushBound), send close_notify, close
	modeAbort           // closed at once; pending bytes are dropped
)

// flushBound is how long the writer of a closed TLS connection may spend on
// what is still pending. A connection that lingers (see Conn.lingers) is
// only closed once its writes are done, so this bounds the writes handed
// over in its last callback, and those of connections that do not linger:
// a gnet connection in their place would still send what the kernel takes
// at once, and this is the TLS equivalent.
const flushBound = 100 * time.Millisecond

// tlsConn is the off-loop half of a TLS connection.
type tlsConn struct {
	loop  *Loop
	srv   *Server
	nc    *tls.Conn
	raw   net.Conn
	state tls.ConnectionState // set by the reader before the connection opens
	task  gnet.RunnableFunc   // runs run on the loop
	refs  atomic.Int32        // live goroutines; the last one untracks tc

	// queued counts bytes handed to the writer and not yet written.
	queued atomic.Int64

	// Loop-owned.
	c     *Conn  // set when the connection opens on the loop
	inbuf []byte // inbound bytes offered to the handler, not yet consumed
	offer bool   // offer inbuf again without new bytes (ResumeReading)

	mu          sync.Mutex
	rcond       sync.Cond // reader waits for room (unprocessed < readLimit)
	wcond       sync.Cond // writer waits for pend or a close
	mode        closeMode
	in          []byte // read, not yet moved to inbuf by the loop
	unprocessed int    // len(in) + len(inbuf) as last published
	readLimit   int
	readWaiting bool
	readTotal   int64 // bytes read so far, for tests and diagnostics
	rerr, werr  error
	scheduled   bool   // a run task is queued
	pend        []byte // handed over by the loop, not yet taken by the writer
	spare       []byte // the writer's last batch, recycled as pend
	wWaiting    bool
}

func newTLSConn(l *Loop, nc *tls.Conn, raw net.Conn) *tlsConn {
	tc := &tlsConn{loop: l, srv: l.server, nc: nc, raw: raw}
	tc.rcond.L = &tc.mu
	tc.wcond.L = &tc.mu
	tc.readLimit = l.server.opts.InboundLimit + 1
	tc.refs.Store(1)
	tc.task = func(context.Context) error {
		l.now = time.Now()
		tc.run()
		l.finish(nil)
		return nil
	}
	return tc
}

// schedule queues a run on the loop unless one is queued already.
func (tc *tlsConn) schedule() {
	tc.mu.Lock()
	queue := !tc.scheduled
	tc.scheduled = true
	tc.mu.Unlock()
	if queue {
		if err := tc.loop.el.Execute(context.Background(), tc.task); err != nil {
			tc.abort() // the loop is gone: nobody will handle this connection
		}
	}
}

// startWriter starts the writer goroutine; the caller is a counted goroutine.
func (tc *tlsConn) startWriter() {
	tc.refs.Add(1)
	tc.srv.tl.wg.Add(1)
	go tc.writeLoop()
}

// release is deferred by each of the connection's goroutines; the last one
// out makes sure the socket is closed and forgets the connection.
func (tc *tlsConn) release() {
	if tc.refs.Add(-1) == 0 {
		_ = tc.raw.Close()
		tc.srv.untrack(tc)
	}
}

// readLoop reads plaintext until the connection fails or is closed.
func (tc *tlsConn) readLoop() {
	buf := make([]byte, minReadChunk)
	for {
		tc.mu.Lock()
		for tc.mode == modeOpen && tc.unprocessed >= tc.readLimit {
			tc.readWaiting = true
			tc.rcond.Wait()
		}
		tc.readWaiting = false
		if tc.mode != modeOpen {
			tc.mu.Unlock()
			return
		}
		tc.mu.Unlock()

		n, err := tc.nc.Read(buf)

		tc.mu.Lock()
		if n > 0 {
			tc.in = append(tc.in, buf[:n]...)
			tc.unprocessed += n
			tc.readTotal += int64(n)
		}
		if err != nil && tc.rerr == nil {
			tc.rerr = err
		}
		tc.mu.Unlock()
		if n > 0 || err != nil {
			tc.schedule()
		}
		if err != nil {
			return
		}
		if n == len(buf) && len(buf) < maxReadChunk {
			buf = make([]byte, 2*len(buf))
		}
	}
}

// writeLoop writes the batches the loop hands over until the connection is
// closed; in modeFlush it writes what is left and closes gracefully.
func (tc *tlsConn) writeLoop() {
	defer tc.srv.tl.wg.Done()
	defer tc.release()
	for {
		tc.mu.Lock()
		for tc.mode == modeOpen && len(tc.pend) == 0 {
			tc.wWaiting = true
			tc.wcond.Wait()
		}
		tc.wWaiting = false
		mode := tc.mode
		if mode == modeAbort || (mode == modeFlush && len(tc.pend) == 0) {
			tc.mu.Unlock()
			if mode == modeFlush {
				_ = tc.nc.Close() // close_notify (crypto/tls bounds it to 5s), then close
			}
			return
		}
		batch := tc.pend
		tc.pend, tc.spare = tc.spare, nil
		tc.mu.Unlock()

		err := tc.writeAll(batch)

		tc.mu.Lock()
		if cap(batch) <= maxRetainedOut {
			tc.spare = batch[:0]
		}
		if err != nil && tc.werr == nil {
			tc.werr = err
		}
		tc.mu.Unlock()
		if err != nil {
			tc.schedule() // the loop closes the connection with err
			_ = tc.raw.Close()
			return
		}
	}
}

func (tc *tlsConn) writeAll(b []byte) error {
	for len(b) > 0 {
		n := min(len(b), writeChunk)
		_, err := tc.nc.Write(b[:n])
		tc.queued.Add(-int64(n))
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// shutdown closes the socket: in modeFlush the writer sends what is pending
// (within flushBound) and a close_notify; in modeAbort at once. It is safe
// on any goroutine and only the first call counts.
func (tc *tlsConn) shutdown(mode closeMode) {
	tc.mu.Lock()
	if tc.mode != modeOpen {
		tc.mu.Unlock()
		return
	}
	tc.mode = mode
	tc.mu.Unlock()
	tc.rcond.Broadcast()
	tc.wcond.Broadcast()
	if mode == modeAbort {
		_ = tc.raw.Close()
	} else {
		_ = tc.raw.SetWriteDeadline(time.Now().Add(flushBound))
	}
}

// abort closes the socket at once, dropping pending writes.
func (tc *tlsConn) abort() { tc.shutdown(modeAbort) }

// tlsStats is a snapshot of a TLS connection's off-loop counters.
type tlsStats struct {
	unprocessed int   // inbound bytes read, not consumed by the handler
	readTotal   int64 // bytes read from the socket so far
	readWaiting bool  // the reader is held back by the read limit
	readLimit   int
}

func (tc *tlsConn) stats() tlsStats {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tlsStats{tc.unprocessed, tc.readTotal, tc.readWaiting, tc.readLimit}
}
