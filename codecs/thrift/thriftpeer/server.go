// Package thriftpeer runs the Apache Thrift library's generated Echo and
// Calc services (conformance/thrift/echo.thrift) as independent peers for
// tests of the Thrift codec and the gateway: a server that records what it
// is asked, echoes, can delay or hold calls and say which server answered,
// and a generated client, both in any of the four variants and optionally
// multiplexed (TMultiplexedProtocol).
package thriftpeer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"

	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
)

// WhoAmI is the prefix that makes Echo.echo say which server answered: a
// message starting with it is returned as "<ServerOptions.Name>:<message>".
// Any other message is echoed unchanged.
const WhoAmI = "whoami"

// FailInternal makes Echo.fail return an undeclared error, which the
// generated processor answers with a TApplicationException INTERNAL_ERROR
// (an EXCEPTION message); any other message gets the declared EchoError
// (a REPLY carrying the exception).
const FailInternal = "internal"

// ServerOptions shape a server's behaviour.
type ServerOptions struct {
	// Variant is the protocol and transport the server speaks (required).
	Variant xthrift.Variant
	// Address is where to listen; "" means a free loopback port.
	Address string
	// Multiplexed serves Echo and Calc behind a TMultiplexedProcessor
	// ("Echo:echo", "Calc:mul"); plain names still reach Echo. Without it
	// only Echo is served, under plain names.
	Multiplexed bool
	// Name is what echo reports when asked with WhoAmI.
	Name string
	// Delay is how long every call waits before it is answered.
	Delay time.Duration
	// Hold, when set, is consulted for every call: a call it returns true
	// for is answered only after Release (or Stop).
	Hold func(c Call) bool
}

// Call is one call a server's handlers saw.
type Call struct {
	// Service is "Echo" or "Calc".
	Service string
	// Method is the IDL method name, e.g. "echo".
	Method string
	// Msg is the msg argument of echo, fire and fail.
	Msg string
	// A and B are the arguments of add and mul.
	A, B int64
	// At is when the handler was entered.
	At time.Time
}

// Server is a running generated Echo (and Calc) server on a loopback port.
type Server struct {
	opts    ServerOptions
	srv     *athrift.TSimpleServer
	sock    *trackingSocket
	stopped chan struct{} // closed by Stop: held and delayed calls end
	served  chan struct{} // closed when the accept loop has returned
	once    sync.Once

	mu      sync.Mutex
	calls   []Call
	changed chan struct{} // closed and replaced on every new call
	release chan struct{} // closed and replaced by Release
}

// Serve starts a server on 127.0.0.1 with a free port.
func Serve(opts ServerOptions) (*Server, error) {
	if !opts.Variant.Valid() {
		return nil, fmt.Errorf("thriftpeer: serve: invalid variant %d", opts.Variant)
	}
	addr := opts.Address
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	inner, err := athrift.NewTServerSocket(addr)
	if err != nil {
		return nil, fmt.Errorf("thriftpeer: serve: %w", err)
	}
	s := &Server{
		opts:    opts,
		sock:    &trackingSocket{TServerSocket: inner, conns: map[athrift.TTransport]struct{}{}},
		stopped: make(chan struct{}),
		served:  make(chan struct{}),
		changed: make(chan struct{}),
		release: make(chan struct{}),
	}
	var processor athrift.TProcessor = echo.NewEchoProcessor(echoHandler{s})
	if opts.Multiplexed {
		mux := athrift.NewTMultiplexedProcessor()
		mux.RegisterProcessor("Echo", processor)
		mux.RegisterProcessor("Calc", echo.NewCalcProcessor(calcHandler{s}))
		mux.RegisterDefault(processor)
		processor = mux
	}
	transports, protocols := factories(opts.Variant)
	s.srv = athrift.NewTSimpleServer4(processor, s.sock, transports, protocols)
	// Serve would set this; Listen and AcceptLoop are called apart so the
	// address is known before Serve returns.
	s.srv.SetLogContext(context.Background())
	if err := s.srv.Listen(); err != nil {
		return nil, fmt.Errorf("thriftpeer: listen: %w", err)
	}
	go func() {
		defer close(s.served)
		_ = s.srv.AcceptLoop() // returns when Stop interrupts the listener
	}()
	return s, nil
}

// factories returns the library's transport and protocol factories of v.
func factories(v xthrift.Variant) (athrift.TTransportFactory, athrift.TProtocolFactory) {
	conf := &athrift.TConfiguration{}
	var tf athrift.TTransportFactory = athrift.NewTBufferedTransportFactory(8192)
	if v.Framed() {
		tf = athrift.NewTFramedTransportFactoryConf(athrift.NewTTransportFactory(), conf)
	}
	var pf athrift.TProtocolFactory = athrift.NewTBinaryProtocolFactoryConf(conf)
	if v.Compact() {
		pf = athrift.NewTCompactProtocolFactoryConf(conf)
	}
	return tf, pf
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.sock.Addr().String() }

// Variant returns the variant the server speaks.
func (s *Server) Variant() xthrift.Variant { return s.opts.Variant }

