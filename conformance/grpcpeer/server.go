// Package grpcpeer runs google.golang.org/grpc as an independent gRPC peer
// for the end-to-end tests of the gateway and the demo, without protoc: the
// server implements grpc-go's interop TestService
// (google.golang.org/grpc/interop/grpc_testing, "grpc.testing.TestService")
// with all four call kinds, and registers the health service and server
// reflection. The client helpers dial with large message limits and make
// one call of each kind.
//
// What the server does on every TestService call:
//
//   - it sends [MDBackend] (the server's name) in the response headers;
//   - every incoming "x-echo-*" metadata entry comes back in the response
//     headers and again in the trailers;
//   - it waits Options.Delay (or the [MDDelay] request metadata) first;
//   - a request's ResponseStatus with a non-zero code ends the call with
//     that code and message;
//   - a call whose context ends (client cancel, deadline, gateway reset)
//     stops at once and is counted (Server.Cancelled).
//
// UnaryCall answers ResponseSize bytes of [Pattern] with Username and
// ServerId set to the name, and puts the request payload's size and hex
// SHA-256 in the trailers ([MDPayloadSize], [MDPayloadSHA256]).
// StreamingOutputCall sends one response per ResponseParameters (its
// IntervalUs apart). StreamingInputCall answers the sum of the payload
// sizes it received. FullDuplexCall answers each request as soon as it
// arrives, one response per ResponseParameters.
package grpcpeer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/conformance/peerserver"
)

// Metadata keys the server reads or writes.
const (
	// MDBackend carries the server's name in every TestService response's
	// headers.
	MDBackend = "x-backend"
	// MDEchoPrefix starts the request metadata keys that are echoed back
	// in the response headers and trailers.
	MDEchoPrefix = "x-echo-"
	// MDDelay, in request metadata, overrides Options.Delay for the call:
	// a Go duration ("250ms"), or "hold" to wait until the call is
	// cancelled (or the server closes).
	MDDelay = "x-delay"
	// MDPayloadSize is the trailer with the size of a UnaryCall's request
	// payload.
	MDPayloadSize = "x-payload-size"
	// MDPayloadSHA256 is the trailer with the hex SHA-256 of a UnaryCall's
	// request payload.
	MDPayloadSHA256 = "x-payload-sha256"
)

// ServiceName is the full name of the test service.
const ServiceName = "grpc.testing.TestService"

// MaxMessageSize is the message size limit of the server and of Dial's
// connections, both ways (grpc-go's default receive limit is 4 MiB).
const MaxMessageSize = 16 << 20

// Options shape a server.
type Options struct {
	// Address is where to listen; "" means 127.0.0.1:0 (a free port).
	Address string
	// Name is what the server reports (MDBackend, SimpleResponse.Username
	// and ServerId) so a caller can tell which backend answered; "" means
	// the listening address.
	Name string
	// Delay is how long every TestService call waits before it is handled.
	Delay time.Duration
}

// Call is one TestService call the server saw.
type Call struct {
	// Method is the full method name, e.g. "/grpc.testing.TestService/UnaryCall".
	Method string
	// MD is the request metadata (":authority" and "content-type"
	// included, as grpc-go hands them over).
	MD metadata.MD
	// Deadline is the call's deadline (from grpc-timeout); zero when none.
	Deadline time.Time
}

// Server is a running grpc-go server on a loopback port.
type Server struct {
	opts    Options
	ln      net.Listener
	srv     *grpc.Server
	health  *health.Server
	served  chan struct{} // closed when Serve has returned
	stopped chan struct{} // closed by Close: held calls end
	once    sync.Once

	mu    sync.Mutex
	calls []Call

	requests  peerserver.Counter
	cancelled peerserver.Counter
}

// Start listens and serves in the background until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Address
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("grpcpeer: listen: %w", err)
	}
	if opts.Name == "" {
		opts.Name = ln.Addr().String()
	}
	s := &Server{opts: opts, ln: ln, served: make(chan struct{}), stopped: make(chan struct{})}
	s.srv = grpc.NewServer(
		grpc.MaxRecvMsgSize(MaxMessageSize),
		grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.WaitForHandlers(true), // Stop waits for running handlers
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
	)
	testpb.RegisterTestServiceServer(s.srv, &testService{s: s})
	s.health = health.NewServer()
	healthpb.RegisterHealthServer(s.srv, s.health)
	s.SetServing(true)
	reflection.Register(s.srv)
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // returns nil after Stop
	}()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Name returns the name the server reports.
func (s *Server) Name() string { return s.opts.Name }

// SetServing sets what the health service answers for the server as a
// whole ("") and for ServiceName: SERVING or NOT_SERVING.
func (s *Server) SetServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(ServiceName, st)
}

// Requests returns how many TestService calls the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// WaitRequests waits until the server has received at least n TestService
// calls.
func (s *Server) WaitRequests(ctx context.Context, n int64) error {
	return prefixed(s.requests.Wait(ctx, n, "calls"))
}

// Cancelled returns how many TestService calls ended because their
// context was done (cancelled or past the deadline) before they finished.
func (s *Server) Cancelled() int64 { return s.cancelled.Load() }

// WaitCancelled waits until at least n calls have ended on their context.
func (s *Server) WaitCancelled(ctx context.Context, n int64) error {
	return prefixed(s.cancelled.Wait(ctx, n, "cancelled calls"))
}

