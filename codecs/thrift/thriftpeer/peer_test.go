package thriftpeer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestPeerAllVariants: the generated client calls every method of the
// generated server in each variant, plain and multiplexed.
func TestPeerAllVariants(t *testing.T) {
	for _, v := range xthrift.AllVariants() {
		for _, mux := range []bool{false, true} {
			name := v.String()
			if mux {
				name += "/multiplexed"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				srv, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: v, Multiplexed: mux, Name: "s1"})
				require.NoError(t, err)
				defer srv.Stop()
				c, err := thriftpeer.Dial(srv.Addr(), thriftpeer.ClientOptions{Variant: v, Multiplexed: mux})
				require.NoError(t, err)
				defer c.Close()

				got, err := c.Echo.Echo(ctx, "hello")
				require.NoError(t, err)
				assert.Equal(t, "hello", got, "echo is pure by default")
				got, err = c.Echo.Echo(ctx, thriftpeer.WhoAmI)
				require.NoError(t, err)
				assert.Equal(t, "s1:"+thriftpeer.WhoAmI, got)
				sum, err := c.Echo.Add(ctx, 40, 2)
				require.NoError(t, err)
				assert.Equal(t, int32(42), sum)
				require.NoError(t, c.Echo.Ping(ctx))
				require.NoError(t, c.Echo.Fire(ctx, "oneway"))
				_, err = c.Echo.Fail(ctx, "declared")
				var ee *echo.EchoError
				require.True(t, errors.As(err, &ee), "%v", err)
				assert.Equal(t, "declared", ee.Message)
				_, err = c.Echo.Fail(ctx, thriftpeer.FailInternal)
				var tae athrift.TApplicationException
				require.True(t, errors.As(err, &tae), "%v", err)
				assert.Equal(t, int32(athrift.INTERNAL_ERROR), tae.TypeId())
				b := &echo.Bundle{Text: "t", Tags: []string{"a"}, Series: map[string][]int64{"k": {1}}}
				back, err := c.Echo.Mirror(ctx, b)
				require.NoError(t, err)
				assert.True(t, b.Equals(back))
				if mux {
					p, err := c.Calc.Mul(ctx, 6, 7)
					require.NoError(t, err)
					assert.Equal(t, int64(42), p)
				}

				wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				calls, err := srv.WaitCalls(wctx, 8)
				require.NoError(t, err)
				var methods []string
				for _, c := range calls {
					methods = append(methods, c.Service+"."+c.Method)
				}
				assert.Subset(t, methods, []string{"Echo.echo", "Echo.add", "Echo.ping", "Echo.fire", "Echo.fail", "Echo.mirror"})
				assert.Equal(t, "oneway", calls[4].Msg)
				assert.Equal(t, int64(40), calls[2].A)
			})
		}
	}
}

// TestPeerHoldDelayAndStop: a held call is answered on Release, a delayed
// one after its delay, and Stop returns promptly with a held call and an
// idle connection open.
func TestPeerHoldDelayAndStop(t *testing.T) {
	ctx := context.Background()
	srv, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: xthrift.CompactFramed, Delay: 30 * time.Millisecond,
		Hold: func(c thriftpeer.Call) bool { return c.Msg == "hold" }})
	require.NoError(t, err)
	c, err := thriftpeer.Dial(srv.Addr(), thriftpeer.ClientOptions{Variant: xthrift.CompactFramed})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Echo.Echo(ctx, "x")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	done := make(chan error, 1)
	go func() { _, err := c.Echo.Echo(ctx, "hold"); done <- err }()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = srv.WaitCalls(wctx, 2)
	require.NoError(t, err)
	select {
	case <-done:
		t.Fatal("a held call was answered")
	case <-time.After(50 * time.Millisecond):
	}
	srv.Release()
	require.NoError(t, <-done)

	// Held again, then Stop: the call fails, Stop returns.
	go func() { _, err := c.Echo.Echo(ctx, "hold"); done <- err }()
	_, err = srv.WaitCalls(wctx, 3)
	require.NoError(t, err)
	idle, err := thriftpeer.Dial(srv.Addr(), thriftpeer.ClientOptions{Variant: xthrift.CompactFramed})
	require.NoError(t, err)
	stopped := make(chan struct{})
	go func() { srv.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hangs")
	}
	assert.Error(t, <-done)
	srv.Stop() // again: no-op
	_ = c.Close()
	_ = idle.Close()
}
