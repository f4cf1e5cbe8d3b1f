package http2

import (
	"fmt"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

const (
	roleServer = xprotocol.RoleServer
	roleClient = xprotocol.RoleClient
)

// session is one HTTP/2 connection's state. It is used by one goroutine.
type session struct {
	proto          string
	role           xprotocol.Role
	maxHeaderBytes int
	maxHeaderCount int
	maxStreams     int
	secure         bool
	forwardedFor   string // the client IP X-Forwarded-For gets (server role)

	prefaceDone  bool  // the client preface was read (server role)
	settingsSeen bool  // the peer's first frame, SETTINGS, arrived
	dead         error // a connection error was sent
	goAwaySent   bool
	goAwayRecv   bool
	goAwayLast   uint32
	exhausted    bool // client role: no wire ids left

	peerMaxFrame      int
	peerInitWindow    int64
	peerMaxStreams    uint32
	peerMaxHeaderList uint32

	streams    map[uint32]*stream
	byEngine   map[uint64]*stream // client role
	lastPeerID uint32             // highest stream id the peer opened
	nextWireID uint32             // client role: next odd id
	recent     [recentClosedLen]uint32
	recentN    int

	connSend    int64 // the peer's connection window
	connRecv    int64 // what the peer may still send on the connection
	connUnacked int64
	heldBytes   int
	heldQ       []uint32

	dec   *hpack.Decoder
	enc   hpackEncoder
	hd    headerDecode
	cont  contState
	block []byte // CONTINUATION assembly
	hbuf  []byte // HPACK output for one head

	pending    []byte
	ctrlQueued int

	resetTimes []time.Time // rapid-reset window (server role)
	now        func() time.Time

	eh encodeHeaders // generic-frame encoding state

	free []*stream // finished stream structs for reuse
}

// maxFreeStreams bounds the stream structs a session keeps for reuse.
const maxFreeStreams = 64

// contState is the header block being assembled across CONTINUATIONs.
type contState struct {
	active    bool
	id        uint32
	endStream bool
	selfDep   bool
	count     int
	size      int
}

var (
	_ xprotocol.Session = (*session)(nil)
	_ xprotocol.Flusher = (*session)(nil)
	_ xprotocol.Closing = (*session)(nil)
)

// Errors Encode returns.
var (
	// ErrStreamIDsExhausted: a client session used every odd stream id;
	// it closes once its streams finish.
	ErrStreamIDsExhausted = fmt.Errorf("%s: stream ids exhausted: %w", Name, xprotocol.ErrConnectionFull)
	// ErrGoingAway: the peer sent GOAWAY, so no new stream may start.
	ErrGoingAway = fmt.Errorf("%s: connection is going away: %w", Name, xprotocol.ErrConnectionFull)
	// ErrTooManyStreams: a new stream would exceed the peer's
	// SETTINGS_MAX_CONCURRENT_STREAMS or SessionOptions.MaxStreams.
	ErrTooManyStreams = fmt.Errorf("%s: too many concurrent streams: %w", Name, xprotocol.ErrConnectionFull)
	// ErrStreamInUse: a request head names an engine id whose stream is
	// still open.
	ErrStreamInUse = fmt.Errorf("%s: stream id in use", Name)
	// ErrSessionClosed: the session sent GOAWAY after a connection error.
	ErrSessionClosed = fmt.Errorf("%s: session closed after a connection error", Name)
)

func newSession(proto string, opts xprotocol.SessionOptions) *session {
	s := &session{
		proto:          proto,
		role:           opts.Role,
		maxHeaderBytes: opts.MaxHeaderBytes,
		maxHeaderCount: opts.MaxHeaderCount,
		maxStreams:     opts.MaxStreams,
		secure:         opts.Secure,
		forwardedFor:   httpsem.RemoteIP(opts.RemoteAddr),
		peerMaxFrame:   minMaxFrameSize,
		peerInitWindow: defaultWindow,
		peerMaxStreams: ^uint32(0),
		streams:        make(map[uint32]*stream),
		connSend:       defaultWindow,
		connRecv:       Window,
		enc:            newHpackEncoder(),
		now:            time.Now,
	}
	if s.role != roleClient {
		s.role = roleServer
	}
	if s.maxHeaderBytes <= 0 {
		s.maxHeaderBytes = DefaultMaxHeaderBytes
	}
	if s.maxStreams <= 0 {
		s.maxStreams = DefaultMaxStreams
	}
	if s.maxHeaderCount <= 0 {
		s.maxHeaderCount = DefaultMaxHeaderCount
	}
	s.dec = hpack.NewDecoder(headerTableSize, s.emit)
	s.dec.SetMaxStringLength(s.maxHeaderBytes)
	s.eh.init(s)
	if s.role == roleClient {
		s.prefaceDone = true
		s.byEngine = make(map[uint64]*stream)
		s.nextWireID = 1
		s.pending = append(s.pending, clientPreface...)
	}
	// Our SETTINGS, then the connection window up to Window.
	var set []byte
	if s.role == roleClient {
		set = appendSetting(set, settingEnablePush, 0)
	} else {
		set = appendSetting(set, settingMaxConcurrentStreams, uint32(s.maxStreams))
	}
	set = appendSetting(set, settingInitialWindowSize, Window)
	set = appendSetting(set, settingMaxHeaderListSize, uint32(s.maxHeaderBytes))
	s.pending = appendFrameHeader(s.pending, len(set), ftSettings, 0, 0)
	s.pending = append(s.pending, set...)
	s.pending = appendWindowUpdate(s.pending, 0, Window-defaultWindow)
	return s
}

// AppendPending appends the session's own output (acknowledgements,
// WINDOW_UPDATE, RST_STREAM, GOAWAY, DATA released by a window update) and
// forgets it.
func (s *session) AppendPending(dst []byte) []byte {
	dst = append(dst, s.pending...)
	s.pending = s.pending[:0]
	s.ctrlQueued = 0
	return dst
}

// Held returns the DATA bytes waiting for the peer's flow-control window.
func (s *session) Held() int { return s.heldBytes }

// ShouldClose reports whether the connection is finished: after a
// connection error, or once GOAWAY was sent (or, by a client session,
// received, or a client ran out of stream ids) and no stream is left. A
// server session that received a client's GOAWAY leaves the close to the
// client (or the idle timeout): closing first would reset frames the client
// still sends, such as a PING (h2spec 7/1).
func (s *session) ShouldClose() bool {
	if s.dead != nil {
		return true
	}
	recv := s.goAwayRecv && s.role == xprotocol.RoleClient
	return (s.goAwaySent || recv || s.exhausted) && len(s.streams) == 0 && s.heldBytes == 0
}

// connError queues GOAWAY with code and returns the FrameError that ends
// the connection. Later calls return the first error.
func (s *session) connError(code ErrCode, field, reason string) error {
	if s.dead != nil {
		return s.dead
	}
	s.cont.active = false
	s.pending = appendGoAway(s.pending, s.lastPeerID, code, reason)
	var fe *xprotocol.FrameError
	if code == ErrCodeFrameSize {
		fe = &xprotocol.FrameError{Protocol: s.proto, Field: field, Reason: code.String() + ": " + reason, Err: xprotocol.ErrFrameTooLarge}
	} else {
		fe = xprotocol.Malformed(s.proto, field, code.String()+": "+reason)
	}
	s.dead = fe
	return fe
}

// queueControl appends a control frame to the pending output; beyond
// maxQueuedControl unflushed frames it is a flood.
func (s *session) queueControl() error {
	s.ctrlQueued++
	if s.ctrlQueued > maxQueuedControl {
		return s.connError(ErrCodeEnhanceYourCalm, "control", "too many queued control frames")
	}
	return nil
}

// streamError resets st (or the unknown stream id) with code. When the
// engine knows the stream it returns the KindReset frame to give it.
func (s *session) streamError(id uint32, st *stream, code ErrCode) (*Frame, error) {
	s.pending = appendRSTStream(s.pending, id, code)
	if err := s.queueControl(); err != nil {
		return nil, err
	}
	if st == nil {
		s.rememberClosed(id)
		return nil, nil
	}
	s.forget(st)
	return s.resetFrame(st, code), nil
}

// resetFrame is the KindReset frame that tells the engine st is gone.
func (s *session) resetFrame(st *stream, code ErrCode) *Frame {
	f := newFrame(s.frameProto(st), xprotocol.KindReset, st.eid, 0)
	f.code = code
	f.end = true
	return f
}

// frameProto is the protocol name frames of st report.
func (s *session) frameProto(st *stream) string {
	if s.proto == NameGRPC || st != nil && st.grpc {
		return NameGRPC
	}
	return Name
}

// newStream opens a stream with the windows in force.
func (s *session) newStream(id uint32, eid uint64) *stream {
	var st *stream
	if n := len(s.free); n > 0 {
		st = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		st = new(stream)
	}
	*st = stream{id: id, eid: eid, send: s.peerInitWindow, recv: Window, clen: -1}
	s.streams[id] = st
	return st
}

// openStreams counts the streams that count against concurrency limits.
func (s *session) openStreams() int { return len(s.streams) }
