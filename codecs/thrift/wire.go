package thrift

import "strconv"

// Name is the protocol's registered configuration name.
const Name = "thrift"

// Message header constants (Thrift binary and compact protocol specs).
const (
	// binaryVersion1 is VERSION_1 of the strict binary protocol: the first
	// i32 of a message is binaryVersion1 | type, i.e. 0x80 0x01 0x00 type.
	binaryVersion1 byte = 0x80
	binaryVersion2 byte = 0x01
	// compactProtocolID is the first byte of a compact message.
	compactProtocolID byte = 0x82
	// compactVersion is the compact protocol version, in the low 5 bits of
	// the second byte; the message type is in the high 3 bits.
	compactVersion     byte = 1
	compactVersionMask byte = 0x1f
	compactTypeShift        = 5

	// framePrefixLen is the 4-byte big-endian length a framed transport
	// puts before each message.
	framePrefixLen = 4
	// minBinaryHeader is version|type(4) + name length(4) + seqid(4).
	minBinaryHeader = 12
	// minCompactHeader is protocol id(1) + version|type(1) + seqid(≥1) +
	// name length(≥1).
	minCompactHeader = 4
	// compactHeadroom is the free space kept before a compact frame's bytes
	// so SetStreamID can grow the seqid varint (1 to 5 bytes) by moving the
	// few bytes before it, never the name or body (see Frame.SetStreamID).
	compactHeadroom = 4
	// maxVarintLen is the longest varint TCompactProtocol reads (10 bytes
	// carry 64 bits).
	maxVarintLen = 10
)

// MultiplexSeparator joins service and method in the message name a
// TMultiplexedProtocol writes ("Service:method").
const MultiplexSeparator = ':'

// MaxDepth is how deeply values may nest in a message body: the body struct
// is level 1 and a value at level 65 is refused, the same limit (and the
// same counting) as the Apache library's DEFAULT_RECURSION_DEPTH in Skip.
const MaxDepth = 64

// MessageType is the type of a Thrift message (TMessageType).
type MessageType uint8

// Message types.
const (
	// TypeCall is a two-way call.
	TypeCall MessageType = 1
	// TypeReply answers a call: its struct holds the result or a declared
	// (IDL) exception.
	TypeReply MessageType = 2
	// TypeException answers a call with a TApplicationException.
	TypeException MessageType = 3
	// TypeOneway is a call that takes no reply.
	TypeOneway MessageType = 4
)

// valid reports whether t is one of the four types Thrift defines.
func (t MessageType) valid() bool { return t >= TypeCall && t <= TypeOneway }

// String returns the Thrift name of the type.
func (t MessageType) String() string {
	switch t {
	case TypeCall:
		return "CALL"
	case TypeReply:
		return "REPLY"
	case TypeException:
		return "EXCEPTION"
	case TypeOneway:
		return "ONEWAY"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Variant is one wire variant of Thrift: a protocol (binary or compact) over
// a transport (framed or unframed). Connections of different variants cannot
// share an upstream connection, so the engine pools them apart
// (xprotocol.Variants).
//
// Encoding: Variant = 1 + 2·protocol + transport, where protocol is 0 for
// binary and 1 for compact and transport is 0 for unframed and 1 for framed.
// 0 means "not known yet" (SessionOptions.Variant of a protocol without
// variants, or a session that learns it from the first bytes).
type Variant uint8

// The four variants.
const (
	// BinaryUnframed is TBinaryProtocol (strict) over a buffered transport.
	BinaryUnframed Variant = 1
	// BinaryFramed is TBinaryProtocol (strict) over TFramedTransport.
	BinaryFramed Variant = 2
	// CompactUnframed is TCompactProtocol over a buffered transport.
	CompactUnframed Variant = 3
	// CompactFramed is TCompactProtocol over TFramedTransport.
	CompactFramed Variant = 4
)

// AllVariants returns the four variants in encoding order.
func AllVariants() [4]Variant {
	return [4]Variant{BinaryUnframed, BinaryFramed, CompactUnframed, CompactFramed}
}

// MakeVariant returns the variant of a protocol and transport.
func MakeVariant(compact, framed bool) Variant {
	v := BinaryUnframed
	if compact {
		v += 2
	}
	if framed {
		v++
	}
	return v
}

// Valid reports whether v is one of the four variants.
func (v Variant) Valid() bool { return v >= BinaryUnframed && v <= CompactFramed }

// Compact reports whether v uses TCompactProtocol.
func (v Variant) Compact() bool { return v == CompactUnframed || v == CompactFramed }

// Framed reports whether v uses TFramedTransport.
func (v Variant) Framed() bool { return v == BinaryFramed || v == CompactFramed }

// String returns "binary/framed", "compact/unframed", etc.
func (v Variant) String() string {
	switch v {
	case BinaryUnframed:
		return "binary/unframed"
	case BinaryFramed:
		return "binary/framed"
	case CompactUnframed:
		return "compact/unframed"
	case CompactFramed:
		return "compact/framed"
	}
	return "Variant(" + strconv.Itoa(int(v)) + ")"
}

// prefixLen returns how many bytes precede the message: the frame length.
func (v Variant) prefixLen() int {
	if v.Framed() {
		return framePrefixLen
	}
	return 0
}
