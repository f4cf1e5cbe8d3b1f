package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// tlsListener is a Server's TLS side: the crypto/tls listener, the loops its
// connections are spread over and every TLS connection's goroutines.
//
// gnet owns its event loops only through a listener, so a TLS server runs
// its gnet engine on a private unix socket (in a fresh 0700 directory) that
// nobody else can reach, and learns the engine's loops by connecting to that
// socket until gnet's round-robin hands a connection to a loop already seen.
// TLS connections are then spread round-robin over those loops, where they
// share the timers, Dial, Each and Execute of every Loop.
type tlsListener struct {
	cfg     *tls.Config // nil: a plain gnet listener
	ln      net.Listener
	sockDir string
	probe   chan gnet.EventLoop
	loops   []*Loop
	next    atomic.Uint32

	// wg counts the accept goroutine and every TLS connection's goroutines
	// (including those of TLS dials).
	wg      sync.WaitGroup
	mu      sync.Mutex
	stopped bool // guarded by mu; no goroutine is added once set
	conns   map[*tlsConn]struct{}
	halted  atomic.Bool // stopped, readable on a loop without mu
}

// defaultHandshakeTimeout bounds a TLS handshake when none is configured.
const defaultHandshakeTimeout = 10 * time.Second

// maxLoopProbes bounds the connections made to discover the engine's loops.
const maxLoopProbes = 4096

// tlsConfig returns the server's copy of cfg with TLS 1.2 as the minimum.
func tlsConfig(cfg *tls.Config) (*tls.Config, error) {
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("transport: listen: TLS config has no certificate")
	}
	cfg = cfg.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}

// prepareTLS binds the TLS listener and makes the private socket's
// directory; it returns the gnet address to run the engine on.
func (s *Server) prepareTLS() (string, error) {
	cfg, err := tlsConfig(s.opts.TLS)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", s.opts.Address)
	if err != nil {
		return "", fmt.Errorf("transport: listen on %s: %w", s.opts.Address, err)
	}
	dir, err := os.MkdirTemp("", "xgate-loops-")
	if err != nil {
		_ = ln.Close()
		return "", fmt.Errorf("transport: listen on %s: loop socket: %w", s.opts.Address, err)
	}
	s.tl.cfg, s.tl.ln, s.tl.sockDir = cfg, ln, dir
	s.tl.probe = make(chan gnet.EventLoop, 1)
	return "unix://" + filepath.Join(dir, "loops.sock"), nil
}

// startTLS runs once the engine booted: it discovers the loops and starts
// accepting.
func (s *Server) startTLS() error {
	sock := filepath.Join(s.tl.sockDir, "loops.sock")
	seen := make(map[gnet.EventLoop]bool)
	for range maxLoopProbes {
		nc, err := net.DialTimeout("unix", sock, defaultHandshakeTimeout)
		if err != nil {
			return fmt.Errorf("transport: listen on %s: loop probe: %w", s.opts.Address, err)
		}
		var el gnet.EventLoop
		select {
		case el = <-s.tl.probe:
		case <-time.After(defaultHandshakeTimeout):
		}
		_ = nc.Close()
		if el == nil {
			return fmt.Errorf("transport: listen on %s: loop probe: engine did not answer", s.opts.Address)
		}
		if seen[el] {
			break
		}
		seen[el] = true
		s.tl.loops = append(s.tl.loops, s.loopFor(el))
	}
	s.tl.wg.Add(1)
	go s.acceptTLS()
	return nil
}

// cleanupTLS releases what prepareTLS made.
func (s *Server) cleanupTLS() {
	if s.tl.ln != nil {
		_ = s.tl.ln.Close()
	}
	if s.tl.sockDir != "" {
		_ = os.RemoveAll(s.tl.sockDir)
	}
}

// onProbe handles a connection to the private socket of a TLS server: it
// reports the loop it landed on and is closed.
func (s *Server) onProbe(gc gnet.Conn) gnet.Action {
	select {
	case s.tl.probe <- gc.EventLoop():
	default:
	}
	return gnet.Close
}

