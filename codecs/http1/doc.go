// Package http1 is Xgate's HTTP/1.1 (and 1.0) codec, registered with
// xprotocol.Default as "http1" (family "http", so HTTP/2 and gRPC sessions
// encode its frames and it encodes theirs). It is built on a strict,
// allocation-free parser of request and response heads (RFC 9112 §2-§6,
// with the field rules of RFC 9110) and the body framers a forwarding
// gateway needs; both are exported for other uses.
//
// # Frames of a message
//
// A message is a head frame (KindRequest or KindResponse) and, unless the
// head reports EndStream, KindData frames with the same stream id, the last
// of which reports EndStream and carries a chunked body's trailers in its
// Header(). A Content-Length body of at most DefaultMaxInlineBody (64 KiB,
// capped by SessionOptions.FrameLimit) is waited for and carried in the
// head frame, which then reports EndStream: the common small request costs
// one frame. Any other body streams: the head comes as soon as it is
// complete, without body bytes, then each Decode returns the body bytes
// src holds (several chunks gathered into one frame) up to FrameLimit per
// frame. Bytes that are only chunk framing are consumed with a nil frame
// and n > 0. Frames own pooled copies of their bytes, so they may outlive
// src; nothing holds a whole streamed body.
//
// A server session (RoleServer) decodes requests and numbers them 1, 2, 3…
// per connection; pipelined requests already buffered decode one after
// another, and their responses must be encoded in order. A client session
// (RoleClient) decodes responses and gives each the id of the request it
// answers (the oldest encoded request without a response; an unsolicited
// response gets the next ordinal). Interim 1xx responses are consumed
// without a frame (101 is refused: the gateway never forwards Upgrade); a
// response to HEAD, and 204 and 304, have no body; a response without
// Content-Length or chunked coding runs until the close, and
// EndOfInput returns its last, empty data frame.
//
// Sessions implement xprotocol.Flusher, xprotocol.Closing and
// xprotocol.EndOfInput. A server session writes two things of its own
// through AppendPending: "HTTP/1.1 100 Continue" for a request with
// "Expect: 100-continue" and a body (once the request is the oldest
// unanswered one; Expect is then removed from the forwarded head, as Envoy
// does), and the error response to a refused request (400, 413, 414, 431,
// 501 or 505, a one-line text body, "Connection: close"), queued before
// Decode returns the *xprotocol.FrameError, unless a response is already
// under way or owed to an earlier request, in which case the connection is
// only closed. ShouldClose turns true after a refusal; after the response
// that ends an exchange the client wanted closed (Connection: close,
// HTTP/1.0 without keep-alive) or that is delimited by the close; after a
// response whose server said Connection: close or that ran until the
// close (client session); after encoding a KindReset (HTTP/1.1 can end a
// stream only by closing); and, after a KindGoAway, once the exchanges in
// progress are done.
//
// # Header view and forwarding
//
// Header() follows xprotocol.Header's HTTP-family naming: ":method",
// ":scheme" (the connection's: http, or https when SessionOptions.Secure),
// ":authority" (Host, or an absolute-form target's authority) and ":path"
// (origin-form, query included) for requests, ":status" for responses, then
// the fields in wire order with lower-case names (folded once, lazily, into
// a per-frame buffer). Not reported: Host; Connection and the fields it
// names (but Content-Length and Host, which a Connection option may not
// remove: that would change the framing or the target); Keep-Alive,
// Proxy-Connection, Transfer-Encoding, Upgrade; TE unless "trailers";
// "Expect: 100-continue". When SessionOptions.RemoteAddr is set, a server
// session reports X-Forwarded-For as the client's values with the peer's
// IP appended, and X-Forwarded-Proto as the connection's scheme (a
// client's own is replaced); both come last. A session without RemoteAddr
// (tests, tools) adds neither. Proxy-Authorization and Proxy-Authenticate
// are end-to-end (RFC 9110 §11.7) and kept. Get ignores ASCII case; Set
// and Del edit the view (pseudo-headers replace the request-line or
// status-line part; unknown ones are ignored) and make Encode rebuild the
// head from it.
//
// Encode takes a frame of any HTTP-family protocol. An unedited frame of
// this package is written from its own bytes: the start-line with HTTP/1.1
// as its version (RFC 9110 §6.2) and an absolute-form target turned into
// origin-form, then runs of the original field lines without the dropped
// ones, then the lines prepared when it was decoded (Host when the target
// carried the authority or an HTTP/1.0 request had none, X-Forwarded-*).
// Any other frame is written from its Header: the request-line from
// ":method" and ":path", Host from ":authority", pseudo-headers and
// connection-specific fields left out, cookie fields joined with "; "
// (RFC 9113 §8.2.3), every name checked to be a token and every value free
// of control characters, so nothing can inject a line. Framing: a
// Content-Length the frame carries is kept; else a head that ends the
// stream gets Content-Length: len(Body()) (none for a request without a
// body); else the body is chunked, or close-delimited for an HTTP/1.0
// client; a response to HEAD keeps its Content-Length and sends no body, a
// 204 loses its Content-Length, 304 and 1xx have no body, and a 1xx is not
// sent to an HTTP/1.0 client. Data frames are written raw or as chunks;
// the last frame's Header() becomes the trailer section of a chunked body
// (and is dropped otherwise). A body longer or shorter than its
// Content-Length is an Encode error. Upstream, a client session sends
// HTTP/1.1 keep-alive requests and never Connection, TE or Upgrade.
//
// # Protocol
//
// Match claims GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and
// PATCH followed by SP (other methods are served on "http1" listeners but
// not detected); it says no to the HTTP/2 preface and to every binary
// protocol's first byte. PoolMode is PoolPingPong, MaxStreamID 1<<62 (ids
// never travel on the wire; SetStreamID changes no byte). There is no
// heartbeat. Routing keys: KeyService is the authority's host without its
// port, KeyHost the authority as sent, KeyMethod the method, KeyPath the
// origin-form target with its query. Timeout is always 0.
//
// ErrorReply answers with StatusCode(st): no route 404, unavailable 503,
// overload 503 with "Retry-After: 1", timeout 504, bad request 400, server
// error 500, unknown 502, a text/plain body holding the message and its
// Content-Length; the reply to a HEAD request has no body. An upstream
// failure is reported, like any unavailability, as 503. Response frames
// map back through GenericStatus: 1xx-3xx OK, 404 no route, 408 and 504
// timeout, 429 overload, other 4xx bad request, 502 unknown, 503 overload
// with Retry-After and unavailable without, other 5xx server error, codes
// outside 100-599 unknown. The mapping is the one codecs/http2 uses (both
// take it from codecs/internal/httpsem), so an error reply keeps its
// status, overload included, when the gateway translates it between
// HTTP/1.1 and HTTP/2.
//
// Limits come from SessionOptions: MaxHeaderBytes bounds a head and a
// trailer section (default 64 KiB; beyond it 431), with at most
// MaxHeaderCount field lines (default 100, at most 128; beyond it 431) and an 8 KiB start-line (414); FrameLimit bounds every data
// frame. A Content-Length or chunk size is never allocated for before its
// bytes arrive. Decoding a typical request, forwarding it and its response
// allocates nothing once the pools are warm (TestForwardZeroAllocs).
//
// # Parsing in place
//
// ParseRequestHead and ParseResponseHead read a head from the front of a
// buffer and return it with the bytes it used; the body starts right after.
// They return ErrIncomplete (xprotocol.ErrIncomplete) until the empty line
// arrives, so a reader appends and retries; a head split at any byte parses
// the same, and pipelined messages parse one after another. Nothing is
// copied: names, values, method and target are slices of the buffer, stored
// as offsets in a fixed array of 32 fields; a head with more (up to
// Limits.MaxHeaders) costs one allocation, sized once. Limits{} means 64 KiB
// of head, 100 fields and an 8 KiB request-line.
//
// ChunkedDecoder removes the chunked coding from a body fed in pieces of
// any size and hands back spans of its input; it never allocates in
// proportion to a chunk size, bounds the chunk-size line (extensions are
// skipped, not kept) and the declared size, and parses trailers by the same
// rules as header fields, keeping them for the caller. LengthDecoder is its
// Content-Length counterpart. RequestHead.Body and ResponseBody say which to
// use (RFC 9112 §6.3): none, length, chunked or, for responses, until close.
//
// # Rejections
//
// A refused message gets a *Error carrying the Rule it broke and the Status
// to answer with, after which the connection must be closed: 400 for a
// malformed request, 414 for a request-line over the limit, 431 for a head
// over its size or field-count limit, 413 for a chunk over MaxChunkSize, 501
// for an unknown transfer coding, 505 for an HTTP version other than 1.0 or
// 1.1. A malformed response (from an upstream) carries 502. Errors are
// preallocated, so refusing input allocates nothing, and unwrap to
// xprotocol.ErrMalformed or xprotocol.ErrFrameTooLarge.
//
// # Decisions
//
//   - Content-Length with Transfer-Encoding is refused (RFC 9112 §6.1 lets a
//     server either refuse it or let Transfer-Encoding win; a gateway that
//     forwards must refuse, since the next hop may choose the other way), in
//     requests and in responses.
//   - Repeated Content-Length (RFC 9110 §8.6): byte-identical field lines
//     are accepted as one, as net/http does; any difference, "5" against
//     "05" included, is refused, and so is a list ("5, 5") in one line.
//   - Bare LF as a line end is refused. RFC 9112 §2.2 lets a recipient
//     accept it; net/http does (net/textproto strips "\n" as well as
//     "\r\n"); but a gateway that accepted it would forward a message whose
//     framing the next hop may read differently. Bare CR is refused
//     everywhere, as RFC 9112 §2.2 requires.
//   - obs-fold is refused with 400 (RFC 9112 §5.2 allows it; net/http
//     unfolds), never unfolded.
//   - Transfer-Encoding in a request: one field line only; a list of
//     registered codings (chunked, gzip, x-gzip, deflate, compress,
//     x-compress) whose final one is chunked, applied once; an unknown coding
//     or one with parameters gets 501; chunked not final gets 400 (RFC 9112
//     §6.3); Transfer-Encoding in an HTTP/1.0 message gets 400 (RFC 9112
//     §6.1: its framing is faulty). In a response, any coding may precede a
//     final chunked, and without one the body runs until close.
//   - Host: required in every HTTP/1.1 request (RFC 9112 §3.2; CONNECT and
//     absolute-form included), at most one, and uri-host [":" port] with a
//     reg-name of unreserved and sub-delims characters or an IPv6 literal;
//     no userinfo, no percent-encoding, no zone identifier.
//   - Request-target: origin-form for every method but CONNECT;
//     absolute-form with scheme http or https, a non-empty host and no
//     userinfo (RFC 9110 §4.2.4); authority-form host:port only, and only
//     for CONNECT (RFC 9112 §3.2.3); "*" only for OPTIONS. Every target byte
//     is visible ASCII but '#' (a request carries no fragment), and every '%'
//     starts a valid percent-encoding, in the query too. Bytes that RFC 3986
//     leaves out but browsers send unencoded ('{', '|', '^', '[' ...) are
//     accepted.
//   - HTTP-version: exactly "HTTP/1.0" or "HTTP/1.1"; a well-formed other
//     version gets 505 (RFC 9110 §6.2 would have HTTP/1.2 read as 1.1; a
//     gateway has no reason to guess), anything else 400.
//   - The request-line is method SP target SP version with single spaces
//     (RFC 9112 §3); empty lines before it are not skipped (net/http does
//     not either, except after a POST).
//   - Field values lose their surrounding SP and HTAB; NUL and every other
//     CTL but HTAB are refused; obs-text (bytes 0x80-0xFF) is accepted.
//   - Responses: the SP before an empty reason-phrase may be missing; the
//     status must be 100..599.
//   - Chunked bodies: "5 \r\n" (whitespace without an extension) is refused;
//     chunk extensions are bounded by Limits.MaxChunkLineBytes (4 KiB) and
//     skipped; a chunk may declare at most Limits.MaxChunkSize (1 TiB), and
//     more than 63 bits is refused as an overflow.
//
// # Differences from net/http
//
// The differential tests give the same raw requests to this parser and to a
// model of Go's net/http server (http.ReadRequest plus the checks its
// conn.readRequest adds; the model is itself checked against a real
// http.Server on 127.0.0.1). The decisions agree except in these cases,
// each deliberate. Where we refuse and net/http accepts:
//
//	Rule                     | net/http                        | why we refuse
//	-------------------------+---------------------------------+------------------------------------------------
//	RuleContentLengthWithTE  | drops Content-Length, reads     | the classic CL.TE / TE.CL smuggling vector: the
//	                         | chunked                         | next hop may frame by Content-Length
//	RuleTEOnHTTP10           | ignores Transfer-Encoding,      | RFC 9112 §6.1: the framing of such a message is
//	                         | frames by Content-Length        | faulty; a 1.1 upstream would read it chunked
//	RuleObsFold              | unfolds into one value          | RFC 9112 §5.2 allows 400; unfolding changes the
//	                         |                                 | bytes another hop sees
//	RuleBareLF               | accepts "\n" as a line end      | a forwarding gateway must not guess line ends
//	                         |                                 | (RFC 9112 §2.2)
//	RuleVersionUnsupported   | accepts HTTP/1.2..1.9 as 1.x,   | only 1.0 and 1.1 exist; the h2 preface belongs
//	                         | and "PRI * HTTP/2.0"            | to the detector, not to this parser
//	RuleTarget               | accepts a fragment, non-ASCII   | not a URI (RFC 3986); userinfo is a phishing
//	                         | bytes, bad '%' in the query,    | device (RFC 9110 §4.2.4); other schemes are not
//	                         | userinfo, any scheme, IPv6      | ours to proxy; CONNECT needs a port (RFC 9112
//	                         | zones, CONNECT without a port   | §3.2.3); upstreams decode such bytes differently
//	RuleTargetForm           | "*" for any method, authority-  | RFC 9112 §3.2.3-§3.2.4 tie each form to its
//	                         | form for any method, origin-    | method; the others are either errors or a
//	                         | form for CONNECT (net/rpc)      | Go-only convention
//	RuleHost                 | any mix of host bytes: "h:x",   | RFC 9110 §7.2 grammar; a Host the router and
//	                         | ":80", "[::1", "ex%41.com"      | the upstream could read differently
//	RuleMissingHost          | CONNECT without Host            | RFC 9112 §3.2: every HTTP/1.1 request
//	RuleHeadTooLarge,        | 1 MiB of head, no field-count   | Limits are the gateway's (64 KiB, 100 fields,
//	RuleTooManyFields,       | limit, no request-line limit    | 8 KiB line by default), configurable
//	RuleRequestLineTooLong   |                                 |
//	RuleConnect (session)    | serves CONNECT (a handler may   | the gateway does not tunnel: 501 instead of
//	                         | hijack the connection)          | forwarding a request it cannot complete
//
// Where we accept and net/http refuses, one case only:
//
//	Transfer-Encoding: gzip, chunked (registered codings, final chunked, one
//	field line). net/http refuses every Transfer-Encoding but exactly
//	"chunked" (501). RFC 9112 §6.1 defines these lists; the framing is
//	unambiguous (the final chunked delimits the body, for every hop that
//	accepts the message at all), so it opens no smuggling path, and an
//	upstream that does not support gzip answers 501 itself.
//
// The session-level differential tests give the same requests to a server
// session and to a real http.Server on 127.0.0.1; their decisions differ
// only as in this table (RuleConnect is the session's own addition).
//
// Not modelled: net/http answers 417 to an Expect other than 100-continue;
// that is a reply, not a parse decision; the session forwards such an
// Expect unchanged (RFC 9110 §10.1.1 makes the 417 a MAY).
//
// Other deliberate differences from net/http as a server: the session
// sends "100 Continue" as soon as the request is the oldest unanswered one
// (net/http waits for the handler to read the body); it answers every
// request with HTTP/1.1 in the status-line (net/http echoes 1.0 to a 1.0
// client), which RFC 9110 §6.2 allows; it refuses 101 from an upstream and
// never forwards Upgrade (so a WebSocket handshake reaches the upstream as
// a plain GET); and an HTTP/1.0 request is forwarded as HTTP/1.1.
package http1
