package grpcpeer_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/conformance/grpcpeer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const big = 5<<20 + 3 // over grpc-go's 4 MiB default limit

func setup(t *testing.T, opts grpcpeer.Options) (*grpcpeer.Server, *grpc.ClientConn) {
	t.Helper()
	srv, err := grpcpeer.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cc, err := grpcpeer.Dial(srv.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cc.Close()) })
	return srv, cc
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAllCallKinds(t *testing.T) {
	srv, cc := setup(t, grpcpeer.Options{Name: "g1"})
	ctx := timeout(t)

	t.Run("unary", func(t *testing.T) {
		for _, sz := range [][2]int{{0, 0}, {10, 20}, {big, big}} {
			var header, trailer metadata.MD
			mctx := metadata.AppendToOutgoingContext(ctx, "x-echo-color", "blue", "x-echo-bin", "\x00\x01", "x-other", "no")
			resp, err := grpcpeer.Unary(mctx, cc, sz[0], sz[1], grpc.Header(&header), grpc.Trailer(&trailer))
			require.NoError(t, err, "sizes %v", sz)
			assert.Equal(t, "g1", resp.GetUsername())
			assert.Equal(t, "g1", resp.GetServerId())
			assert.Equal(t, []string{"g1"}, header.Get(grpcpeer.MDBackend))
			assert.Equal(t, []string{"blue"}, header.Get("x-echo-color"))
			assert.Equal(t, []string{"blue"}, trailer.Get("x-echo-color"))
			assert.Equal(t, []string{"\x00\x01"}, header.Get("x-echo-bin"))
			assert.Empty(t, header.Get("x-other"), "only x-echo-* is echoed")
			sum := sha256.Sum256(grpcpeer.NewPayload(sz[0]).GetBody())
			assert.Equal(t, []string{strconv.Itoa(sz[0])}, trailer.Get(grpcpeer.MDPayloadSize))
			assert.Equal(t, []string{hex.EncodeToString(sum[:])}, trailer.Get(grpcpeer.MDPayloadSHA256))
		}
		_, err := grpcpeer.Client(cc).EmptyCall(ctx, &testpb.Empty{})
		require.NoError(t, err)
	})

	t.Run("server-streaming", func(t *testing.T) {
		var header metadata.MD
		want := []int{1, big, 0, 100}
		got, err := grpcpeer.ServerStream(ctx, cc, want, grpc.Header(&header))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, []string{"g1"}, header.Get(grpcpeer.MDBackend))
	})

	t.Run("client-streaming", func(t *testing.T) {
		var trailer metadata.MD
		mctx := metadata.AppendToOutgoingContext(ctx, "x-echo-k", "v")
		total, err := grpcpeer.ClientStream(mctx, cc, []int{big, 1, 0, 10}, grpc.Trailer(&trailer))
		require.NoError(t, err)
		assert.Equal(t, big+11, total)
		assert.Equal(t, []string{"v"}, trailer.Get("x-echo-k"))
	})

	t.Run("bidi", func(t *testing.T) {
		var header metadata.MD
		want := []int{10, big, 0, 3}
		got, err := grpcpeer.Bidi(ctx, cc, want, grpc.Header(&header))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, []string{"g1"}, header.Get(grpcpeer.MDBackend))
	})

	t.Run("bookkeeping", func(t *testing.T) {
		calls := srv.Calls()
		require.Len(t, calls, 7) // 3 unary, 1 empty, 1 of each stream kind
		assert.Equal(t, int64(7), srv.Requests(), "health and reflection are not counted")
		assert.Equal(t, "/grpc.testing.TestService/UnaryCall", calls[0].Method)
		assert.Equal(t, "/grpc.testing.TestService/FullDuplexCall", calls[6].Method)
		assert.Equal(t, []string{srv.Addr()}, calls[0].MD.Get(":authority"))
		assert.Equal(t, []string{"blue"}, calls[0].MD.Get("x-echo-color"))
		assert.False(t, calls[0].Deadline.IsZero(), "the test context's deadline travels as grpc-timeout")
		assert.Equal(t, int64(0), srv.Cancelled())
	})
}

func TestMessageLimit(t *testing.T) {
	_, cc := setup(t, grpcpeer.Options{})
	ctx := timeout(t)
	_, err := grpcpeer.Unary(ctx, cc, grpcpeer.MaxMessageSize+1, 0)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	_, err = grpcpeer.Unary(ctx, cc, 0, grpcpeer.MaxMessageSize+1)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
}

func TestEchoStatus(t *testing.T) {
	_, cc := setup(t, grpcpeer.Options{Name: "g2"})
	ctx := timeout(t)
	c := grpcpeer.Client(cc)
	st := &testpb.EchoStatus{Code: int32(codes.NotFound), Message: "no such thing"}

	var header metadata.MD
	_, err := c.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: st}, grpc.Header(&header))
	assert.Equal(t, codes.NotFound, status.Code(err))
	assert.Equal(t, "no such thing", status.Convert(err).Message())
	assert.Equal(t, []string{"g2"}, header.Get(grpcpeer.MDBackend), "headers come with an error status too")

	stream, err := c.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 5}},
		ResponseStatus:     &testpb.EchoStatus{Code: int32(codes.PermissionDenied), Message: "after one"},
	})
	require.NoError(t, err)
	resp, err := stream.Recv()
	require.NoError(t, err)
	assert.Len(t, resp.GetPayload().GetBody(), 5)
	_, err = stream.Recv()
	assert.Equal(t, codes.PermissionDenied, status.Code(err))
	assert.Equal(t, "after one", status.Convert(err).Message())

	bidi, err := c.FullDuplexCall(ctx)
	require.NoError(t, err)
	require.NoError(t, bidi.Send(&testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{{Size: 1}}}))
	_, err = bidi.Recv()
	require.NoError(t, err)
	require.NoError(t, bidi.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.Aborted), Message: "stop"}}))
	_, err = bidi.Recv()
	assert.Equal(t, codes.Aborted, status.Code(err))
	assert.Equal(t, "stop", status.Convert(err).Message())
}

