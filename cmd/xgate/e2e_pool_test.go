package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
)

// pingPongConfig routes every Thrift call to one endpoint through a
// ping-pong pool of one connection, on one event loop (pools are per loop).
func pingPongConfig(endpoint string, timeout time.Duration) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    event_loops: 1
    routes:
      - match: {}
        cluster: echo
clusters:
  - name: echo
    protocol: thrift
    request_timeout: %s
    max_connections_per_host: 1
    endpoints: [%s]
`, timeout, endpoint)
}

// TestPingPongQueuedOnewayFreesConnection: a oneway call (sent as CALL)
// that waited for a ping-pong connection and was presumed oneway while
// queued must not keep the connection busy until its timeout once it is
// sent: nothing will answer it, so the next waiting request goes at once.
func TestPingPongQueuedOnewayFreesConnection(t *testing.T) {
	held := make(chan struct{}, 1)
	srv := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryUnframed,
		Hold: func(c thriftpeer.Call) bool {
			if c.Msg == "hold" {
				held <- struct{}{}
				return true
			}
			return false
		}})
	g := startGateway(t, pingPongConfig(srv.Addr(), 2*time.Second))
	ctx := ctxTimeout(t, 20*time.Second)

	// X occupies the only upstream connection.
	x := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryUnframed})
	xDone := make(chan error, 1)
	go func() {
		_, err := x.Echo.Echo(ctx, "hold")
		xDone <- err
	}()
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the held call never reached the server")
	}

	// Y fires a oneway call, then a two-way one: both queue.
	y := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryUnframed})
	require.NoError(t, y.Echo.Fire(ctx, "fired"))
	yDone := make(chan error, 1)
	go func() {
		got, err := y.Echo.Echo(ctx, "after oneway")
		if err == nil && got != "after oneway" {
			err = fmt.Errorf("got %q", got)
		}
		yDone <- err
	}()
	time.Sleep(200 * time.Millisecond) // both are queued at the gateway
	srv.Release()
	released := time.Now()
	require.NoError(t, <-xDone)
	require.NoError(t, <-yDone)
	assert.Less(t, time.Since(released), time.Second,
		"the call behind a queued oneway waited for the oneway's timeout")
}

// TestPingPongTimeoutServesWaiter: when the only ping-pong connection is
// closed because its request timed out, the request waiting behind it gets
// a new connection.
func TestPingPongTimeoutServesWaiter(t *testing.T) {
	held := make(chan struct{}, 4)
	srv := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryUnframed,
		Hold: func(c thriftpeer.Call) bool {
			if c.Msg == "hold" {
				held <- struct{}{}
				return true
			}
			return false
		}})
	t.Cleanup(srv.Release)
	g := startGateway(t, pingPongConfig(srv.Addr(), 600*time.Millisecond))
	ctx := ctxTimeout(t, 20*time.Second)

	x := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryUnframed})
	xDone := make(chan error, 1)
	go func() {
		_, err := x.Echo.Echo(ctx, "hold")
		xDone <- err
	}()
	<-held
	time.Sleep(300 * time.Millisecond)
	y := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryUnframed})
	got, err := y.Echo.Echo(ctx, "queued")
	require.NoError(t, err)
	assert.Equal(t, "queued", got)
	require.Error(t, <-xDone, "the held call times out")
	got, err = x.Echo.Echo(ctx, "again")
	require.NoError(t, err)
	assert.Equal(t, "again", got)
}
