package wasm

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// Go-built modules, compiled once per test binary into a temp dir (not
// the committed paths, so a stale `make wasm-example` output is never
// tested).
var (
	buildDir  string
	buildOnce sync.Map // package dir -> *builtModule
)

type builtModule struct {
	once sync.Once
	path string
	err  error
}

// goModule builds the Go package at dir (relative to this package) as a
// WASI reactor and returns the .wasm path.
func goModule(tb testing.TB, dir string) string {
	tb.Helper()
	v, _ := buildOnce.LoadOrStore(dir, &builtModule{})
	m := v.(*builtModule)
	m.once.Do(func() {
		m.path = filepath.Join(buildDir, filepath.Base(dir)+".wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", m.path, dir)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			m.err = err
			tb.Logf("%s", out)
		}
	})
	require.NoError(tb, m.err, "build %s", dir)
	return m.path
}

const (
	apikeyDir = "../../../examples/wasm/apikey"
	abiDir    = "./testdata/abi"
)

// writeModule writes code to a temp file and returns its path.
func writeModule(tb testing.TB, code []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "m.wasm")
	require.NoError(tb, os.WriteFile(p, code, 0o600))
	return p
}

// settings makes a filter configuration (JSON) from a map.
func settings(tb testing.TB, m map[string]any) config.RawConfig {
	tb.Helper()
	b, err := json.Marshal(m)
	require.NoError(tb, err)
	return config.RawConfig(b)
}

