package healthcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/proxy/internal/clock"
	"github.com/xgate/xgate/xprotocol"
)

// Kind is how a host is probed.
type Kind uint8

// Probe kinds.
const (
	// TCP passes when a connection opens.
	TCP Kind = iota + 1
	// Heartbeat passes when the protocol's heartbeat is answered.
	Heartbeat
)

// Config is one cluster's health checking (config.HealthCheck plus what
// the engine resolves).
type Config struct {
	Kind               Kind
	Interval           time.Duration
	Timeout            time.Duration
	UnhealthyThreshold int
	HealthyThreshold   int
	// Protocol is the cluster's protocol, for Heartbeat.
	Protocol xprotocol.Protocol
	// Session is passed to Protocol.NewSession (Role is set to RoleClient).
	Session xprotocol.SessionOptions
	// Dial opens a connection; nil uses a net.Dialer. The context carries
	// the check's deadline.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// OnChange, when set, is called from the checker's goroutines when a
	// target's state changes (healthy reports the new state; err is the
	// failed probe's error, nil on a pass).
	OnChange func(t *Target, healthy bool, err error)
	// Clock drives the interval; nil is the real clock.
	Clock clock.Clock
}

// State of a target.
type State int32

// Target states.
const (
	// Unknown: not checked yet; counts as healthy.
	Unknown State = iota
	// Healthy: passing.
	Healthy
	// Unhealthy: failing.
	Unhealthy
)

// String names the state.
func (s State) String() string {
	switch s {
	case Unknown:
		return "unknown"
	case Healthy:
		return "healthy"
	case Unhealthy:
		return "unhealthy"
	}
	return "invalid"
}

// Target is one host's health as active checks see it. Healthy is safe to
// call from any goroutine.
type Target struct {
	// Addr is the host:port probed.
	Addr string

	state  atomic.Int32
	mu     sync.Mutex // serialises verdicts (one checker round at a time, plus MarkUnhealthy)
	passes int
	fails  int
}

// NewTarget returns a target for addr, not checked yet.
func NewTarget(addr string) *Target { return &Target{Addr: addr} }

// Healthy reports whether load balancing may pick the host: it is healthy
// or not checked yet.
func (t *Target) Healthy() bool { return State(t.state.Load()) != Unhealthy }

// State returns the target's state.
func (t *Target) State() State { return State(t.state.Load()) }

// MarkUnhealthy marks the host unhealthy now (an upstream heartbeat went
// unanswered); HealthyThreshold passing checks bring it back. Without
// active checking nothing would, so use outlier ejection then.
func (t *Target) MarkUnhealthy() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.passes, t.fails = 0, 0
	t.state.Store(int32(Unhealthy))
}

// record applies one check's result and reports whether the state changed.
func (t *Target) record(pass bool, healthyTh, unhealthyTh int) (State, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := State(t.state.Load())
	next := old
	if pass {
		t.fails = 0
		t.passes++
		if old == Unknown || old == Unhealthy && t.passes >= healthyTh {
			next = Healthy
		}
	} else {
		t.passes = 0
		t.fails++
		if old == Unknown || old == Healthy && t.fails >= unhealthyTh {
			next = Unhealthy
		}
	}
	if next != old {
		t.passes, t.fails = 0, 0
		t.state.Store(int32(next))
	}
	return next, next != old
}

// Checker probes one cluster's targets.
type Checker struct {
	cfg     Config
	kind    Kind // Heartbeat falls back to TCP when the protocol has none
	targets atomic.Pointer[[]*Target]
	nextID  atomic.Uint64

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	start  sync.Once
	stop   sync.Once
}

