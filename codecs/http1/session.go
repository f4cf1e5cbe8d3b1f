package http1

import (
	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// DefaultMaxInlineBody is the largest Content-Length body a session waits
// for before handing out its head, so that the head frame carries the whole
// body (EndStream set). Larger bodies, and chunked ones, stream as data
// frames behind a head that reports EndStream false.
const DefaultMaxInlineBody = 64 << 10

// inState is what a session expects next in its input.
type inState uint8

const (
	inHead    inState = iota // a request (server) or response (client) head
	inLength                 // Content-Length body bytes
	inChunked                // a chunked body
	inClose                  // a response body that runs until the peer closes
	inClosed                 // nothing more: the connection is ending
)

// session is one connection's HTTP/1.x state. A server session decodes
// requests and encodes responses, a client session the other way round;
// either encodes any frame kind, with the rules of the direction the frame
// travels (see encode.go).
type session struct {
	role      xprotocol.Role
	lim       Limits
	frameMax  int   // largest data frame
	inlineMax int64 // largest body carried in its head frame
	remoteIP  string
	scheme    string // "http" or "https": X-Forwarded-Proto, :scheme

	// Decoding.
	in        inState
	left      int64 // inLength: body bytes still due
	chunk     ChunkedDecoder
	inID      uint64 // the stream id of the message being decoded
	inClose   bool   // client: the connection ends with the response being decoded
	nextID    uint64 // server: the last request id given out; client: responses decoded
	continued bool   // server: "100 Continue" queued for the head at the front of the input
	failed    error  // the decode error that ended the input

	recv exchanges // server: requests decoded whose response is unfinished
	sent exchanges // client: requests encoded whose response is unfinished

	// Encoding.
	out     outBody
	pending []byte // bytes of the session's own: 100 Continue, error responses
	closing bool   // ShouldClose
	goAway  bool   // server: close once the exchanges in progress are done
	scratch [32]byte
	fw      fieldWriter
}

var (
	_ xprotocol.Session    = (*session)(nil)
	_ xprotocol.Flusher    = (*session)(nil)
	_ xprotocol.Closing    = (*session)(nil)
	_ xprotocol.EndOfInput = (*session)(nil)
)

// newSession applies opts: MaxHeaderBytes bounds heads and trailer
// sections, MaxHeaderCount (at most maxFieldLines, what a fieldSet indexes) their
// field lines, FrameLimit bounds data frames and the body a head may carry.
func newSession(opts xprotocol.SessionOptions) *session {
	s := &session{
		role:      opts.Role,
		lim:       Limits{MaxHeaderBytes: opts.MaxHeaderBytes, MaxHeaders: min(opts.MaxHeaderCount, maxFieldLines)}.withDefaults(),
		frameMax:  opts.FrameLimit(),
		inlineMax: min(DefaultMaxInlineBody, int64(opts.FrameLimit())),
		remoteIP:  httpsem.RemoteIP(opts.RemoteAddr),
		scheme:    "http",
	}
	if s.role != xprotocol.RoleClient {
		s.role = xprotocol.RoleServer
	}
	s.fw.fn = s.fw.field
	if opts.Secure {
		s.scheme = "https"
	}
	s.chunk = NewChunkedDecoder(Request, s.lim)
	if s.role == xprotocol.RoleClient {
		s.chunk = NewChunkedDecoder(Response, s.lim)
	}
	return s
}

// Decode reads the next frame: a request head and its body (server
// session) or a response head and its body (client session). See the
// package documentation for the frames of one message.
func (s *session) Decode(src []byte) (xprotocol.Frame, int, error) {
	if s.failed != nil {
		return nil, 0, s.failed
	}
	var f *Frame
	var n int
	var err error
	switch s.in {
	case inHead:
		if s.role == xprotocol.RoleServer {
			f, n, err = s.decodeRequest(src)
		} else {
			f, n, err = s.decodeResponse(src)
		}
	case inLength:
		f, n, err = s.decodeLength(src)
	case inChunked:
		f, n, err = s.decodeChunked(src)
	case inClose:
		f, n, err = s.decodeUntilClose(src)
	default:
		// The connection is ending: whatever follows is not read.
		if len(src) == 0 {
			return nil, 0, xprotocol.ErrIncomplete
		}
		return nil, len(src), nil
	}
	if f == nil {
		return nil, n, err // a nil *Frame must not become a non-nil interface
	}
	return f, n, err
}

// AppendPending appends the session's own output ("100 Continue", the
// error response to a refused request) and forgets it.
func (s *session) AppendPending(dst []byte) []byte {
	dst = append(dst, s.pending...)
	s.pending = s.pending[:0]
	return dst
}

// Held is 0: HTTP/1.x has no flow-control window.
func (s *session) Held() int { return 0 }

// ShouldClose reports whether the connection must be closed once what is
// written has been sent: after a refused request, after the response that
// ends a "Connection: close" or HTTP/1.0 exchange or is delimited by the
// close, after a response whose server closes, or after a reset.
func (s *session) ShouldClose() bool { return s.closing }

// EndOfInput returns the last, empty data frame of a response whose body
// runs until the close (client session), and nil when the close cut a
// message short or came between messages.
func (s *session) EndOfInput() xprotocol.Frame {
	if s.in != inClose {
		return nil
	}
	f := getFrame()
	f.kind, f.id, f.end = xprotocol.KindData, s.inID, true
	s.endInput()
	return f
}

// exchange is one request and its response, as the session tracks it to
// frame the messages that follow.
type exchange struct {
	id        uint64
	head      bool // the request method is HEAD
	http10    bool // the client speaks HTTP/1.0
	keepAlive bool // the client keeps the connection after this exchange
	expect    bool // "100 Continue" is owed once this exchange is the oldest
}

// exchanges is a FIFO of exchanges: HTTP/1.1 answers in request order.
type exchanges struct{ q []exchange }

func (e *exchanges) push(x exchange) { e.q = append(e.q, x) }
func (e *exchanges) len() int        { return len(e.q) }

// front returns the oldest exchange, or nil.
func (e *exchanges) front() *exchange {
	if len(e.q) == 0 {
		return nil
	}
	return &e.q[0]
}

// pop removes the oldest exchange.
func (e *exchanges) pop() {
	n := copy(e.q, e.q[1:])
	e.q = e.q[:n]
}

// find returns the exchange with stream id, or nil.
func (e *exchanges) find(id uint64) *exchange {
	for i := range e.q {
		if e.q[i].id == id {
			return &e.q[i]
		}
	}
	return nil
}
