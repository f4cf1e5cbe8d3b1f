// Package transport is Xgate's event-loop network layer on gnet v2.
//
// A Server runs one gnet engine for one listening address. Every accepted
// connection and every upstream connection dialled on its behalf live on the
// same event loop (a Loop), so a request and its upstream I/O never change
// goroutine. Per loop the package adds what gnet leaves out:
//
//   - write batching: Conn.Write appends to a per-connection buffer that is
//     flushed once at the end of the loop callback, so many frames cost one
//     write system call;
//   - deferred close: Conn.Close is applied at the end of the callback, after
//     pending writes, so a handler never sees a connection vanish mid-call;
//   - back-pressure: a connection whose peer does not read its replies
//     (outbound bytes above the high watermark) stops being read until they
//     drain below the low watermark, and is closed if its unread inbound
//     bytes then exceed the inbound limit;
//   - timers: a hashed timer wheel per loop, advanced by the engine ticker,
//     for detect, request and idle timeouts (gnet has no deadlines);
//   - write timeouts: Conn.SetWriteTimeout closes a connection whose peer
//     took none of its pending output for the timeout (ErrWriteTimeout),
//     progress being what the kernel (or the TLS writer) has taken;
//   - non-blocking dials: an upstream connection is dialled with a timeout
//     off the loop and enrolled into the caller's loop, where all its I/O
//     then happens;
//   - reading: a fresh read is offered in place (gnet's read buffer); bytes
//     the handler leaves are moved to a per-connection buffer and offered
//     again, with the next ones, from there, so nothing is copied per
//     offer beyond the leftovers and gnet's ring buffer is never peeked
//     across its wrap. ResumeReading re-offers buffered bytes at the end of
//     the current callback, and does nothing when none are buffered (no
//     loop wake-up).
//
// Bytes passed to Handler.OnData alias the loop's or the connection's
// buffers and are valid only during the call; a handler copies what it
// keeps.
//
// # TLS: the standard-library path
//
// gnet has no TLS, and crypto/tls only does blocking I/O on a net.Conn, so
// a Server with ServerOptions.TLS accepts with net.Listen and crypto/tls
// instead, and bridges every connection onto the same Loop type:
//
//   - loops: the gnet engine still owns the loops, but listens on a private
//     unix socket (in a fresh temporary directory) that nobody else can
//     reach. At start the server connects to it until gnet's round-robin
//     repeats a loop, which discovers every loop; TLS connections are spread
//     round-robin over them and share their timers, Dial, Each and Execute.
//   - goroutines: each TLS connection has a reader goroutine (handshake,
//     bounded by ServerOptions.HandshakeTimeout, then Read) and a writer
//     goroutine, because a blocking tls.Conn cannot be driven from an event
//     loop without stalling every other connection on it. That is two
//     goroutines (a few KiB of stack each) plus crypto/tls's buffers per
//     connection, against none for a gnet connection.
//   - reading: the reader hands plaintext to the loop (one Execute per batch)
//     where OnData runs exactly as for gnet connections: unconsumed bytes are
//     kept and offered again with the next ones, and InboundLimit applies.
//   - writing: Write/Buffer/SetBuffer batch as usual; Loop.finish hands the
//     batch to the writer (no copy), and Outbound counts what the writer has
//     not written yet, so the watermarks work unchanged.
//   - back-pressure: a paused connection (Outbound above HighWatermark) is
//     not given its bytes, as for gnet; moreover its reader stops reading
//     once a small bound (64 KiB) of unconsumed bytes is held, so TCP holds
//     the client back and memory stays bounded, where a gnet connection
//     keeps reading until InboundLimit closes it.
//   - closing: Close flushes then closes with a close_notify, lingering like
//     a gnet connection; OnClose runs once on the loop, with the reason; a
//     connection failing its handshake never reaches Accept and is reported
//     to OnRefused ("tls_handshake", "tls_handshake_timeout"). MaxConns
//     counts a TLS connection from its TCP accept, so handshakes are
//     bounded too. Server.Stop closes every TLS connection and waits for its
//     goroutines.
//
// Conn.TLS and Conn.NegotiatedProtocol (ALPN) expose the handshake's result
// from Accept on. Loop.DialTLS dials an upstream over TLS the same way.
package transport
