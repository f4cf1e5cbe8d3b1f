package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Error kinds counted by the load generator.
const (
	errConnect    = "connect"    // the connection could not be opened
	errWrite      = "write"      // a write failed: requests in flight are lost
	errRead       = "read"       // the connection failed or closed: requests in flight are lost
	errDecode     = "decode"     // a response could not be decoded (the connection is dropped)
	errStatus     = "status"     // a response reported a failure (protocol status not OK)
	errUnexpected = "unexpected" // a response matched no request in flight
	errTimeout    = "timeout"    // no response by the end of the drain period
)

// reply is what a protocol reports for one decoded frame.
type reply struct {
	// id is the request's id (ignored by in-order protocols).
	id uint64
	// done says the response is complete (its last frame).
	done bool
	// failed, when not empty, says the response reported a failure.
	failed string
}

// clientConn is one protocol's client side of one connection. It is used
// by one goroutine.
type clientConn interface {
	// appendRequest appends the wire form of a request with the given id.
	appendRequest(dst []byte, id uint64) ([]byte, error)
	// parse decodes one frame from the front of src and returns the bytes it
	// used; it returns xprotocol.ErrIncomplete (and 0) when src holds only
	// part of a frame. A zero reply with n > 0 is a frame that is not a
	// response (a control frame).
	parse(src []byte) (r reply, n int, err error)
	// appendPending appends output the protocol owes the peer on its own
	// (HTTP/2 preface, SETTINGS and PING acknowledgements, WINDOW_UPDATE).
	appendPending(dst []byte) []byte
}

// protoSpec describes how to drive one protocol.
type protoSpec struct {
	// inOrder says responses come back in request order (HTTP/1.1
	// pipelining, unframed Thrift): ids are not on the wire.
	inOrder bool
	// maxInFlight bounds -n (0: no bound).
	maxInFlight int
	// idBits is the width of the ids the wire carries.
	idBits uint
	// newConn creates the per-connection state.
	newConn func() (clientConn, error)
}

// loadConfig is what a run does.
type loadConfig struct {
	addr     string
	conns    int
	inFlight int
	duration time.Duration
	warmup   time.Duration
	requests int64 // when > 0, a count instead of a duration
	drain    time.Duration
}

// connStats is one connection's measurements.
type connStats struct {
	hist      *Histogram
	ok        uint64
	errs      map[string]uint64
	bytesIn   uint64
	bytesOut  uint64
	lastDone  int64 // ns since start of the last counted response
	firstSent int64 // ns since start of the first counted request, -1 if none
}

func (s *connStats) fail(kind string, n uint64) {
	if n > 0 {
		s.errs[kind] += n
	}
}

// slot is one in-flight position of a connection.
type slot struct {
	id     uint64
	sentAt int64 // ns since the run's start
	busy   bool
}

// runner drives one connection.
type runner struct {
	cfg    *loadConfig
	spec   *protoSpec
	start  time.Time
	budget *atomic.Int64 // requests left in -requests mode
	cc     clientConn
	conn   net.Conn
	stats  connStats

	slots  []slot
	k      uint   // bits of the slot index in an id
	seq    uint64 // per-connection sequence
	order  []int  // in-order protocols: slots in send order (ring)
	head   int
	queued int
	busy   int

	mu    sync.Mutex
	wbuf  []byte
	wake  chan struct{}
	werr  atomic.Pointer[error]
	wdone chan struct{}
}

// now returns the ns since the run started.
func (r *runner) now() int64 { return int64(time.Since(r.start)) }

// measureFrom returns the start of the measured window in ns.
func (r *runner) measureFrom() int64 { return int64(r.cfg.warmup) }

// issuing reports whether a new request may be sent now.
func (r *runner) issuing(now int64) bool {
	if r.cfg.requests > 0 {
		return r.budget.Add(-1) >= 0
	}
	return now < int64(r.cfg.warmup+r.cfg.duration)
}

// send appends a request into slot i. r.mu is held.
func (r *runner) send(i int, now int64) error {
	r.seq++
	id := (r.seq<<r.k | uint64(i)) & (1<<r.spec.idBits - 1)
	b, err := r.cc.appendRequest(r.wbuf, id)
	if err != nil {
		return fmt.Errorf("encoding a request: %w", err)
	}
	r.wbuf = b
	r.slots[i] = slot{id: id, sentAt: now, busy: true}
	r.busy++
	if r.spec.inOrder {
		r.order[(r.head+r.queued)%len(r.order)] = i
		r.queued++
	}
	return nil
}

// writer sends what the reader queued, one write per wake-up.
func (r *runner) writer() {
	defer close(r.wdone)
	var spare []byte
	for range r.wake {
		r.mu.Lock()
		out := r.wbuf
		r.wbuf = spare[:0]
		r.mu.Unlock()
		if len(out) == 0 {
			spare = out
			continue
		}
		n, err := r.conn.Write(out)
		atomic.AddUint64(&r.stats.bytesOut, uint64(n))
		if err != nil {
			err = fmt.Errorf("write: %w", err)
			r.werr.Store(&err)
			_ = r.conn.Close()
			return
		}
		spare = out
	}
}

