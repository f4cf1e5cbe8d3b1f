package xprotocol

// MatchResult is the answer of Protocol.Match on a connection's first bytes.
type MatchResult uint8

// Match results.
const (
	// MatchNo means the bytes cannot start this protocol.
	MatchNo MatchResult = iota
	// MatchYes means the bytes start this protocol.
	MatchYes
	// MatchNeedMore means more bytes are needed to decide.
	MatchNeedMore
)

// PoolMode says how upstream connections of a protocol are shared.
type PoolMode uint8

// Pool modes.
const (
	// PoolMultiplex shares one connection among many in-flight requests
	// told apart by stream id (Bolt, Dubbo, framed Thrift, HTTP/2, gRPC).
	PoolMultiplex PoolMode = iota + 1
	// PoolPingPong carries one request at a time per connection
	// (HTTP/1.1, unframed Thrift).
	PoolPingPong
)

// Role says which side of a connection a Session serves.
type Role uint8

// Session roles.
const (
	// RoleServer decodes requests from downstream clients and encodes replies.
	RoleServer Role = iota + 1
	// RoleClient encodes requests to upstream servers and decodes replies.
	RoleClient
)

// DefaultMaxFrameSize is the frame size limit when none is configured (16 MiB).
const DefaultMaxFrameSize = 16 << 20

// SessionOptions are the per-connection limits a Session enforces.
type SessionOptions struct {
	Role Role
	// MaxFrameSize bounds a whole frame on the wire; 0 means DefaultMaxFrameSize.
	MaxFrameSize int
}

// FrameLimit returns MaxFrameSize or its default.
func (o SessionOptions) FrameLimit() int {
	if o.MaxFrameSize <= 0 {
		return DefaultMaxFrameSize
	}
	return o.MaxFrameSize
}

// Session is the per-connection codec state. Stateless protocols return a
// trivial session; HTTP/2 keeps HPACK tables, settings and streams here.
// A Session is used by one goroutine (the connection's event loop).
type Session interface {
	// Decode reads one frame from the front of src and returns it with the
	// number of bytes used. It returns ErrIncomplete (and n == 0) when src
	// holds only part of a frame; it must accept a frame split at any byte
	// boundary, and must not allocate in proportion to a length field before
	// those bytes have arrived. Malformed or oversized input gives a
	// *FrameError. A nil frame with n > 0 means control bytes were consumed.
	Decode(src []byte) (f Frame, n int, err error)
	// Encode appends f's wire form to dst. A frame whose only change is its
	// stream id is written as its original bytes.
	Encode(dst []byte, f Frame) ([]byte, error)
}

// Protocol is what a codec registers: everything the engine needs to detect,
// frame, pool and answer one wire protocol.
type Protocol interface {
	// Name is the protocol's configuration name (e.g. "bolt").
	Name() string
	// Match inspects a connection's first bytes; it must be cheap, must not
	// allocate and must only look at a bounded prefix.
	Match(prefix []byte) MatchResult
	// PoolMode says whether upstream connections multiplex by stream id.
	PoolMode() PoolMode
	// MaxStreamID is the largest stream id the wire can carry; pools allocate
	// ids in [1, MaxStreamID] and wrap around within it.
	MaxStreamID() uint64
	// NewSession creates the codec state for one connection.
	NewSession(opts SessionOptions) Session
	// NewHeartbeat builds a heartbeat request with the given stream id.
	NewHeartbeat(id uint64) Frame
	// HeartbeatReply builds the reply to a heartbeat request.
	HeartbeatReply(req Frame) Frame
	// ErrorReply builds a response to req, in the protocol's own terms, that
	// reports status with a human-readable message. It returns nil for frames
	// that take no reply (oneway).
	ErrorReply(req Frame, status Status, msg string) Frame
}
