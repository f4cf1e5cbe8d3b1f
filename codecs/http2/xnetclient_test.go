package http2_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/codecs/http2/h2test"
	"github.com/xgate/xgate/xprotocol"
)

// h2cClient is an x/net/http2 client speaking h2c with prior knowledge.
func h2cClient(t *testing.T) (*http.Client, *http2.Transport) {
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, tr
}

func echoServer(t *testing.T, opts xprotocol.SessionOptions) *h2test.Server {
	srv := h2test.StartServer(t, xh2.Proto, opts, h2test.NewEcho)
	t.Cleanup(func() {
		srv.Close()
		assert.Empty(t, srv.Errors(), "server connections ended with errors")
	})
	return srv
}

func TestXNetClientGet(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	resp, err := c.Get("http://" + srv.Addr + "/hello")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "HTTP/2.0", resp.Proto)
	assert.Equal(t, h2test.DefaultBody, string(body))
	assert.Equal(t, strconv.Itoa(len(h2test.DefaultBody)), resp.Trailer.Get("X-Echo-Bytes"))
}

// TestXNetClientBodies: bodies up to several MiB are echoed whole, so
// both receive windows (ours, refilled by WINDOW_UPDATE) and send windows
// (the client's, holding our DATA) are exercised.
func TestXNetClientBodies(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	for _, n := range []int{1, 16383, 16384, 16385, 70000, 1<<20 + 1, 5 << 20} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			data := make([]byte, n)
			_, _ = rand.Read(data)
			resp, err := c.Post("http://"+srv.Addr+"/echo", "application/octet-stream", bytes.NewReader(data))
			require.NoError(t, err)
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			resp.Body.Close()
			assert.True(t, bytes.Equal(data, got), "echoed body differs (%d of %d bytes)", len(got), n)
			assert.Equal(t, strconv.Itoa(n), resp.Trailer.Get("X-Echo-Bytes"))
			assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
		})
	}
}

func TestXNetClientLargeResponse(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	resp, err := c.Get("http://" + srv.Addr + "/size/" + strconv.Itoa(8<<20))
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 8<<20, n)
}

func TestXNetClientTrailers(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.Addr+"/trailers", pr)
	require.NoError(t, err)
	req.Trailer = http.Header{"X-Checksum": nil}
	go func() {
		_, _ = pw.Write([]byte("part one, "))
		_, _ = pw.Write([]byte("part two"))
		req.Trailer.Set("X-Checksum", "abc123")
		pw.Close()
	}()
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "part one, part two", string(body))
	assert.Equal(t, "abc123", resp.Trailer.Get("X-Checksum"))
	assert.Equal(t, "18", resp.Trailer.Get("X-Echo-Bytes"))
}

func TestXNetClientConcurrentStreams(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(fmt.Sprintf("stream %d;", i), 100+i)
			resp, err := c.Post("http://"+srv.Addr+"/echo", "text/plain", strings.NewReader(want))
			if err != nil {
				errs <- err
				return
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(got) != want {
				errs <- fmt.Errorf("stream %d: %v, %d bytes", i, err, len(got))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestXNetClientCancel: a client that cancels a large response resets the
// stream; the connection goes on serving.
func TestXNetClientCancel(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+srv.Addr+"/size/"+strconv.Itoa(32<<20), nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		_, err = io.ReadFull(resp.Body, make([]byte, 100000))
		require.NoError(t, err)
		cancel()
		_, err = io.Copy(io.Discard, resp.Body)
		require.Error(t, err)
		resp.Body.Close()
	}
	resp, err := c.Get("http://" + srv.Addr + "/after")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, h2test.DefaultBody, string(body))
}

func TestXNetClientLargeHeaders(t *testing.T) {
	srv := echoServer(t, xprotocol.SessionOptions{})
	c, _ := h2cClient(t)
	req, err := http.NewRequest(http.MethodGet, "http://"+srv.Addr+"/big", nil)
	require.NoError(t, err)
	for i := range 4 {
		req.Header.Set(fmt.Sprintf("X-Big-%d", i), strings.Repeat(strconv.Itoa(i), 10000))
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}
