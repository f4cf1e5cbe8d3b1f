package h2test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/xgate/xgate/xprotocol"
)

// Handler answers the frames a server session decodes. It runs on the
// connection's goroutine, like the engine's event loop, and must not block.
type Handler interface {
	// Frame handles one decoded frame and owns it (must release it).
	Frame(w *Writer, f xprotocol.Frame)
}

// Writer encodes frames into a connection's next write.
type Writer struct {
	sess xprotocol.Session
	fl   xprotocol.Flusher
	out  []byte
	err  error
}

// Encode encodes f, releases it and queues the bytes with the session's
// pending output. The first error sticks (see Err).
func (w *Writer) Encode(f xprotocol.Frame) {
	out, err := w.sess.Encode(w.out, f)
	f.Release()
	w.out = w.fl.AppendPending(out)
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Err returns the first Encode error.
func (w *Writer) Err() error { return w.err }

// Held returns the session's held DATA bytes.
func (w *Writer) Held() int { return w.fl.Held() }

// Server accepts loopback connections and runs a server session on each.
type Server struct {
	// Addr is the listening address.
	Addr string

	ln      net.Listener
	proto   xprotocol.Protocol
	opts    xprotocol.SessionOptions
	handler func() Handler
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	errs    []error
	closed  bool
}

// StartServer listens on 127.0.0.1 and serves p with a handler from
// newHandler per connection; the server is closed when the test ends.
func StartServer(t testing.TB, p xprotocol.Protocol, opts xprotocol.SessionOptions, newHandler func() Handler) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("h2test: listen: %v", err)
	}
	opts.Role = xprotocol.RoleServer
	s := &Server{Addr: ln.Addr().String(), ln: ln, proto: p, opts: opts, handler: newHandler, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			err := Serve(c, s.proto, s.opts, s.handler())
			s.mu.Lock()
			delete(s.conns, c)
			if err != nil {
				s.errs = append(s.errs, err)
			}
			s.mu.Unlock()
		}()
	}
}

// Errors returns the errors connections ended with (decode errors).
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Close stops accepting, closes every connection and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// Serve runs a server session of p over conn until the peer closes, the
// session reports a connection error (returned, after its GOAWAY was
// written) or the session says it is finished. It closes conn.
func Serve(conn net.Conn, p xprotocol.Protocol, opts xprotocol.SessionOptions, h Handler) error {
	defer conn.Close()
	opts.Role = xprotocol.RoleServer
	sess := p.NewSession(opts)
	fl := sess.(xprotocol.Flusher)
	cl, _ := sess.(xprotocol.Closing)
	w := &Writer{sess: sess, fl: fl}
	if _, err := conn.Write(fl.AppendPending(nil)); err != nil {
		return nil
	}
	buf := make([]byte, 0, 64<<10)
	var frames []xprotocol.Frame
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		off := 0
		var derr error
		for off < len(buf) {
			f, used, err := sess.Decode(buf[off:])
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				derr = err
				break
			}
			off += used
			if f != nil {
				frames = append(frames, f)
			}
		}
		buf = buf[:copy(buf, buf[off:])]
		w.out = fl.AppendPending(w.out[:0])
		for _, f := range frames {
			h.Frame(w, f)
		}
		clear(frames)
		frames = frames[:0]
		if len(w.out) > 0 {
			if _, err := conn.Write(w.out); err != nil {
				return nil
			}
		}
		if derr != nil {
			return derr
		}
		if cl != nil && cl.ShouldClose() {
			return nil
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, net.ErrClosed) {
				return nil
			}
			return nil
		}
	}
}