func (r *runner) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run opens the connection and drives it until the run ends.
func (r *runner) run() {
	r.stats = connStats{hist: NewHistogram(), errs: map[string]uint64{}, firstSent: -1}
	n := r.cfg.inFlight
	for r.k = 0; 1<<r.k < n; r.k++ {
	}
	r.slots = make([]slot, n)
	r.order = make([]int, n)
	conn, err := net.DialTimeout("tcp", r.cfg.addr, 5*time.Second)
	if err != nil {
		r.stats.fail(errConnect, 1)
		fmt.Fprintf(os.Stderr, "xbench: %v\n", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	r.conn = conn
	r.wake = make(chan struct{}, 1)
	r.wdone = make(chan struct{})
	r.wbuf = make([]byte, 0, 64<<10)
	go r.writer()
	defer func() {
		_ = conn.Close()
		close(r.wake)
		<-r.wdone
	}()

	r.mu.Lock()
	r.wbuf = r.cc.appendPending(r.wbuf)
	now := r.now()
	for i := 0; i < n && r.issuing(now); i++ {
		if err := r.send(i, now); err != nil {
			r.mu.Unlock()
			r.stats.fail(errWrite, 1)
			fmt.Fprintf(os.Stderr, "xbench: %v\n", err)
			return
		}
	}
	r.mu.Unlock()
	r.kick()

	rbuf := make([]byte, 0, 64<<10)
	end := r.cfg.warmup + r.cfg.duration
	for r.busy > 0 {
		if r.cfg.requests > 0 {
			_ = conn.SetReadDeadline(time.Now().Add(r.cfg.drain))
		} else {
			_ = conn.SetReadDeadline(r.start.Add(end + r.cfg.drain))
		}
		if len(rbuf) == cap(rbuf) {
			rbuf = append(rbuf, make([]byte, cap(rbuf))...)[:len(rbuf)]
		}
		m, err := conn.Read(rbuf[len(rbuf):cap(rbuf)])
		rbuf = rbuf[:len(rbuf)+m]
		r.stats.bytesIn += uint64(m)
		if m > 0 {
			used, perr := r.handle(rbuf)
			rbuf = rbuf[:copy(rbuf, rbuf[used:])]
			if perr != nil {
				r.stats.fail(errDecode, max(uint64(r.busy), 1)) // the requests in flight are lost
				fmt.Fprintf(os.Stderr, "xbench: %v\n", perr)
				return
			}
		}
		if err != nil {
			if we := r.werr.Load(); we != nil {
				r.stats.fail(errWrite, uint64(r.busy))
				fmt.Fprintf(os.Stderr, "xbench: %v\n", *we)
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.stats.fail(errTimeout, uint64(r.busy))
				return
			}
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(os.Stderr, "xbench: read: %v\n", err)
			}
			r.stats.fail(errRead, uint64(r.busy))
			return
		}
	}
}

// handle decodes every complete frame in buf, records the responses and
// queues the requests that replace them. It returns the bytes used.
func (r *runner) handle(buf []byte) (int, error) {
	used := 0
	r.mu.Lock()
	defer func() {
		r.wbuf = r.cc.appendPending(r.wbuf)
		r.mu.Unlock()
		r.kick()
	}()
	for used < len(buf) {
		rep, n, err := r.cc.parse(buf[used:])
		if errors.Is(err, xprotocol.ErrIncomplete) {
			break
		}
		if err != nil {
			return used, fmt.Errorf("decoding a response: %w", err)
		}
		used += n
		if !rep.done {
			continue
		}
		var i int
		if r.spec.inOrder {
			if r.queued == 0 {
				r.stats.fail(errUnexpected, 1)
				continue
			}
			i = r.order[r.head]
			r.head = (r.head + 1) % len(r.order)
			r.queued--
		} else {
			i = int(rep.id & (1<<r.k - 1))
			if i >= len(r.slots) || !r.slots[i].busy || r.slots[i].id != rep.id {
				r.stats.fail(errUnexpected, 1)
				continue
			}
		}
		now := r.now()
		s := &r.slots[i]
		s.busy = false
		r.busy--
		if s.sentAt >= r.measureFrom() {
			if rep.failed != "" {
				r.stats.fail(errStatus, 1)
			} else {
				r.stats.ok++
				r.stats.hist.Record(uint64(now - s.sentAt))
			}
			if r.stats.firstSent < 0 {
				r.stats.firstSent = s.sentAt
			}
			r.stats.lastDone = now
		}
		if r.issuing(now) {
			if err := r.send(i, now); err != nil {
				return used, err
			}
		}
	}
	return used, nil
}
