package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyReport is what a proxying handler observed about its upstream.
type proxyReport struct {
	sameLoop           bool
	downG, openG, data uint64
	alpn               string
}

// proxyVia returns a TLS server handler that, on the first bytes, dials an
// upstream with dial and relays the upstream's replies to the client.
func proxyVia(dial func(l *Loop, h Handler) *Conn, rep chan<- proxyReport, upClosed chan<- error) Handler {
	var r proxyReport
	return &funcs{
		data: func(c *Conn, p []byte) int {
			if up, ok := c.Value.(*Conn); ok {
				up.Write(p)
				return len(p)
			}
			r.downG = goid()
			down := c
			up := dial(c.Loop(), &funcs{
				open: func(u *Conn) {
					r.openG = goid()
					r.sameLoop = u.Loop() == down.Loop()
					r.alpn = u.NegotiatedProtocol()
				},
				data: func(u *Conn, p []byte) int {
					r.data = goid()
					down.Write(p)
					select {
					case rep <- r:
					default:
					}
					return len(p)
				},
				close: func(_ *Conn, err error) { upClosed <- err },
			})
			up.Write(p)
			c.Value = up
			return len(p)
		},
		close: func(c *Conn, _ error) {
			if up, ok := c.Value.(*Conn); ok {
				up.Close(nil)
			}
		},
	}
}

// echoUpstream serves one connection on ln: it answers "pong:"+what it
// read (n bytes), then reports what it read until EOF.
func echoUpstream(ln net.Listener, n int, got chan<- upstreamResult) {
	nc, err := ln.Accept()
	if err != nil {
		got <- upstreamResult{err: err}
		return
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(failsafe))
	first := make([]byte, n)
	if _, err := io.ReadFull(nc, first); err != nil {
		got <- upstreamResult{got: first, err: err}
		return
	}
	if _, err := nc.Write(append([]byte("pong:"), first...)); err != nil {
		got <- upstreamResult{got: first, err: err}
		return
	}
	rest, err := io.ReadAll(nc)
	got <- upstreamResult{got: append(first, rest...), err: err}
}

// An upstream dialled from a TLS connection's loop lives on that loop: plain
// (Loop.Dial) and TLS (Loop.DialTLS, with ALPN).
func TestTLSDialUpstream(t *testing.T) {
	upTLS := &tls.Config{Certificates: []tls.Certificate{testCert(t).cert}, NextProtos: []string{"h2"}}
	for _, tc := range []struct {
		name   string
		listen func(net.Listener) net.Listener
		dial   func(addr string) func(*Loop, Handler) *Conn
		alpn   string
	}{
		{"Plain", func(ln net.Listener) net.Listener { return ln }, func(addr string) func(*Loop, Handler) *Conn {
			return func(l *Loop, h Handler) *Conn { return l.Dial(addr, failsafe, h) }
		}, ""},
		{"TLS", func(ln net.Listener) net.Listener { return tls.NewListener(ln, upTLS) }, func(addr string) func(*Loop, Handler) *Conn {
			return func(l *Loop, h Handler) *Conn { return l.DialTLS(addr, failsafe, clientConfig(t, "h2"), h) }
		}, "h2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := tc.listen(listenUpstream(t))
			upDone := make(chan upstreamResult, 1)
			go echoUpstream(ln, len("hello"), upDone)
			rep := make(chan proxyReport, 1)
			upClosed := make(chan error, 1)
			srv := startTLSServer(t, ServerOptions{Accept: acceptWith(proxyVia(tc.dial(ln.Addr().String()), rep, upClosed))})

			nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
			_, err := nc.Write([]byte("hello"))
			require.NoError(t, err)
			reply := make([]byte, len("pong:hello"))
			_, err = io.ReadFull(nc, reply)
			require.NoError(t, err)
			assert.Equal(t, "pong:hello", string(reply))
			_, err = nc.Write([]byte("+more"))
			require.NoError(t, err)

			r := recv(t, rep, "upstream OnData")
			assert.True(t, r.sameLoop, "upstream on the TLS connection's loop")
			assert.Equal(t, r.downG, r.openG, "upstream OnOpen on the loop goroutine")
			assert.Equal(t, r.downG, r.data, "upstream OnData on the loop goroutine")
			assert.Equal(t, tc.alpn, r.alpn)

			// The client leaves: the proxy closes its upstream, which sees EOF
			// after everything it was sent.
			require.NoError(t, nc.Close())
			assert.ErrorIs(t, recv(t, upClosed, "upstream OnClose"), ErrClosed)
			res := recv(t, upDone, "upstream EOF")
			require.NoError(t, res.err)
			assert.Equal(t, "hello+more", string(res.got))
		})
	}
}

