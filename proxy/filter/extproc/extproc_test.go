package extproc

import (
	"bytes"
	"encoding/json"

	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// goPlugin is examples/plugins/go-authz, built by TestMain.
var goPlugin string

// TestMain builds the Go example plugin, runs the tests, and fails the
// package if a goroutine outlives them (a supervisor, a worker, a
// go-plugin reader).
func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "extproc-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		goPlugin = filepath.Join(dir, "go-authz")
		build := exec.Command("go", "build", "-o", goPlugin, "../../../examples/plugins/go-authz")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the Go plugin: %v\n%s", err, out)
			return 1
		}
		code := m.Run()
		if code == 0 {
			if err := goleak.Find(); err != nil {
				fmt.Fprintln(os.Stderr, "goleak:", err)
				return 1
			}
		}
		return code
	}()
	os.Exit(code)
}

// pythonPlugin returns the command of examples/plugins/python-authz, or
// skips when grpcio cannot be imported.
func pythonPlugin(t testing.TB) []string {
	t.Helper()
	py := "/usr/bin/python3" // Debian's python3-grpcio lives there, not in a pyenv
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python plugin: no python3")
		}
	}
	if out, err := exec.Command(py, "-c", "import grpc, google.protobuf").CombinedOutput(); err != nil {
		t.Skipf("python plugin: %s cannot import grpc/protobuf (apt-get install python3-grpcio python3-protobuf): %v\n%s", py, err, out)
	}
	script, err := filepath.Abs("../../../examples/plugins/python-authz/plugin.py")
	require.NoError(t, err)
	return []string{py, script}
}

// plugins are the two example plugins: same policy, own x-plugin value.
var plugins = []struct {
	name string
	cmd  func(t testing.TB) []string
}{
	{"go", func(testing.TB) []string { return []string{goPlugin} }},
	{"python", pythonPlugin},
}

// metrics counts filter events.
type metrics struct {
	mu sync.Mutex
	m  map[string]*counter
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) Inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (m *metrics) Counter(_, _, event string) filter.Counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]*counter)
	}
	if m.m[event] == nil {
		m.m[event] = &counter{}
	}
	return m.m[event]
}

