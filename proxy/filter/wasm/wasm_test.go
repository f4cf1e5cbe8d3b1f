package wasm

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

func apikeyChain(tb testing.TB, extra map[string]any) *filter.Chain {
	m := map[string]any{"path": goModule(tb, apikeyDir), "config": "k1, k2", "pool_size": 2, "timeout": "1s"}
	for k, v := range extra {
		m[k] = v
	}
	return mustChain(tb, m, filter.Env{})
}

func TestAPIKeyExample(t *testing.T) {
	e := newEngine(apikeyChain(t, nil))
	tests := []struct {
		name    string
		proto   string
		headers []string
		msg     string // "" when accepted
	}{
		{"HTTP/1.1 accepted", "http1", []string{"x-api-key", "k1"}, ""},
		{"Bolt accepted", "bolt", []string{"x-api-key", "k2", "other", "v"}, ""},
		{"gRPC missing", "grpc", []string{"authorization", "k1"}, "missing x-api-key"},
		{"Dubbo wrong key", "dubbo", []string{"x-api-key", "k3"}, "invalid x-api-key"},
		{"empty key", "http2", []string{"x-api-key", ""}, "invalid x-api-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(tt.proto, map[xprotocol.Key]string{xprotocol.KeyMethod: "echo"}, tt.headers...)
			resp := response(xprotocol.StatusOK, "", "x-upstream", "1")
			r := e.roundTrip(req, resp)
			if tt.msg != "" {
				assert.Equal(t, filter.Stop, r)
				require.Len(t, e.replies, 1)
				assert.Equal(t, reply{xprotocol.StatusBadRequest, tt.msg, filter.PhaseRequest}, e.replies[0])
				assert.False(t, e.forwarded)
				return
			}
			assert.Equal(t, filter.Continue, r)
			assert.Empty(t, e.replies)
			assert.True(t, e.written)
			assert.Equal(t, "<absent>", req.hdr.get("x-api-key"), "the key is not forwarded")
			assert.Equal(t, "apikey", req.hdr.get("x-wasm-filter"))
			assert.Equal(t, "echo", req.hdr.get("x-wasm-method"))
			assert.Equal(t, "apikey", resp.hdr.get("x-wasm-filter"))
			assert.Equal(t, "1", resp.hdr.get("x-upstream"))
		})
	}
}

func abiChain(tb testing.TB, env filter.Env, extra map[string]any) *filter.Chain {
	m := map[string]any{"path": goModule(tb, abiDir), "config": "cfg-1", "pool_size": 1, "timeout": "2s"}
	for k, v := range extra {
		m[k] = v
	}
	return mustChain(tb, m, env)
}

