// Package toyrpc is ToyRPC, a small length-prefixed RPC protocol written
// the way a user of Xgate would add one: in its own folder, against the
// xprotocol contract only, registered with one line. It is the worked
// example of docs/adding-a-protocol.md.
//
// # Wire format (all integers big-endian)
//
// Every message is one frame: a 16-byte fixed header and a variable part
// whose length the header gives.
//
//	magic(4) = "TOY1" | version(1) = 1 | flags(1) | streamID(4) |
//	status(2) | length(4) | service | method | headers | body
//
// flags: FlagResponse (0x01), FlagOneway (0x02), FlagHeartbeat (0x04); no
// flag is a two-way request. A response is never oneway, other bits are
// refused. status is a response's Code (HTTP-like: 0 ok, 404, 503, …);
// requests send 0. length counts the bytes after the fixed header.
//
// service and method are strings: a uint16 length, then the bytes. headers
// is a uint16 count followed by that many key/value pairs of such strings.
// The body is whatever is left, undecoded.
//
// # What the gateway gets from it
//
//   - detection: Match claims "TOY1" followed by version 1 (5 bytes), which
//     no shipped protocol starts with;
//   - routing keys: service and method; every header is a header;
//   - multiplexed pools: responses carry their request's stream id, a
//     32-bit field patched in place when the gateway renumbers;
//   - heartbeats: a request with FlagHeartbeat, answered by a response with
//     FlagHeartbeat and status 0;
//   - error replies: a response with the Code of the generic status and the
//     message as body;
//   - timeouts: a request's "timeout-ms" header (decimal milliseconds).
//
// # Frames and ownership
//
// Decode copies a whole frame into pooled memory (xprotocol/framebuf), so a
// *Frame outlives the read buffer; Release returns it. A frame that was
// only renumbered encodes as its original bytes; Header().Set or Del make
// Encode rebuild it.
//
// Importing the package registers the protocol in xprotocol.Default as
// "toy":
//
//	import _ "github.com/xgate/xgate/examples/codecs/toyrpc"
package toyrpc
