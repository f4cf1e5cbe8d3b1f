package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// ServerOptions configures a Server. Zero values take the documented defaults.
type ServerOptions struct {
	// Address is the host:port to listen on.
	Address string
	// Loops is the number of event loops; 0 means GOMAXPROCS.
	Loops int
	// MaxConns bounds accepted connections; 0 means 10000.
	MaxConns int
	// Tick is the timer resolution; 0 means 10ms.
	Tick time.Duration
	// HighWatermark: a connection with more unsent outbound bytes than this
	// is not read until they fall to LowWatermark. 0 means 1 MiB.
	HighWatermark int
	// LowWatermark is where reading resumes; 0 means HighWatermark/2.
	LowWatermark int
	// InboundLimit bounds unconsumed inbound bytes per connection; beyond it
	// the connection is closed with ErrInboundLimit. 0 means 32 MiB.
	InboundLimit int
	// Accept is called on the loop for each new connection and returns its
	// handler; returning nil refuses the connection.
	Accept func(c *Conn) Handler
	// OnRefused, if set, is told why a connection was refused ("max_connections").
	OnRefused func(reason string)
	// Logger receives gnet's own messages and TLS handshake failures (at
	// debug level); nil discards them.
	Logger *slog.Logger
	// TLS, when set, makes the server accept TLS connections with
	// crypto/tls instead of plain ones with gnet (see the package doc). It
	// is cloned; TLS 1.2 is the minimum version. Its NextProtos drive ALPN
	// (see Conn.NegotiatedProtocol); GetCertificate and GetConfigForClient
	// (SNI) work as usual. Refused connections are reported to OnRefused
	// as "tls_handshake" or "tls_handshake_timeout" too.
	TLS *tls.Config
	// HandshakeTimeout bounds a TLS handshake; 0 means 10s.
	HandshakeTimeout time.Duration
}

// ErrStopping is the error OnClose receives for a dial abandoned because
// the server is stopping.
var ErrStopping = errors.New("transport: server is stopping")

// ErrInboundLimit is the error OnClose receives when a connection's
// unconsumed inbound bytes exceed ServerOptions.InboundLimit.
var ErrInboundLimit = errors.New("transport: inbound buffer limit exceeded")

// Server is a listening gnet engine and the event loops behind it.
type Server struct {
	opts   ServerOptions
	engine gnet.Engine
	done   chan error
	// stopping is closed when Stop begins, releasing dials waiting on gnet.
	stopping chan struct{}
	stopOnce sync.Once
	// stopCtx is cancelled when Stop begins, aborting TLS dials.
	stopCtx    context.Context
	stopCancel context.CancelFunc
	dials      sync.WaitGroup
	count      atomic.Int64
	tl         tlsListener

	mu    sync.Mutex
	loops map[gnet.EventLoop]*Loop
	order []*Loop
}

// Listen starts serving opts.Address and returns once the listener is bound.
func Listen(opts ServerOptions) (*Server, error) {
	if opts.Accept == nil {
		return nil, errors.New("transport: listen: Accept is required")
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10000
	}
	if opts.Tick <= 0 {
		opts.Tick = 10 * time.Millisecond
	}
	if opts.HighWatermark <= 0 {
		opts.HighWatermark = 1 << 20
	}
	if opts.LowWatermark <= 0 || opts.LowWatermark > opts.HighWatermark {
		opts.LowWatermark = opts.HighWatermark / 2
	}
	if opts.InboundLimit <= 0 {
		opts.InboundLimit = 32 << 20
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = defaultHandshakeTimeout
	}
	s := &Server{opts: opts, done: make(chan error, 1), stopping: make(chan struct{}), loops: make(map[gnet.EventLoop]*Loop)}
	s.stopCtx, s.stopCancel = context.WithCancel(context.Background())
	addr := "tcp://" + opts.Address
	if opts.TLS != nil {
		var err error
		if addr, err = s.prepareTLS(); err != nil {
			s.stopCancel()
			return nil, err
		}
	}
	h := &eventHandler{s: s, booted: make(chan struct{})}
	gopts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(opts.Loops),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		// gnet leaves SO_REUSEADDR off: a restart on the same address would
		// fail while the old connections linger in FIN_WAIT/TIME_WAIT.
		gnet.WithReuseAddr(true),
		gnet.WithLogger(gnetLogger{l: opts.Logger}),
	}
	go func() { s.done <- gnet.Run(h, addr, gopts...) }()
	select {
	case <-h.booted:
		s.engine = h.engine
		if opts.TLS != nil {
			if err := s.startTLS(); err != nil {
				ctx, cancel := context.WithTimeout(context.Background(), closeLinger)
				defer cancel()
				_ = s.Stop(ctx)
				return nil, err
			}
		}
		return s, nil
	case err := <-s.done:
		s.stopCancel()
		s.cleanupTLS()
		if err == nil {
			err = errors.New("engine stopped before it started")
		}
		return nil, fmt.Errorf("transport: listen on %s: %w", opts.Address, err)
	}
}

// Address returns the listening address: the configured one, or for a TLS
// server the one bound (so a configured port 0 shows the port chosen).
func (s *Server) Address() string {
	if s.tl.ln != nil {
		return s.tl.ln.Addr().String()
	}
	return s.opts.Address
}