func TestABI(t *testing.T) {
	var logs bytes.Buffer
	m := newCounters()
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	e := newEngine(abiChain(t, filter.Env{Metrics: m, Log: log}, nil))

	req := request("bolt", map[xprotocol.Key]string{xprotocol.KeyService: "com.example.Echo", xprotocol.KeyMethod: "echo"},
		"x-drop", "1", "k", "vv")
	req.body = []byte("payload")
	resp := response(xprotocol.StatusUnavailable, "resp-body", "x-upstream", "up")
	require.Equal(t, filter.Continue, e.roundTrip(req, resp))
	assert.Empty(t, e.replies)

	want := map[string]string{
		"x-got-body":           "payload",
		"x-got-headers":        "3/27", // x-drop=1, k=vv, x-got-body=payload
		"x-got-protocol":       "bolt",
		"x-got-service":        "com.example.Echo",
		"x-got-method":         "echo",
		"x-got-path":           "-",
		"x-got-host":           "-",
		"x-got-cluster":        "-", // before routing
		"x-got-remote_address": "192.0.2.7:5555",
		"x-got-phase":          "request",
		"x-got-end_stream":     "true",
		"x-got-status":         "-",
		"x-got-config":         "cfg-1",
		"x-got-init":           "cfg-1/false",
		"x-rc-response":        "-2", // no response yet
		"x-rc-map":             "-3",
		"x-rc-crlf":            "-3",
		"x-rc-empty":           "-3",
		"x-drop":               "<absent>",
		"k":                    "vv",
	}
	for k, v := range want {
		assert.Equal(t, v, req.hdr.get(k), k)
	}
	assert.Equal(t, "unavailable", resp.hdr.get("x-resp-status"))
	assert.Equal(t, "resp-body", resp.hdr.get("x-resp-body"))
	assert.Equal(t, "up", resp.hdr.get("x-resp-upstream"))
	assert.Equal(t, "-2", resp.hdr.get("x-rc-request"), "the request was forwarded already")
	assert.Contains(t, logs.String(), "abi on_request")

	// A reply with the config; one with an unknown status is refused.
	r := e.roundTrip(request("http1", nil, "x-action", "overload"), nil)
	assert.Equal(t, filter.Stop, r)
	assert.Equal(t, reply{xprotocol.StatusOverload, "busy: cfg-1", filter.PhaseRequest}, e.lastReplyOrZero())
	req = request("http1", nil, "x-action", "bad-status")
	assert.Equal(t, filter.Continue, e.roundTrip(req, nil))
	assert.Equal(t, "false", req.hdr.get("x-rc-reply"))

	// Stop without a reply: the chain answers server_error for the filter.
	assert.Equal(t, filter.Stop, e.roundTrip(request("http1", nil, "x-action", "stop"), nil))
	assert.Equal(t, reply{xprotocol.StatusServerError, "request stopped by filter wasm", filter.PhaseRequest}, e.lastReplyOrZero())

	// A reply in on_response replaces the response.
	r = e.roundTrip(request("http1", nil), response(xprotocol.StatusOK, "", "x-upstream", "deny"))
	assert.Equal(t, filter.Stop, r)
	assert.Equal(t, reply{xprotocol.StatusUnavailable, "response refused", filter.PhaseResponse}, e.lastReplyOrZero())
	assert.Equal(t, 3, m.get("stopped"))
	assert.Equal(t, 0, m.get("failed"))

	// A result other than 0 or 1, and a Go panic (the module exits): the
	// call fails closed, the instance is replaced, the next call works.
	for _, action := range []string{"exit", "panic"} {
		assert.Equal(t, filter.Stop, e.roundTrip(request("http1", nil, "x-action", action), nil), action)
		assert.Equal(t, reply{xprotocol.StatusServerError, "wasm filter failed", filter.PhaseRequest}, e.lastReplyOrZero(), action)
		req = request("http1", nil)
		assert.Equal(t, filter.Continue, e.roundTrip(req, nil), action)
		assert.Equal(t, "cfg-1", req.hdr.get("x-got-config"))
	}
	assert.Equal(t, 2, m.get("failed"))
	assert.Contains(t, logs.String(), "filter bug", "the Go panic reaches the log through stderr")
}

// multi sends events to two Metrics.
type multi [2]*counters

func (m multi) Counter(l, f, e string) filter.Counter {
	return both{m[0].Counter(l, f, e), m[1].Counter(l, f, e)}
}

type both [2]filter.Counter

func (b both) Inc() { b[0].Inc(); b[1].Inc() }

