package http2

import "github.com/xgate/xgate/xprotocol"

// NewRequest builds a request head for stream id. fields are name/value
// pairs, pseudo-headers (":method", ":scheme", ":authority", ":path")
// first; body, if any, is sent as DATA after the head; end ends the
// stream. A content-type of application/grpc makes it a gRPC frame.
func NewRequest(id uint64, fields [][2]string, body []byte, end bool) *Frame {
	return build(xprotocol.KindRequest, id, fields, body, end)
}

// NewResponse builds a response head for stream id (":status" among
// fields, first), like NewRequest.
func NewResponse(id uint64, fields [][2]string, body []byte, end bool) *Frame {
	return build(xprotocol.KindResponse, id, fields, body, end)
}

// NewData builds a KindData frame: body bytes for stream id, and trailers
// when fields is not empty (which also ends the stream).
func NewData(id uint64, body []byte, fields [][2]string, end bool) *Frame {
	return build(xprotocol.KindData, id, fields, body, end || len(fields) > 0)
}

func build(kind xprotocol.Kind, id uint64, fields [][2]string, body []byte, end bool) *Frame {
	n := len(body)
	for _, fd := range fields {
		n += len(fd[0]) + len(fd[1])
	}
	f := newFrame(Name, kind, id, n)
	for _, fd := range fields {
		f.appendField(lowerName(fd[0]), fd[1])
		if fd[0] == "content-type" && IsGRPCContentType([]byte(fd[1])) {
			f.proto = NameGRPC
		}
	}
	if len(body) > 0 {
		f.setBody(body)
	}
	f.end = end
	return f
}
