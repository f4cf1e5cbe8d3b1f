package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// phaseExports names the export of each phase.
var phaseExports = [...]string{
	filter.PhaseRequest:  "on_request",
	filter.PhaseRouted:   "on_routed",
	filter.PhaseResponse: "on_response",
}

// Factory is one configured wasm filter on one listener: a wazero runtime
// with the memory limit, the module compiled once, and a pool of
// instances shared by the listener's event loops. It implements
// filter.Factory and io.Closer (the chain closes it).
type Factory struct {
	cfg      Config
	log      *slog.Logger
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	modCfg   wazero.ModuleConfig
	export   [len(phaseExports)]string // "" when the module lacks the phase

	mu       sync.Mutex
	idle     []*instance
	closed   bool
	refiller bool // a background refill is running
	wg       sync.WaitGroup

	stopped, failed, timeouts, made filter.Counter
	lastLog                         atomic.Int64
}

// NewFactory compiles code (a WebAssembly binary) under c's memory limit,
// checks its exports, and makes c.PoolSize instances (at least one, to
// prove the module starts). ctx bounds the work. Close releases it.
func NewFactory(ctx context.Context, code []byte, c Config, env filter.Env) (*Factory, error) {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = DefaultMemoryLimitPages
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Factory{
		cfg: c, log: log,
		stopped: env.Counter("stopped"), failed: env.Counter("failed"),
		timeouts: env.Counter("timeouts"), made: env.Counter("instances"),
	}
	f.rt = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithMemoryLimitPages(c.MemoryLimitPages).
		WithCloseOnContextDone(true).
		WithCompilationCache(compilationCache))
	ok := false
	defer func() {
		if !ok {
			_ = f.rt.Close(context.Background())
		}
	}()
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, f.rt); err != nil {
		return nil, fmt.Errorf("wasi: %w", err)
	}
	if err := instantiateHost(ctx, f.rt); err != nil {
		return nil, fmt.Errorf("host module: %w", err)
	}
	var err error
	if f.compiled, err = f.rt.CompileModule(ctx, code); err != nil {
		return nil, fmt.Errorf("%s: invalid module: %w", c.Path, err)
	}
	if err := f.checkExports(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Path, err)
	}
	f.modCfg = wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module
		WithStartFunctions("_initialize").
		WithStdout(io.Discard).
		WithStderr(&stderrLog{log: log, path: c.Path}).
		WithSysWalltime().WithSysNanotime().
		WithRandSource(rand.Reader)
	for i := range max(c.PoolSize, 1) {
		ictx, cancel := context.WithTimeout(ctx, initTimeout)
		in, err := f.instantiate(ictx)
		cancel()
		if err != nil {
			f.closeIdle()
			return nil, fmt.Errorf("%s: instance %d: %w", c.Path, i, err)
		}
		if c.PoolSize == 0 {
			in.close()
			break
		}
		f.idle = append(f.idle, in)
	}
	ok = true
	return f, nil
}

// compilationCache keeps compiled code across runtimes, so that a reload
// with an unchanged module (same bytes and memory limit) does not compile
// it again.
var compilationCache = wazero.NewCompilationCache()

func (f *Factory) checkExports() error {
	funcs := f.compiled.ExportedFunctions()
	found := false
	for ph, name := range phaseExports {
		if name == "" {
			continue
		}
		def, ok := funcs[name]
		if !ok {
			continue
		}
		if len(def.ParamTypes()) != 0 || len(def.ResultTypes()) != 1 || def.ResultTypes()[0] != api.ValueTypeI32 {
			return fmt.Errorf("export %s must have the type () -> i32", name)
		}
		f.export[ph] = name
		found = true
	}
	if !found {
		return errors.New("the module exports none of on_request, on_routed, on_response")
	}
	if mems := f.compiled.ExportedMemories(); mems["memory"] == nil {
		if len(f.compiled.ImportedFunctions()) > 0 {
			return errors.New(`the module exports no memory named "memory"`)
		}
	}
	return nil
}

// New returns the filter every request shares.
func (f *Factory) New() filter.Filter { return wasmFilter{f} }