func (e *engine) lastReplyOrZero() reply {
	if len(e.replies) == 0 {
		return reply{}
	}
	return e.replies[len(e.replies)-1]
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// A module that never returns is stopped at the time limit; the request
// gets the failure reply; the event loop (here, the test) is back soon
// after the limit.
func TestTimeLimit(t *testing.T) {
	m := newCounters()
	check := func(t *testing.T, e *engine, req *fakeFrame, limit time.Duration) {
		start := time.Now()
		assert.Equal(t, filter.Stop, e.roundTrip(req, nil))
		took := time.Since(start)
		assert.GreaterOrEqual(t, took, limit)
		assert.Less(t, took, limit+time.Second, "held the loop long past the limit")
		assert.Equal(t, reply{xprotocol.StatusTimeout, "wasm filter failed", filter.PhaseRequest}, e.lastReplyOrZero())
	}
	t.Run("hand-written loop", func(t *testing.T) {
		path := writeModule(t, assemble(1, fn{"on_request", loopForever}))
		limit := 20 * time.Millisecond
		e := newEngine(mustChain(t, map[string]any{"path": path, "timeout": limit.String(), "pool_size": 2,
			"failure_status": "timeout"}, filter.Env{Metrics: m}))
		for range 3 {
			check(t, e, request("http1", nil), limit)
		}
	})
	t.Run("Go busy loop, then a normal call", func(t *testing.T) {
		made := newCounters()
		// Roomier: the normal call must pass on a loaded machine too.
		limit := 250 * time.Millisecond
		e := newEngine(abiChain(t, filter.Env{Metrics: multi{m, made}}, map[string]any{"timeout": limit.String(), "failure_status": "timeout"}))
		check(t, e, request("http1", nil, "x-action", "loop"), limit)
		// The instance was discarded and is replaced off the loop (a
		// call that found none idle would make one within its own limit,
		// which a Go module under the race detector does not meet).
		require.Eventually(t, func() bool { return made.get("instances") == 2 }, 10*time.Second, time.Millisecond)
		req := request("http1", nil)
		assert.Equal(t, filter.Continue, e.roundTrip(req, nil))
		assert.Equal(t, "cfg-1", req.hdr.get("x-got-config"))
	})
	assert.Equal(t, 4, m.get("timeouts"))
	assert.Equal(t, 4, m.get("failed"))
}

func TestFailOpen(t *testing.T) {
	path := writeModule(t, assemble(1, fn{"on_request", loopForever}))
	e := newEngine(mustChain(t, map[string]any{"path": path, "timeout": "1ms", "fail_open": true}, filter.Env{}))
	assert.Equal(t, filter.Continue, e.roundTrip(request("http1", nil), nil))
	assert.True(t, e.forwarded)
}

func TestMemoryLimit(t *testing.T) {
	t.Run("memory.grow past the limit traps", func(t *testing.T) {
		m := newCounters()
		path := writeModule(t, assemble(1, fn{"on_request", growOrTrap}))
		e := newEngine(mustChain(t, map[string]any{"path": path, "memory_limit_pages": 16, "timeout": "5s"}, filter.Env{Metrics: m}))
		assert.Equal(t, filter.Stop, e.roundTrip(request("http1", nil), nil))
		assert.Equal(t, reply{xprotocol.StatusServerError, "wasm filter failed", filter.PhaseRequest}, e.lastReplyOrZero())
		assert.Equal(t, 1, m.get("failed"))
		assert.Equal(t, 0, m.get("timeouts"))

		// Within the limit, the same module grows and returns.
		e = newEngine(mustChain(t, map[string]any{"path": path, "memory_limit_pages": 101, "timeout": "5s"}, filter.Env{}))
		assert.Equal(t, filter.Continue, e.roundTrip(request("http1", nil), nil))
	})
	t.Run("a minimum above the limit is refused when built", func(t *testing.T) {
		path := writeModule(t, assemble(32, fn{"on_request", returnZero}))
		_, err := newChain(t, map[string]any{"path": path, "memory_limit_pages": 16}, filter.Env{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "invalid module")
	})
	t.Run("a Go module out of memory exits; the next call has a new instance", func(t *testing.T) {
		m := newCounters()
		e := newEngine(abiChain(t, filter.Env{Metrics: m}, map[string]any{"memory_limit_pages": 256, "config": "64"}))
		assert.Equal(t, filter.Stop, e.roundTrip(request("http1", nil, "x-action", "alloc"), nil))
		assert.Equal(t, reply{xprotocol.StatusServerError, "wasm filter failed", filter.PhaseRequest}, e.lastReplyOrZero())
		assert.Equal(t, 1, m.get("failed"))
		req := request("http1", nil)
		assert.Equal(t, filter.Continue, e.roundTrip(req, nil))
		assert.Equal(t, "64", req.hdr.get("x-got-config"))

		// 4 MiB fits in 256 pages.
		e = newEngine(abiChain(t, filter.Env{}, map[string]any{"memory_limit_pages": 256, "config": "4"}))
		req = request("http1", nil, "x-action", "alloc")
		assert.Equal(t, filter.Continue, e.roundTrip(req, nil))
		assert.Equal(t, "4194304", req.hdr.get("x-got-alloc"))
	})
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := dir + "/" + name
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	notWasm := write("text.wasm", []byte("hello, world"))
	malformed := write("bad.wasm", append(append([]byte{}, wasmMagic...), 0x01, 0xff, 0xff, 0xff, 0x0f, 0x00))
	noExports := write("none.wasm", assemble(1, fn{"other", returnZero}))
	badType := write("type.wasm", assemble(1, fn{"on_request", []byte{0x41, 0x00, 0x1a, 0x41, 0x00, 0x0b}})[:0])

	// Problems `xgate validate` reports (parse).
	for _, tt := range []struct {
		settings map[string]any
		want     string
	}{
		{map[string]any{}, "path: is required"},
		{map[string]any{"path": dir + "/missing.wasm"}, "path: cannot read the module"},
		{map[string]any{"path": notWasm}, "is not a WebAssembly binary module"},
		{map[string]any{"path": malformed, "timeout": "1h"}, "timeout: must be between"},
		{map[string]any{"path": malformed, "memory_limit_pages": 0}, "memory_limit_pages: must be between 1 and 65536"},
		{map[string]any{"path": malformed, "failure_status": "teapot"}, "failure_status: unknown status"},
		{map[string]any{"path": malformed, "pathh": "x"}, `unknown setting "pathh"`},
	} {
		problems := filter.Default.CheckFilter(Name, settings(t, tt.settings))
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.Key+": "+p.Msg)
		}
		assert.Contains(t, strings.Join(msgs, "\n"), tt.want, "%v", tt.settings)
	}
	assert.Empty(t, filter.Default.CheckFilter(Name, settings(t, map[string]any{"path": malformed})),
		"the header is right: compiling waits for the build")

	// Problems found when the listener's chain is built.
	_ = badType
	for _, tt := range []struct {
		path, want string
	}{
		{malformed, "invalid module"},
		{noExports, "exports none of on_request, on_routed, on_response"},
	} {
		_, err := newChain(t, map[string]any{"path": tt.path}, filter.Env{})
		require.Error(t, err, tt.path)
		assert.Contains(t, err.Error(), tt.want)
	}
}

