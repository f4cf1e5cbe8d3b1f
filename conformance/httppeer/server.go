// Package httppeer runs net/http as an independent HTTP/1.1 and h2c
// (HTTP/2 over cleartext, prior knowledge) peer for the end-to-end tests of
// the gateway and the demo: a server whose handlers echo, stream, sink,
// delay and say which backend answered, and clients built on net/http
// (HTTP/1.1) and golang.org/x/net/http2 (h2c).
//
// Handlers (every method, HEAD included, reaches each of them; every
// response carries [HeaderBackend] with the server's name):
//
//	/ and /whoami    the body is the server's name
//	/echo, /echo/…   X-Echo-* response headers describe the request (see
//	                 [Server]); the request body is streamed back and the
//	                 request trailers come back as response trailers
//	/bytes/{n}       n bytes of [Pattern], streamed with Content-Length
//	                 (?chunked=1 leaves it out)
//	/sink            reads the whole body; X-Sink-Length, X-Sink-Sha256
//	/status/{code}   answers with that status (200 to 599)
//	/trailers        answers with [Trailers] as trailers
//	/slow            waits Options.Delay (or ?delay=250ms) or until the
//	                 request is cancelled; without a delay it waits for
//	                 the cancellation (or Close)
//	/early-hints     writes a 103 with a Link header, then the 200
package httppeer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xgate/xgate/conformance/peerserver"
)

// Response headers set by the server.
const (
	// HeaderBackend carries Options.Name on every response.
	HeaderBackend = "X-Backend"
	// EchoPrefix starts every header /echo describes the request with.
	EchoPrefix = "X-Echo-"
	// HeaderSinkLength is the number of body bytes /sink read.
	HeaderSinkLength = "X-Sink-Length"
	// HeaderSinkSHA256 is the hex SHA-256 of the body /sink read.
	HeaderSinkSHA256 = "X-Sink-Sha256"
	// EarlyHintsLink is the Link header /early-hints sends in its 103 (and
	// again in the 200).
	EarlyHintsLink = "</style.css>; rel=preload; as=style"
)

// Trailers returns the trailers /trailers sends: X-Trailer-One is
// announced in a Trailer header before the body, X-Trailer-Two is not
// (net/http's TrailerPrefix), so both ways of sending trailers are covered.
func Trailers() http.Header {
	return http.Header{"X-Trailer-One": {"one"}, "X-Trailer-Two": {"two"}}
}

// Options shape a server.
type Options struct {
	// Address is where to listen; "" means 127.0.0.1:0 (a free port).
	Address string
	// Name is sent in HeaderBackend and by /whoami so a caller can tell
	// which backend answered; "" means the listening address.
	Name string
	// HTTP2 also serves h2c with prior knowledge (the HTTP/2 connection
	// preface straight away, no Upgrade) on the same port; HTTP/1.1 is
	// always served.
	HTTP2 bool
	// Delay is how long /slow waits when the request gives no ?delay=.
	Delay time.Duration
}

// Server is a running net/http server on a loopback port.
//
// /echo sets, besides X-Echo-<Name> for every request header <Name> (all
// its values): X-Echo-Method, X-Echo-Path (escaped), X-Echo-Query (when
// there is one), X-Echo-Proto ("HTTP/1.1", "HTTP/2.0"), X-Echo-Host (the
// Host header or :authority), X-Echo-Remote-Addr, X-Echo-Content-Length
// (-1 when unknown) and X-Echo-Transfer-Encoding (when the request had
// one). These take precedence over request headers of the same name.
type Server struct {
	opts    Options
	ln      net.Listener
	srv     *http.Server
	served  chan struct{} // closed when Serve has returned
	stopped chan struct{} // closed by Close: /slow returns
	once    sync.Once
	err     error

	// busy counts connections (from StateNew to StateClosed/Hijacked) and
	// running handlers; Close waits for it to drop to zero.
	mu   sync.Mutex
	cond *sync.Cond
	busy int

	requests  peerserver.Counter
	cancelled peerserver.Counter
}

// Start listens and serves in the background until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Address
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httppeer: listen: %w", err)
	}
	if opts.Name == "" {
		opts.Name = ln.Addr().String()
	}
	s := &Server{opts: opts, ln: ln, served: make(chan struct{}), stopped: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.whoami)
	mux.HandleFunc("/whoami", s.whoami)
	mux.HandleFunc("/echo", s.echo)
	mux.HandleFunc("/echo/", s.echo)
	mux.HandleFunc("/bytes/{n}", s.bytes)
	mux.HandleFunc("/sink", s.sink)
	mux.HandleFunc("/status/{code}", s.status)
	mux.HandleFunc("/trailers", s.trailers)
	mux.HandleFunc("/slow", s.slow)
	mux.HandleFunc("/early-hints", s.earlyHints)

	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(opts.HTTP2)
	s.srv = &http.Server{
		Handler:           s.wrap(mux),
		Protocols:         &protos,
		ReadHeaderTimeout: 30 * time.Second,
		ConnState:         s.connState,
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // http.ErrServerClosed after Close
	}()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns "http://" + Addr().
func (s *Server) URL() string { return "http://" + s.Addr() }

// Name returns the name the server reports.
func (s *Server) Name() string { return s.opts.Name }

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// WaitRequests waits until the server has received at least n requests
// (for instance that a /slow request has arrived before cancelling it).
func (s *Server) WaitRequests(ctx context.Context, n int64) error {
	return prefixed(s.requests.Wait(ctx, n, "requests"))
}

