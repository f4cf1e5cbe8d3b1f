package http2_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/codecs/http2/h2test"
	"github.com/xgate/xgate/xprotocol"
)

// rawCodec passes message bytes through, so the echo server's raw gRPC
// frames come back as the same message.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

// grpcHandler echoes like h2test.Echo, checks the gRPC view of each
// request head, and answers /test.Echo/Fail* with the protocol's
// ErrorReply.
type grpcHandler struct {
	echo  h2test.Handler
	proto xprotocol.Protocol
	mu    *sync.Mutex
	seen  *[]string
}

func (h *grpcHandler) Frame(w *h2test.Writer, f xprotocol.Frame) {
	if f.Kind() == xprotocol.KindRequest {
		h.mu.Lock()
		*h.seen = append(*h.seen, fmt.Sprintf("%s %s %s %s", f.Protocol(), f.Key(xprotocol.KeyService), f.Key(xprotocol.KeyMethod), f.Timeout().Round(time.Second)))
		h.mu.Unlock()
		if m := string(f.Key(xprotocol.KeyMethod)); strings.HasPrefix(m, "Fail") {
			st := map[string]xprotocol.Status{"FailNoRoute": xprotocol.StatusNoRoute, "FailOverload": xprotocol.StatusOverload,
				"FailTimeout": xprotocol.StatusTimeout}[m]
			w.Encode(h.proto.ErrorReply(f, st, "gateway says: 100% \"busy\"\n"))
			f.Release()
			return
		}
	}
	h.echo.Frame(w, f)
}

func grpcServer(t *testing.T, p xprotocol.Protocol) (string, func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := h2test.StartServer(t, p, xprotocol.SessionOptions{}, func() h2test.Handler {
		return &grpcHandler{echo: h2test.NewEcho(), proto: p, mu: &mu, seen: &seen}
	})
	t.Cleanup(func() { assert.Empty(t, srv.Errors()) })
	return srv.Addr, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func grpcConn(t *testing.T, addr string) *grpc.ClientConn {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

func TestGRPCClientUnary(t *testing.T) {
	addr, seen := grpcServer(t, xh2.Proto)
	cc := grpcConn(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := []byte("hello gRPC")
	var out []byte
	require.NoError(t, cc.Invoke(ctx, "/test.Echo/Say", &in, &out))
	assert.Equal(t, in, out)
	require.NotEmpty(t, seen())
	assert.Equal(t, "grpc test.Echo Say 30s", seen()[0], "protocol, service, method and grpc-timeout of the request")
}

// TestGRPC1000Streams runs 1,000 concurrent unary calls on one connection.
func TestGRPC1000Streams(t *testing.T) {
	addr, _ := grpcServer(t, xh2.Proto)
	cc := grpcConn(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := bytes.Repeat([]byte{byte(i)}, 100+i)
			var out []byte
			if err := cc.Invoke(ctx, "/test.Echo/Say", &in, &out); err != nil {
				errs <- err
			} else if !bytes.Equal(in, out) {
				errs <- fmt.Errorf("call %d: echo differs", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestGRPCClientStreaming(t *testing.T) {
	addr, _ := grpcServer(t, xh2.Proto)
	cc := grpcConn(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, "/test.Echo/Chat")
	require.NoError(t, err)
	for i := range 50 {
		msg := bytes.Repeat([]byte{byte(i)}, 1000*i+1)
		require.NoError(t, st.SendMsg(&msg))
		var got []byte
		require.NoError(t, st.RecvMsg(&got))
		require.Equal(t, msg, got)
	}
	require.NoError(t, st.CloseSend())
	var extra []byte
	assert.ErrorIs(t, st.RecvMsg(&extra), io.EOF)
}

// TestGRPCErrorReply: trailers-only error replies reach a real gRPC client
// as the mapped code with the message percent-decoded — on the http2
// protocol (by content-type) and on the grpc alias.
func TestGRPCErrorReply(t *testing.T) {
	for _, p := range []xprotocol.Protocol{xh2.Proto, xh2.GRPC} {
		t.Run(p.Name(), func(t *testing.T) {
			addr, _ := grpcServer(t, p)
			cc := grpcConn(t, addr)
			for method, code := range map[string]codes.Code{"FailNoRoute": codes.Unimplemented,
				"FailOverload": codes.ResourceExhausted, "FailTimeout": codes.DeadlineExceeded} {
				in := []byte("x")
				var out []byte
				err := cc.Invoke(context.Background(), "/test.Echo/"+method, &in, &out)
				st, ok := status.FromError(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, code, st.Code(), method)
				assert.Equal(t, "gateway says: 100% \"busy\"\n", st.Message())
			}
		})
	}
}