// TestConcurrent is many event loops sharing one listener's filter.
func TestConcurrent(t *testing.T) {
	c := apikeyChain(t, map[string]any{"pool_size": 3})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			e := newEngine(c)
			for i := range 100 {
				key := []string{"k1", "k2", "bad"}[(g+i)%3]
				req := request("http1", map[xprotocol.Key]string{xprotocol.KeyMethod: "GET"}, "x-api-key", key)
				resp := response(xprotocol.StatusOK, "")
				r := e.roundTrip(req, resp)
				if key == "bad" {
					if !assert.Equal(t, filter.Stop, r) || !assert.Equal(t, "invalid x-api-key", e.lastReplyOrZero().msg) {
						return
					}
					continue
				}
				if !assert.Equal(t, filter.Continue, r) || !assert.Equal(t, "apikey", resp.hdr.get("x-wasm-filter")) ||
					!assert.Equal(t, "GET", req.hdr.get("x-wasm-method")) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// The example reads its keys in _initialize, and logs when there are none.
func TestAPIKeyNoKeys(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	e := newEngine(mustChain(t, map[string]any{"path": goModule(t, apikeyDir), "pool_size": 1}, filter.Env{Log: log}))
	assert.Contains(t, logs.String(), "apikey: no keys configured")
	assert.Equal(t, filter.Stop, e.roundTrip(request("http1", nil, "x-api-key", ""), nil))
	assert.Equal(t, "invalid x-api-key", e.lastReplyOrZero().msg)
}

func TestPerCallInstances(t *testing.T) {
	m := newCounters()
	e := newEngine(mustChain(t, map[string]any{"path": goModule(t, apikeyDir), "config": "k1", "pool_size": 0, "timeout": "10s"},
		filter.Env{Metrics: m}))
	req := request("http1", nil, "x-api-key", "k1")
	assert.Equal(t, filter.Continue, e.roundTrip(req, nil))
	assert.Equal(t, "apikey", req.hdr.get("x-wasm-filter"))
	assert.Equal(t, 2, m.get("instances"), "one to check the module when built, one for the call")
}

// NewFactory is usable without the registry, e.g. from bytes.
func TestNewFactory(t *testing.T) {
	f, err := NewFactory(context.Background(), assemble(1, fn{"on_response", returnZero}), Config{PoolSize: 1}, filter.Env{})
	require.NoError(t, err)
	assert.Equal(t, [4]string{3: "on_response"}, f.export)
	require.NoError(t, f.Close())
}
