package transport

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Echo over TLS: many concurrent clients, random message sizes, exact bytes
// back; every callback on the connection's loop goroutine.
func TestTLSEcho(t *testing.T) {
	const clients, msgs, maxSize = 32, 16, 64 << 10
	closed := make(chan error, clients)
	var offLoop atomic.Int32
	var loopG sync.Map // *Loop -> goroutine id
	onG := func(c *Conn) {
		g, _ := loopG.LoadOrStore(c.Loop(), goid())
		if g.(uint64) != goid() {
			offLoop.Add(1)
		}
	}
	srv := startTLSServer(t, ServerOptions{Loops: 4, Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			onG(c)
			if c.TLS() == nil || c.TLS().Version < tls.VersionTLS12 || !c.TLS().HandshakeComplete {
				offLoop.Add(1000)
			}
		},
		data: func(c *Conn, p []byte) int {
			onG(c)
			return echoData(c, p)
		},
		close: func(c *Conn, err error) {
			onG(c)
			closed <- err
		},
	})})
	assert.Len(t, srv.Loops(), 4, "every engine loop was discovered")

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for i := range clients {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		payloads := make([][]byte, msgs)
		for j := range payloads {
			p := make([]byte, 1+rng.IntN(maxSize))
			for k := range p {
				p[k] = byte(rng.Uint32())
			}
			payloads[j] = p
		}
		nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for _, p := range payloads {
				if _, err := nc.Write(p); err != nil {
					errs <- fmt.Errorf("client %d write: %w", i, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j, p := range payloads {
				got := make([]byte, len(p))
				if _, err := io.ReadFull(nc, got); err != nil {
					errs <- fmt.Errorf("client %d message %d: %w", i, j, err)
					return
				}
				if !bytes.Equal(got, p) {
					errs <- fmt.Errorf("client %d message %d: echoed bytes differ", i, j)
					return
				}
			}
			_ = nc.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for range clients {
		err := recv(t, closed, "OnClose")
		assert.Error(t, err)
		assert.NotErrorIs(t, err, ErrClosed, "a peer close is reported with its error")
	}
	assert.Zero(t, offLoop.Load(), "callbacks off their loop goroutine, or TLS state missing")
	assert.Equal(t, 0, srv.Conns())
}

// 32 MiB each way at once through one echoing TLS connection.
func TestTLSLargeTransfer(t *testing.T) {
	const size = 32 << 20
	srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{data: echoData})})
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(i*31 + i>>11)
	}
	writeErr := make(chan error, 1)
	go func() {
		_, err := nc.Write(src)
		writeErr <- err
	}()
	h := sha256.New()
	n, err := io.CopyN(h, nc, size)
	require.NoError(t, err)
	require.EqualValues(t, size, n)
	require.NoError(t, recv(t, writeErr, "client write"))
	assert.Equal(t, sha256.Sum256(src), [32]byte(h.Sum(nil)), "echoed bytes differ")
}