// DialTLS failures: an untrusted certificate, a close while dialling, and a
// handshake the upstream never answers when the server stops.
func TestTLSDialFailures(t *testing.T) {
	t.Run("UntrustedCertificate", func(t *testing.T) {
		ln := tls.NewListener(listenUpstream(t), serverTLSConfig(t))
		go func() {
			if nc, err := ln.Accept(); err == nil {
				_ = nc.(*tls.Conn).Handshake()
				_ = nc.Close()
			}
		}()
		var opens atomic.Int32
		closed := make(chan error, 2)
		srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{open: func(c *Conn) {
			c.Loop().DialTLS(ln.Addr().String(), failsafe, &tls.Config{}, &funcs{
				open:  func(*Conn) { opens.Add(1) },
				close: func(_ *Conn, err error) { closed <- err },
			})
		}})})
		dialTLS(t, srv.Address(), clientConfig(t), 0)
		err := recv(t, closed, "OnClose of the failed dial")
		var unknown x509.UnknownAuthorityError
		assert.True(t, errors.As(err, &unknown), "got %v", err)
		assert.ErrorIs(t, err, ErrTLSHandshake)
		var verr *tls.CertificateVerificationError
		assert.True(t, errors.As(err, &verr), "a verification failure says so: %v", err)
		srv.stop(t)
		assert.Zero(t, opens.Load())
		none(t, closed, "second OnClose")
	})

	t.Run("CloseWhileDialing", func(t *testing.T) {
		ln := tls.NewListener(listenUpstream(t), serverTLSConfig(t))
		upDone := make(chan upstreamResult, 1)
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				upDone <- upstreamResult{err: err}
				return
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(failsafe))
			got, err := io.ReadAll(nc)
			upDone <- upstreamResult{got: got, err: err}
		}()
		var opens, closes atomic.Int32
		closed := make(chan error, 2)
		srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{open: func(c *Conn) {
			up := c.Loop().DialTLS(ln.Addr().String(), failsafe, clientConfig(t), &funcs{
				open: func(*Conn) { opens.Add(1) },
				close: func(_ *Conn, err error) {
					closes.Add(1)
					closed <- err
				},
			})
			up.Write([]byte("never sent"))
			up.Close(nil)
		}})})
		dialTLS(t, srv.Address(), clientConfig(t), 0)
		assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrClosed)
		res := recv(t, upDone, "upstream end")
		assert.Empty(t, res.got, "bytes written to an abandoned dial")
		srv.stop(t)
		assert.Zero(t, opens.Load())
		assert.EqualValues(t, 1, closes.Load())
	})

	t.Run("StopDuringHandshake", func(t *testing.T) {
		ln := listenUpstream(t) // accepts TCP, never speaks TLS
		accepted := make(chan net.Conn, 1)
		go func() {
			if nc, err := ln.Accept(); err == nil {
				accepted <- nc
			}
		}()
		closed := make(chan error, 1)
		srv := startTLSServer(t, ServerOptions{Accept: acceptWith(&funcs{open: func(c *Conn) {
			c.Loop().DialTLS(ln.Addr().String(), failsafe, clientConfig(t), &funcs{
				close: func(_ *Conn, err error) { closed <- err },
			})
		}})})
		dialTLS(t, srv.Address(), clientConfig(t), 0)
		up := recv(t, accepted, "upstream accept")
		defer up.Close()
		srv.stop(t) // must not wait for the handshake timeout
		requireNoTLSConns(t, srv.Server)
		select {
		case err := <-closed:
			assert.ErrorIs(t, err, ErrStopping)
		default: // the loop may be gone before the failure is reported
		}
	})
}
