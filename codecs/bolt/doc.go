// Package bolt implements SOFA Bolt, the RPC protocol of SOFABolt and
// SOFARPC, as an xprotocol.Protocol registered under the name "bolt". It
// speaks Bolt v1 and Bolt v2 on the same port: every frame is decoded by its
// own first byte (the proto field), so one connection may mix them.
//
// # Wire format (Bolt v1, all integers big-endian)
//
// Request and oneway request, 22-byte fixed header:
//
//	proto(1)=0x01 | type(1) | cmdcode(2) | ver2(1) | requestId(4) | codec(1) |
//	timeout(4, int32 ms) | classLen(2) | headerLen(2) | contentLen(4) |
//	class | header | content
//
// Response, 20-byte fixed header (respStatus replaces timeout):
//
//	proto(1)=0x01 | type(1) | cmdcode(2) | ver2(1) | requestId(4) | codec(1) |
//	respStatus(2) | classLen(2) | headerLen(2) | contentLen(4) |
//	class | header | content
//
// type is 0 (response), 1 (request) or 2 (oneway request); cmdcode is 0
// (heartbeat), 1 (rpc request) or 2 (rpc response); ver2 is 1; codec names
// the content's serializer (1 hessian2, 11 protobuf; others pass through).
// The header is a SOFA SimpleMapSerializer map: a sequence of
// [keyLen int32][key][valueLen int32][value], where a length of -1 is a null
// string. classLen and headerLen are Java shorts and contentLen a Java int, so
// a negative value is malformed.
//
// A heartbeat is a request with cmdcode 0 and nothing after the fixed header;
// its reply is a response with cmdcode 0 and status SUCCESS.
//
// # Wire format (Bolt v2, SOFA RpcProtocolV2)
//
// Bolt v2 inserts ver1 after proto and a switch byte after codec, and may end
// with a CRC32; every other field is v1's. Request, 24-byte fixed header:
//
//	proto(1)=0x02 | ver1(1) | type(1) | cmdcode(2) | ver2(1) | requestId(4) |
//	codec(1) | switch(1) | timeout(4) | classLen(2) | headerLen(2) |
//	contentLen(4) | class | header | content | [crc32(4)]
//
// Response, 22-byte fixed header:
//
//	proto(1)=0x02 | ver1(1) | type(1) | cmdcode(2) | ver2(1) | requestId(4) |
//	codec(1) | switch(1) | respStatus(2) | classLen(2) | headerLen(2) |
//	contentLen(4) | class | header | content | [crc32(4)]
//
// ver1 is the protocol version, 1 or 2; SOFA defines no other, and Decode
// refuses any other as malformed. Bit 0 of switch (SwitchCRC, SOFA
// ProtocolSwitch.CRC_SWITCH_INDEX) turns the CRC32 on, but only under ver1
// 2: SOFA's RpcCommandEncoderV2 writes the field, and RpcCommandDecoderV2
// expects it, exactly when ver1 == 2 and that bit is set. A ver1 1 frame with
// the bit set has no CRC32, and this package reads it the same way. Other
// switch bits are carried through unchanged.
//
// The CRC32 is the IEEE CRC-32 (java.util.zip.CRC32) of every byte of the
// frame before it: proto through content, fixed header included. That is
// what RpcCommandEncoderV2 hashes (the whole encoded command, from its first
// byte) and what RpcCommandDecoderV2.checkCRC compares (from the frame's
// start index to the end of content). Decode verifies it and refuses a
// mismatch as malformed, field "crc32"; the 4 bytes count towards the frame
// size limit. Because the CRC32 covers requestId, SetStreamID recomputes it
// in place, and a re-serializing Encode (after a header edit) writes a new
// one, so a forwarded frame always passes the peer's check.
//
// A reply (ErrorReply, HeartbeatReply) to a Bolt v2 request is a Bolt v2
// frame with the request's ver1 and switch byte, so it carries a CRC32 when
// the request did. That is what a SOFA server does for a normal response:
// RpcCommandFactory.createResponse copies the request's switch, and
// RpcCommandEncoderV2 writes the ver1 the connection's first frame carried.
//
// # Detection
//
// Match claims 0x01 | type | cmdcode | ver2 = 1 and 0x02 | ver1 (1 or 2) |
// type | cmdcode, so it decides after 5 bytes. The v1 ver2 check keeps
// detection disjoint from framed Thrift (a 4-byte length, then 0x80 0x01 or
// 0x82 at byte 4); in v2, byte 4 is the low cmdcode byte, which is never a
// Thrift marker. Decode itself accepts any v1 ver2, as before.
//
// # Frames and ownership
//
// Decode copies a whole frame out of the caller's buffer into pooled memory
// and validates it, so a *Frame outlives the read buffer; Release returns the
// frame and its bytes to their pools. The header view parses the header map
// in place. A frame that was only renumbered (SetStreamID patches the
// requestId bytes, and the CRC32 if any, in place) encodes as its original
// bytes; Header().Set and Header().Del make Encode rebuild the header map and
// fix headerLen (and the CRC32).
//
// The fixed-header offsets of each version live in a layout value (wire.go);
// the decoder, encoder, builder and matcher are shared by both versions and
// read every field through it.
package bolt
