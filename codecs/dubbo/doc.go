// Package dubbo implements the Dubbo 2.x wire protocol (the "dubbo://"
// exchange protocol of Apache Dubbo and dubbo-go) as an xprotocol.Protocol
// registered under the name "dubbo".
//
// # Wire format (ExchangeCodec; all integers big-endian)
//
// Every frame is a 16-byte header and a body:
//
//	magic(2)=0xdabb | flag(1) | status(1) | request id(8) | body length(4) | body
//
// The flag byte holds FlagRequest (0x80), FlagTwoWay (0x40), FlagEvent
// (0x20) and, in its low five bits, the serialization id (2 is Hessian2,
// the default). A request with FlagTwoWay expects a response with the same
// id (xprotocol.KindRequest), one without it does not (KindOneway); a frame
// without FlagRequest is a response. The status byte is meaningful in
// responses only (RespStatus: 20 OK, 30/31 timeouts, 35 channel inactive,
// 40 bad request, 50 bad response, 60 service not found, 70 service error,
// 80 server error, 90 client error, 100 thread pool exhausted). The id is
// a Java long and the body length a Java int, so a negative length is
// malformed. Serialization id 0 is not assigned and is refused.
//
// A heartbeat is a two-way event request whose body is a Hessian2 null
// ('N'); its reply is an event response, status OK, with a null body. A
// Hessian2 event carrying a string is a notice (the read-only event "R"),
// not a heartbeat.
//
// # Bodies (Hessian2 only)
//
// A request body is five strings - dubbo version, service path, service
// version, method name, parameter-types descriptor - then one value per
// type in the descriptor, then the attachments, a map. An OK response body
// is a response type (ResponseType), then the value or exception it
// announces, then attachments for the types that carry them. A response
// with another status carries the error message as a string.
//
// Decode reads the header only: it is allocation-free and takes the same
// time for any body. The body is read on demand and in place, by a small
// Hessian2 reader (hessian.go) rather than dubbo-go-hessian2's decoder,
// which allocates for every string and can only decode classes it knows;
// the tests check the two agree:
//
//   - Key(KeyService) (the path) and Key(KeyMethod) (the method) read just
//     the leading strings.
//   - Header().Get of "method" or "parameter_types" reads the leading
//     strings; any other key, Range, Timeout and edits walk over the
//     arguments, without decoding them, to the attachment map. Nothing is
//     allocated for string values that are one chunk of plain UTF-8.
//
// The header view of a request is its leading strings under the names
// "dubbo", "path", "version", "method" and "parameter_types", then its
// attachments ("group", "version", "timeout", "interface", "path" and user
// keys). Precedence follows Dubbo's DecodeableRpcInvocation, which puts the
// attachments over the leading strings: Get("path"), Get("version") and
// Get("dubbo") return the attachment when there is one and the leading
// string otherwise; a repeated attachment key returns its last value.
// Frame.Timeout reads the "timeout" attachment (milliseconds). The header
// view of an OK response is its attachments.
//
// Header().Set and Del rebuild the leading strings and the attachment map
// on the next Encode; the arguments and every attachment entry not edited
// are written as their original bytes (see edit.go for why, and for the
// one edit that is refused, ErrUnsafeEdit).
//
// Frames in any other serialization (Java, Kryo, FastJSON, Protobuf...) are
// carried at the header level only: they are framed, matched by id,
// renumbered and forwarded untouched, but have no routing keys, an empty
// header view and ignore edits. Error and heartbeat replies to them are
// written in Hessian2, which every Dubbo client can read.
//
// # Frames and ownership
//
// Decode copies a whole frame out of the caller's buffer into pooled
// memory, so a *Frame outlives the read buffer; Release returns the frame
// and its bytes to their pools. SetStreamID patches the id bytes in place,
// so a frame that was only renumbered encodes as its original bytes.
//
// # Constructors
//
// BuildRequest and BuildResponse write frames from a Request or Response
// description, encoding arguments, values and attachments with
// dubbo-go-hessian2 (for tests, demos and tools). NewHeartbeat,
// NewHeartbeatReply and NewErrorResponse write the gateway's own frames
// without allocating.
package dubbo