func (m *metrics) get(event string) int {
	c := m.Counter("", "", event).(*counter)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// fixture is one listener's chain with the external filter, the filter
// itself, its counters and a loop.
type fixture struct {
	chain *filter.Chain
	x     *external
	m     *metrics
	l     *loop
}

// newFixture builds the chain for cmd with settings (a JSON object's
// members, added to command and a 300ms timeout).
func newFixture(t testing.TB, cmd []string, extra string) *fixture {
	t.Helper()
	c, x, m, err := buildChain(cmd, extra)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &fixture{chain: c, x: x, m: m, l: newLoop(t)}
}

func buildChain(cmd []string, extra string) (*filter.Chain, *external, *metrics, error) {
	var x *external
	reg := filter.NewRegistry()
	reg.MustRegister(filter.Define(Name, parse, func(c settings, env filter.Env) (filter.Factory, error) {
		f, err := build(c, env)
		if f != nil {
			x = f.(*external)
		}
		return f, err
	}))
	js, _ := json.Marshal(cmd)
	raw := fmt.Sprintf(`{"command": %s, "timeout": "300ms"`, js)
	if extra != "" {
		raw += ", " + extra
	}
	raw += "}"
	m := &metrics{}
	env := filter.Env{Listener: "edge", Metrics: m}
	if os.Getenv("EXTPROC_TEST_LOG") != "" {
		env.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c, err := reg.NewChain([]config.Filter{{Name: Name, Config: config.RawConfig(raw)}}, env)
	return c, x, m, err
}

func (f *fixture) do(t testing.TB, req *fakeFrame) outcome {
	t.Helper()
	return send(f.l, f.chain, req).wait(t)
}

func allowReq() *fakeFrame {
	return newFrame(map[xprotocol.Key]string{xprotocol.KeyService: "svc", xprotocol.KeyMethod: "GET", xprotocol.KeyPath: "/a"},
		"x-allow", "yes", "x-other", "kept")
}

func testReq(what string) *fakeFrame { return newFrame(nil, "x-allow", "yes", "x-plugin-test", what) }

// pid asks the plugin for its process id.
func (f *fixture) pid(t testing.TB) int {
	t.Helper()
	o := f.do(t, testReq("pid"))
	require.Equal(t, xprotocol.StatusBadRequest, o.status, "pid request: %+v", o)
	pid, err := strconv.Atoi(strings.TrimPrefix(o.msg, "pid "))
	require.NoError(t, err, o.msg)
	return pid
}

// waitUp waits until the supervisor has a healthy plugin.
func (f *fixture) waitUp(t testing.TB) {
	t.Helper()
	require.Eventually(t, func() bool { return f.x.sup.current() != nil }, 10*time.Second, 5*time.Millisecond)
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// procState returns the state letter of process pid (R, S, T, Z...) from
// /proc, or 0.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// TestAllowDenyHeaders: both example plugins let x-allow: yes through with
// x-plugin set and x-allow removed, and deny the rest in the protocol's
// terms; every Host call happens on the loop.
func TestAllowDenyHeaders(t *testing.T) {
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t, p.cmd(t), "")
			req := allowReq()
			o := f.do(t, req)
			assert.True(t, o.proceeded, "%+v", o)
			v, ok := req.hdr.Get("x-plugin")
			assert.True(t, ok)
			assert.Equal(t, p.name, string(v))
			_, ok = req.hdr.Get("x-allow")
			assert.False(t, ok, "x-allow removed")
			v, _ = req.hdr.Get("x-other")
			assert.Equal(t, "kept", string(v))

			for _, deny := range []*fakeFrame{newFrame(nil), newFrame(nil, "x-allow", "no")} {
				o = f.do(t, deny)
				assert.False(t, o.proceeded)
				assert.Equal(t, xprotocol.StatusBadRequest, o.status)
				assert.Equal(t, "denied by plugin", o.msg)
				_, ok = deny.hdr.Get("x-plugin")
				assert.False(t, ok)
			}
			assert.Zero(t, f.l.off.Load(), "Host calls off the event loop")
			assert.Equal(t, 3, f.m.get("calls"))
			assert.Equal(t, 1, f.m.get("continued"))
			assert.Equal(t, 2, f.m.get("replied"))
		})
	}
}

// TestConcurrentRequests: many requests at once from several loops, each
// answered by the plugin, none lost.
func TestConcurrentRequests(t *testing.T) {
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t, p.cmd(t), `"max_concurrency": 8, "timeout": "5s"`)
			loops := []*loop{f.l, newLoop(t), newLoop(t)}
			var reqs []*request
			for i := range 300 {
				req := allowReq()
				if i%3 == 0 {
					req = newFrame(nil)
				}
				reqs = append(reqs, send(loops[i%3], f.chain, req))
			}
			proceeded, denied := 0, 0
			for _, r := range reqs {
				if o := r.wait(t); o.proceeded {
					proceeded++
				} else if assert.Equal(t, "denied by plugin", o.msg) {
					denied++
				}
			}
			assert.Equal(t, 200, proceeded)
			assert.Equal(t, 100, denied)
			for _, l := range loops {
				assert.Zero(t, l.off.Load())
			}
		})
	}
}

// TestCrashRestart: a plugin that dies mid-request fails that request
// (unavailable, within the timeout), is started again (a new process),
// and serves the requests after that.
func TestCrashRestart(t *testing.T) {
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t, p.cmd(t), `"restart_backoff_base": "20ms", "restart_backoff_max": "1s"`)
			pid1 := f.pid(t)

			o := f.do(t, testReq("crash"))
			assert.False(t, o.proceeded)
			assert.Contains(t, []xprotocol.Status{xprotocol.StatusUnavailable, xprotocol.StatusTimeout}, o.status, "%+v", o)
			assert.Less(t, o.elapsed, 300*time.Millisecond+100*time.Millisecond, "answered within the timeout")

			require.Eventually(t, func() bool { return f.m.get("starts") == 2 }, 10*time.Second, 5*time.Millisecond)
			f.waitUp(t)
			pid2 := f.pid(t)
			assert.NotEqual(t, pid1, pid2, "a new process")
			assert.False(t, alive(pid1), "the old one is gone")
			assert.Equal(t, 1, f.m.get("restarts"))
			assert.Equal(t, 1, f.m.get("exits"))

			o = f.do(t, allowReq())
			assert.True(t, o.proceeded, "%+v", o)
			assert.Zero(t, f.l.off.Load())
		})
	}
}

