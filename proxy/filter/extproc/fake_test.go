package extproc

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// fakeFrame is a request head with routing keys and ordered headers.
type fakeFrame struct {
	proto string
	keys  map[xprotocol.Key][]byte
	hdr   fakeHeader
}

func newFrame(keys map[xprotocol.Key]string, headers ...string) *fakeFrame {
	f := &fakeFrame{proto: "http1", keys: make(map[xprotocol.Key][]byte)}
	for k, v := range keys {
		f.keys[k] = []byte(v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		f.hdr.Set(headers[i], headers[i+1])
	}
	return f
}

func (f *fakeFrame) Protocol() string           { return f.proto }
func (f *fakeFrame) Kind() xprotocol.Kind       { return xprotocol.KindRequest }
func (f *fakeFrame) Heartbeat() bool            { return false }
func (f *fakeFrame) StreamID() uint64           { return 1 }
func (f *fakeFrame) SetStreamID(uint64)         {}
func (f *fakeFrame) Key(k xprotocol.Key) []byte { return f.keys[k] }
func (f *fakeFrame) Header() xprotocol.Header   { return &f.hdr }
func (f *fakeFrame) Body() []byte               { return nil }
func (f *fakeFrame) Status() xprotocol.Status   { return xprotocol.StatusOK }
func (f *fakeFrame) Timeout() time.Duration     { return 0 }
func (f *fakeFrame) EndStream() bool            { return true }
func (f *fakeFrame) Size() int                  { return 100 }
func (f *fakeFrame) Release()                   {}

type fakeHeader struct {
	keys []string
	vals [][]byte
}

func (h *fakeHeader) Get(key string) ([]byte, bool) {
	for i, k := range h.keys {
		if k == key {
			return h.vals[i], true
		}
	}
	return nil, false
}

func (h *fakeHeader) Range(fn func(key, value []byte) bool) {
	for i, k := range h.keys {
		if !fn([]byte(k), h.vals[i]) {
			return
		}
	}
}

func (h *fakeHeader) Set(key, value string) {
	for i, k := range h.keys {
		if k == key {
			h.vals[i] = []byte(value)
			return
		}
	}
	h.keys = append(h.keys, key)
	h.vals = append(h.vals, []byte(value))
}

func (h *fakeHeader) Del(key string) {
	for i, k := range h.keys {
		if k == key {
			h.keys = append(h.keys[:i], h.keys[i+1:]...)
			h.vals = append(h.vals[:i], h.vals[i+1:]...)
			return
		}
	}
}

// goid returns the calling goroutine's id (tests only).
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	n, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return n
}

// loop is a fake event loop: one goroutine running posted functions in
// order, like transport.Loop.Execute.
type loop struct {
	ch   chan func()
	quit chan struct{}
	done chan struct{}
	id   atomic.Uint64
	off  atomic.Int64 // Host calls seen off the loop goroutine
	fast bool         // benchmarks: no goroutine checks (runtime.Stack is slow)
}

func newLoop(t testing.TB) *loop {
	l := &loop{ch: make(chan func(), 1<<16), quit: make(chan struct{}), done: make(chan struct{})}
	started := make(chan struct{})
	go func() {
		defer close(l.done)
		l.id.Store(goid())
		close(started)
		for {
			select {
			case fn := <-l.ch:
				fn()
			case <-l.quit:
				return
			}
		}
	}()
	<-started
	t.Cleanup(l.stop)
	return l
}

func (l *loop) stop() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	<-l.done
}

// execute runs fn on the loop; it is dropped once the loop stopped.
func (l *loop) execute(fn func()) {
	select {
	case l.ch <- fn:
	case <-l.quit:
	}
}

// check counts a call made off the loop.
func (l *loop) check() {
	if !l.fast && goid() != l.id.Load() {
		l.off.Add(1)
	}
}

// outcome is how a request left the chain.
type outcome struct {
	proceeded bool // the chain went on (routing would follow)
	status    xprotocol.Status
	msg       string
	elapsed   time.Duration // from the request's head to its outcome
	run       time.Duration // how long Run held the loop
}

// request is a fake filter.Host for one request on a loop: Reply and
// Proceed end it; Poster and the timer drop work once it ended.
type request struct {
	l     *loop
	h     filter.Handle
	start time.Time
	run   time.Duration

	ended atomic.Bool
	timer *time.Timer
	tgen  int // bumped by StopTimer and re-arming: a stale firing is dropped
	out   chan outcome
	once  sync.Once
}

var _ filter.Host = (*request)(nil)

func (r *request) finish(o outcome) {
	r.l.check()
	r.once.Do(func() {
		o.elapsed, o.run = time.Since(r.start), r.run
		r.h.End()
		r.ended.Store(true)
		if r.timer != nil {
			r.timer.Stop()
		}
		r.out <- o
	})
}

func (r *request) Reply(st xprotocol.Status, msg string) {
	r.finish(outcome{status: st, msg: msg})
}

func (r *request) Proceed(ph filter.Phase) {
	r.finish(outcome{proceeded: true})
}

func (r *request) AfterFunc(d time.Duration, fn func()) {
	r.l.check()
	r.StopTimer()
	gen := r.tgen
	r.timer = time.AfterFunc(d, func() {
		r.l.execute(func() {
			if r.tgen == gen && !r.ended.Load() {
				fn()
			}
		})
	})
}

func (r *request) StopTimer() {
	r.l.check()
	r.tgen++
	if r.timer != nil {
		r.timer.Stop()
	}
}

func (r *request) Now() time.Time {
	r.l.check()
	return time.Now()
}

func (r *request) Route() (int, string, bool) { return 0, "", false }

func (r *request) RemoteAddr() string {
	r.l.check()
	return "192.0.2.7:5555"
}

func (r *request) Poster() func(func()) {
	r.l.check()
	return func(fn func()) {
		r.l.execute(func() {
			if !r.ended.Load() {
				fn()
			}
		})
	}
}

// send runs req through the chain's request phase on l and returns the
// request, whose outcome arrives on out.
func send(l *loop, c *filter.Chain, req *fakeFrame) *request {
	r := &request{l: l, out: make(chan outcome, 1)}
	l.execute(func() {
		r.start = time.Now()
		r.h.Begin(c, r, req)
		res := r.h.Run(filter.PhaseRequest)
		r.run = time.Since(r.start)
		if res == filter.Continue {
			r.Proceed(filter.PhaseRequest)
		}
	})
	return r
}

// wait returns the request's outcome.
func (r *request) wait(t testing.TB) outcome {
	t.Helper()
	select {
	case o := <-r.out:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome after 10s")
	}
	return outcome{}
}