// Cancelled returns how many /slow requests ended because their request
// context was cancelled (the client or the gateway gave up on them).
func (s *Server) Cancelled() int64 { return s.cancelled.Load() }

// WaitCancelled waits until at least n /slow requests have seen their
// cancellation.
func (s *Server) WaitCancelled(ctx context.Context, n int64) error {
	return prefixed(s.cancelled.Wait(ctx, n, "cancelled requests"))
}

// Close stops the server: it closes the listener and every connection,
// ends /slow requests, and returns once the connection goroutines and the
// handlers have returned. It is safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		close(s.stopped)
		s.err = s.srv.Close()
		<-s.served
		s.mu.Lock()
		for s.busy > 0 {
			s.cond.Wait()
		}
		s.mu.Unlock()
	})
	return s.err
}

func (s *Server) enter() {
	s.mu.Lock()
	s.busy++
	s.mu.Unlock()
}

func (s *Server) leave() {
	s.mu.Lock()
	s.busy--
	if s.busy == 0 {
		s.cond.Broadcast()
	}
	s.mu.Unlock()
}

// connState counts connections; StateNew runs on the accept loop, so
// after Serve has returned none is added.
func (s *Server) connState(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.enter()
	case http.StateClosed, http.StateHijacked:
		s.leave()
	}
}

func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.enter()
		defer s.leave()
		s.requests.Add()
		w.Header().Set(HeaderBackend, s.opts.Name)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.opts.Name)))
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, s.opts.Name)
	}
}

func (s *Server) echo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, vs := range r.Header {
		for _, v := range vs {
			h.Add(EchoPrefix+k, v)
		}
	}
	h.Set(EchoPrefix+"Method", r.Method)
	h.Set(EchoPrefix+"Path", r.URL.EscapedPath())
	h.Del(EchoPrefix + "Query")
	if r.URL.RawQuery != "" {
		h.Set(EchoPrefix+"Query", r.URL.RawQuery)
	}
	h.Set(EchoPrefix+"Proto", r.Proto)
	h.Set(EchoPrefix+"Host", r.Host)
	h.Set(EchoPrefix+"Remote-Addr", r.RemoteAddr)
	h.Set(EchoPrefix+"Content-Length", strconv.FormatInt(r.ContentLength, 10))
	h.Del(EchoPrefix + "Transfer-Encoding")
	if len(r.TransferEncoding) > 0 {
		h.Set(EchoPrefix+"Transfer-Encoding", strings.Join(r.TransferEncoding, ", "))
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)

	rc := http.NewResponseController(w)
	// HTTP/1 handlers may not read the body once they wrote; HTTP/2 always
	// can (ErrNotSupported there is fine).
	_ = rc.EnableFullDuplex()
	if r.ContentLength != 0 {
		// A body is coming: send the head now so a client can stream both
		// ways.
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		if n > 0 && r.Method != http.MethodHead {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			_ = rc.Flush()
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return
		}
	}
	for k, vs := range r.Trailer {
		for _, v := range vs {
			h.Add(http.TrailerPrefix+k, v)
		}
	}
}

func (s *Server) bytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n < 0 {
		http.Error(w, "httppeer: /bytes/{n} wants a byte count", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.URL.Query().Get("chunked") == "" {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	}
	if r.Method == http.MethodHead {
		return
	}
	// Streamed from a 32 KiB buffer: any size costs the same memory.
	_, _ = io.CopyBuffer(w, NewPatternReader(n), make([]byte, 32<<10))
}

func (s *Server) sink(w http.ResponseWriter, r *http.Request) {
	sum := sha256.New()
	n, err := io.CopyBuffer(sum, r.Body, make([]byte, 32<<10))
	if err != nil {
		http.Error(w, fmt.Sprintf("httppeer: reading the body: %v", err), http.StatusBadRequest)
		return
	}
	body := strconv.FormatInt(n, 10)
	w.Header().Set(HeaderSinkLength, body)
	w.Header().Set(HeaderSinkSHA256, hex.EncodeToString(sum.Sum(nil)))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		http.Error(w, "httppeer: /status/{code} wants 200 to 599", http.StatusBadRequest)
		return
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	body := fmt.Sprintf("status %d\n", code)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

func (s *Server) trailers(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Trailer", "X-Trailer-One")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, "trailers follow\n")
	}
	t := Trailers()
	h.Set("X-Trailer-One", t.Get("X-Trailer-One"))
	h.Set(http.TrailerPrefix+"X-Trailer-Two", t.Get("X-Trailer-Two"))
}

func (s *Server) slow(w http.ResponseWriter, r *http.Request) {
	d := s.opts.Delay
	if q := r.URL.Query().Get("delay"); q != "" {
		var err error
		if d, err = time.ParseDuration(q); err != nil {
			http.Error(w, "httppeer: /slow?delay= wants a duration", http.StatusBadRequest)
			return
		}
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintf(w, "slept %v\n", d)
	case <-r.Context().Done():
		s.cancelled.Add()
	case <-s.stopped:
		http.Error(w, "httppeer: server closing", http.StatusServiceUnavailable)
	}
}

func (s *Server) earlyHints(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Link", EarlyHintsLink)
	w.WriteHeader(http.StatusEarlyHints)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, "early hints sent\n")
	}
}

// prefixed names this package in a Counter's error.
func prefixed(err error) error {
	if err != nil {
		return fmt.Errorf("httppeer: %w", err)
	}
	return nil
}
