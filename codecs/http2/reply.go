package http2

import (
	"strconv"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// GRPCTrailersOnly builds a trailers-only gRPC response for stream id:
// :status 200, content-type application/grpc, grpc-status StatusToGRPC(st)
// and grpc-message msg (percent-encoded), ending the stream.
func GRPCTrailersOnly(id uint64, st xprotocol.Status, msg string) *Frame {
	f := newFrame(NameGRPC, xprotocol.KindResponse, id, 128+len(msg))
	f.appendField(":status", "200")
	f.appendField("content-type", "application/grpc")
	f.appendField("grpc-status", strconv.Itoa(StatusToGRPC(st)))
	if msg != "" {
		f.appendField("grpc-message", PercentEncodeGRPCMessage(msg))
	}
	f.end = true
	return f
}

// HTTPError builds a plain HTTP/2 error response for stream id: :status
// StatusToHTTP(st), content-type text/plain, content-length and msg plus a
// newline as the body, ending the stream. An overload 503 carries
// retry-after: 1, as an HTTP/1.1 error reply does, so that either codec
// reads it back as StatusOverload.
func HTTPError(id uint64, st xprotocol.Status, msg string) *Frame {
	f := newFrame(Name, xprotocol.KindResponse, id, 128+2*len(msg))
	f.appendField(":status", strconv.Itoa(StatusToHTTP(st)))
	f.appendField("content-type", "text/plain; charset=utf-8")
	f.appendField("content-length", strconv.Itoa(len(msg)+1))
	if httpsem.MarksRetryAfter(st) {
		f.appendField(httpsem.RetryAfter, httpsem.RetryAfterValue)
	}
	f.grow(len(msg) + 1)
	b := *f.buf
	f.bodyOff, f.bodyLen = len(b), len(msg)+1
	*f.buf = append(append(b, msg...), '\n')
	f.end = true
	return f
}
