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
	// Variant is the wire variant an upstream (RoleClient) session speaks,
	// as reported by Variants.FrameVariant for the frames it will carry;
	// 0 for protocols without variants. Server sessions learn it from the
	// bytes they read.
	Variant uint8
	// MaxFrameSize bounds a whole frame on the wire; 0 means DefaultMaxFrameSize.
	// Streaming protocols bound each frame they produce by it; a body larger
	// than it flows as several KindData frames.
	MaxFrameSize int
	// MaxHeaderBytes bounds a frame's header block (HTTP head, HPACK-decoded
	// header list); 0 means the codec's default.
	MaxHeaderBytes int
	// MaxHeaderCount bounds the header fields of one head or trailer
	// section (HTTP field lines, HTTP/2 regular fields); 0 means the
	// codec's default.
	MaxHeaderCount int
	// MaxStreams bounds the streams a multiplexing session keeps open at
	// once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); 0 means the codec's
	// default.
	MaxStreams int
	// RemoteAddr is the peer's address ("ip:port"), for protocols that
	// report it onwards (HTTP X-Forwarded-For).
	RemoteAddr string
	// Secure says the connection is TLS (HTTP X-Forwarded-Proto, :scheme).
	Secure bool
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
	// allocate and must only look at a bounded prefix. Its answer must be
	// monotone: once it says MatchYes or MatchNo for a prefix, it says the
	// same for every longer one, so detection does not depend on how the
	// bytes were split across reads. Two protocols must never both say
	// MatchYes to the same bytes.
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
	// that take no reply (oneway requests, responses).
	ErrorReply(req Frame, status Status, msg string) Frame
}

// Variants is implemented by a Protocol whose wire variants cannot share an
// upstream connection (Thrift: binary or compact, framed or unframed). The
// engine keeps separate upstream pools per variant, opens upstream sessions
// with SessionOptions.Variant set, and pools each variant in its own mode.
type Variants interface {
	// FrameVariant returns the variant of a decoded frame.
	FrameVariant(f Frame) uint8
	// VariantPoolMode returns how connections of variant v are shared; it
	// overrides Protocol.PoolMode for that variant.
	VariantPoolMode(v uint8) PoolMode
}

// PoolModeOf returns the pool mode for frames of variant v of p.
func PoolModeOf(p Protocol, v uint8) PoolMode {
	if vs, ok := p.(Variants); ok {
		return vs.VariantPoolMode(v)
	}
	return p.PoolMode()
}

// ImplicitOneway is implemented by a Protocol whose clients may send a
// oneway call as an ordinary two-way request, so only the IDL tells them
// apart (Apache Thrift's Go client writes CALL for oneway methods). The
// engine then infers oneway calls from the client's behaviour instead of
// answering them with a timeout error nobody waits for:
//
//   - on a connection that carries one request at a time, a client that
//     sends its next request before the previous one was answered was not
//     waiting: the previous one was oneway;
//   - on a multiplexed connection, a request that times out after a later
//     request on the same connection was answered gets no error reply.
type ImplicitOneway interface {
	// ImplicitOneway reports whether the inference applies.
	ImplicitOneway() bool
}

// Flusher is implemented by a Session that writes bytes of its own, not as
// the encoding of a frame it was given: HTTP/2 SETTINGS and PING
// acknowledgements, WINDOW_UPDATE, RST_STREAM for refused streams, DATA held
// back until the peer's flow-control window opens, an HTTP/1.1
// "100 Continue". The engine calls AppendPending after each batch of Decode
// calls and after each Encode, and writes what it appends.
type Flusher interface {
	// AppendPending appends the bytes waiting to be written and forgets them.
	AppendPending(dst []byte) []byte
	// Held returns how many encoded bytes wait for the peer's flow-control
	// window. The engine stops reading the source of those bytes while it is
	// large.
	Held() int
}

// Resetter is implemented by a Protocol that can abort a single stream
// (HTTP/2 RST_STREAM). Without it, a stream that fails after its response
// head was sent can only be ended by closing the connection.
type Resetter interface {
	// NewReset builds a KindReset frame for stream id, with st as its reason.
	NewReset(id uint64, st Status) Frame
}

// Family is implemented by protocols whose sessions encode each other's
// frames: HTTP/1.1, HTTP/2 and gRPC form the "http" family (see Header for
// the shared field naming). A route may send a request to a cluster that
// speaks any protocol of the request's family, and the reply is translated
// back.
type Family interface {
	// Family returns the family name; protocols with the same name translate.
	Family() string
}

// FamilyOf returns p's family, or "" when it has none.
func FamilyOf(p Protocol) string {
	if f, ok := p.(Family); ok {
		return f.Family()
	}
	return ""
}

// Alias is implemented by a Protocol that is another registered protocol
// with different semantics on the same wire: gRPC is HTTP/2 with routing
// keys from :path and errors as grpc-status. Its Match answers as the
// other's does, so a listener names it explicitly, and `auto` leaves it out
// to keep detection unambiguous; an `auto` listener hands such requests to
// the other protocol's session, whose frames may still report the alias's
// name from Frame.Protocol (an HTTP/2 stream with content-type
// application/grpc reports "grpc").
type Alias interface {
	// AliasOf returns the name of the protocol this one rides on.
	AliasOf() string
}

// Closing is implemented by a Session that decides when its connection
// must end: an HTTP/1.1 "Connection: close" exchange, a response delimited
// by the end of the connection, a GOAWAY after which no stream is left.
// The engine asks after each Encode and each batch of Decode calls, and
// closes the connection once what is written has been sent.
type Closing interface {
	// ShouldClose reports whether the connection must be closed now.
	ShouldClose() bool
}

// EndOfInput is implemented by a Session whose messages may be delimited by
// the end of the connection (an HTTP/1.1 response without Content-Length or
// chunked coding). When the peer closes, the engine asks it for the frame
// that ends the stream in progress.
type EndOfInput interface {
	// EndOfInput returns a KindData frame with EndStream set for a body
	// that the close completes, or nil when the close cut a message short.
	EndOfInput() Frame
}

// Unprocessed is implemented by a KindReset or KindGoAway frame that can
// say the peer refused a stream before processing any of it (HTTP/2
// REFUSED_STREAM, RFC 9113 §8.7). Such a request is safe to send again on
// another connection, and the engine does so when it still holds all of it.
type Unprocessed interface {
	// Unprocessed reports whether the peer did not process the stream.
	Unprocessed() bool
}

// GoAwayer is implemented by a Protocol that can tell a peer to stop
// opening new streams on a connection while those in progress finish
// (HTTP/2 GOAWAY; HTTP/1.1: "Connection: close" on the response in
// progress). The engine sends it to clients when it drains.
type GoAwayer interface {
	// NewGoAway builds a KindGoAway frame with st as its reason.
	NewGoAway(st Status) Frame
}
