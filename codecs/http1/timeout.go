package http1

import "github.com/xgate/xgate/xprotocol"

// requestTimeoutReply is what a server session sends a client whose request
// head did not arrive in time.
var requestTimeoutReply = []byte("HTTP/1.1 408 Request Timeout\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 42\r\n" +
	"Connection: close\r\n\r\n" +
	"408 Request Timeout: request head too slow")

// AppendRequestTimeout appends a "408 Request Timeout" response with
// "Connection: close" to dst when it is the next thing the client expects
// (a server session with no response owed or in progress, decoding a
// head), and ends the session's input; the engine calls it before closing
// a connection whose request head did not complete in time. Otherwise dst
// is returned as is.
func (s *session) AppendRequestTimeout(dst []byte) []byte {
	if s.role != xprotocol.RoleServer || s.in != inHead || s.out.active || s.recv.len() != 0 {
		return dst
	}
	s.in, s.closing = inClosed, true
	return append(dst, requestTimeoutReply...)
}
