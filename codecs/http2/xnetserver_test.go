package http2_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/codecs/http2/h2test"
	"github.com/xgate/xgate/xprotocol"
)

// xnetServer serves handler with x/net/http2's server over h2c; shutdown
// makes it send GOAWAY on its connections.
type xnetServer struct {
	addr     string
	base     *http.Server
	shutdown func()
}

func startXNetServer(t *testing.T, handler http.Handler) *xnetServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := &http.Server{Handler: handler}
	h2 := &http2.Server{}
	require.NoError(t, http2.ConfigureServer(base, h2))
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				h2.ServeConn(c, &http2.ServeConnOpts{BaseConfig: base, Handler: handler})
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return &xnetServer{addr: ln.Addr().String(), base: base, shutdown: func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // do not wait for connections: GOAWAY is what we want
		_ = base.Shutdown(ctx)
	}}
}

// testHandler: /echo echoes the body and the request's trailers, adding
// X-Len; /abort writes a little and resets the stream.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Len, X-Req-Trailer")
		w.Header().Set("Content-Type", "application/octet-stream")
		n, _ := io.Copy(w, r.Body)
		w.Header().Set("X-Len", strconv.FormatInt(n, 10))
		w.Header().Set("X-Req-Trailer", r.Trailer.Get("X-Sum"))
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	return mux
}

func dialClient(t *testing.T, addr string) *h2test.Client {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c := h2test.NewClient(conn, xh2.Proto, xprotocol.SessionOptions{})
	t.Cleanup(func() { c.Close() })
	return c
}

func reqHead(id uint64, method, authority, path string, end bool) *xh2.Frame {
	return xh2.NewRequest(id, [][2]string{{":method", method}, {":scheme", "http"}, {":authority", authority}, {":path", path}}, nil, end)
}

// collect drains a stream: the response head, the body and the trailers.
type collected struct {
	head     map[string]string
	body     []byte
	trailers map[string]string
	reset    bool
	status   xprotocol.Status
}

func collect(t *testing.T, ch <-chan xprotocol.Frame, wantID uint64) collected {
	t.Helper()
	c := collected{head: map[string]string{}, trailers: map[string]string{}}
	for f := range ch {
		assert.Equal(t, wantID, f.StreamID(), "frame for another engine id")
		switch f.Kind() {
		case xprotocol.KindResponse:
			f.Header().Range(func(k, v []byte) bool { c.head[string(k)] = string(v); return true })
			c.status = f.Status()
		case xprotocol.KindData:
			c.body = append(c.body, f.Body()...)
			f.Header().Range(func(k, v []byte) bool { c.trailers[string(k)] = string(v); return true })
		case xprotocol.KindReset:
			c.reset = true
			c.status = f.Status()
		}
		f.Release()
	}
	return c
}

func TestClientAgainstXNetServer(t *testing.T) {
	srv := startXNetServer(t, testHandler())
	c := dialClient(t, srv.addr)

	t.Run("get", func(t *testing.T) {
		ch, err := c.Open(reqHead(10, "GET", srv.addr, "/echo", true))
		require.NoError(t, err)
		got := collect(t, ch, 10)
		assert.Equal(t, "200", got.head[":status"])
		assert.Equal(t, "0", got.trailers["x-len"])
		assert.Equal(t, xprotocol.StatusOK, got.status)
	})

	t.Run("streaming-body-and-trailers", func(t *testing.T) {
		data := make([]byte, 3<<20+7)
		_, _ = rand.Read(data)
		ch, err := c.Open(xh2.NewRequest(4, [][2]string{{":method", "POST"}, {":scheme", "http"},
			{":authority", srv.addr}, {":path", "/echo"}, {"trailer", "x-sum"}}, nil, false))
		require.NoError(t, err)
		for off := 0; off < len(data); off += 100000 {
			end := min(off+100000, len(data))
			require.NoError(t, c.Send(xh2.NewData(4, data[off:end], nil, false)))
		}
		require.NoError(t, c.Send(xh2.NewData(4, nil, [][2]string{{"x-sum", "42"}}, true)))
		got := collect(t, ch, 4)
		assert.True(t, bytes.Equal(data, got.body), "echo differs: %d of %d bytes", len(got.body), len(data))
		assert.Equal(t, strconv.Itoa(len(data)), got.trailers["x-len"])
		assert.Equal(t, "42", got.trailers["x-req-trailer"])
		assert.Zero(t, c.Held())
	})

	t.Run("engine-ids-reused", func(t *testing.T) {
		for _, id := range []uint64{4, 7, 4, 1 << 31, 2} {
			ch, err := c.Open(xh2.NewRequest(id, [][2]string{{":method", "POST"}, {":scheme", "http"},
				{":authority", srv.addr}, {":path", "/echo"}}, []byte("id "+strconv.FormatUint(id, 10)), true))
			require.NoError(t, err)
			got := collect(t, ch, id)
			assert.Equal(t, "id "+strconv.FormatUint(id, 10), string(got.body))
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := uint64(1000 + i)
				body := bytes.Repeat([]byte{byte(i)}, 1000+i)
				ch, err := c.Open(xh2.NewRequest(id, [][2]string{{":method", "POST"}, {":scheme", "http"},
					{":authority", srv.addr}, {":path", "/echo"}}, body, true))
				if !assert.NoError(t, err) {
					return
				}
				got := collect(t, ch, id)
				assert.Equal(t, body, got.body)
			}()
		}
		wg.Wait()
	})

	t.Run("server-reset", func(t *testing.T) {
		ch, err := c.Open(reqHead(9, "GET", srv.addr, "/abort", true))
		require.NoError(t, err)
		got := collect(t, ch, 9)
		assert.True(t, got.reset, "the server's RST_STREAM reaches the engine as KindReset")
	})

	t.Run("client-reset", func(t *testing.T) {
		ch, err := c.Open(reqHead(11, "POST", srv.addr, "/echo", false))
		require.NoError(t, err)
		require.NoError(t, c.Send(xh2.Proto.NewReset(11, xprotocol.StatusTimeout)))
		for f := range ch {
			f.Release()
		}
		ch, err = c.Open(reqHead(11, "GET", srv.addr, "/echo", true))
		require.NoError(t, err, "the engine id is free again after the reset")
		assert.Equal(t, "200", collect(t, ch, 11).head[":status"])
	})

	t.Run("goaway", func(t *testing.T) {
		srv.shutdown()
		g := <-c.GoAways
		assert.Equal(t, xprotocol.KindGoAway, g.Kind())
		g.Release()
		closing := false
		for !closing {
			c.Do(func(s xprotocol.Session) { closing = s.(xprotocol.Closing).ShouldClose() })
			if !closing {
				// x/net sends a first GOAWAY with the max id, then a final one.
				g := <-c.GoAways
				g.Release()
			}
		}
		_, err := c.Open(reqHead(13, "GET", srv.addr, "/echo", true))
		assert.ErrorIs(t, err, xh2.ErrGoingAway)
	})
	assert.NoError(t, c.Err())
}
