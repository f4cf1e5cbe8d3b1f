// Package thrift implements Apache Thrift RPC messages as an
// xprotocol.Protocol registered under the name "thrift": the strict binary
// protocol and the compact protocol, each over a framed or an unframed
// (buffered) transport. THeader (framed, 0x0f 0xff at byte 4) is not
// supported: Match does not claim it and a session refuses it as malformed.
//
// # Variants
//
// The four combinations are the protocol's Variants (xprotocol.Variants):
//
//	Variant = 1 + 2·protocol + transport
//	protocol:  0 binary, 1 compact      transport: 0 unframed, 1 framed
//	1 BinaryUnframed  2 BinaryFramed  3 CompactUnframed  4 CompactFramed
//
// 0 means "not known yet". A server session learns the variant from the
// first bytes of the connection and then requires it of every message; a
// client session is told it through SessionOptions.Variant. Framed variants
// pool upstream connections by seqid (PoolMultiplex), unframed ones one call
// at a time (PoolPingPong).
//
// Detection (Match) claims 0x80 0x01 0x00 type, 0x82 type<<5|1, and a frame
// length whose first byte is 0 followed by either: a connection's first
// framed message must be under 16 MiB, which keeps Thrift apart from Bolt,
// whose first byte is 0x01 or 0x02.
//
// # Wire format
//
// Binary (strict; integers big-endian):
//
//	0x80 0x01 0x00 type | nameLen(i32) | name | seqid(i32) | struct
//
// Compact (varints are unsigned LEB128, i16/i32/i64 values zigzag varints):
//
//	0x82 | type<<5 | 1 | seqid(varint) | nameLen(varint) | name | struct
//
// Framed: a 4-byte big-endian length, then one message of that length.
// type is CALL 1, REPLY 2, EXCEPTION 3 or ONEWAY 4. The struct is the call's
// arguments, the reply's result struct (field 0 the return value, fields
// 1.. the declared exceptions), or a TApplicationException
// {1: string message, 2: i32 type}. The non-strict (versionless) binary
// encoding is refused.
//
// # Frames
//
// CALL is KindRequest, ONEWAY KindOneway, REPLY and EXCEPTION KindResponse.
// The stream id is the seqid (an i32: MaxStreamID is 2^31-1). The routing
// keys come from the name: a TMultiplexedProtocol name "Service:method"
// gives service and method; a plain name gives the method only (the
// listener's default service applies). Status is OK for a REPLY, even when
// its struct holds a declared IDL exception (the service's answer, not a
// protocol failure); an EXCEPTION's TApplicationException type is parsed on
// first use and mapped by ExceptionType.Generic.
//
// The header view holds "name", "service", "method" and "seqid"; Set and Del
// of "service", "method" or "name" rewrite the message name (so a route can
// strip or add a multiplexed service prefix), other keys have nowhere to go
// and are ignored.
//
// Decode copies a message into pooled memory, so a *Frame outlives the read
// buffer; Release returns it. A framed message's length is checked against
// the frame limit from its first 4 bytes and its body is not parsed. An
// unframed message ends where its struct ends, so its fields are walked
// (skipped by type, nothing decoded) over the buffered bytes: ErrIncomplete
// until the bytes are there, nesting deeper than MaxDepth and unknown types
// malformed, and any length or element count that would take the message
// past the frame limit refused as too large as soon as it is read. Nothing
// is allocated according to a length field. A Session keeps the walk's
// state across reads, so a message arriving in pieces is walked once.
//
// SetStreamID patches the seqid in place: 4 bytes in binary; in compact the
// varint is rewritten in place when its length is unchanged, otherwise the
// few bytes before it move into headroom kept before the frame (and a
// framed length is fixed). An untouched or renumbered frame encodes as its
// bytes.
//
// # Errors and heartbeats
//
// ErrorReply answers a CALL with an EXCEPTION in the call's variant, with
// its seqid and method name and a TApplicationException whose type is
// ExceptionTypeFor(status). Thrift has no types for timeout, overload or
// unavailable (they become INTERNAL_ERROR for clients), so Xgate adds the
// status in an extra field, FieldGatewayStatus, that standard readers skip
// and a gateway reading the reply maps back exactly. Thrift has no
// heartbeat: NewHeartbeat and HeartbeatReply return nil.
package thrift
