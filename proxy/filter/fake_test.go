package filter

import (
	"fmt"
	"sync"
	"time"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// fakeFrame is a protocol-agnostic frame: keys, headers, status.
type fakeFrame struct {
	proto  string
	kind   xprotocol.Kind
	id     uint64
	keys   map[xprotocol.Key][]byte
	hdr    fakeHeader
	status xprotocol.Status
}

func newRequest(proto string, keys map[xprotocol.Key]string, headers ...string) *fakeFrame {
	f := &fakeFrame{proto: proto, kind: xprotocol.KindRequest, id: 7, keys: make(map[xprotocol.Key][]byte)}
	for k, v := range keys {
		f.keys[k] = []byte(v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		f.hdr.Set(headers[i], headers[i+1])
	}
	return f
}

func (f *fakeFrame) Protocol() string           { return f.proto }
func (f *fakeFrame) Kind() xprotocol.Kind       { return f.kind }
func (f *fakeFrame) Heartbeat() bool            { return false }
func (f *fakeFrame) StreamID() uint64           { return f.id }
func (f *fakeFrame) SetStreamID(id uint64)      { f.id = id }
func (f *fakeFrame) Key(k xprotocol.Key) []byte { return f.keys[k] }
func (f *fakeFrame) Header() xprotocol.Header   { return &f.hdr }
func (f *fakeFrame) Body() []byte               { return nil }
func (f *fakeFrame) Status() xprotocol.Status   { return f.status }
func (f *fakeFrame) Timeout() time.Duration     { return 0 }
func (f *fakeFrame) EndStream() bool            { return true }
func (f *fakeFrame) Size() int                  { return 100 }
func (f *fakeFrame) Release()                   {}

// fakeHeader keeps wire order; values are stored as bytes so Get does not
// allocate.
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

type reply struct {
	status xprotocol.Status
	msg    string
	phase  Phase
}

// engine is a fake Host and a miniature of the proxy engine's request
// lifecycle: Begin, PhaseRequest, route, PhaseRouted, forward, response,
// PhaseResponse, write, End. Its clock and its one filter timer are
// fake: advance moves time and fires the timer when due.
type engine struct {
	chain *Chain
	h     Handle

	now       time.Time
	timerFn   func()
	timerAt   time.Time
	timerSet  bool
	timerStop int

	cluster   string // the route's cluster
	routed    bool
	forwarded bool
	response  *fakeFrame // the upstream's answer, run through PhaseResponse
	written   xprotocol.Frame
	replies   []reply
	proceeds  []Phase
	ended     int
}

func newEngine(c *Chain) *engine {
	return &engine{chain: c, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), cluster: "backend"}
}

// request runs a request head through the lifecycle as far as it goes
// synchronously, and returns the last phase's result.
func (e *engine) request(req xprotocol.Frame) Result {
	e.routed, e.forwarded, e.written, e.response = false, false, nil, nil
	e.h.Begin(e.chain, e, req)
	r := e.h.Run(PhaseRequest)
	if r == Continue {
		r = e.route()
	}
	return r
}

// route returns the result of PhaseRouted.
func (e *engine) route() Result {
	e.routed = true
	e.h.Info().Cluster = e.cluster
	r := e.h.Run(PhaseRouted)
	if r == Continue {
		e.forward()
	}
	return r
}

func (e *engine) forward() {
	e.forwarded = true
	e.h.Info().UpstreamHost = "10.0.0.1:8080"
	e.h.Info().BytesReceived = 100
}

// respond delivers the upstream's response head.
func (e *engine) respond(resp *fakeFrame) Result {
	e.response = resp
	r := e.h.RunResponse(resp)
	if r == Continue {
		e.write()
	}
	return r
}

func (e *engine) write() {
	e.written = e.response
	e.h.Info().BytesSent = 200
	e.h.End()
	e.ended++
}

// Host.

func (e *engine) Reply(st xprotocol.Status, msg string) {
	e.replies = append(e.replies, reply{st, msg, e.h.Phase()})
	e.h.End()
	e.ended++
}

func (e *engine) Proceed(ph Phase) {
	e.proceeds = append(e.proceeds, ph)
	switch ph {
	case PhaseRequest:
		e.route()
	case PhaseRouted:
		e.forward()
	case PhaseResponse:
		e.write()
	}
}

func (e *engine) AfterFunc(d time.Duration, fn func()) {
	e.timerFn, e.timerAt, e.timerSet = fn, e.now.Add(d), true
}

func (e *engine) StopTimer() {
	e.timerSet = false
	e.timerStop++
}

func (e *engine) Now() time.Time { return e.now }

func (e *engine) Route() (int, string, bool) { return 0, e.cluster, e.routed }

func (e *engine) RemoteAddr() string { return "192.0.2.7:5555" }

func (e *engine) Poster() func(func()) { return func(fn func()) { fn() } }

// advance moves the clock and fires the timer when it is due.
func (e *engine) advance(d time.Duration) {
	e.now = e.now.Add(d)
	if e.timerSet && !e.now.Before(e.timerAt) {
		e.timerSet = false
		e.timerFn()
	}
}

// counters records Metrics.
type counters struct {
	mu sync.Mutex
	m  map[string]*count
}

type count struct {
	mu sync.Mutex
	n  int
}

func (c *count) Inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func newCounters() *counters { return &counters{m: make(map[string]*count)} }

func (c *counters) Counter(listener, filter, event string) Counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := listener + "/" + filter + "/" + event
	if c.m[k] == nil {
		c.m[k] = &count{}
	}
	return c.m[k]
}

func (c *counters) get(filter, event string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.m["edge/"+filter+"/"+event]; n != nil {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.n
	}
	return 0
}

// js is a filter configuration as the config package keeps it (JSON),
// formatted like fmt.Sprintf when args are given.
func js(format string, args ...any) config.RawConfig {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	return config.RawConfig(format)
}
