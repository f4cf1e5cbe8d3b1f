// Package http2 implements HTTP/2 (RFC 9113, cleartext "h2c" with prior
// knowledge; TLS and ALPN belong to the transport) as an
// xprotocol.Protocol registered as "http2", and gRPC over it registered as
// "grpc" (an xprotocol.Alias of "http2"). Both are in the "http" family:
// their sessions encode any HTTP-family frame (HTTP/1.1 frames included)
// through the generic Frame and Header views.
//
// # Sessions
//
// A Session is one connection's state: settings, HPACK tables, streams and
// flow-control windows. Framing is parsed in the caller's buffer; Decode
// handles one frame (or the preface) per call and never allocates in
// proportion to a length field it has not received. It returns
//
//   - a request head (server role) or response head (client role) for
//     HEADERS (+CONTINUATION) opening a stream; 1xx responses are skipped;
//   - KindData for DATA (padding removed; empty DATA without END_STREAM is
//     not reported) and for trailers (empty body, Header = trailers,
//     EndStream);
//   - KindReset for a RST_STREAM of a stream the engine knows, and for a
//     stream the session itself resets after its head was reported
//     (malformed trailers, content-length mismatch, flow-control breach);
//   - KindGoAway for GOAWAY;
//   - nil with n > 0 for everything it answers itself (SETTINGS, PING,
//     WINDOW_UPDATE, PRIORITY, PRIORITY_UPDATE and unknown frame types,
//     frames of closed streams, refused streams);
//   - a *xprotocol.FrameError on a connection error, after queueing GOAWAY
//     with the RFC's error code; the session then reports ShouldClose.
//
// Output the session writes of its own — SETTINGS and PING ACKs,
// WINDOW_UPDATE, RST_STREAM, GOAWAY, 431 answers and DATA released by the
// peer's window updates — waits in AppendPending. Encode first appends
// that pending output to dst, so bytes always leave in the order the
// session produced them.
//
// Server sessions use the client's stream ids as the engine's. Client
// sessions map the engine's ids (any value, reused once finished) to the
// next odd wire id when a request head is encoded, translate back on
// decode and forget the mapping when the stream ends or is reset. Encode
// returns ErrStreamIDsExhausted once 2^31-1 is used (and the session closes
// when its streams finish), ErrGoingAway after the server's GOAWAY,
// ErrTooManyStreams beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS or
// SessionOptions.MaxStreams, ErrStreamInUse for an engine id still open.
// Frames for streams already reset or finished are dropped without error.
//
// # Limits and defaults
//
//   - Receive windows: Window (1 MiB) per stream, advertised with
//     SETTINGS_INITIAL_WINDOW_SIZE, and for the connection, opened by a
//     WINDOW_UPDATE right after SETTINGS. Consumed bytes are granted back
//     once half a window is used. Send windows follow the peer's settings;
//     DATA beyond them is held (Held) and never written early.
//   - SETTINGS_MAX_FRAME_SIZE: 16384 (the default) for what we read; what we
//     write follows the peer's setting.
//   - SETTINGS_MAX_CONCURRENT_STREAMS: SessionOptions.MaxStreams, default
//     DefaultMaxStreams (1024); streams beyond it get RST_STREAM
//     REFUSED_STREAM.
//   - Header lists: SessionOptions.MaxHeaderBytes, default
//     DefaultMaxHeaderBytes (64 KiB), counted as RFC 7541 sizes and
//     advertised as SETTINGS_MAX_HEADER_LIST_SIZE. A request over it gets a
//     431 response (and RST_STREAM NO_ERROR if its body is still coming),
//     a response over it a stream reset; the header block is still decoded
//     so the HPACK state stays in step. SessionOptions.MaxHeaderCount
//     (default DefaultMaxHeaderCount, 100) bounds the regular fields of a
//     list the same way. A single HPACK string longer than
//     the limit is a connection error (COMPRESSION_ERROR): the decoder
//     stops and its state is lost.
//   - HPACK: our decoder's table is bounded by SETTINGS_HEADER_TABLE_SIZE
//     4096 (a larger size update is COMPRESSION_ERROR); our encoder's table
//     is the peer's setting capped at 4096. The encoder follows x/net's
//     choices (same bytes for the same fields) and allocates only when it
//     adds a table entry; authorization fields are never indexed.
//
// # Defences
//
//   - Rapid reset (CVE-2023-44487): more than 200 streams reset by the
//     client before they were answered within one second end the
//     connection with GOAWAY ENHANCE_YOUR_CALM.
//   - CONTINUATION flood: a header block may span at most 128
//     CONTINUATION frames and MaxHeaderBytes+16 KiB of compressed bytes;
//     beyond, GOAWAY ENHANCE_YOUR_CALM.
//   - HPACK bomb: see the header-list limits above.
//   - SETTINGS/PING/RST floods: at most 10,000 control frames may be queued
//     between two AppendPending calls; beyond, GOAWAY ENHANCE_YOUR_CALM.
//     Pending control output is therefore bounded by the engine's flush
//     rhythm; the engine bounds what a peer that never reads leaves in its
//     write buffer.
//   - Zero-window stall: held DATA is only what the engine encoded; Held
//     lets the engine stop reading its source. PauseStream/ResumeStream
//     let it stop granting window on one stream whose destination is slow
//     (its peer then holds the rest); HeadPending tells it a header block
//     awaits CONTINUATION frames (its request header timeout runs).
//   - Empty DATA frames are not handed on, so they cost no engine work.
//
// # gRPC
//
// A stream whose content-type is application/grpc (or application/grpc+…,
// application/grpc;…) — and every stream of a "grpc" session — reports
// Protocol "grpc": KeyService "pkg.Service" and KeyMethod "Method" from
// ":path" "/pkg.Service/Method", Timeout from grpc-timeout (1-8 digits, unit
// H M S m u n). Plain HTTP/2 requests report KeyService the host of
// ":authority" without its port (as HTTP/1.1 does), KeyHost ":authority",
// KeyMethod ":method", KeyPath ":path". Response Status comes
// from grpc-status when present (trailers-only responses, trailers), else
// from ":status" (StatusToHTTP's inverse: 1xx-3xx OK, 404 no route,
// 408/504 timeout, 429 overload, other 4xx bad request, 503 overload with a
// retry-after field and unavailable without, 502 unknown, other 5xx server
// error). The mapping is the one codecs/http1 uses (both take it from
// codecs/internal/httpsem), so a status survives translation between
// HTTP/2 and HTTP/1.1.
//
// ErrorReply answers a gRPC request with a trailers-only response
// (StatusToGRPC: no route UNIMPLEMENTED, unavailable UNAVAILABLE, timeout
// DEADLINE_EXCEEDED, overload RESOURCE_EXHAUSTED, bad request
// INVALID_ARGUMENT — chosen over INTERNAL so that it stays distinct from a
// server error —, server error INTERNAL, unknown UNKNOWN; grpc-message
// percent-encoded) and any other request with :status StatusToHTTP (no
// route 404, unavailable 503, overload 503 with retry-after: 1, timeout
// 504, bad request 400, server error 500, unknown 502) and a text/plain
// body. NewReset maps statuses to RST_STREAM codes (StatusToCode).
// NewHeartbeat and HeartbeatReply return nil: HTTP/2's keep-alive is the
// connection-level PING, which sessions answer themselves; the heartbeat
// manager may send PINGs through a later contract addition.
//
// # Deliberate choices
//
//   - Frames are never forwarded as their original bytes: an HPACK block
//     only means something against its own connection's dynamic table, so
//     heads are always re-encoded (allocation-free in steady state).
//   - A head of the other direction (a request on a server session, a
//     response on a client session) is written as given, without stream
//     state or flow control. The engine never does this; tools and the
//     conformance kit do.
//   - HEADERS on a closed stream is STREAM_CLOSED when the stream is among
//     the last 64 closed, PROTOCOL_ERROR otherwise (a reused lower id).
//   - After the server's GOAWAY a client session forgets the streams above
//     its last-stream-id (they were not processed); the engine learns of
//     them when the connection closes.
//   - Response content-length is not checked against DATA (a HEAD or 304
//     response carries one without a body); request content-length is.
//
// # Conformance
//
// h2spec v2.2.1 (generic, http2 and hpack sections; run by TestH2Spec
// against the h2test echo server): 145 tests, 145 passed, 0 failed.
// The package's tests also run x/net/http2's client and server and
// google.golang.org/grpc's client against the codec.
package http2