// TestDownFailsFast: while the plugin is down (restarting), requests are
// answered unavailable at once (fail_closed) or go on (fail_open).
func TestDownFailsFast(t *testing.T) {
	for _, mode := range []string{"fail_closed", "fail_open"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t, []string{goPlugin}, fmt.Sprintf(`"failure": %q, "restart_backoff_base": "1s", "restart_backoff_max": "1s"`, mode))
			f.do(t, testReq("crash"))
			require.Eventually(t, func() bool { return f.x.sup.current() == nil }, 5*time.Second, time.Millisecond)
			o := f.do(t, allowReq())
			if mode == "fail_open" {
				assert.True(t, o.proceeded)
				assert.Equal(t, 2, f.m.get("failed_open"))
			} else {
				assert.Equal(t, xprotocol.StatusUnavailable, o.status)
				assert.Equal(t, msgUnavailable, o.msg)
			}
			assert.Less(t, o.elapsed, 50*time.Millisecond)
		})
	}
}

// TestBackoff: consecutive crashes are restarted after doubling delays.
func TestBackoff(t *testing.T) {
	f := newFixture(t, []string{goPlugin}, `"restart_backoff_base": "50ms", "restart_backoff_max": "200ms"`)
	var gaps []time.Duration
	for i := range 4 {
		f.do(t, testReq("crash"))
		crashed := time.Now()
		require.Eventually(t, func() bool { return f.m.get("starts") == i+2 }, 10*time.Second, time.Millisecond)
		gaps = append(gaps, time.Since(crashed))
		f.waitUp(t)
	}
	t.Logf("crash to healthy: %v", gaps)
	for i, want := range []time.Duration{50, 100, 200, 200} {
		assert.GreaterOrEqual(t, gaps[i], want*time.Millisecond, "restart %d", i+1)
	}
	assert.Equal(t, 5, f.m.get("starts"))
}

// TestHang: a plugin that does not answer gets its requests answered
// timeout within the timeout; the event loop is never held; the calls'
// goroutines end with the Chain.
func TestHang(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t, p.cmd(t), `"timeout": "150ms"`)
			// 10 hung calls: fewer than the Python plugin's 16 threads, so
			// that the allowed request after them is served in time.
			var reqs []*request
			for range 10 {
				reqs = append(reqs, send(f.l, f.chain, testReq("hang")))
			}
			allow := send(f.l, f.chain, allowReq()) // after the hung ones: not held by them
			for _, r := range reqs {
				o := r.wait(t)
				assert.Equal(t, xprotocol.StatusTimeout, o.status)
				assert.Equal(t, msgTimeout, o.msg)
				assert.GreaterOrEqual(t, o.elapsed, 150*time.Millisecond)
				assert.Less(t, o.elapsed, 150*time.Millisecond+150*time.Millisecond)
				assert.Less(t, o.run, 20*time.Millisecond, "Run held the loop")
			}
			assert.True(t, allow.wait(t).proceeded)
			assert.Equal(t, 10, f.m.get("timeouts"))
			assert.Zero(t, f.l.off.Load())
			// The loop stays responsive while calls hang.
			start := time.Now()
			hung := send(f.l, f.chain, testReq("hang"))
			ping := make(chan time.Duration, 1)
			f.l.execute(func() { ping <- time.Since(start) })
			assert.Less(t, <-ping, 50*time.Millisecond)
			hung.wait(t)
			require.NoError(t, f.chain.Close())
		})
	}
}

