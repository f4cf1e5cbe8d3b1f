package extproc

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/filter/extproc/extprocpb"
	"github.com/xgate/xgate/proxy/filter/extproc/sdk"
)

// killGrace is how long a stopping plugin gets to exit (go-plugin waits
// two seconds after Shutdown) before the supervisor kills it outright.
const killGrace = 3 * time.Second

// proc is one running, healthy plugin process.
type proc struct {
	client *plugin.Client
	run    *procRunner
	filter extprocpb.FilterClient
	health healthpb.HealthClient
}

// supervisor keeps one plugin process running: it starts it, watches it
// (exit, health checks), restarts it with backoff, and stops it on close.
// Its goroutine owns the process; workers read current.
type supervisor struct {
	cfg *settings
	log *slog.Logger
	hcl hclog.Logger

	cur    atomic.Pointer[proc]
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	kickCh chan struct{}
	done   chan struct{}

	firstDone chan struct{} // closed after the first start attempt
	firstErr  error

	mu      sync.Mutex
	running *procRunner // the latest process started, for close's last resort

	starts, restarts, startFailures, exits, unhealthy filter.Counter
	nStarts                                           atomic.Int64
}

func newSupervisor(cfg *settings, log *slog.Logger, env filter.Env) *supervisor {
	ctx, cancel := context.WithCancel(context.Background())
	s := &supervisor{
		cfg: cfg, log: log,
		hcl: hclog.New(&hclog.LoggerOptions{
			Name: "plugin", Level: hclog.Info, Output: &hclogWriter{log: log}, DisableTime: true,
		}),
		ctx: ctx, cancel: cancel,
		kickCh:        make(chan struct{}, 1),
		done:          make(chan struct{}),
		firstDone:     make(chan struct{}),
		starts:        env.Counter("starts"),
		restarts:      env.Counter("restarts"),
		startFailures: env.Counter("start_failures"),
		exits:         env.Counter("exits"),
		unhealthy:     env.Counter("unhealthy"),
	}
	go s.loop()
	return s
}

// current returns the healthy plugin, or nil while there is none.
func (s *supervisor) current() *proc { return s.cur.Load() }

// kick asks for a health check now (a call found the connection broken).
func (s *supervisor) kick() {
	select {
	case s.kickCh <- struct{}{}:
	default:
	}
}

// waitFirst waits for the first start and returns its error.
func (s *supervisor) waitFirst() error {
	<-s.firstDone
	return s.firstErr
}

// close stops the plugin and the supervisor. A plugin that does not exit
// in time, or a start that hangs, is killed.
func (s *supervisor) close() {
	s.cancel()
	select {
	case <-s.done:
		return
	case <-time.After(killGrace + time.Second):
	}
	s.mu.Lock()
	r := s.running
	s.mu.Unlock()
	if r != nil {
		_ = r.Kill(context.Background())
	}
	<-s.done
}

type ending uint8

const (
	endStopping ending = iota
	endExited
	endUnhealthy
)

// loop starts the plugin and starts it again whenever it ends, until
// close.
func (s *supervisor) loop() {
	defer close(s.done)
	delay := s.cfg.backoffBase
	first := true
	for {
		p, err := s.start()
		if err == nil {
			s.cur.Store(p) // before the build returns: its first requests find it
		}
		if first {
			first = false
			s.firstErr = err
			close(s.firstDone)
			if err != nil {
				return // the build fails; nothing to supervise
			}
		}
		if err != nil {
			s.startFailures.Inc()
			s.log.Warn("filter plugin did not start", "err", err, "retry_in", delay)
		} else {
			started := time.Now()
			end := s.watch(p)
			s.cur.Store(nil)
			s.stop(p, end == endStopping)
			if end == endStopping {
				return
			}
			if time.Since(started) >= s.cfg.backoffMax {
				delay = s.cfg.backoffBase // it had been up a while: a fresh failure
			}
			s.log.Warn("filter plugin restarting", "pid", p.run.PID(), "reason", end.String(), "in", delay)
		}
		t := time.NewTimer(delay)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, s.cfg.backoffMax)
		s.restarts.Inc()
	}
}

