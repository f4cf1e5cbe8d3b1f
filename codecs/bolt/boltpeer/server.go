package boltpeer

import (
	"bufio"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/conformance/peerserver"
)

// ServerOptions shape an echo server's behaviour.
type ServerOptions struct {
	// Name is put in the "server" header of every reply, so a caller can
	// tell which backend answered.
	Name string
	// Shuffle makes the server answer the requests of each read in random
	// order instead of arrival order (out-of-order replies).
	Shuffle bool
	// Hold, when set, is consulted per request: returning true leaves the
	// request unanswered (to provoke timeouts).
	Hold func(content []byte) bool
}

// Server is a Bolt echo server: it answers each request with its content,
// prefixed by nothing, class "java.lang.String", and a "server" header.
type Server struct {
	*peerserver.Server
	opts      ServerOptions
	requests  atomic.Int64
	reordered atomic.Int64
}

// Serve starts an echo server on ln.
func Serve(ln net.Listener, opts ServerOptions) *Server {
	s := &Server{opts: opts}
	s.Server = peerserver.Start(ln, s.serveConn)
	return s
}

// Requests returns how many requests (not heartbeats) the server has read.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Reordered returns how many replies were sent out of arrival order.
func (s *Server) Reordered() int64 { return s.reordered.Load() }

func (s *Server) serveConn(c net.Conn) {
	w := bufio.NewWriter(c)
	var batch []*bolt.Frame
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if s.opts.Shuffle {
			s.reordered.Add(int64(peerserver.Shuffle(batch)))
		}
		for _, f := range batch {
			buf, _ := f.AppendBinary(nil)
			_, _ = w.Write(buf)
			f.Release()
		}
		batch = batch[:0]
		_ = w.Flush()
	}
	_ = readFrames(c, func(f *bolt.Frame) {
		var reply *bolt.Frame
		switch {
		case f.Heartbeat():
			reply = respond(f, bolt.Message{Code: bolt.CodeHeartbeat, Codec: f.Codec()})
		case f.CmdType() == bolt.TypeOneway:
			s.requests.Add(1)
			return
		case f.CmdType() == bolt.TypeRequest:
			s.requests.Add(1)
			if s.opts.Hold != nil && s.opts.Hold(f.Content()) {
				return
			}
			reply = respond(f, bolt.Message{Code: bolt.CodeResponse, Codec: f.Codec(), Class: string(f.ClassName()),
				Headers: [][2]string{{"server", s.opts.Name}}, Content: append([]byte(nil), f.Content()...)})
		default:
			return
		}
		batch = append(batch, reply)
	}, flush)
	flush()
}

// respond builds a response to req in req's protocol version, with its
// ver1 and switch (so a CRC request gets a CRC reply), as SOFA servers do.
func respond(req *bolt.Frame, m bolt.Message) *bolt.Frame {
	m.Type, m.ID, m.Status = bolt.TypeResponse, req.RequestID(), bolt.StatusSuccess
	if req.Version() == bolt.ProtoV2 {
		m.Proto, m.Ver1, m.Switch = bolt.ProtoV2, req.Ver1(), req.Switch()
	}
	f, err := bolt.Build(m)
	if err != nil {
		panic(fmt.Sprintf("boltpeer: building a reply: %v", err))
	}
	return f
}