// ALPN: the protocol agreed is visible from Accept on; plain connections
// have no TLS state.
func TestTLSALPN(t *testing.T) {
	type seen struct {
		inAccept, inOpen string
		state            bool
	}
	ch := make(chan seen, 1)
	srv := startTLSServer(t, ServerOptions{
		TLS: serverTLSConfig(t, "h2", "http/1.1"),
		Accept: func(c *Conn) Handler {
			at := c.NegotiatedProtocol()
			return &funcs{open: func(c *Conn) {
				ch <- seen{at, c.NegotiatedProtocol(), c.TLS() != nil}
			}}
		},
	})
	for _, tc := range []struct {
		offer []string
		want  string
	}{
		{[]string{"h2", "http/1.1"}, "h2"},
		{[]string{"http/1.1"}, "http/1.1"},
		{nil, ""},
	} {
		nc := dialTLS(t, srv.Address(), clientConfig(t, tc.offer...), 0)
		assert.Equal(t, tc.want, nc.ConnectionState().NegotiatedProtocol, "client side, offer %v", tc.offer)
		s := recv(t, ch, "OnOpen")
		assert.Equal(t, tc.want, s.inAccept, "in Accept, offer %v", tc.offer)
		assert.Equal(t, tc.want, s.inOpen, "in OnOpen, offer %v", tc.offer)
		assert.True(t, s.state)
	}

	// A client offering only protocols the server lacks is refused by
	// crypto/tls (no_application_protocol).
	refused := make(chan string, 1)
	srv2 := startTLSServer(t, ServerOptions{
		TLS:       serverTLSConfig(t, "h2"),
		OnRefused: func(r string) { refused <- r },
		Accept:    acceptWith(&funcs{}),
	})
	raw, err := net.DialTimeout("tcp", srv2.Address(), failsafe)
	require.NoError(t, err)
	defer raw.Close()
	cl := tls.Client(raw, clientConfig(t, "spdy/3"))
	require.NoError(t, cl.SetDeadline(time.Now().Add(failsafe)))
	assert.Error(t, cl.Handshake())
	assert.Equal(t, "tls_handshake", recv(t, refused, "OnRefused"))

	// Plain gnet connections report no TLS.
	plain := make(chan seen, 1)
	ps := startServer(t, ServerOptions{Accept: acceptWith(&funcs{open: func(c *Conn) {
		plain <- seen{inOpen: c.NegotiatedProtocol(), state: c.TLS() != nil}
	}})})
	dial(t, ps.Address())
	p := recv(t, plain, "plain OnOpen")
	assert.False(t, p.state)
	assert.Empty(t, p.inOpen)
}

// Unconsumed bytes are offered again with the next ones.
func TestTLSPartialConsume(t *testing.T) {
	offered := make(chan string, 4)
	srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{
		data: func(c *Conn, p []byte) int {
			offered <- string(p)
			n := bytes.LastIndexByte(p, '\n') + 1
			c.Write(p[:n])
			return n
		},
	})})
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	_, err := nc.Write([]byte("hel"))
	require.NoError(t, err)
	assert.Equal(t, "hel", recv(t, offered, "first OnData"))
	_, err = nc.Write([]byte("lo\nwor"))
	require.NoError(t, err)
	assert.Equal(t, "hello\nwor", recv(t, offered, "second OnData"))
	buf := make([]byte, 6)
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(buf))
	_, err = nc.Write([]byte("ld\n"))
	require.NoError(t, err)
	assert.Equal(t, "world\n", recv(t, offered, "third OnData"))
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "world\n", string(buf))
}

// A plain-text client fails the handshake: it is refused and counted, the
// handler never sees it, and nothing is left behind.
func TestTLSHandshakeFailure(t *testing.T) {
	refused := make(chan string, 4)
	var accepts atomic.Int32
	srv := startTLSServer(t, ServerOptions{
		OnRefused: func(r string) { refused <- r },
		Accept: func(*Conn) Handler {
			accepts.Add(1)
			return &funcs{}
		},
	})
	for range 3 {
		nc := dial(t, srv.Address())
		_, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, nc) // the server's alert, then EOF
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "client read timed out: %v", err)
		assert.Equal(t, "tls_handshake", recv(t, refused, "OnRefused"))
	}
	assert.Zero(t, accepts.Load())
	require.Eventually(t, func() bool { return srv.Conns() == 0 }, failsafe, time.Millisecond)
	// A good client still gets through.
	dialTLS(t, srv.Address(), clientConfig(t), 0)
	require.Eventually(t, func() bool { return accepts.Load() == 1 }, failsafe, time.Millisecond)
}

// A client that never completes the handshake is dropped after the
// handshake timeout.
func TestTLSHandshakeTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	refused := make(chan string, 1)
	srv := startTLSServer(t, ServerOptions{
		HandshakeTimeout: timeout,
		OnRefused:        func(r string) { refused <- r },
		Accept:           acceptWith(&funcs{}),
	})
	start := time.Now()
	nc := dial(t, srv.Address())
	_, err := nc.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	assert.GreaterOrEqual(t, time.Since(start), timeout, "closed before the timeout")
	assert.Equal(t, "tls_handshake_timeout", recv(t, refused, "OnRefused"))
	require.Eventually(t, func() bool { return srv.Conns() == 0 }, failsafe, time.Millisecond)
}