// newChain builds a listener chain with one wasm filter.
func newChain(tb testing.TB, m map[string]any, env filter.Env) (*filter.Chain, error) {
	tb.Helper()
	if env.Listener == "" {
		env.Listener = "edge"
	}
	c, err := filter.NewChain([]config.Filter{{Name: Name, Config: settings(tb, m)}}, env)
	if c != nil {
		tb.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func mustChain(tb testing.TB, m map[string]any, env filter.Env) *filter.Chain {
	tb.Helper()
	c, err := newChain(tb, m, env)
	require.NoError(tb, err)
	return c
}

// Hand-assembled modules for the limits tests (no toolchain needed).

// fn is a function of type () -> i32 exported as name; body is its code
// (locals excluded) ending with 0x0b.
type fn struct {
	name string
	body []byte
}

// assemble makes a module with one memory of minPages (exported as
// "memory"; none when minPages < 0) and funcs.
func assemble(minPages int, funcs ...fn) []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	section := func(id byte, body []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	section(1, []byte{1, 0x60, 0, 1, 0x7f}) // one type: () -> i32
	fsec := appendU32(nil, uint32(len(funcs)))
	for range funcs {
		fsec = append(fsec, 0)
	}
	section(3, fsec)
	if minPages >= 0 {
		section(5, appendU32([]byte{1, 0}, uint32(minPages)))
	}
	exps := 0
	var esec []byte
	for i, f := range funcs {
		esec = appendName(esec, f.name)
		esec = append(esec, 0)
		esec = appendU32(esec, uint32(i))
		exps++
	}
	if minPages >= 0 {
		esec = appendName(esec, "memory")
		esec = append(esec, 2, 0)
		exps++
	}
	section(7, append(appendU32(nil, uint32(exps)), esec...))
	csec := appendU32(nil, uint32(len(funcs)))
	for _, f := range funcs {
		code := append([]byte{0}, f.body...) // no locals
		csec = appendU32(csec, uint32(len(code)))
		csec = append(csec, code...)
	}
	section(10, csec)
	return out
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendName(b []byte, s string) []byte { return append(appendU32(b, uint32(len(s))), s...) }

var (
	// loopForever: loop { br 0 }; i32.const 0
	loopForever = []byte{0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00, 0x0b}
	// growOrTrap: memory.grow(100) == -1 ? unreachable : 0
	growOrTrap = []byte{0x41, 0xe4, 0x00, 0x40, 0x00, 0x41, 0x7f, 0x46, 0x04, 0x40, 0x00, 0x0b, 0x41, 0x00, 0x0b}
	// returnZero: i32.const 0
	returnZero = []byte{0x41, 0x00, 0x0b}
)

// Fakes: a protocol-agnostic frame and a miniature engine (filter.Host).

type fakeFrame struct {
	proto  string
	kind   xprotocol.Kind
	keys   map[xprotocol.Key][]byte
	hdr    fakeHeader
	body   []byte
	status xprotocol.Status
	end    bool
}

func request(proto string, keys map[xprotocol.Key]string, headers ...string) *fakeFrame {
	f := &fakeFrame{proto: proto, kind: xprotocol.KindRequest, keys: make(map[xprotocol.Key][]byte), end: true}
	for k, v := range keys {
		f.keys[k] = []byte(v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		f.hdr.Set(headers[i], headers[i+1])
	}
	return f
}

func response(st xprotocol.Status, body string, headers ...string) *fakeFrame {
	f := request("http1", nil, headers...)
	f.kind, f.status, f.body = xprotocol.KindResponse, st, []byte(body)
	return f
}

func (f *fakeFrame) Protocol() string           { return f.proto }
func (f *fakeFrame) Kind() xprotocol.Kind       { return f.kind }
func (f *fakeFrame) Heartbeat() bool            { return false }
func (f *fakeFrame) StreamID() uint64           { return 1 }
func (f *fakeFrame) SetStreamID(uint64)         {}
func (f *fakeFrame) Key(k xprotocol.Key) []byte { return f.keys[k] }
func (f *fakeFrame) Header() xprotocol.Header   { return &f.hdr }
func (f *fakeFrame) Body() []byte               { return f.body }
func (f *fakeFrame) Status() xprotocol.Status   { return f.status }
func (f *fakeFrame) Timeout() time.Duration     { return 0 }
func (f *fakeFrame) EndStream() bool            { return f.end }
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

func (h *fakeHeader) get(key string) string {
	v, ok := h.Get(key)
	if !ok {
		return "<absent>"
	}
	return string(v)
}

type reply struct {
	status xprotocol.Status
	msg    string
	phase  filter.Phase
}

// engine is a fake filter.Host running the synchronous lifecycle:
// request phase, route, routed phase, forward, response phase, write.
type engine struct {
	chain     *filter.Chain
	h         filter.Handle
	routed    bool
	forwarded bool
	written   bool
	replies   []reply
}

func newEngine(c *filter.Chain) *engine { return &engine{chain: c} }

// roundTrip runs req (and resp, when it is forwarded) through the chain.
func (e *engine) roundTrip(req, resp *fakeFrame) filter.Result {
	e.routed, e.forwarded, e.written, e.replies = false, false, false, e.replies[:0]
	e.h.Begin(e.chain, e, req)
	r := e.h.Run(filter.PhaseRequest)
	if r != filter.Continue {
		return r
	}
	e.routed = true
	if r = e.h.Run(filter.PhaseRouted); r != filter.Continue {
		return r
	}
	e.forwarded = true
	if resp == nil {
		e.h.End()
		return r
	}
	if r = e.h.RunResponse(resp); r == filter.Continue {
		e.written = true
		e.h.End()
	}
	return r
}

func (e *engine) Reply(st xprotocol.Status, msg string) {
	e.replies = append(e.replies, reply{st, msg, e.h.Phase()})
	e.h.End()
}

func (e *engine) Proceed(filter.Phase)            { panic("wasm filters never pause") }
func (e *engine) AfterFunc(time.Duration, func()) { panic("wasm filters arm no timer") }
func (e *engine) StopTimer()                      {}
func (e *engine) Now() time.Time                  { return time.Unix(1767225600, 0) }
func (e *engine) Route() (int, string, bool)      { return 0, "backend", e.routed }
func (e *engine) RemoteAddr() string              { return "192.0.2.7:5555" }
func (e *engine) Poster() func(func())            { return func(fn func()) { fn() } }

// counters records filter.Metrics.
type counters struct {
	mu sync.Mutex
	m  map[string]int
}

type counter struct {
	c   *counters
	key string
}

func (c counter) Inc() {
	c.c.mu.Lock()
	c.c.m[c.key]++
	c.c.mu.Unlock()
}

func newCounters() *counters { return &counters{m: make(map[string]int)} }

func (c *counters) Counter(_, _, event string) filter.Counter { return counter{c, event} }

func (c *counters) get(event string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[event]
}
