package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrTLSHandshake wraps the error of a TLS handshake that failed in DialTLS
// (a *tls.CertificateVerificationError when the peer's certificate did not
// verify).
var ErrTLSHandshake = errors.New("transport: tls handshake")

// DialTLS is Dial over TLS: it connects to addr and performs the handshake
// with cfg (cloned; ServerName defaults to addr's host, TLS 1.2 is the
// minimum), both within timeout and off the loop, then bridges the
// connection onto this loop like an accepted TLS connection. It returns the
// connection at once, in the dialling state; writes made meanwhile are sent
// when it opens, and h.OnOpen or h.OnClose (with the dial or handshake
// error) follows on this loop. It must be called on the loop.
func (l *Loop) DialTLS(addr string, timeout time.Duration, cfg *tls.Config, h Handler) *Conn {
	c := &Conn{loop: l, handler: h, state: stateDialing, dialed: true, remote: addr}
	s := l.server
	s.tl.mu.Lock()
	stopped := s.tl.stopped
	if !stopped {
		s.tl.wg.Add(1)
	}
	s.tl.mu.Unlock()
	if stopped {
		l.Execute(func() { c.dialFailed(ErrStopping) })
		return c
	}
	go func() {
		defer s.tl.wg.Done()
		if err := l.dialTLS(c, addr, timeout, cfg); err != nil {
			l.Execute(func() { c.dialFailed(err) })
		}
	}()
	return c
}

// dialTLS runs off the loop; once the connection opens it becomes its
// reader goroutine.
func (l *Loop) dialTLS(c *Conn, addr string, timeout time.Duration, cfg *tls.Config) error {
	s := l.server
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(s.stopCtx, deadline)
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	cancel()
	if err != nil {
		if s.stopCtx.Err() != nil {
			return ErrStopping
		}
		return err
	}
	conf, err := clientTLSConfig(cfg, addr)
	if err != nil {
		_ = raw.Close()
		return err
	}
	tc := newTLSConn(l, tls.Client(raw, conf), raw)
	if !s.track(tc) {
		_ = raw.Close()
		return ErrStopping
	}
	// track counted a goroutine for tc: this one, from here on.
	defer s.tl.wg.Done()
	defer tc.release()
	_ = raw.SetDeadline(deadline)
	if err := tc.nc.Handshake(); err != nil {
		tc.abort()
		if s.tlsStopping() {
			return ErrStopping
		}
		return fmt.Errorf("%w with %s: %w", ErrTLSHandshake, addr, err)
	}
	_ = raw.SetDeadline(time.Time{})
	tc.state = tc.nc.ConnectionState()
	tc.startWriter()
	if !l.Execute(func() { tc.openDialed(c) }) {
		tc.abort()
		return nil // the loop is gone: so is the owner
	}
	tc.readLoop()
	return nil
}

// clientTLSConfig returns a copy of cfg for dialling addr.
func clientTLSConfig(cfg *tls.Config, addr string) (*tls.Config, error) {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("transport: dial tls %s: %w", addr, err)
		}
		cfg.ServerName = host
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}