// Close closes every instance, waits for a background refill, and frees
// the runtime. The listener's loops must have stopped.
func (f *Factory) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
	f.closeIdle()
	return f.rt.Close(context.Background())
}

func (f *Factory) closeIdle() {
	f.mu.Lock()
	idle := f.idle
	f.idle = nil
	f.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
}

// acquire takes an idle instance, or makes one before deadline (the
// call's) when none is idle.
func (f *Factory) acquire(deadline time.Time) (*instance, error) {
	f.mu.Lock()
	if n := len(f.idle); n > 0 {
		in := f.idle[n-1]
		f.idle[n-1] = nil
		f.idle = f.idle[:n-1]
		f.mu.Unlock()
		return in, nil
	}
	f.mu.Unlock()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return f.instantiate(ctx)
}

// release gives a healthy instance back (or closes it when the pool is
// full, closed, or pool_size is 0).
func (f *Factory) release(in *instance) {
	f.mu.Lock()
	if !f.closed && len(f.idle) < f.cfg.PoolSize {
		f.idle = append(f.idle, in)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	in.close()
}

// discard closes an instance whose call failed (its state is unknown) and
// has a replacement made off the event loop.
func (f *Factory) discard(in *instance) {
	in.close()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.refiller || len(f.idle) >= f.cfg.PoolSize {
		return
	}
	f.refiller = true
	f.wg.Add(1)
	go f.refill()
}

// refill makes instances until the pool is full again, or one fails.
func (f *Factory) refill() {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		if f.closed || len(f.idle) >= f.cfg.PoolSize {
			f.refiller = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
		in, err := f.instantiate(ctx)
		cancel()
		if err != nil {
			f.log.Warn("wasm filter: cannot make an instance", "path", f.cfg.Path, "err", err)
			f.mu.Lock()
			f.refiller = false
			f.mu.Unlock()
			return
		}
		f.release(in)
	}
}

// instantiate makes an instance; its _initialize (if any) runs within ctx.
func (f *Factory) instantiate(ctx context.Context) (*instance, error) {
	in := &instance{f: f}
	in.base = context.WithValue(context.Background(), instanceKey{}, in)
	// _initialize may call get_config and log (the others answer -2).
	mod, err := f.rt.InstantiateModule(context.WithValue(ctx, instanceKey{}, in), f.compiled, f.modCfg)
	if err != nil {
		return nil, err
	}
	f.made.Inc()
	in.mod = mod
	for ph, name := range f.export {
		if name != "" {
			in.fns[ph] = mod.ExportedFunction(name)
		}
	}
	return in, nil
}

// instance is one module instance and the state of the call it runs.
type instance struct {
	f     *Factory
	mod   api.Module
	mem   api.Memory // the caller's memory, set by each host function
	fns   [len(phaseExports)]api.Function
	stack [1]uint64
	// base carries the instance to the host functions; a call's deadline
	// context derives from it. (Not one reused context: wazero's deadline
	// watcher may still read a call's context after the call returned.)
	base context.Context

	// The call in progress.
	h         *filter.Handle
	phase     filter.Phase
	req, resp xprotocol.Frame
	scratch   []byte // get_headers
}

func (in *instance) begin(h *filter.Handle, ph filter.Phase, req, resp xprotocol.Frame) {
	in.h, in.phase, in.req, in.resp = h, ph, req, resp
	in.stack[0] = 0
}

func (in *instance) end() {
	in.h, in.phase, in.req, in.resp = nil, 0, nil, nil
}

func (in *instance) close() { _ = in.mod.Close(context.Background()) }

// instanceKey is the context key of the instance whose call is running.
type instanceKey struct{}

// isTimeout reports whether err is the time limit closing the module.
func isTimeout(err error) bool {
	var exit *sys.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == sys.ExitCodeDeadlineExceeded
}

// stderrLog sends what a module writes to stderr (a Go panic message, say)
// to the listener's log.
type stderrLog struct {
	log  *slog.Logger
	path string
}

func (w *stderrLog) Write(p []byte) (int, error) {
	w.log.Warn("wasm filter stderr", "path", w.path, "text", string(p))
	return len(p), nil
}
