package wasm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// Name is the filter's configuration name.
const Name = "wasm"

// Setting defaults and limits.
const (
	// DefaultMemoryLimitPages is the default memory limit of an instance
	// (512 pages of 64 KiB: 32 MiB), enough for a Go module.
	DefaultMemoryLimitPages = 512
	// DefaultTimeout is the default time limit of one call.
	DefaultTimeout = 5 * time.Millisecond
	// MaxModuleBytes is the largest module file accepted.
	MaxModuleBytes = 64 << 20
	// maxPoolSize bounds pool_size.
	maxPoolSize = 1024
	// initTimeout bounds the making of an instance off the event loops
	// (when the listener is built, and replacements), where a Go module's
	// runtime start-up may take longer than one call's limit.
	initTimeout = 10 * time.Second
)

// Kind is the wasm filter's registration (done by this package's init).
var Kind = filter.Define(Name, parse, build)

func init() { filter.Default.MustRegister(Kind) }

// Config is the parsed settings of one wasm filter.
type Config struct {
	// Path is the module file.
	Path string
	// Module is the config string handed to the module (get_config).
	Module string
	// MemoryLimitPages is the memory limit of an instance, in 64 KiB pages.
	MemoryLimitPages uint32
	// Timeout is the time limit of one call.
	Timeout time.Duration
	// PoolSize is the number of idle instances kept; 0 makes one per call.
	PoolSize int
	// FailOpen lets a request through when its call fails.
	FailOpen bool
	// FailureStatus is the reply when a call fails and FailOpen is false.
	FailureStatus xprotocol.Status
}

var wasmMagic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

func parse(s *filter.Settings) Config {
	c := Config{
		Path:             s.String("path", ""),
		Module:           s.String("config", ""),
		MemoryLimitPages: uint32(s.Int("memory_limit_pages", DefaultMemoryLimitPages, 1, 65536)),
		Timeout:          s.Duration("timeout", DefaultTimeout, 100*time.Microsecond, 10*time.Second),
		PoolSize:         s.Int("pool_size", runtime.GOMAXPROCS(0), 0, maxPoolSize),
		FailOpen:         s.Bool("fail_open", false),
		FailureStatus:    s.Status("failure_status", xprotocol.StatusServerError),
	}
	if c.Path == "" {
		s.Fail("path", "is required: the WebAssembly module file (e.g. /etc/xgate/filter.wasm)")
		return c
	}
	// A cheap look at the file, so that `xgate validate` reports a missing
	// or foreign file; compiling it waits for the listener's build.
	f, err := os.Open(c.Path)
	if err != nil {
		s.Fail("path", "cannot read the module: %v", err)
		return c
	}
	defer f.Close()
	var head [8]byte
	n, _ := f.Read(head[:])
	if !bytes.Equal(head[:n], wasmMagic) {
		s.Fail("path", "%s is not a WebAssembly binary module (no \\0asm version 1 header)", c.Path)
	}
	return c
}

func build(c Config, env filter.Env) (filter.Factory, error) {
	code, err := os.ReadFile(c.Path)
	if err != nil {
		return nil, err
	}
	if len(code) > MaxModuleBytes {
		return nil, fmt.Errorf("%s: module is %d bytes, over the limit of %d", c.Path, len(code), MaxModuleBytes)
	}
	return NewFactory(context.Background(), code, c, env)
}

// wasmFilter is the instance every request shares: the per-call state
// lives in the pooled module instances.
type wasmFilter struct{ f *Factory }

// OnRequest runs the module's on_request.
func (w wasmFilter) OnRequest(h *filter.Handle, req xprotocol.Frame) filter.Result {
	return w.f.run(h, filter.PhaseRequest, req, nil)
}

// OnRouted runs the module's on_routed.
func (w wasmFilter) OnRouted(h *filter.Handle, req xprotocol.Frame) filter.Result {
	return w.f.run(h, filter.PhaseRouted, req, nil)
}

// OnResponse runs the module's on_response.
func (w wasmFilter) OnResponse(h *filter.Handle, req, resp xprotocol.Frame) filter.Result {
	return w.f.run(h, filter.PhaseResponse, req, resp)
}

// Phase function results.
const (
	actionContinue = 0
	actionStop     = 1
)

// run calls the phase's export, if the module has one.
func (f *Factory) run(h *filter.Handle, ph filter.Phase, req, resp xprotocol.Frame) filter.Result {
	exp := f.export[ph]
	if exp == "" {
		return filter.Continue
	}
	deadline := time.Now().Add(f.cfg.Timeout)
	in, err := f.acquire(deadline)
	if err != nil {
		return f.fail(h, err)
	}
	ctx, cancel := context.WithDeadline(in.base, deadline)
	in.begin(h, ph, req, resp)
	err = in.fns[ph].CallWithStack(ctx, in.stack[:])
	cancel()
	in.end()
	if err != nil {
		f.discard(in)
		return f.fail(h, fmt.Errorf("%s: %w", exp, err))
	}
	rc := int32(in.stack[0])
	f.release(in) // in belongs to the pool (and maybe another loop) from here
	if h.Replied() {
		f.stopped.Inc()
		return filter.Stop
	}
	switch rc {
	case actionContinue:
		return filter.Continue
	case actionStop:
		f.stopped.Inc()
		return filter.Stop
	default:
		return f.fail(h, fmt.Errorf("%s returned %d (want 0 continue or 1 stop)", exp, rc))
	}
}

// fail counts and logs a failed call (at most once a second) and fails
// closed, or open.
func (f *Factory) fail(h *filter.Handle, err error) filter.Result {
	f.failed.Inc()
	if isTimeout(err) {
		f.timeouts.Inc()
	}
	now := time.Now().UnixNano()
	if last := f.lastLog.Load(); now-last >= int64(time.Second) && f.lastLog.CompareAndSwap(last, now) {
		f.log.Warn("wasm filter call failed", "path", f.cfg.Path, "fail_open", f.cfg.FailOpen, "err", err)
	}
	if f.cfg.FailOpen {
		return filter.Continue
	}
	h.Reply(f.cfg.FailureStatus, "wasm filter failed")
	return filter.Stop
}
