package dubbopeer_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
)

func serve(t *testing.T, opts dubbopeer.ServerOptions) *dubbopeer.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := dubbopeer.Serve(ln, opts)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func dial(t *testing.T, s *dubbopeer.Server) *dubbopeer.Client {
	t.Helper()
	c, err := dubbopeer.Dial(s.Addr(), time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestEchoWithAttachments(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{Name: "s1"})
	c := dial(t, s)
	r, err := c.Do(ctx(t), dubbopeer.Invocation{Service: "com.example.Echo", Method: "echo", Version: "1.0",
		Group: "g", Args: []any{"hello", int32(7)}, Attachments: map[string]any{"k": "v"}})
	require.NoError(t, err)
	assert.Equal(t, dh.Response_OK, r.Status)
	assert.Equal(t, "hello", r.Value)
	assert.NoError(t, r.Exception)
	assert.Equal(t, "s1", r.Attachments["server"])
	assert.Equal(t, int64(1), s.Requests())
}

func TestFailAndUnknownService(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{Name: "s2", Services: []string{"com.example.Echo"}})
	c := dial(t, s)
	r, err := c.Call(ctx(t), "com.example.Echo", dubbopeer.MethodFail, "x")
	require.NoError(t, err)
	assert.Equal(t, dh.Response_OK, r.Status, "an exception travels in an OK response")
	require.Error(t, r.Exception)
	assert.Contains(t, r.Exception.Error(), "fail failed on s2")
	assert.Equal(t, "s2", r.Attachments["server"])

	r, err = c.Call(ctx(t), "com.example.Missing", "echo", "x")
	require.NoError(t, err)
	assert.Equal(t, dh.Response_SERVICE_NOT_FOUND, r.Status)
	assert.Equal(t, "service not found: com.example.Missing", r.ErrorMessage)
}

func TestHeartbeatAndOneway(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{Name: "s3"})
	c := dial(t, s)
	r, err := c.Heartbeat(ctx(t))
	require.NoError(t, err)
	assert.True(t, r.Heartbeat)
	assert.Equal(t, dh.Response_OK, r.Status)
	assert.Zero(t, s.Requests(), "heartbeats are not requests")

	require.NoError(t, c.Oneway(dubbopeer.Invocation{Service: "com.example.Echo", Method: "echo", Args: []any{"fire"}}))
	// A call after the oneway proves the oneway was read (one connection, in order).
	_, err = c.Call(ctx(t), "com.example.Echo", "echo", "after")
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.Requests())
}

func TestShuffleAndConcurrency(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{Name: "s4", Shuffle: true})
	c := dial(t, s)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("call-%d", i)
			r, err := c.Call(ctx(t), "com.example.Echo", "echo", want)
			if assert.NoError(t, err) {
				assert.Equal(t, want, r.Value)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(200), s.Requests())
	t.Logf("reordered %d of 200 replies", s.Reordered())
}

func TestHoldAndContext(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{Hold: func(method string, _ []any) bool { return method == "slow" }})
	c := dial(t, s)
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Call(short, "com.example.Echo", "slow")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	r, err := c.Call(ctx(t), "com.example.Echo", "echo")
	require.NoError(t, err)
	assert.Nil(t, r.Value, "no argument: a null result")
}

func TestGarbageClosesConnection(t *testing.T) {
	s := serve(t, dubbopeer.ServerOptions{})
	c := dial(t, s)
	require.NoError(t, c.WriteRaw([]byte("GET / HTTP/1.1\r\n\r\n")))
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the server kept a connection that sent garbage")
	}
	assert.Error(t, c.Err())
	_, err := c.Call(ctx(t), "com.example.Echo", "echo")
	assert.Error(t, err)
}
