// Package toypeer is a ToyRPC client and echo server over plain net.Conn
// (a goroutine per connection, the standard library's I/O): the peers the
// toy codec's end-to-end tests put on either side of the gateway.
package toypeer

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync/atomic"

	"github.com/xgate/xgate/conformance/peerserver"
	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/xprotocol"
)

// HeaderServer is the reply header naming the server that answered.
const HeaderServer = "server"

// ServerOptions shape an echo server.
type ServerOptions struct {
	// Name is put in the "server" header of every reply.
	Name string
	// Hold, when set, is asked per request: true leaves it unanswered.
	Hold func(service, method string, body []byte) bool
}

// Server is a ToyRPC echo server: it answers each request with its body,
// service and method, and a "server" header; heartbeats get their reply.
type Server struct {
	*peerserver.Server
	opts       ServerOptions
	requests   atomic.Int64
	oneways    atomic.Int64
	heartbeats atomic.Int64
}

// Serve starts an echo server on ln; Close stops it.
func Serve(ln net.Listener, opts ServerOptions) *Server {
	s := &Server{opts: opts}
	s.Server = peerserver.Start(ln, s.serveConn)
	return s
}

// Requests returns how many two-way requests (not heartbeats) were read.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Oneways returns how many oneway requests were read.
func (s *Server) Oneways() int64 { return s.oneways.Load() }

// Heartbeats returns how many heartbeat requests were read.
func (s *Server) Heartbeats() int64 { return s.heartbeats.Load() }

func (s *Server) serveConn(c net.Conn) {
	w := bufio.NewWriter(c)
	var out []byte
	_ = ReadFrames(c, func(f *toyrpc.Frame) {
		var m toyrpc.Message
		switch {
		case f.Kind() == xprotocol.KindResponse:
			return
		case f.Heartbeat():
			s.heartbeats.Add(1)
			m = toyrpc.Message{Type: toyrpc.TypeResponse, Heartbeat: true, ID: uint32(f.StreamID())}
		case f.Kind() == xprotocol.KindOneway:
			s.oneways.Add(1)
			return
		default:
			s.requests.Add(1)
			svc, mth := string(f.Key(xprotocol.KeyService)), string(f.Key(xprotocol.KeyMethod))
			if s.opts.Hold != nil && s.opts.Hold(svc, mth, f.Body()) {
				return
			}
			m = toyrpc.Message{Type: toyrpc.TypeResponse, ID: uint32(f.StreamID()), Service: svc, Method: mth,
				Headers: [][2]string{{HeaderServer, s.opts.Name}}, Body: f.Body()}
		}
		var err error
		if out, err = toyrpc.AppendMessage(out, m); err != nil {
			panic(err) // echoing what decoded always fits
		}
	}, func() {
		if len(out) > 0 {
			_, _ = w.Write(out)
			_ = w.Flush()
			out = out[:0]
		}
	})
}

// ReadFrames decodes frames from r until it fails (io.EOF: a clean end),
// calling fn with each; fn must not keep the frame. idle, when set, runs
// whenever every buffered frame was handled, before the next blocking read.
func ReadFrames(r io.Reader, fn func(f *toyrpc.Frame), idle func()) error {
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 32<<10)
	for {
		for {
			f, n, err := toyrpc.Decode(buf, 0, 0)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return err
			}
			fn(f)
			f.Release()
			buf = append(buf[:0], buf[n:]...)
		}
		if idle != nil {
			idle()
		}
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			return err
		}
	}
}