// TestHungProcess: a plugin process that stops answering altogether
// (SIGSTOP: health checks time out too) is killed and restarted.
func TestHungProcess(t *testing.T) {
	if procState(os.Getpid()) == 0 {
		t.Skip("needs /proc to see the plugin stopped")
	}
	f := newFixture(t, []string{goPlugin}, `"timeout": "100ms", "health_interval": "30ms", "health_timeout": "30ms", "health_failures": 2, "restart_backoff_base": "10ms"`)
	pid1 := f.pid(t)
	require.NoError(t, syscall.Kill(pid1, syscall.SIGSTOP))
	require.Eventually(t, func() bool { return procState(pid1) == 'T' }, 5*time.Second, time.Millisecond, "stopped")
	o := f.do(t, allowReq())
	assert.Contains(t, []xprotocol.Status{xprotocol.StatusTimeout, xprotocol.StatusUnavailable}, o.status)
	require.Eventually(t, func() bool { return f.m.get("unhealthy") == 1 && f.m.get("starts") == 2 }, 10*time.Second, 5*time.Millisecond)
	f.waitUp(t)
	assert.NotEqual(t, pid1, f.pid(t))
	assert.Eventually(t, func() bool { return !alive(pid1) }, 5*time.Second, 5*time.Millisecond)
	assert.True(t, f.do(t, allowReq()).proceeded)
}

// TestQueueFull: with every worker busy and the queue full, a request is
// answered overload at once (fail_closed).
func TestQueueFull(t *testing.T) {
	f := newFixture(t, []string{goPlugin}, `"max_concurrency": 1, "max_queue": 1, "timeout": "300ms"`)
	busy := send(f.l, f.chain, testReq("hang"))
	require.Eventually(t, func() bool { return len(f.x.jobs) == 0 }, time.Second, time.Millisecond) // the worker took it
	queued := send(f.l, f.chain, testReq("hang"))
	o := f.do(t, allowReq())
	assert.Equal(t, xprotocol.StatusOverload, o.status)
	assert.Equal(t, msgOverload, o.msg)
	assert.Less(t, o.elapsed, 50*time.Millisecond)
	assert.Equal(t, 1, f.m.get("overflow"))
	assert.Equal(t, xprotocol.StatusTimeout, busy.wait(t).status)
	assert.Equal(t, xprotocol.StatusTimeout, queued.wait(t).status)
}

// TestFailOpen: hangs and crashes let requests through with fail_open.
func TestFailOpen(t *testing.T) {
	f := newFixture(t, []string{goPlugin}, `"failure": "fail_open", "timeout": "100ms"`)
	assert.True(t, f.do(t, testReq("hang")).proceeded)
	assert.True(t, f.do(t, testReq("crash")).proceeded)
	assert.Equal(t, 2, f.m.get("failed_open"))
	o := f.do(t, newFrame(nil))
	if !o.proceeded { // restarted already: the plugin's own verdict stands
		assert.Equal(t, "denied by plugin", o.msg)
	}
}

// TestShutdown: Chain.Close stops the plugin process (gracefully: well
// before go-plugin's two-second kill) and its workers.
func TestShutdown(t *testing.T) {
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			c, x, _, err := buildChain(p.cmd(t), "")
			require.NoError(t, err)
			l := newLoop(t)
			o := send(l, c, testReq("pid")).wait(t)
			pid, err := strconv.Atoi(strings.TrimPrefix(o.msg, "pid "))
			require.NoError(t, err)
			require.True(t, alive(pid))
			start := time.Now()
			require.NoError(t, c.Close())
			took := time.Since(start)
			assert.Less(t, took, 2*time.Second, "graceful stop")
			assert.False(t, alive(pid), "plugin process stopped")
			assert.Nil(t, x.sup.current())
			require.NoError(t, c.Close()) // idempotent
		})
	}
}

// TestBuildErrors: a missing program or a program that does not complete
// the handshake fails the chain's build, leaving nothing running.
func TestBuildErrors(t *testing.T) {
	_, _, _, err := buildChain([]string{"/nonexistent/plugin"}, "")
	assert.ErrorContains(t, err, "plugin command")

	_, _, _, err = buildChain([]string{"/bin/sh", "-c", "echo not a handshake"}, "")
	assert.Error(t, err)

	_, _, _, err = buildChain([]string{"/bin/sh", "-c", "sleep 10"}, `"start_timeout": "100ms"`)
	assert.ErrorContains(t, err, "timeout")
}

