package dubbopeer

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"sync/atomic"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"

	"github.com/xgate/xgate/conformance/peerserver"
)

// Methods the echo server gives a meaning to.
const (
	// MethodEcho answers with the first argument.
	MethodEcho = "echo"
	// MethodFail answers with an exception (RESPONSE_WITH_EXCEPTION...).
	MethodFail = "fail"
)

// ServerOptions shape an echo server's behaviour.
type ServerOptions struct {
	// Name is put in the "server" attachment of every reply, so a caller
	// can tell which backend answered.
	Name string
	// Services, when not empty, are the only paths the server exports;
	// a call to any other is answered with status SERVICE_NOT_FOUND.
	Services []string
	// Shuffle makes the server answer the requests of each read in random
	// order instead of arrival order (out-of-order replies).
	Shuffle bool
	// Hold, when set, is consulted per request: returning true leaves the
	// request unanswered (to provoke timeouts).
	Hold func(method string, args []any) bool
}

// Server is a Dubbo echo server. Method "fail" gets an exception; any other
// method gets its first argument back (null when there is none). Every OK
// reply carries the response attachments "server" (ServerOptions.Name) and
// "dubbo" (the caller's protocol version: dubbo-go writes response
// attachments only when that version supports them, 2.0.2 and later, so a
// caller of an older version gets the value without attachments).
// Heartbeats are answered; oneway calls are counted and not answered.
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

// serveConn answers one connection until it fails or a request cannot be
// read (then it closes the connection, as Dubbo servers do on a codec error).
func (s *Server) serveConn(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	var batch [][]byte
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if s.opts.Shuffle {
			s.reordered.Add(int64(peerserver.Shuffle(batch)))
		}
		for _, b := range batch {
			_, _ = w.Write(b)
		}
		batch = batch[:0]
		_ = w.Flush()
	}
	for {
		p, err := readPacket(r)
		if err != nil {
			flush()
			return
		}
		reply, err := s.answer(p)
		if err != nil {
			flush()
			return
		}
		if reply != nil {
			batch = append(batch, reply)
		}
		if r.Buffered() == 0 {
			flush() // every request of this read is answered
		}
	}
}

// answer builds the reply to one request packet, or nil for none.
func (s *Server) answer(p *packet) ([]byte, error) {
	h := p.header
	codec := dh.NewHessianCodec(nil)
	if h.Type&dh.PackageRequest == 0 {
		return nil, nil // a response sent to a server: ignore it
	}
	if h.Type&dh.PackageHeartbeat != 0 {
		if err := p.readBody(nil); err != nil {
			return nil, err
		}
		if h.Type&dh.PackageRequest_TwoWay == 0 {
			return nil, nil // an event notice, not a heartbeat
		}
		return codec.Write(dh.Service{}, dh.DubboHeader{SerialID: h.SerialID, Type: dh.PackageHeartbeat,
			ID: h.ID, ResponseStatus: dh.Response_OK}, nil)
	}
	req := make([]any, 7)
	if err := p.readBody(req); err != nil {
		return nil, err
	}
	s.requests.Add(1)
	if h.Type&dh.PackageRequest_TwoWay == 0 {
		return nil, nil
	}
	dubboVersion, _ := req[0].(string)
	path, _ := req[1].(string)
	method, _ := req[3].(string)
	args, _ := req[5].([]any)
	if s.opts.Hold != nil && s.opts.Hold(method, args) {
		return nil, nil
	}
	rh := dh.DubboHeader{SerialID: h.SerialID, Type: dh.PackageResponse, ID: h.ID, ResponseStatus: dh.Response_OK}
	if len(s.opts.Services) > 0 && !slices.Contains(s.opts.Services, path) {
		rh.ResponseStatus = dh.Response_SERVICE_NOT_FOUND
		return codec.Write(dh.Service{}, rh, dh.NewResponse(nil, fmt.Errorf("service not found: %s", path), nil))
	}
	atts := map[string]any{"server": s.opts.Name, dh.DUBBO_VERSION_KEY: dubboVersion}
	if method == MethodFail {
		ex := java_exception.NewThrowable(fmt.Sprintf("%s failed on %s", method, s.opts.Name))
		return codec.Write(dh.Service{}, rh, dh.NewResponse(nil, ex, atts))
	}
	var value any
	if len(args) > 0 {
		value = args[0]
	}
	return codec.Write(dh.Service{}, rh, dh.NewResponse(value, nil, atts))
}
