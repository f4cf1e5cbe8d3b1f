package dubbo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	"github.com/xgate/xgate/xprotocol"
)

// frameConn reads and writes frames of this package over a net.Conn.
type frameConn struct {
	conn net.Conn
	sess xprotocol.Session
	buf  []byte
	tmp  []byte
}

func newFrameConn(c net.Conn) *frameConn {
	return &frameConn{conn: c, sess: dubbo.Proto.NewSession(xprotocol.SessionOptions{}), tmp: make([]byte, 32<<10)}
}

func (c *frameConn) write(t testing.TB, f xprotocol.Frame) {
	t.Helper()
	b, err := c.sess.Encode(nil, f)
	require.NoError(t, err)
	_, err = c.conn.Write(b)
	require.NoError(t, err)
}

func (c *frameConn) read() (*dubbo.Frame, error) {
	for {
		f, n, err := c.sess.Decode(c.buf)
		if err == nil {
			c.buf = c.buf[n:]
			return f.(*dubbo.Frame), nil
		}
		if !errors.Is(err, xprotocol.ErrIncomplete) {
			return nil, err
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		m, err := c.conn.Read(c.tmp)
		c.buf = append(c.buf, c.tmp[:m]...)
		if err != nil && m == 0 {
			return nil, err
		}
	}
}

// TestAgainstPeerServer: this package as the client of dubbopeer's echo
// server (dubbo-go's codec on the other end of a TCP connection).
func TestAgainstPeerServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := dubbopeer.Serve(ln, dubbopeer.ServerOptions{Name: "backend-1", Services: []string{"com.example.Echo"}})
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer conn.Close()
	fc := newFrameConn(conn)

	call := func(id uint64, path, method string) *dubbo.Frame {
		req, err := dubbo.BuildRequest(dubbo.Request{ID: id, Path: path, Method: method, Version: "1.0",
			ParamTypes: "Ljava/lang/String;", Args: []any{"ping"},
			Attachments: []dubbo.Attachment{{"path", path}, {"timeout", "1000"}}})
		require.NoError(t, err)
		fc.write(t, req)
		req.Release()
		resp, err := fc.read()
		require.NoError(t, err)
		require.Equal(t, id, resp.StreamID())
		return resp
	}

	resp := call(1, "com.example.Echo", "echo")
	assert.Equal(t, xprotocol.KindResponse, resp.Kind())
	assert.Equal(t, xprotocol.StatusOK, resp.Status())
	rt, ok := resp.ResponseType()
	require.True(t, ok)
	assert.Equal(t, dubbo.ResponseValueWithAttachments, rt)
	server, ok := resp.Header().Get("server")
	assert.True(t, ok)
	assert.Equal(t, "backend-1", string(server))
	resp.Release()

	resp = call(2, "com.example.Echo", dubbopeer.MethodFail)
	rt, _ = resp.ResponseType()
	assert.Equal(t, xprotocol.StatusOK, resp.Status(), "an exception is the call's outcome, not a transport error")
	assert.True(t, rt.HasException())
	resp.Release()

	resp = call(3, "com.example.Nope", "echo")
	assert.Equal(t, xprotocol.StatusNoRoute, resp.Status())
	assert.Equal(t, dubbo.StatusServiceNotFound, resp.RespStatus())
	assert.Equal(t, "service not found: com.example.Nope", string(resp.ErrorMessage()))
	resp.Release()

	hb := dubbo.NewHeartbeat(4)
	fc.write(t, hb)
	hb.Release()
	resp, err = fc.read()
	require.NoError(t, err)
	assert.True(t, resp.Heartbeat())
	assert.Equal(t, uint64(4), resp.StreamID())
	assert.Equal(t, xprotocol.StatusOK, resp.Status())
	resp.Release()

	// The forward path: a library-written request, renumbered and given a
	// header, reaches the server, whose reply carries the new id.
	orig := decode(t, libRequest(t, dh.PackageRequest_TwoWay, 500, dh.Service{Path: "com.example.Echo", Method: "echo"},
		[]any{"forwarded"}, map[string]any{"dubbo": "2.0.2"}))
	orig.SetStreamID(5)
	orig.Header().Set("x-trace", "abc")
	fc.write(t, orig)
	orig.Release()
	resp, err = fc.read()
	require.NoError(t, err)
	assert.Equal(t, uint64(5), resp.StreamID())
	assert.Equal(t, xprotocol.StatusOK, resp.Status())
	resp.Release()
	assert.Equal(t, int64(4), srv.Requests())
}

// TestAgainstPeerClient: this package as the server of dubbopeer's client.
func TestAgainstPeerClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		fc := newFrameConn(conn)
		for {
			req, err := fc.read()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
					t.Errorf("server read: %v", err)
				}
				return
			}
			var reply xprotocol.Frame
			switch {
			case req.Heartbeat():
				reply = dubbo.Proto.HeartbeatReply(req)
			case string(req.Key(xprotocol.KeyService)) != "com.example.Echo":
				reply = dubbo.Proto.ErrorReply(req, xprotocol.StatusNoRoute, "no route to "+string(req.Key(xprotocol.KeyService)))
			default:
				arg, err := hessian.NewDecoder(req.Arguments()).Decode()
				if err != nil {
					t.Errorf("arguments: %v", err)
				}
				group, _ := req.Header().Get("group")
				reply, err = dubbo.BuildResponse(dubbo.Response{ID: req.StreamID(), Value: arg,
					Attachments: []dubbo.Attachment{{"group", string(group)}, {"timeout-ms", req.Timeout().Milliseconds()}}})
				if err != nil {
					t.Errorf("build: %v", err)
				}
			}
			req.Release()
			fc.write(t, reply)
			reply.Release()
		}
	}()

	c, err := dubbopeer.Dial(ln.Addr().String(), time.Second)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	r, err := c.Do(ctx, dubbopeer.Invocation{Service: "com.example.Echo", Method: "echo", Group: "blue",
		Timeout: 1500 * time.Millisecond, Args: []any{"hello"}})
	require.NoError(t, err)
	assert.Equal(t, dh.Response_OK, r.Status)
	assert.Equal(t, "hello", r.Value)
	assert.Equal(t, "blue", r.Attachments["group"])
	assert.Equal(t, int64(1500), r.Attachments["timeout-ms"])

	r, err = c.Call(ctx, "com.example.Other", "echo", "x")
	require.NoError(t, err)
	assert.Equal(t, dh.Response_SERVICE_NOT_FOUND, r.Status)
	assert.Equal(t, "no route to com.example.Other", r.ErrorMessage)

	r, err = c.Heartbeat(ctx)
	require.NoError(t, err)
	assert.True(t, r.Heartbeat)
	assert.Equal(t, dh.Response_OK, r.Status)

	require.NoError(t, c.Close())
	wg.Wait()
}