// TestSettings: problems are reported with their keys.
func TestSettings(t *testing.T) {
	check := func(raw string) string {
		var msgs []string
		for _, p := range filter.Default.CheckFilter(Name, config.RawConfig(raw)) {
			msgs = append(msgs, p.Key+": "+p.Msg)
		}
		return strings.Join(msgs, "; ")
	}
	assert.Empty(t, check(`{"command": ["x"], "timeout": "50ms", "failure": "fail_open", "restart_backoff_base": "100ms", "restart_backoff_max": "5s"}`))
	assert.Contains(t, check(`{}`), "command: is required")
	assert.Contains(t, check(`{"command": []}`), "command: is required")
	assert.Contains(t, check(`{"command": ["x"], "failure": "maybe"}`), "failure: must be fail_closed or fail_open")
	assert.Contains(t, check(`{"command": ["x"], "restart_backoff_base": "2s", "restart_backoff_max": "1s"}`), "restart_backoff_max: must be at least")
	assert.Contains(t, check(`{"command": ["x"], "timeout": "0s"}`), "timeout")
	assert.Contains(t, check(`{"command": ["x"], "restart_backoff": {"base": "1s"}}`), "restart_backoff")
}

// TestSnapshot: the plugin gets the keys, the headers in order, the
// client and the listener, as valid UTF-8.
func TestSnapshot(t *testing.T) {
	x := &external{listener: "edge"}
	l := newLoop(t)
	f := newFrame(map[xprotocol.Key]string{xprotocol.KeyService: "pkg.Svc", xprotocol.KeyMethod: "Get",
		xprotocol.KeyPath: "/pkg.Svc/Get", xprotocol.KeyHost: "api"}, "a", "1", "b", "\xff\x00")
	f.keys[xprotocol.KeyMethod] = []byte("G\xffet")
	r := &request{l: l}
	r.h.Begin(nil, r, f)
	s := x.snapshot(&r.h, f)
	assert.Equal(t, "http1", s.Protocol)
	assert.Equal(t, "pkg.Svc", s.Service)
	assert.Equal(t, "G\uFFFDet", s.Method)
	assert.Equal(t, "/pkg.Svc/Get", s.Path)
	assert.Equal(t, "api", s.Host)
	assert.Equal(t, "192.0.2.7:5555", s.RemoteAddr)
	assert.Equal(t, "edge", s.Listener)
	require.Len(t, s.Headers, 2)
	assert.Equal(t, "a", s.Headers[0].Key)
	assert.Equal(t, []byte("\xff\x00"), s.Headers[1].Value)
	f.hdr.vals[0][0] = 'X' // a copy, not an alias of the frame
	assert.Equal(t, []byte("1"), s.Headers[0].Value)
}

// TestOrphanExits: a plugin whose gateway died without stopping it (here:
// a shell that started it and exited) exits by itself.
func TestOrphanExits(t *testing.T) {
	if procState(os.Getpid()) == 0 {
		t.Skip("needs /proc")
	}
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			var quoted []string
			for _, a := range p.cmd(t) {
				quoted = append(quoted, strconv.Quote(a))
			}
			sh := exec.Command("/bin/sh", "-c", strings.Join(quoted, " ")+" >/dev/null 2>&1 & echo $!; sleep 1; kill -0 $! && echo alive")
			sh.Env = append(os.Environ(), "XGATE_PLUGIN=filter")
			out, err := sh.Output()
			require.NoError(t, err)
			pidText, alive, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			require.Equal(t, "alive", alive, "the plugin ran while its parent did")
			pid, err := strconv.Atoi(pidText)
			require.NoError(t, err)
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			assert.Eventually(t, func() bool { st := procState(pid); return st == 0 || st == 'Z' },
				10*time.Second, 10*time.Millisecond, "orphaned plugin %d still running", pid)
		})
	}
}
