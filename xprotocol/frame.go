package xprotocol

import "time"

// Kind says what a frame is for the purpose of routing and stream matching.
type Kind uint8

// Frame kinds. A heartbeat is a Request or Response that also reports
// Heartbeat() == true, so it is matched by stream id like any other call.
const (
	// KindRequest is a two-way call that expects a response with the same stream id.
	KindRequest Kind = iota + 1
	// KindOneway is a call that expects no response.
	KindOneway
	// KindResponse answers the request with the same stream id.
	KindResponse
	// KindGoAway tells the peer to stop sending new requests on this connection.
	KindGoAway
	// KindData continues the request or response whose stream id it
	// carries: more body bytes (an HTTP/1.1 body segment or chunk, HTTP/2
	// DATA, gRPC message bytes) and, when Header is not empty, its trailers.
	// It follows a head (request, oneway or response) whose EndStream was
	// false; the last frame of a stream reports EndStream.
	KindData
	// KindReset aborts one stream in both directions (HTTP/2 RST_STREAM).
	// Its Status says why.
	KindReset
)

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindOneway:
		return "oneway"
	case KindResponse:
		return "response"
	case KindGoAway:
		return "goaway"
	case KindData:
		return "data"
	case KindReset:
		return "reset"
	}
	return "unknown"
}

// Key names a generic routing key every protocol maps onto its own fields.
type Key uint8

// Generic routing keys (see DESIGN.md, "Routing keys by protocol").
const (
	// KeyService is the called service: Bolt target service, Dubbo interface,
	// Thrift multiplexed service, HTTP host, gRPC package.Service.
	KeyService Key = iota + 1
	// KeyMethod is the called method (HTTP: the request method).
	KeyMethod
	// KeyPath is the request path (HTTP, gRPC); empty elsewhere.
	KeyPath
	// KeyHost is the authority (HTTP host / :authority); empty elsewhere.
	KeyHost
)

// String returns the configuration name of the key.
func (k Key) String() string {
	switch k {
	case KeyService:
		return "service"
	case KeyMethod:
		return "method"
	case KeyPath:
		return "path"
	case KeyHost:
		return "host"
	}
	return "unknown"
}

// Header is the protocol header view of a frame. Values returned by Get and
// Range alias the frame's own bytes: they are valid until the frame is
// released, and must be copied to be kept longer.
//
// HTTP-family frames (HTTP/1.1, HTTP/2, gRPC) share one naming so that any
// of their sessions can encode another's frames: field names are
// lower-case, and the request line and status line appear first as the
// HTTP/2 pseudo-headers ":method", ":scheme", ":authority" and ":path"
// (requests) or ":status" (responses). An HTTP/1.1 Host field is reported
// as ":authority". Connection-specific fields (Connection, Keep-Alive,
// Proxy-Connection, Transfer-Encoding, Upgrade, TE other than "trailers")
// are never reported.
type Header interface {
	// Get returns the value of key and whether it is present.
	Get(key string) (value []byte, ok bool)
	// Range calls fn for every header in wire order until fn returns false.
	Range(fn func(key, value []byte) bool)
	// Set replaces (or adds) key. The frame is re-encoded on the next Encode.
	Set(key, value string)
	// Del removes key. The frame is re-encoded on the next Encode.
	Del(key string)
}

// Frame is one decoded protocol message.
type Frame interface {
	// Protocol returns the registered name of the frame's protocol.
	Protocol() string
	// Kind returns whether this is a request, oneway, response or goaway.
	Kind() Kind
	// Heartbeat reports whether the frame is a keep-alive (request or reply).
	Heartbeat() bool
	// StreamID returns the id that pairs a response with its request.
	StreamID() uint64
	// SetStreamID changes the id. Codecs patch it into the original bytes in
	// place, so an otherwise untouched frame is forwarded without re-encoding.
	SetStreamID(id uint64)
	// Key returns a generic routing key, or nil when the protocol has none.
	Key(k Key) []byte
	// Header returns the protocol headers.
	Header() Header
	// Body returns the undecoded payload.
	Body() []byte
	// Status maps a response's protocol status onto a generic one; requests
	// report StatusOK.
	Status() Status
	// Timeout returns the deadline the caller put in the frame (Bolt timeout
	// field, Dubbo timeout attachment, grpc-timeout), or 0 if none.
	Timeout() time.Duration
	// EndStream reports whether this is the last frame of its stream in its
	// direction. Single-message protocols (Bolt, Dubbo, Thrift) always
	// report true. A head that reports false is followed by KindData frames
	// with the same stream id; its Body holds the body bytes that arrived
	// with it, possibly none.
	EndStream() bool
	// Size returns the frame's length on the wire.
	Size() int
	// Release returns the frame and its bytes to their pools. The frame must
	// not be used afterwards.
	Release()
}