// New returns a checker for targets; Start runs it.
func New(cfg Config, targets []*Target) (*Checker, error) {
	switch {
	case cfg.Interval <= 0 || cfg.Timeout <= 0:
		return nil, errors.New("healthcheck: interval and timeout must be > 0")
	case cfg.Kind != TCP && cfg.Kind != Heartbeat:
		return nil, fmt.Errorf("healthcheck: unknown kind %d", cfg.Kind)
	case cfg.Kind == Heartbeat && cfg.Protocol == nil:
		return nil, errors.New("healthcheck: a heartbeat check needs a protocol")
	}
	cfg.UnhealthyThreshold = max(cfg.UnhealthyThreshold, 1)
	cfg.HealthyThreshold = max(cfg.HealthyThreshold, 1)
	if cfg.Clock == nil {
		cfg.Clock = clock.Real
	}
	if cfg.Dial == nil {
		d := &net.Dialer{}
		cfg.Dial = d.DialContext
	}
	c := &Checker{cfg: cfg, kind: cfg.Kind, done: make(chan struct{})}
	if c.kind == Heartbeat {
		if hb := cfg.Protocol.NewHeartbeat(1); hb == nil {
			c.kind = TCP
		} else {
			hb.Release()
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.SetTargets(targets)
	return c, nil
}

// Kind returns the probe in use (TCP for a Heartbeat check whose protocol
// has no heartbeat).
func (c *Checker) Kind() Kind { return c.kind }

// SetTargets replaces the targets (a DNS refresh changed the hosts); the
// next round probes the new set.
func (c *Checker) SetTargets(ts []*Target) {
	cp := append([]*Target(nil), ts...)
	c.targets.Store(&cp)
}

// Targets returns the current targets.
func (c *Checker) Targets() []*Target { return *c.targets.Load() }

// Start runs a round now and then one every Interval, on a goroutine of its
// own, until Stop.
func (c *Checker) Start() {
	c.start.Do(func() { go c.run() })
}

// Stop ends checking, cancelling a round in flight, and waits for it. It
// may be called without Start, and more than once.
func (c *Checker) Stop() {
	c.stop.Do(func() {
		c.cancel()
		c.start.Do(func() { close(c.done) }) // never started
	})
	<-c.done
}

func (c *Checker) run() {
	defer close(c.done)
	tk := c.cfg.Clock.NewTicker(c.cfg.Interval)
	defer tk.Stop()
	for {
		c.Round(c.ctx)
		select {
		case <-c.ctx.Done():
			return
		case <-tk.C():
		}
	}
}

// Round probes every target once, concurrently, records the verdicts, and
// returns when all probes are done.
func (c *Checker) Round(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range c.Targets() {
		wg.Go(func() {
			err := c.Probe(ctx, t.Addr)
			if ctx.Err() != nil {
				return // cancelled: not the host's fault
			}
			st, changed := t.record(err == nil, c.cfg.HealthyThreshold, c.cfg.UnhealthyThreshold)
			if changed && c.cfg.OnChange != nil {
				c.cfg.OnChange(t, st == Healthy, err)
			}
		})
	}
	wg.Wait()
}

// Probe runs one check against addr and returns nil when it passes.
func (c *Checker) Probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := c.cfg.Dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if c.kind == TCP {
		return nil
	}
	// End blocking reads and writes at the deadline or on Stop.
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	stopAfter := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stopAfter()
	err = c.heartbeat(conn, addr)
	if err != nil && (ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) {
		return fmt.Errorf("healthcheck: no heartbeat reply from %s within %s: %w", addr, c.cfg.Timeout, ctx.Err())
	}
	return err
}

// heartbeat sends one heartbeat on conn and waits for its reply.
func (c *Checker) heartbeat(conn net.Conn, addr string) error {
	p := c.cfg.Protocol
	opts := c.cfg.Session
	opts.Role = xprotocol.RoleClient
	if opts.RemoteAddr == "" {
		opts.RemoteAddr = addr
	}
	sess := p.NewSession(opts)
	flusher, _ := sess.(xprotocol.Flusher)

	id := c.nextID.Add(1)
	if maxID := p.MaxStreamID(); maxID > 0 {
		id = (id-1)%maxID + 1
	}
	hb := p.NewHeartbeat(id)
	if hb == nil {
		return nil // connected, and the protocol has nothing more to say
	}
	var out []byte
	if flusher != nil {
		out = flusher.AppendPending(out)
	}
	out, err := sess.Encode(out, hb)
	hb.Release()
	if err != nil {
		return fmt.Errorf("healthcheck: encoding a %s heartbeat: %w", p.Name(), err)
	}
	if flusher != nil {
		out = flusher.AppendPending(out)
	}
	if _, err := conn.Write(out); err != nil {
		return err
	}

	limit := opts.FrameLimit()
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				return fmt.Errorf("healthcheck: %s sent more than %d bytes without a heartbeat reply", addr, limit)
			}
			buf = append(buf, make([]byte, min(cap(buf), limit-len(buf)))...)[:len(buf)]
		}
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for len(buf) > 0 {
			f, used, derr := sess.Decode(buf)
			if errors.Is(derr, xprotocol.ErrIncomplete) {
				break
			}
			if derr != nil {
				return fmt.Errorf("healthcheck: reading %s: %w", addr, derr)
			}
			match, st := false, xprotocol.StatusOK
			if f != nil {
				match = f.Kind() == xprotocol.KindResponse && f.Heartbeat() && f.StreamID() == id
				st = f.Status()
				f.Release()
			}
			buf = buf[:copy(buf, buf[used:])]
			if match {
				if st != xprotocol.StatusOK {
					return fmt.Errorf("healthcheck: %s answered the heartbeat with status %s", addr, st)
				}
				return nil
			}
		}
		if flusher != nil {
			if out = flusher.AppendPending(out[:0]); len(out) > 0 {
				if _, werr := conn.Write(out); werr != nil {
					return werr
				}
			}
		}
		if err != nil {
			return err
		}
	}
}