// Conns returns the number of accepted connections currently open.
func (s *Server) Conns() int { return int(s.count.Load()) }

// Loops returns the event loops that have carried a connection so far (for
// a TLS server: all of them).
func (s *Server) Loops() []*Loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Loop(nil), s.order...)
}

// Stop closes the listener and every connection, and waits (bounded by ctx)
// for the event loops, pending dials and TLS goroutines to finish.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		close(s.stopping)
		s.stopCancel()
	})
	if err := s.stopTLS(ctx.Done()); err != nil {
		return fmt.Errorf("transport: stop %s: %s: %w", s.opts.Address, err, ctx.Err())
	}
	defer s.cleanupTLS()
	err := s.engine.Stop(ctx)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("transport: stop %s: %w", s.opts.Address, err)
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		return fmt.Errorf("transport: stop %s: %w", s.opts.Address, ctx.Err())
	}
	waited := make(chan struct{})
	go func() { s.dials.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("transport: stop %s: waiting for dials: %w", s.opts.Address, ctx.Err())
	}
}

func (s *Server) loopFor(el gnet.EventLoop) *Loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.loops[el]
	if !ok {
		l = newLoop(s, el)
		s.loops[el] = l
		s.order = append(s.order, l)
	}
	return l
}

// eventHandler adapts gnet's callbacks to Conn and Handler.
type eventHandler struct {
	gnet.BuiltinEventEngine
	s      *Server
	engine gnet.Engine
	booted chan struct{}
}

func (h *eventHandler) OnBoot(eng gnet.Engine) gnet.Action {
	h.engine = eng
	close(h.booted)
	return gnet.None
}

func (h *eventHandler) OnTick() (time.Duration, gnet.Action) {
	for _, l := range h.s.Loops() {
		_ = l.el.Execute(context.Background(), l.tickTask)
	}
	return h.s.opts.Tick, gnet.None
}

func (h *eventHandler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	if c, ok := gc.Context().(*Conn); ok {
		return nil, h.openDialed(c, gc)
	}
	s := h.s
	if s.tl.cfg != nil {
		return nil, s.onProbe(gc)
	}
	l := s.loopFor(gc.EventLoop())
	l.now = time.Now()
	// Reserve the slot first: loops accept concurrently.
	if s.count.Add(1) > int64(s.opts.MaxConns) {
		s.count.Add(-1)
		if s.opts.OnRefused != nil {
			s.opts.OnRefused("max_connections")
		}
		return nil, gnet.Close
	}
	c := &Conn{gc: gc, loop: l, server: s, state: stateOpen, remote: remoteString(gc.RemoteAddr()), lastIO: l.now}
	c.handler = s.opts.Accept(c)
	if c.handler == nil {
		s.count.Add(-1)
		return nil, gnet.Close
	}
	gc.SetContext(c)
	l.link(c)
	c.handler.OnOpen(c)
	return nil, l.finish(gc)
}

func (h *eventHandler) openDialed(c *Conn, gc gnet.Conn) gnet.Action {
	l := c.loop
	l.now = time.Now()
	if c.state != stateDialing {
		gc.SetContext(nil)
		return gnet.Close // its owner gave up while it was dialling
	}
	c.gc = gc
	c.state = stateOpen
	c.lastIO = l.now
	l.link(c)
	c.handler.OnOpen(c)
	if len(c.out) > 0 {
		c.markDirty()
	}
	return l.finish(gc)
}

func (h *eventHandler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.Close
	}
	l := c.loop
	l.now = time.Now()
	if c.state != stateOpen {
		_, _ = gc.Discard(gc.InboundBuffered())
		return l.finish(gc)
	}
	c.lastIO = l.now
	l.offer(c)
	return l.finish(gc)
}

func (h *eventHandler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok || c.state == stateClosed {
		return gnet.None
	}
	l := c.loop
	l.now = time.Now()
	if c.state == stateClosing {
		err = c.closeErr
	}
	c.state = stateClosed
	c.gc = nil
	c.out = nil
	c.in, c.inOff = nil, 0
	gc.SetContext(nil)
	l.unlink(c)
	l.wheel.remove(&c.idleT)
	l.wheel.remove(&c.writeT)
	if c.server != nil {
		c.server.count.Add(-1)
	}
	c.handler.OnClose(c, err)
	l.finish(nil)
	return gnet.None
}

// gnetLogger routes gnet's log lines to slog (or nowhere).
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(string, ...any) {}
func (g gnetLogger) Infof(string, ...any)  {}
func (g gnetLogger) Warnf(format string, args ...any) {
	if g.l != nil {
		g.l.Warn(fmt.Sprintf(format, args...), "component", "gnet")
	}
}
func (g gnetLogger) Errorf(format string, args ...any) {
	if g.l != nil {
		g.l.Error(fmt.Sprintf(format, args...), "component", "gnet")
	}
}
func (g gnetLogger) Fatalf(format string, args ...any) {
	if g.l != nil {
		g.l.Error(fmt.Sprintf(format, args...), "component", "gnet", "fatal", true)
	}
}