// Stop closes the listener and every client connection, ends held and
// delayed calls, and returns once all the server's goroutines are gone. It
// is safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		close(s.stopped)
		// TSimpleServer.Stop waits for connection goroutines, which only end
		// when their connections do: close those first (and any accepted
		// from now on).
		s.sock.closeAll()
		_ = s.srv.Stop()
		<-s.served
	})
}

// Calls returns the calls seen so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Reset forgets the calls seen so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

// WaitCalls waits until at least n calls have been seen (oneway calls have
// no reply to wait for) and returns them, or fails when ctx ends first.
func (s *Server) WaitCalls(ctx context.Context, n int) ([]Call, error) {
	for {
		s.mu.Lock()
		calls, changed := append([]Call(nil), s.calls...), s.changed
		s.mu.Unlock()
		if len(calls) >= n {
			return calls, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return calls, fmt.Errorf("thriftpeer: %d of %d calls seen: %w", len(calls), n, ctx.Err())
		}
	}
}

// Release answers every call held so far.
func (s *Server) Release() {
	s.mu.Lock()
	close(s.release)
	s.release = make(chan struct{})
	s.mu.Unlock()
}

// enter records c, then applies the hold and the delay. It returns an
// error when the server stops meanwhile.
func (s *Server) enter(c Call) error {
	c.At = time.Now()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
	release := s.release
	s.mu.Unlock()
	if s.opts.Hold != nil && s.opts.Hold(c) {
		select {
		case <-release:
		case <-s.stopped:
			return errStopped
		}
	}
	if s.opts.Delay > 0 {
		t := time.NewTimer(s.opts.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.stopped:
			return errStopped
		}
	}
	return nil
}

// errStopped ends a call cut short by Stop; the generated processor turns
// it into an INTERNAL_ERROR the client (whose connection is closing) will
// not see.
var errStopped = errors.New("thriftpeer: server stopped")

// echoHandler implements the generated echo.Echo service.
type echoHandler struct{ s *Server }

func (h echoHandler) Echo(_ context.Context, msg string) (string, error) {
	if err := h.s.enter(Call{Service: "Echo", Method: "echo", Msg: msg}); err != nil {
		return "", err
	}
	if strings.HasPrefix(msg, WhoAmI) {
		return h.s.opts.Name + ":" + msg, nil
	}
	return msg, nil
}

func (h echoHandler) Add(_ context.Context, a, b int32) (int32, error) {
	if err := h.s.enter(Call{Service: "Echo", Method: "add", A: int64(a), B: int64(b)}); err != nil {
		return 0, err
	}
	return a + b, nil
}

func (h echoHandler) Ping(context.Context) error {
	return h.s.enter(Call{Service: "Echo", Method: "ping"})
}

func (h echoHandler) Fire(_ context.Context, msg string) error {
	return h.s.enter(Call{Service: "Echo", Method: "fire", Msg: msg})
}

func (h echoHandler) Fail(_ context.Context, msg string) (string, error) {
	if err := h.s.enter(Call{Service: "Echo", Method: "fail", Msg: msg}); err != nil {
		return "", err
	}
	if msg == FailInternal {
		return "", errors.New("thriftpeer: internal failure")
	}
	return "", &echo.EchoError{Code: 42, Message: msg}
}

func (h echoHandler) Mirror(_ context.Context, b *echo.Bundle) (*echo.Bundle, error) {
	if err := h.s.enter(Call{Service: "Echo", Method: "mirror"}); err != nil {
		return nil, err
	}
	return b, nil
}

// calcHandler implements the generated echo.Calc service.
type calcHandler struct{ s *Server }

func (h calcHandler) Mul(_ context.Context, a, b int64) (int64, error) {
	if err := h.s.enter(Call{Service: "Calc", Method: "mul", A: a, B: b}); err != nil {
		return 0, err
	}
	return a * b, nil
}

// trackingSocket is the server socket with a record of the connections it
// accepted, so Stop can close them.
type trackingSocket struct {
	*athrift.TServerSocket
	mu      sync.Mutex
	closing bool
	conns   map[athrift.TTransport]struct{}
}

// Accept accepts a connection and tracks it until it is closed; once
// closeAll has run, a new connection is closed at once.
func (t *trackingSocket) Accept() (athrift.TTransport, error) {
	c, err := t.TServerSocket.Accept()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		_ = c.Close()
		return c, nil
	}
	tc := &trackedConn{TTransport: c, owner: t}
	t.conns[tc] = struct{}{}
	return tc, nil
}

func (t *trackingSocket) closeAll() {
	t.mu.Lock()
	t.closing = true
	conns := make([]athrift.TTransport, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// trackedConn forgets itself when closed.
type trackedConn struct {
	athrift.TTransport
	owner *trackingSocket
}

// Read reports a connection closed by Stop as io.EOF, which the library's
// server treats as a clean end instead of logging an error.
func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.TTransport.Read(p)
	if err != nil {
		c.owner.mu.Lock()
		closing := c.owner.closing
		c.owner.mu.Unlock()
		if closing {
			err = io.EOF
		}
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.owner.mu.Lock()
	delete(c.owner.conns, c)
	c.owner.mu.Unlock()
	return c.TTransport.Close()
}