// acceptTLS accepts TCP connections and starts their handshakes.
func (s *Server) acceptTLS() {
	defer s.tl.wg.Done()
	var backoff time.Duration
	for {
		raw, err := s.tl.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or similar: back off like net/http.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logWarn("tls accept failed", "err", err, "retry_in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.stopping:
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		s.admitTLS(raw)
	}
}

// admitTLS reserves a connection slot for raw and starts its reader.
func (s *Server) admitTLS(raw net.Conn) {
	if s.count.Add(1) > int64(s.opts.MaxConns) {
		s.count.Add(-1)
		s.refused("max_connections")
		_ = raw.Close()
		return
	}
	l := s.tl.loops[int(s.tl.next.Add(1)-1)%len(s.tl.loops)]
	tc := newTLSConn(l, tls.Server(raw, s.tl.cfg), raw)
	if !s.track(tc) {
		s.count.Add(-1)
		_ = raw.Close()
		return
	}
	go tc.serve()
}

// serve is an accepted connection's reader goroutine: handshake, open on
// the loop, then read.
func (tc *tlsConn) serve() {
	s := tc.srv
	defer s.tl.wg.Done()
	defer tc.release()
	timeout := s.opts.HandshakeTimeout
	_ = tc.raw.SetDeadline(time.Now().Add(timeout))
	if err := tc.nc.Handshake(); err != nil {
		s.count.Add(-1)
		reason := "tls_handshake"
		if errors.Is(err, os.ErrDeadlineExceeded) {
			reason = "tls_handshake_timeout"
		}
		s.refused(reason)
		s.logDebug("tls handshake failed", "remote", remoteString(tc.raw.RemoteAddr()), "err", err)
		tc.abort()
		return
	}
	_ = tc.raw.SetDeadline(time.Time{})
	tc.state = tc.nc.ConnectionState()
	tc.startWriter()
	if !tc.loop.Execute(tc.openAccepted) {
		s.count.Add(-1) // openAccepted will not run
		tc.abort()
		return
	}
	tc.readLoop()
}

// track registers tc (and one goroutine for it) unless the server is
// stopping.
func (s *Server) track(tc *tlsConn) bool {
	s.tl.mu.Lock()
	defer s.tl.mu.Unlock()
	if s.tl.stopped {
		return false
	}
	if s.tl.conns == nil {
		s.tl.conns = make(map[*tlsConn]struct{})
	}
	s.tl.conns[tc] = struct{}{}
	s.tl.wg.Add(1)
	return true
}

func (s *Server) untrack(tc *tlsConn) {
	s.tl.mu.Lock()
	delete(s.tl.conns, tc)
	s.tl.mu.Unlock()
}

// tlsStopping reports whether Stop has begun closing TLS connections.
func (s *Server) tlsStopping() bool { return s.tl.halted.Load() }

// stopTLS closes the TLS listener and every TLS connection (accepted or
// dialled) and waits for their goroutines. Connections open on a loop get
// OnClose there, as gnet connections do when the engine stops.
func (s *Server) stopTLS(ctxDone <-chan struct{}) error {
	if s.tl.ln != nil {
		_ = s.tl.ln.Close()
	}
	s.tl.mu.Lock()
	s.tl.stopped = true
	s.tl.halted.Store(true)
	s.tl.mu.Unlock()
	// Close the open ones on their loops; openAccepted and openDialed
	// refuse any that completes its handshake from now on.
	for _, l := range s.Loops() {
		done := make(chan struct{})
		ok := l.Execute(func() {
			defer close(done)
			l.Each(func(c *Conn) {
				if c.tc != nil {
					c.terminateTLS(nil, modeAbort)
				}
			})
		})
		if !ok {
			continue
		}
		select {
		case <-done:
		case <-ctxDone:
			return errors.New("waiting for the loops to close TLS connections")
		}
	}
	// Handshaking, dialling or still flushing: close their sockets.
	s.tl.mu.Lock()
	conns := make([]*tlsConn, 0, len(s.tl.conns))
	for tc := range s.tl.conns {
		conns = append(conns, tc)
	}
	s.tl.mu.Unlock()
	for _, tc := range conns {
		tc.abort()
	}
	waited := make(chan struct{})
	go func() { s.tl.wg.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctxDone:
		return errors.New("waiting for TLS connection goroutines")
	}
}

func (s *Server) refused(reason string) {
	if s.opts.OnRefused != nil {
		s.opts.OnRefused(reason)
	}
}

func (s *Server) logDebug(msg string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Debug(msg, args...)
	}
}

func (s *Server) logWarn(msg string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Warn(msg, args...)
	}
}