func (e ending) String() string {
	switch e {
	case endExited:
		return "exited"
	case endUnhealthy:
		return "unhealthy"
	}
	return "stopping"
}

// start launches the plugin, completes go-plugin's handshake and checks
// its health once.
func (s *supervisor) start() (*proc, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	var run *procRunner
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.Plugins(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     s.cfg.startTimeout,
		Logger:           s.hcl,
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
			r, err := newRunner(spec, s.cfg.command)
			if err != nil {
				return nil, err
			}
			run = r
			s.mu.Lock()
			s.running = r
			s.mu.Unlock()
			return r, nil
		},
	})
	p, err := s.connect(client)
	if err != nil {
		if run != nil {
			_ = run.Kill(context.Background())
		}
		client.Kill()
		return nil, err
	}
	p.run = run
	s.nStarts.Add(1)
	s.starts.Inc()
	s.log.Info("filter plugin started", "pid", run.PID())
	return p, nil
}

func (s *supervisor) connect(client *plugin.Client) (*proc, error) {
	rpc, err := client.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return nil, err
	}
	conn, ok := raw.(*grpc.ClientConn)
	if !ok {
		return nil, fmt.Errorf("dispensed %T, not a gRPC connection", raw)
	}
	p := &proc{client: client, filter: extprocpb.NewFilterClient(conn), health: healthpb.NewHealthClient(conn)}
	if err := s.check(p, max(s.cfg.healthTimeout, s.cfg.startTimeout)); err != nil {
		return nil, fmt.Errorf("health check: %w", err)
	}
	return p, nil
}

// check runs one health check (grpc.health.v1, service "plugin").
func (s *supervisor) check(p *proc, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	r, err := p.health.Check(ctx, &healthpb.HealthCheckRequest{Service: sdk.HealthService})
	if err != nil {
		return err
	}
	if r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("plugin reports %s", r.GetStatus())
	}
	return nil
}

// watch returns when the plugin exits, fails health_failures checks in a
// row, or the supervisor closes.
func (s *supervisor) watch(p *proc) ending {
	t := time.NewTicker(s.cfg.healthInterval)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-s.ctx.Done():
			return endStopping
		case <-p.run.exited:
			s.exits.Inc()
			return endExited
		case <-s.kickCh:
		case <-t.C:
		}
		err := s.check(p, s.cfg.healthTimeout)
		if err == nil {
			fails = 0
			continue
		}
		if s.ctx.Err() != nil {
			return endStopping
		}
		fails++
		s.log.Warn("filter plugin health check failed", "pid", p.run.PID(), "err", err, "failures", fails)
		if fails >= s.cfg.healthFailures {
			select {
			case <-p.run.exited:
				s.exits.Inc()
				return endExited
			default:
			}
			s.unhealthy.Inc()
			return endUnhealthy
		}
	}
}

// stop ends p: gracefully (go-plugin's controller Shutdown, then a kill
// after two seconds) when the gateway stops it, at once when it died or
// hung. Either way it is killed after killGrace.
func (s *supervisor) stop(p *proc, graceful bool) {
	if !graceful {
		_ = p.run.Kill(context.Background())
	}
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		p.client.Kill()
	}()
	t := time.NewTimer(killGrace)
	defer t.Stop()
	select {
	case <-killed:
	case <-t.C:
		_ = p.run.Kill(context.Background())
		<-killed
	}
}

// hclogWriter puts go-plugin's log lines (its own, and the plugin's stderr
// at the level it chose) into the listener's log.
type hclogWriter struct{ log *slog.Logger }

func (w *hclogWriter) Write(b []byte) (int, error) {
	line := bytes.TrimSpace(b)
	level := slog.LevelInfo
	switch {
	case bytes.Contains(line, []byte("[ERROR]")):
		level = slog.LevelError
	case bytes.Contains(line, []byte("[WARN]")):
		level = slog.LevelWarn
	case bytes.Contains(line, []byte("[DEBUG]")), bytes.Contains(line, []byte("[TRACE]")):
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, "filter plugin log", "line", string(line))
	return len(b), nil
}
