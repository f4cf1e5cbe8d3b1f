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
//   - non-blocking dials: an upstream connection is dialled with a timeout
//     off the loop and enrolled into the caller's loop, where all its I/O
//     then happens.
//
// Bytes passed to Handler.OnData alias gnet's buffers and are valid only
// during the call; a handler copies what it keeps.
package transport