// Write then Close in one OnData: the whole reply, then close_notify; one
// OnClose with ErrClosed.
func TestTLSDeferredClose(t *testing.T) {
	for _, size := range []int{4 << 10, 8 << 20} {
		t.Run(fmt.Sprintf("%dB", size), func(t *testing.T) {
			reply := make([]byte, size)
			for i := range reply {
				reply[i] = byte(i*7 + i>>9)
			}
			var closes atomic.Int32
			closed := make(chan error, 2)
			srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{
				data: func(c *Conn, p []byte) int {
					c.Write(reply)
					c.Close(nil)
					c.Write([]byte("written after Close"))
					return len(p)
				},
				close: func(_ *Conn, err error) {
					closes.Add(1)
					closed <- err
				},
			})})
			nc := dialTLS(t, srv.Address(), clientConfig(t), 32<<10)
			_, err := nc.Write([]byte("bye"))
			require.NoError(t, err)
			got, err := io.ReadAll(nc) // until close_notify
			require.NoError(t, err, "clean close after the reply")
			require.Equal(t, len(reply), len(got))
			require.True(t, bytes.Equal(reply, got))
			assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrClosed)
			srv.stop(t)
			assert.EqualValues(t, 1, closes.Load(), "OnClose calls")
		})
	}
}

// The peer closes: OnClose once, with the peer's error; the count drops.
func TestTLSPeerClose(t *testing.T) {
	var closes atomic.Int32
	closed := make(chan error, 2)
	opened := make(chan struct{}, 1)
	srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(*Conn) { opened <- struct{}{} },
		close: func(_ *Conn, err error) {
			closes.Add(1)
			closed <- err
		},
	})})
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	recv(t, opened, "OnOpen")
	assert.Equal(t, 1, srv.Conns())
	require.NoError(t, nc.Close())
	assert.ErrorIs(t, recv(t, closed, "OnClose"), io.EOF)
	assert.Equal(t, 0, srv.Conns())
	srv.stop(t)
	assert.EqualValues(t, 1, closes.Load(), "OnClose calls")
}

// A handler that never consumes is closed past the inbound limit.
func TestTLSInboundLimit(t *testing.T) {
	closed := make(chan error, 1)
	srv := startTLSServer(t, ServerOptions{
		InboundLimit: 64 << 10,
		Accept: acceptWith(&funcs{
			data:  func(*Conn, []byte) int { return 0 },
			close: func(_ *Conn, err error) { closed <- err },
		}),
	})
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	go func() { _, _ = nc.Write(make([]byte, 256<<10)) }() // fails once the server closes
	assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrInboundLimit)
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "client read timed out: %v", err)
}

// BenchmarkTLSEchoRoundTrip: one TLS client, 128-byte ping-pong (compare
// BenchmarkEchoRoundTrip).
func BenchmarkTLSEchoRoundTrip(b *testing.B) {
	srv := startTLSServer(b, ServerOptions{Accept: acceptWith(&funcs{data: echoData})})
	nc := dialTLS(b, srv.Address(), clientConfig(b), 0)
	require.NoError(b, nc.SetDeadline(time.Time{}))
	msg := bytes.Repeat([]byte("x"), 128)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// A handler that declines bytes gets them again, without new ones, when it
// calls ResumeReading.
func TestTLSResumeReading(t *testing.T) {
	offered := make(chan string, 4)
	srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{
		data: func(c *Conn, p []byte) int {
			offered <- string(p)
			if c.Value == nil {
				c.Value = true
				tm := &Timer{Fire: c.ResumeReading}
				c.Loop().AfterFunc(tm, time.Millisecond)
				return 0
			}
			c.Write(p)
			return len(p)
		},
	})})
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	_, err := nc.Write([]byte("abc"))
	require.NoError(t, err)
	assert.Equal(t, "abc", recv(t, offered, "first OnData"))
	assert.Equal(t, "abc", recv(t, offered, "OnData after ResumeReading"))
	buf := make([]byte, 3)
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(buf))
	none(t, offered, "third OnData")
}
