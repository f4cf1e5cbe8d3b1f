package dubbo

import "strconv"

// Name is the protocol's registered configuration name.
const Name = "dubbo"

// Fixed-header layout (ExchangeCodec in Dubbo 2.x; dubbo-go's
// protocol/dubbo/hessian2 const.go): all integers big-endian.
const (
	// HeaderLen is the length of the fixed header that starts every frame.
	HeaderLen = 16

	// MagicHigh is the first byte of every frame (the magic is 0xdabb).
	MagicHigh byte = 0xda
	// MagicLow is the second byte of every frame.
	MagicLow byte = 0xbb

	flagOff   = 2  // flag(1): request, two-way, event bits and serialization id
	statusOff = 3  // status(1): responses only; requests write 0
	idOff     = 4  // request id(8): a Java long
	lenOff    = 12 // body length(4): a Java int
)

// Flag bits of the flag byte (byte 2).
const (
	// FlagRequest is set on requests (two-way, oneway and event requests).
	FlagRequest byte = 0x80
	// FlagTwoWay is set on requests that expect a response.
	FlagTwoWay byte = 0x40
	// FlagEvent marks an event: a heartbeat (null payload) or a read-only
	// notice (payload "R").
	FlagEvent byte = 0x20
	// SerializationMask selects the serialization id, the low five bits.
	SerializationMask byte = 0x1f
)

// MaxBodyLen is the largest body length field: a Java int, so a value with
// the top bit set is negative and malformed.
const MaxBodyLen = 1<<31 - 1

// MaxRequestID is the largest request id: ids are positive Java longs.
const MaxRequestID = 1<<63 - 1

// DefaultDubboVersion is the protocol version Build writes into requests
// when none is given. Dubbo peers read response attachments only from
// versions 2.0.2 and later outside 2.0.10..2.6.2, and 2.0.2 is what
// dubbo-go sends.
const DefaultDubboVersion = "2.0.2"

// Serialization is the serialization id in the low five bits of the flag
// byte. Only Hessian2 bodies are parsed; frames with any other id are
// forwarded as opaque bytes.
type Serialization uint8

// Hessian2 is the default Dubbo serialization, the only one whose bodies
// this package reads and writes.
const Hessian2 Serialization = 2

// String names the serialization ids Dubbo assigns.
func (s Serialization) String() string {
	switch s {
	case Hessian2:
		return "hessian2"
	case 3:
		return "java"
	case 4:
		return "compactedjava"
	case 6:
		return "fastjson"
	case 7:
		return "nativejava"
	case 8:
		return "kryo"
	case 9:
		return "fst"
	}
	return "Serialization(" + strconv.Itoa(int(s)) + ")"
}

// ResponseType is the first value of an OK response body (RpcResult types
// of DubboCodec): what follows it, and whether attachments end the body.
type ResponseType int32

// Response body types.
const (
	// ResponseWithException: an exception object follows.
	ResponseWithException ResponseType = 0
	// ResponseValue: the return value follows.
	ResponseValue ResponseType = 1
	// ResponseNullValue: nothing follows (a null or void result).
	ResponseNullValue ResponseType = 2
	// ResponseWithExceptionWithAttachments: an exception, then attachments.
	ResponseWithExceptionWithAttachments ResponseType = 3
	// ResponseValueWithAttachments: the value, then attachments.
	ResponseValueWithAttachments ResponseType = 4
	// ResponseNullValueWithAttachments: attachments only.
	ResponseNullValueWithAttachments ResponseType = 5
)

// valid reports whether t is one of the six types Dubbo defines.
func (t ResponseType) valid() bool { return t >= 0 && t <= ResponseNullValueWithAttachments }

// HasAttachments reports whether an attachment map ends a body of type t.
func (t ResponseType) HasAttachments() bool {
	return t >= ResponseWithExceptionWithAttachments && t.valid()
}

// HasException reports whether the body of type t carries an exception.
func (t ResponseType) HasException() bool {
	return t == ResponseWithException || t == ResponseWithExceptionWithAttachments
}

// withAttachments returns the type that carries the same payload plus an
// attachment map.
func (t ResponseType) withAttachments() ResponseType {
	if t < ResponseWithExceptionWithAttachments {
		return t + 3
	}
	return t
}

// String returns the DubboCodec name of the type.
func (t ResponseType) String() string {
	switch t {
	case ResponseWithException:
		return "RESPONSE_WITH_EXCEPTION"
	case ResponseValue:
		return "RESPONSE_VALUE"
	case ResponseNullValue:
		return "RESPONSE_NULL_VALUE"
	case ResponseWithExceptionWithAttachments:
		return "RESPONSE_WITH_EXCEPTION_WITH_ATTACHMENTS"
	case ResponseValueWithAttachments:
		return "RESPONSE_VALUE_WITH_ATTACHMENTS"
	case ResponseNullValueWithAttachments:
		return "RESPONSE_NULL_VALUE_WITH_ATTACHMENTS"
	}
	return "ResponseType(" + strconv.Itoa(int(t)) + ")"
}
