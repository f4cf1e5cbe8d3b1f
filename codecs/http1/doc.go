// Package http1 is the groundwork of Xgate's HTTP/1.1 codec: a strict,
// allocation-free parser of request and response heads (RFC 9112 §2-§6, with
// the field rules of RFC 9110) and the body framers a forwarding gateway
// needs. It is not registered as an xprotocol.Protocol yet; the engine
// integration (streaming bodies through the proxy, registration) builds on
// it.
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
// Not modelled: net/http answers 417 to an Expect other than 100-continue;
// that is a reply, not a parse decision, and is left to the engine (RFC 9110
// §10.1.1 makes it a MAY).
package http1
