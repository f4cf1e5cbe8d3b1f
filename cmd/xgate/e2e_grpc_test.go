package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/conformance/grpcpeer"
	"github.com/xgate/xgate/conformance/httppeer"
)

func grpcBackend(t *testing.T, opts grpcpeer.Options) *grpcpeer.Server {
	t.Helper()
	s, err := grpcpeer.Start(opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func grpcDial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpcpeer.Dial(addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// grpcGateway routes grpc.testing.TestService, health and reflection to
// backend; anything else has no route; the service "down.Service" goes to a
// dead endpoint.
func grpcGateway(t *testing.T, backend string, extra string) *gateway {
	return startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
%s    routes:
      - match: {service: grpc.testing.TestService}
        cluster: grpc
      - match: {service: grpc.health.v1.Health}
        cluster: grpc
      - match: {path_prefix: /grpc.reflection.}
        cluster: grpc
      - match: {service: down.Service}
        cluster: down
clusters:
  - {name: grpc, protocol: grpc, endpoints: [%s], request_timeout: 10s}
  - {name: down, protocol: grpc, endpoints: ["%s"], connect_timeout: 500ms}
`, extra, backend, closedAddr(t)))
}

func TestGRPCThroughGateway(t *testing.T) {
	be := grpcBackend(t, grpcpeer.Options{Name: "grpc-be"})
	g := grpcGateway(t, be.Addr(), "")
	cc := grpcDial(t, g.addr)
	ctx := ctxTimeout(t, 60*time.Second)

	t.Run("unary with metadata", func(t *testing.T) {
		var hdr, trl metadata.MD
		mctx := metadata.AppendToOutgoingContext(ctx, "x-echo-tag", "abc")
		resp, err := grpcpeer.Unary(mctx, cc, 100, 200, grpc.Header(&hdr), grpc.Trailer(&trl))
		require.NoError(t, err)
		assert.Equal(t, "grpc-be", resp.GetUsername())
		assert.Equal(t, []string{"grpc-be"}, hdr.Get(grpcpeer.MDBackend))
		assert.Equal(t, []string{"abc"}, append(hdr.Get("x-echo-tag"), trl.Get("x-echo-tag")...)[:1], "metadata passes both ways")
	})
	t.Run("server streaming", func(t *testing.T) {
		sizes := []int{10, 1000, 100000, 5}
		got, err := grpcpeer.ServerStream(ctx, cc, sizes)
		require.NoError(t, err)
		assert.Equal(t, sizes, got)
	})
	t.Run("client streaming", func(t *testing.T) {
		total, err := grpcpeer.ClientStream(ctx, cc, []int{1, 2, 3, 40000})
		require.NoError(t, err)
		assert.Equal(t, 40006, total)
	})
	t.Run("bidi", func(t *testing.T) {
		sizes := []int{7, 70, 700, 7000}
		got, err := grpcpeer.Bidi(ctx, cc, sizes)
		require.NoError(t, err)
		assert.Equal(t, sizes, got)
	})
	t.Run("large messages", func(t *testing.T) {
		_, err := grpcpeer.Unary(ctx, cc, 5<<20, 6<<20)
		require.NoError(t, err)
	})
	t.Run("compressed messages pass through", func(t *testing.T) {
		// The compressed-flag byte, the gzip bytes and grpc-encoding travel
		// untouched: the server decompresses and checks the 100 kB payload
		// (grpcpeer.Unary fails otherwise), and the client the reply.
		_, err := grpcpeer.Unary(ctx, cc, 100000, 100000, grpc.UseCompressor(gzip.Name))
		require.NoError(t, err)
	})
	t.Run("status from the server", func(t *testing.T) {
		_, err := grpcpeer.Client(cc).UnaryCall(ctx, &testpb.SimpleRequest{
			ResponseStatus: &testpb.EchoStatus{Code: int32(codes.FailedPrecondition), Message: "nope: 100% sure"},
		})
		st := status.Convert(err)
		assert.Equal(t, codes.FailedPrecondition, st.Code())
		assert.Equal(t, "nope: 100% sure", st.Message())
	})
	t.Run("health", func(t *testing.T) {
		resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
	})
	t.Run("reflection", func(t *testing.T) {
		stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
		require.NoError(t, err)
		require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: "*"},
		}))
		resp, err := stream.Recv()
		require.NoError(t, err)
		var names []string
		for _, s := range resp.GetListServicesResponse().GetService() {
			names = append(names, s.GetName())
		}
		assert.Contains(t, names, "grpc.testing.TestService")
		require.NoError(t, stream.CloseSend())
	})
	t.Run("no route is UNIMPLEMENTED", func(t *testing.T) {
		err := cc.Invoke(ctx, "/other.Service/Call", &testpb.Empty{}, &testpb.Empty{})
		assert.Equal(t, codes.Unimplemented, status.Code(err), "%v", err)
	})
	t.Run("dead upstream is UNAVAILABLE", func(t *testing.T) {
		err := cc.Invoke(ctx, "/down.Service/Call", &testpb.Empty{}, &testpb.Empty{})
		assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	})
	t.Run("1000 concurrent streams on one connection", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for range 1000 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := grpcpeer.Unary(ctx, cc, 64, 64); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
			break
		}
	})
	assert.Equal(t, 1.0, g.metric(`xgate_detect_total{listener="edge",protocol="http2",result="matched"}`),
		"one client connection carried every call")
}

func TestGRPCCancellationReachesServer(t *testing.T) {
	be := grpcBackend(t, grpcpeer.Options{Name: "grpc-be", Delay: time.Minute})
	g := grpcGateway(t, be.Addr(), "")
	cc := grpcDial(t, g.addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := grpcpeer.Unary(ctx, cc, 10, 10)
		done <- err
	}()
	require.NoError(t, be.WaitRequests(ctxTimeout(t, 10*time.Second), 1))
	cancel()
	assert.Equal(t, codes.Canceled, status.Code(<-done))
	require.NoError(t, be.WaitCancelled(ctxTimeout(t, 10*time.Second), 1), "the cancel (RST_STREAM) reached the server")
}

func TestGRPCDeadlines(t *testing.T) {
	be := grpcBackend(t, grpcpeer.Options{Name: "grpc-be", Delay: time.Minute})
	g := grpcGateway(t, be.Addr(), "")

	// A grpc-go client: DEADLINE_EXCEEDED, and the server saw the deadline.
	cc := grpcDial(t, g.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := grpcpeer.Unary(ctx, cc, 10, 10)
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err))
	calls := be.Calls()
	require.NotEmpty(t, calls)
	assert.False(t, calls[0].Deadline.IsZero(), "grpc-timeout was propagated upstream")

	// A client that does not enforce its own deadline, to a server that
	// does not know grpc-timeout either (so only the gateway can answer):
	// the gateway honours grpc-timeout with DEADLINE_EXCEEDED.
	slow := httpBackend(t, "slow", true)
	g = startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes: [{cluster: slow}]
clusters:
  - {name: slow, protocol: grpc, endpoints: [%s], request_timeout: 20s}
`, slow.Addr()))
	c := httppeer.NewH2CClient()
	defer c.Close()
	req, err := http.NewRequest("POST", "http://"+g.addr+"/slow", strings.NewReader("\x00\x00\x00\x00\x00"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	req.Header.Set("Grpc-Timeout", "200m")
	start := time.Now()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 64)
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	assert.Less(t, time.Since(start), 30*time.Second)
	code := resp.Header.Get("Grpc-Status")
	if code == "" {
		code = resp.Trailer.Get("Grpc-Status")
	}
	assert.Equal(t, fmt.Sprint(int(codes.DeadlineExceeded)), code)
	assert.Positive(t, g.metric(`xgate_local_replies_total{listener="edge",status="timeout"}`))
}

func TestGRPCOverloadIsResourceExhausted(t *testing.T) {
	be := grpcBackend(t, grpcpeer.Options{Name: "grpc-be", Delay: time.Minute})
	g := grpcGateway(t, be.Addr(), "    max_requests_per_connection: 2\n")
	cc := grpcDial(t, g.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		go func() { _, _ = grpcpeer.Unary(ctx, cc, 1, 1) }()
	}
	require.NoError(t, be.WaitRequests(ctxTimeout(t, 10*time.Second), 2))
	_, err := grpcpeer.Unary(ctxTimeout(t, 10*time.Second), cc, 1, 1)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
}