// Calls returns the calls seen so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Close stops the server at once: the listener and every connection close,
// calls in flight are cancelled, and Close returns when their handlers
// and the server's goroutines have returned. It is safe to call more than
// once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stopped)
		s.health.Shutdown()
		s.srv.Stop()
		<-s.served
	})
}

func isTestService(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/"+ServiceName+"/")
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !isTestService(info.FullMethod) {
		return handler(ctx, req)
	}
	if err := s.enter(ctx, info.FullMethod, func(md metadata.MD) error { return grpc.SetHeader(ctx, md) },
		func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) }); err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	s.leave(ctx, err)
	return resp, err
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !isTestService(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx := ss.Context()
	if err := s.enter(ctx, info.FullMethod, ss.SetHeader, ss.SetTrailer); err != nil {
		return err
	}
	err := handler(srv, ss)
	s.leave(ctx, err)
	return err
}

// enter records the call, sends the response headers and waits the
// delay.
func (s *Server) enter(ctx context.Context, method string, setHeader func(metadata.MD) error, setTrailer func(metadata.MD)) error {
	md, _ := metadata.FromIncomingContext(ctx)
	dl, _ := ctx.Deadline()
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, MD: md.Copy(), Deadline: dl})
	s.mu.Unlock()
	s.requests.Add()

	out := metadata.Pairs(MDBackend, s.opts.Name)
	echo := metadata.MD{}
	for k, vs := range md {
		if strings.HasPrefix(k, MDEchoPrefix) {
			echo[k] = vs
			out[k] = vs
		}
	}
	if err := setHeader(out); err != nil {
		return err
	}
	if len(echo) > 0 {
		setTrailer(echo)
	}

	d, hold := s.opts.Delay, false
	if v := md.Get(MDDelay); len(v) > 0 {
		if v[0] == "hold" {
			hold = true
		} else {
			var err error
			if d, err = time.ParseDuration(v[0]); err != nil {
				return status.Errorf(codes.InvalidArgument, "grpcpeer: %s: %v", MDDelay, err)
			}
		}
	}
	if !hold && d <= 0 {
		return nil
	}
	var timeout <-chan time.Time
	if !hold {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return nil
	case <-ctx.Done():
		err := status.FromContextError(ctx.Err()).Err()
		s.leave(ctx, err)
		return err
	case <-s.stopped:
		return status.Error(codes.Unavailable, "grpcpeer: server closing")
	}
}

// leave counts a call that ended on its context.
func (s *Server) leave(ctx context.Context, err error) {
	if ctx.Err() == nil {
		return
	}
	switch status.Code(err) {
	case codes.Canceled, codes.DeadlineExceeded:
		s.cancelled.Add()
	}
}

// testService implements grpc.testing.TestService.
type testService struct {
	testpb.UnimplementedTestServiceServer
	s *Server
}

func (t *testService) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return &testpb.Empty{}, nil
}

func (t *testService) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	body := req.GetPayload().GetBody()
	sum := sha256.Sum256(body)
	if err := grpc.SetTrailer(ctx, metadata.Pairs(
		MDPayloadSize, strconv.Itoa(len(body)),
		MDPayloadSHA256, hex.EncodeToString(sum[:]),
	)); err != nil {
		return nil, err
	}
	if err := echoStatus(req.GetResponseStatus()); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &testpb.SimpleResponse{
		Payload:  NewPayload(int(req.GetResponseSize())),
		Username: t.s.opts.Name,
		ServerId: t.s.opts.Name,
	}, nil
}

func (t *testService) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, stream testpb.TestService_StreamingOutputCallServer) error {
	for _, p := range req.GetResponseParameters() {
		if err := t.s.pause(stream.Context(), p.GetIntervalUs()); err != nil {
			return err
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: NewPayload(int(p.GetSize()))}); err != nil {
			return err
		}
	}
	return echoStatus(req.GetResponseStatus())
}

func (t *testService) StreamingInputCall(stream testpb.TestService_StreamingInputCallServer) error {
	var total int
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: int32(total)})
		}
		if err != nil {
			return err
		}
		total += len(req.GetPayload().GetBody())
	}
}

func (t *testService) FullDuplexCall(stream testpb.TestService_FullDuplexCallServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := echoStatus(req.GetResponseStatus()); err != nil {
			return err
		}
		for _, p := range req.GetResponseParameters() {
			if err := t.s.pause(stream.Context(), p.GetIntervalUs()); err != nil {
				return err
			}
			if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: NewPayload(int(p.GetSize()))}); err != nil {
				return err
			}
		}
	}
}

// pause waits us microseconds, or until the call or the server ends.
func (s *Server) pause(ctx context.Context, us int32) error {
	if us <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(us) * time.Microsecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	case <-s.stopped:
		return status.Error(codes.Unavailable, "grpcpeer: server closing")
	}
}

// echoStatus returns the status a request asks for, nil for none or OK.
func echoStatus(st *testpb.EchoStatus) error {
	if st.GetCode() == 0 {
		return nil
	}
	return status.Error(codes.Code(st.GetCode()), st.GetMessage())
}

// prefixed names this package in a Counter's error.
func prefixed(err error) error {
	if err != nil {
		return fmt.Errorf("grpcpeer: %w", err)
	}
	return nil
}
