package extproc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/filter/extproc/extprocpb"
	"github.com/xgate/xgate/xprotocol"
)

// Name is the filter's configuration name.
const Name = "external"

// Kind is the external filter's registered kind; init adds it to
// filter.Default.
var Kind = filter.Define(Name, parse, build)

func init() {
	filter.Default.MustRegister(Kind)
}

// Reply messages.
const (
	msgOverload    = "filter plugin overloaded"
	msgUnavailable = "filter plugin unavailable"
	msgTimeout     = "filter plugin timed out"
	msgBadDecision = "filter plugin gave a bad decision"
)

// settings is the parsed configuration.
type settings struct {
	command        []string
	timeout        time.Duration
	failOpen       bool
	backoffBase    time.Duration
	backoffMax     time.Duration
	healthInterval time.Duration
	healthTimeout  time.Duration
	healthFailures int
	maxConcurrency int
	maxQueue       int
	startTimeout   time.Duration
}

func parse(s *filter.Settings) settings {
	c := settings{
		command:        s.List("command"),
		timeout:        s.Duration("timeout", 100*time.Millisecond, time.Millisecond, time.Minute),
		backoffBase:    s.Duration("restart_backoff_base", 100*time.Millisecond, time.Millisecond, time.Hour),
		backoffMax:     s.Duration("restart_backoff_max", 5*time.Second, time.Millisecond, time.Hour),
		healthInterval: s.Duration("health_interval", time.Second, 10*time.Millisecond, time.Hour),
		healthTimeout:  s.Duration("health_timeout", time.Second, time.Millisecond, time.Minute),
		healthFailures: s.Int("health_failures", 3, 1, 1000),
		maxConcurrency: s.Int("max_concurrency", 64, 1, 1<<16),
		maxQueue:       s.Int("max_queue", 1024, 0, 1<<20),
		startTimeout:   s.Duration("start_timeout", 10*time.Second, 10*time.Millisecond, 10*time.Minute),
	}
	if len(c.command) == 0 {
		s.Fail("command", "is required: the plugin program and its arguments (e.g. [bin/go-authz])")
	}
	switch f := s.String("failure", "fail_closed"); f {
	case "fail_closed":
	case "fail_open":
		c.failOpen = true
	default:
		s.Fail("failure", "must be fail_closed or fail_open, got %q", f)
	}
	if c.backoffMax < c.backoffBase {
		s.Fail("restart_backoff_max", "must be at least restart_backoff_base (%s)", c.backoffBase)
	}
	return c
}

