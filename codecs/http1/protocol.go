package http1

import (
	"strconv"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// Name is the protocol's registered name.
const Name = "http1"

// Protocol is HTTP/1.1 (and 1.0) as an xprotocol.Protocol. It is
// stateless; use Proto.
type Protocol struct{}

// Proto is the HTTP/1.x protocol, registered with xprotocol.Default as
// "http1".
var Proto Protocol

var (
	_ xprotocol.Protocol = Proto
	_ xprotocol.Family   = Proto
)

func init() { xprotocol.Register(Proto) }

// Name returns "http1".
func (Protocol) Name() string { return Name }

// Family returns "http": HTTP/1.1, HTTP/2 and gRPC sessions encode each
// other's frames.
func (Protocol) Family() string { return "http" }

// PoolMode is PoolPingPong: an upstream connection carries one exchange at
// a time (the gateway does not pipeline upstream).
func (Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolPingPong }

// MaxStreamID is 1<<62: ids never travel on the wire, so any id the pool
// picks will do.
func (Protocol) MaxStreamID() uint64 { return 1 << 62 }

// NewSession returns the codec state for one connection. opts.Role picks
// what it decodes (RoleServer: requests; RoleClient: responses);
// MaxHeaderBytes bounds each head and trailer section (default 64 KiB, at
// most 100 field lines and an 8 KiB start-line); FrameLimit bounds every
// data frame and, with DefaultMaxInlineBody, the body a head frame
// carries; RemoteAddr, when set, is appended to X-Forwarded-For and
// Secure picks X-Forwarded-Proto and :scheme. The session implements
// xprotocol.Flusher, xprotocol.Closing and xprotocol.EndOfInput.
func (Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return newSession(opts)
}

// NewHeartbeat returns nil: HTTP has no heartbeat.
func (Protocol) NewHeartbeat(uint64) xprotocol.Frame { return nil }

// HeartbeatReply returns nil: HTTP has no heartbeat.
func (Protocol) HeartbeatReply(xprotocol.Frame) xprotocol.Frame { return nil }

// ErrorReply builds the response to req reporting st (see StatusCode for
// the code; StatusOverload adds "Retry-After: 1"), with msg as a
// text/plain body and its Content-Length, ending the stream. The reply to
// a HEAD request (of any HTTP-family protocol) has the same fields and no
// body. It returns nil when req is not a request.
func (Protocol) ErrorReply(req xprotocol.Frame, st xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	code := httpsem.StatusCode(st)
	m, _ := req.Header().Get(":method")
	head := string(m) == "HEAD"
	wire := make([]byte, 0, 128+len(msg))
	wire = append(wire, "HTTP/1.1 "...)
	wire = strconv.AppendInt(wire, int64(code), 10)
	wire = append(wire, ' ')
	wire = append(wire, reasonPhrase(code)...)
	wire = append(wire, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	wire = strconv.AppendInt(wire, int64(len(msg)), 10)
	wire = append(wire, "\r\n"...)
	if httpsem.MarksRetryAfter(st) {
		wire = append(wire, "Retry-After: "+httpsem.RetryAfterValue+"\r\n"...)
	}
	wire = append(wire, "\r\n"...)
	n := len(wire)
	if !head {
		wire = append(wire, msg...)
	}
	f := getFrame()
	if _, err := f.resp.Parse(wire[:n], Limits{}); err != nil {
		f.Release()
		return nil // cannot happen: the head is ours
	}
	fillResponse(f, wire, n, len(wire))
	f.kind, f.id, f.end, f.headReply = xprotocol.KindResponse, req.StreamID(), true, head
	return f
}

// NewGoAway implements xprotocol.GoAwayer: HTTP/1.1 has no GOAWAY frame,
// so encoding this one writes nothing and makes the session close the
// connection after the exchange in progress (its response carries
// "Connection: close" when it has not started yet).
func (Protocol) NewGoAway(xprotocol.Status) xprotocol.Frame {
	f := getFrame()
	f.kind = xprotocol.KindGoAway
	f.end = true
	return f
}