func TestHealth(t *testing.T) {
	srv, cc := setup(t, grpcpeer.Options{})
	ctx := timeout(t)
	for _, svc := range []string{"", grpcpeer.ServiceName} {
		st, err := grpcpeer.Health(ctx, cc, svc)
		require.NoError(t, err)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, st, svc)
	}
	srv.SetServing(false)
	st, err := grpcpeer.Health(ctx, cc, grpcpeer.ServiceName)
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, st)
	srv.SetServing(true)
	st, err = grpcpeer.Health(ctx, cc, "")
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, st)
	_, err = grpcpeer.Health(ctx, cc, "no.such.Service")
	assert.Equal(t, codes.NotFound, status.Code(err))
}

func TestReflection(t *testing.T) {
	_, cc := setup(t, grpcpeer.Options{})
	names, err := grpcpeer.ListServices(timeout(t), cc)
	require.NoError(t, err)
	assert.Contains(t, names, grpcpeer.ServiceName)
	assert.Contains(t, names, "grpc.health.v1.Health")
	assert.Contains(t, names, "grpc.reflection.v1.ServerReflection")
}

// TestCancellation: a held call, a call past its deadline and a stream
// between two messages all end on the server when the client gives up.
func TestCancellation(t *testing.T) {
	srv, cc := setup(t, grpcpeer.Options{})
	ctx := timeout(t)
	hold := metadata.AppendToOutgoingContext(ctx, grpcpeer.MDDelay, "hold")

	// Cancelled while held.
	cctx, cancel := context.WithCancel(hold)
	errc := make(chan error, 1)
	go func() {
		_, err := grpcpeer.Unary(cctx, cc, 1, 1)
		errc <- err
	}()
	require.NoError(t, srv.WaitRequests(ctx, 1))
	cancel()
	assert.Equal(t, codes.Canceled, status.Code(<-errc))
	require.NoError(t, srv.WaitCancelled(ctx, 1))

	// Past its deadline while held. (The deadline leaves the call ample
	// time to reach the server, even under the race detector and load.)
	dctx, dcancel := context.WithTimeout(hold, 500*time.Millisecond)
	defer dcancel()
	_, err := grpcpeer.Bidi(dctx, cc, []int{1})
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err))
	require.NoError(t, srv.WaitCancelled(ctx, 2), "%d calls seen", srv.Requests())
	calls := srv.Calls()
	require.Len(t, calls, 2)
	assert.False(t, calls[1].Deadline.IsZero())
	assert.WithinDuration(t, time.Now(), calls[1].Deadline, 5*time.Second)

	// Cancelled between two messages of a server stream.
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	stream, err := grpcpeer.Client(cc).StreamingOutputCall(sctx, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 1}, {Size: 1, IntervalUs: 600e6}},
	})
	require.NoError(t, err)
	_, err = stream.Recv()
	require.NoError(t, err)
	scancel()
	_, err = stream.Recv()
	assert.Equal(t, codes.Canceled, status.Code(err))
	require.NoError(t, srv.WaitCancelled(ctx, 3))
	assert.Equal(t, int64(3), srv.Requests())
}

func TestDelay(t *testing.T) {
	_, cc := setup(t, grpcpeer.Options{Delay: 40 * time.Millisecond})
	ctx := timeout(t)
	start := time.Now()
	_, err := grpcpeer.Unary(ctx, cc, 1, 1)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	fast := metadata.AppendToOutgoingContext(ctx, grpcpeer.MDDelay, "0s")
	_, err = grpcpeer.Unary(fast, cc, 1, 1)
	require.NoError(t, err)

	bad := metadata.AppendToOutgoingContext(ctx, grpcpeer.MDDelay, "soon")
	_, err = grpcpeer.Unary(bad, cc, 1, 1)
	assert.Equal(t, codes.InvalidArgument, status.Code(err))
}

// TestCloseEndsHeldCalls: Close returns while a call is held, and the
// client gets an error rather than a hang.
func TestCloseEndsHeldCalls(t *testing.T) {
	srv, err := grpcpeer.Start(grpcpeer.Options{})
	require.NoError(t, err)
	cc, err := grpcpeer.Dial(srv.Addr())
	require.NoError(t, err)
	defer cc.Close()
	ctx := timeout(t)
	errc := make(chan error, 1)
	go func() {
		_, err := grpcpeer.Unary(metadata.AppendToOutgoingContext(ctx, grpcpeer.MDDelay, "hold"), cc, 1, 1)
		errc <- err
	}()
	require.NoError(t, srv.WaitRequests(ctx, 1))
	srv.Close()
	srv.Close() // twice is fine
	select {
	case err := <-errc:
		assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	case <-ctx.Done():
		t.Fatal("the held call did not end")
	}
	assert.Equal(t, "127.0.0.1", srv.Name()[:len("127.0.0.1")], "the name defaults to the address")
}
