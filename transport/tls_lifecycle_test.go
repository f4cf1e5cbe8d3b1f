package transport

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Stop with live TLS connections: an idle one, one whose peer does not read
// a large pending reply, one mid-handshake. Every opened one gets OnClose
// once, every goroutine ends, the address is released.
func TestTLSStop(t *testing.T) {
	opened := make(chan *Conn, 4)
	var closes atomic.Int32
	closeErrs := make(chan error, 4)
	srv := startTLSServer(t, ServerOptions{
		HandshakeTimeout: failsafe, // the stuck handshake must not hold Stop
		Accept: acceptWith(&funcs{
			open: func(c *Conn) { opened <- c },
			data: func(c *Conn, p []byte) int {
				c.Write(make([]byte, 16<<20)) // the peer never reads it
				return len(p)
			},
			close: func(_ *Conn, err error) {
				closes.Add(1)
				closeErrs <- err
			},
		}),
	})
	addr := srv.Address()
	idle := dialTLS(t, addr, clientConfig(t), 0)
	recv(t, opened, "OnOpen idle")
	stuck := dialTLS(t, addr, clientConfig(t), 16<<10)
	sc := recv(t, opened, "OnOpen stuck")
	_, err := stuck.Write([]byte("x"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, _, out, _ := statsOn(t, sc)
		return out > 0
	}, failsafe, time.Millisecond, "reply not pending")
	handshaking := dial(t, addr) // TCP only, no ClientHello
	require.Eventually(t, func() bool { return srv.Conns() == 3 }, failsafe, time.Millisecond)

	srv.stop(t)
	requireNoTLSConns(t, srv.Server)
	assert.EqualValues(t, 2, closes.Load(), "OnClose per opened connection")
	for range 2 {
		assert.NoError(t, recv(t, closeErrs, "OnClose"), "Stop reports like gnet's shutdown")
	}
	assert.Equal(t, 0, srv.Conns())
	for _, c := range []net.Conn{idle, handshaking} {
		_, err := c.Read(make([]byte, 1))
		assert.Error(t, err)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "client read timed out: %v", err)
	}
	_, err = net.DialTimeout("tcp", addr, failsafe)
	assert.Error(t, err, "still accepting after Stop")
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "address not released")
	require.NoError(t, ln.Close())
}

// MaxConns counts TLS connections from their TCP accept: the third is
// refused before its handshake; a freed slot admits the next.
func TestTLSMaxConns(t *testing.T) {
	opened := make(chan *Conn, 4)
	closed := make(chan error, 4)
	refused := make(chan string, 4)
	srv := startTLSServer(t, ServerOptions{
		MaxConns:  2,
		OnRefused: func(r string) { refused <- r },
		Accept: acceptWith(&funcs{
			open:  func(c *Conn) { opened <- c },
			data:  echoData,
			close: func(_ *Conn, err error) { closed <- err },
		}),
	})
	echoes := func(nc *tls.Conn) {
		t.Helper()
		_, err := nc.Write([]byte("hi"))
		require.NoError(t, err)
		buf := make([]byte, 2)
		_, err = io.ReadFull(nc, buf)
		require.NoError(t, err)
		require.Equal(t, "hi", string(buf))
	}
	c1 := dialTLS(t, srv.Address(), clientConfig(t), 0)
	c2 := dialTLS(t, srv.Address(), clientConfig(t), 0)
	recv(t, opened, "first OnOpen")
	recv(t, opened, "second OnOpen")
	assert.Equal(t, 2, srv.Conns())

	raw, err := net.DialTimeout("tcp", srv.Address(), failsafe)
	require.NoError(t, err)
	defer raw.Close()
	c3 := tls.Client(raw, clientConfig(t))
	require.NoError(t, c3.SetDeadline(time.Now().Add(failsafe)))
	assert.Error(t, c3.Handshake(), "third connection handshakes")
	assert.Equal(t, "max_connections", recv(t, refused, "OnRefused"))
	none(t, opened, "OnOpen of the refused connection")
	echoes(c1)
	echoes(c2)

	require.NoError(t, c1.Close())
	recv(t, closed, "OnClose")
	assert.Equal(t, 1, srv.Conns())
	c4 := dialTLS(t, srv.Address(), clientConfig(t), 0)
	recv(t, opened, "OnOpen after a slot freed")
	echoes(c4)
	none(t, refused, "OnRefused")
}

// Idle timeout on TLS connections: the silent one is closed (after the
// timeout, with close_notify), the talking one is not.
func TestTLSIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	closed := make(chan error, 4)
	srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open:  func(c *Conn) { c.SetIdleTimeout(idle) },
		data:  echoData,
		close: func(_ *Conn, err error) { closed <- err },
	})})
	start := time.Now()
	silent := dialTLS(t, srv.Address(), clientConfig(t), 0)
	talker := dialTLS(t, srv.Address(), clientConfig(t), 0)
	silentEOF := make(chan error, 1)
	go func() {
		_, err := silent.Read(make([]byte, 1))
		silentEOF <- err
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	buf := make([]byte, 4)
	var lastSend time.Time
	for time.Since(start) < 300*time.Millisecond {
		<-tick.C
		lastSend = time.Now()
		_, err := talker.Write([]byte("ping"))
		require.NoError(t, err)
		_, err = io.ReadFull(talker, buf)
		require.NoError(t, err, "talker closed while talking")
	}
	assert.ErrorIs(t, recv(t, silentEOF, "silent EOF"), io.EOF)
	assert.ErrorIs(t, recv(t, closed, "OnClose silent"), ErrIdleTimeout)
	none(t, closed, "OnClose of the talker")
	_, err := talker.Read(buf)
	assert.ErrorIs(t, err, io.EOF)
	assert.GreaterOrEqual(t, time.Since(lastSend), idle, "talker closed early")
	assert.ErrorIs(t, recv(t, closed, "OnClose talker"), ErrIdleTimeout)
}