func build(c settings, env filter.Env) (filter.Factory, error) {
	if _, err := exec.LookPath(c.command[0]); err != nil {
		return nil, fmt.Errorf("plugin command: %w", err)
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("filter", env.Filter, "plugin", c.command[0])
	ctx, cancel := context.WithCancel(context.Background())
	x := &external{
		cfg:         c,
		listener:    env.Listener,
		ctx:         ctx,
		cancel:      cancel,
		jobs:        make(chan *call, c.maxQueue),
		calls:       env.Counter("calls"),
		continued:   env.Counter("continued"),
		replied:     env.Counter("replied"),
		overflow:    env.Counter("overflow"),
		unavailable: env.Counter("unavailable"),
		timeouts:    env.Counter("timeouts"),
		errs:        env.Counter("errors"),
		bad:         env.Counter("bad_decisions"),
		failedOpen:  env.Counter("failed_open"),
	}
	x.sup = newSupervisor(&x.cfg, log, env)
	if err := x.sup.waitFirst(); err != nil {
		x.sup.close()
		cancel()
		return nil, err
	}
	x.wg.Add(c.maxConcurrency)
	for range c.maxConcurrency {
		go x.work()
	}
	return x, nil
}

// external is one listener's external filter: the factory, its shared
// per-request instance (it keeps per-request state in a call), the worker
// pool and the plugin's supervisor.
type external struct {
	cfg      settings
	listener string
	sup      *supervisor

	ctx    context.Context // cancelled by Close: in-flight calls end
	cancel context.CancelFunc
	jobs   chan *call
	wg     sync.WaitGroup
	once   sync.Once

	calls, continued, replied, overflow, unavailable filter.Counter
	timeouts, errs, bad, failedOpen                  filter.Counter
}

var (
	_ filter.Factory       = (*external)(nil)
	_ filter.RequestFilter = (*external)(nil)
)

// New returns the shared instance.
func (x *external) New() filter.Filter { return x }

// Close stops the workers (cancelling their calls) and the plugin. The
// engine calls it after the listener's loops stopped.
func (x *external) Close() error {
	x.once.Do(func() {
		x.cancel()
		x.wg.Wait()
		x.sup.close()
	})
	return nil
}

// OnRequest snapshots the request, queues the plugin call and pauses the
// chain; it runs on the event loop and never waits.
func (x *external) OnRequest(h *filter.Handle, req xprotocol.Frame) filter.Result {
	x.calls.Inc()
	if x.sup.current() == nil {
		x.unavailable.Inc()
		return x.failNow(h, xprotocol.StatusUnavailable, msgUnavailable)
	}
	c := &call{x: x, h: h, frame: req, req: x.snapshot(h, req), deadline: time.Now().Add(x.cfg.timeout)}
	c.post = h.Poster()
	c.doneFn, c.timeoutFn = c.done, c.timedOut
	select {
	case x.jobs <- c:
	default:
		x.overflow.Inc()
		return x.failNow(h, xprotocol.StatusOverload, msgOverload)
	}
	h.AfterFunc(x.cfg.timeout, c.timeoutFn)
	return filter.StopAndWait
}

// failNow fails a request inside OnRequest, by the failure policy.
func (x *external) failNow(h *filter.Handle, st xprotocol.Status, msg string) filter.Result {
	if x.cfg.failOpen {
		x.failedOpen.Inc()
		return filter.Continue
	}
	h.Reply(st, msg)
	return filter.Stop
}

// failLater fails a paused request, by the failure policy.
func (x *external) failLater(h *filter.Handle, st xprotocol.Status, msg string) {
	if x.cfg.failOpen {
		x.failedOpen.Inc()
		h.Resume()
		return
	}
	h.Reply(st, msg)
}

// snapshot copies what the plugin needs out of the frame (whose bytes are
// only valid on the loop).
func (x *external) snapshot(h *filter.Handle, f xprotocol.Frame) *extprocpb.Request {
	r := &extprocpb.Request{
		Protocol:   f.Protocol(),
		Service:    text(f.Key(xprotocol.KeyService)),
		Method:     text(f.Key(xprotocol.KeyMethod)),
		Path:       text(f.Key(xprotocol.KeyPath)),
		Host:       text(f.Key(xprotocol.KeyHost)),
		RemoteAddr: h.RemoteAddr(),
		Listener:   x.listener,
	}
	f.Header().Range(func(k, v []byte) bool {
		r.Headers = append(r.Headers, &extprocpb.Header{Key: text(k), Value: append([]byte(nil), v...)})
		return true
	})
	return r
}

// text copies b into a string that protobuf accepts (valid UTF-8).
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// work serves queued calls until Close.
func (x *external) work() {
	defer x.wg.Done()
	for {
		select {
		case <-x.ctx.Done():
			return
		case c := <-x.jobs:
			x.serve(c)
		}
	}
}

var errDown = errors.New("plugin down")

// serve makes one call (on a worker) and posts its outcome to the loop.
func (x *external) serve(c *call) {
	req := c.req
	c.req = nil
	switch p := x.sup.current(); {
	case !time.Now().Before(c.deadline):
		c.err = context.DeadlineExceeded // waited too long in the queue
	case p == nil:
		c.err = errDown
	default:
		ctx, cancel := context.WithDeadline(x.ctx, c.deadline)
		c.dec, c.err = p.filter.OnRequest(ctx, req)
		cancel()
		if c.err != nil && status.Code(c.err) == codes.Unavailable {
			x.sup.kick()
		}
	}
	c.post(c.doneFn)
}

// call is one request's plugin call. Its fields are the loop's except
// req (handed to the worker through the queue) and dec/err (set by the
// worker before it posts done to the loop).
type call struct {
	x        *external
	h        *filter.Handle
	frame    xprotocol.Frame
	req      *extprocpb.Request
	deadline time.Time
	post     func(func())

	dec *extprocpb.Decision
	err error

	settled           bool // done or timedOut ran: the other does nothing
	doneFn, timeoutFn func()
}

// timedOut is the request's filter timer: the plugin did not answer in
// time.
func (c *call) timedOut() {
	if c.settled {
		return
	}
	h := c.h
	c.settle()
	c.x.timeouts.Inc()
	c.x.failLater(h, xprotocol.StatusTimeout, msgTimeout)
}

func (c *call) settle() {
	c.settled = true
	c.h, c.frame = nil, nil
}

// done applies the plugin's answer on the loop.
func (c *call) done() {
	if c.settled {
		return
	}
	h, frame, x := c.h, c.frame, c.x
	c.settle()
	h.StopTimer()
	if c.err != nil {
		switch {
		case errors.Is(c.err, context.DeadlineExceeded) || status.Code(c.err) == codes.DeadlineExceeded:
			x.timeouts.Inc()
			x.failLater(h, xprotocol.StatusTimeout, msgTimeout)
		case errors.Is(c.err, errDown) || status.Code(c.err) == codes.Unavailable || status.Code(c.err) == codes.Canceled:
			x.unavailable.Inc()
			x.failLater(h, xprotocol.StatusUnavailable, msgUnavailable)
		default: // the plugin returned an error
			x.errs.Inc()
			x.failLater(h, xprotocol.StatusUnavailable, msgUnavailable)
		}
		return
	}
	d := c.dec
	switch d.GetAction() {
	case extprocpb.Decision_CONTINUE:
		hdr := frame.Header()
		for _, k := range d.GetRemoveHeaders() {
			if settable(k) {
				hdr.Del(k)
			}
		}
		for _, kv := range d.GetSetHeaders() {
			if settable(kv.GetKey()) {
				hdr.Set(kv.GetKey(), string(kv.GetValue()))
			}
		}
		x.continued.Inc()
		h.Resume()
	case extprocpb.Decision_REPLY:
		st, ok := statusByName[d.GetStatus()]
		if !ok {
			x.bad.Inc()
			st = xprotocol.StatusServerError
		}
		x.replied.Inc()
		h.Reply(st, d.GetMessage())
	default:
		x.bad.Inc()
		x.failLater(h, xprotocol.StatusServerError, msgBadDecision)
	}
}

// settable reports whether a plugin may set or remove header k: not empty,
// and not an HTTP pseudo-header (the request line is not the plugin's to
// change).
func settable(k string) bool { return k != "" && k[0] != ':' }

// statusByName maps the error statuses a plugin may reply with.
var statusByName = func() map[string]xprotocol.Status {
	m := make(map[string]xprotocol.Status)
	for s := xprotocol.StatusNoRoute; s <= xprotocol.StatusUnknown; s++ {
		m[s.String()] = s
	}
	return m
}()
