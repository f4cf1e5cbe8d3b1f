// Package bolt implements SOFA Bolt, the RPC protocol of SOFABolt and
// SOFARPC, as an xprotocol.Protocol registered under the name "bolt".
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
// # Frames and ownership
//
// Decode copies a whole frame out of the caller's buffer into pooled memory
// and validates it, so a *Frame outlives the read buffer; Release returns the
// frame and its bytes to their pools. The header view parses the header map
// in place. A frame that was only renumbered (SetStreamID patches the
// requestId bytes in place) encodes as its original bytes; Header().Set and
// Header().Del make Encode rebuild the header map and fix headerLen.
//
// # Bolt v2
//
// Bolt v2 (proto byte 0x02) inserts ver1(1) after proto and a switch byte
// after codec, and may end with a CRC32 of the frame. The fixed-header
// offsets of a version live in a layout value, which is how v2 is meant to
// join this package: a second layout, a proto-byte case in Match and Decode,
// and CRC handling in Decode, SetStreamID and Encode.
package bolt
