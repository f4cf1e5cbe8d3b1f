package http1

import (
	"time"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// Frame is one HTTP/1.x message part as the engine sees it: a request or
// response head (KindRequest, KindResponse), possibly with its whole body,
// or a run of body bytes (KindData), the last of which carries the trailers.
// It owns a pooled copy of its bytes; slices it hands out alias them and are
// valid until Release. Like the connection that carries it, a Frame is used
// by one goroutine at a time.
//
// Header() follows the HTTP-family naming of xprotocol.Header: pseudo-headers
// first (":method", ":scheme", ":authority", ":path" or ":status"), then the
// fields in wire order with lower-case names, without Host (it is
// ":authority") and without connection-specific fields; X-Forwarded-For and
// X-Forwarded-Proto as the gateway forwards them come last.
type Frame struct {
	kind xprotocol.Kind
	id   uint64
	end  bool
	size int
	bufp *[]byte
	body []byte

	req   RequestHead  // KindRequest
	resp  ResponseHead // KindResponse
	trail Header       // KindData: the trailer fields of the last frame
	view  view

	// How an untouched head is written again (see encode_wire.go).
	lineEnd   int      // end of the start-line, CRLF included
	fieldsEnd int      // end of the last field line
	drop      fieldSet // field lines left out
	inject    []byte   // field lines added after the kept ones
	target    []byte   // origin-form target replacing an absolute-form one
	service   []byte   // KeyService
	isHead    bool     // a HEAD request
	headReply bool     // a reply to HEAD built by ErrorReply: no body is written
}

var _ xprotocol.Frame = (*Frame)(nil)

// Release returns the frame and its bytes to their pools. Call it exactly
// once; the frame and every slice it handed out are invalid afterwards.
func (f *Frame) Release() {
	if f.bufp != nil {
		bufs.Put(f.bufp)
	}
	v := f.view.recycle()
	reqOver, respOver, trailOver := f.req.overflow, f.resp.overflow, f.trail.overflow
	*f = Frame{view: v}
	f.req.overflow, f.resp.overflow, f.trail.overflow = reqOver, respOver, trailOver
	framePool.Put(f)
}

// Protocol returns "http1".
func (f *Frame) Protocol() string { return Name }

// Kind returns KindRequest, KindResponse or KindData.
func (f *Frame) Kind() xprotocol.Kind { return f.kind }

// Heartbeat is false: HTTP has no heartbeats.
func (f *Frame) Heartbeat() bool { return false }

// StreamID returns the id the session gave the exchange: a server session
// numbers requests 1, 2, 3… per connection; a client session gives a
// response the id of the request it answers.
func (f *Frame) StreamID() uint64 { return f.id }

// SetStreamID changes the id. HTTP/1.x carries no id on the wire, so the
// frame's bytes do not change.
func (f *Frame) SetStreamID(id uint64) { f.id = id }

// Key returns a request's routing keys: KeyService is the host of the
// authority without its port ("example.com" for "Host: example.com:8080"),
// KeyHost the authority as sent, KeyMethod the method, KeyPath the
// request-target in origin-form, query included ("/a/b?c=d"; "*" for
// OPTIONS *). Responses and data frames have no keys.
func (f *Frame) Key(k xprotocol.Key) []byte {
	if f.kind != xprotocol.KindRequest {
		return nil
	}
	switch k {
	case xprotocol.KeyService:
		return f.service
	case xprotocol.KeyMethod:
		return f.view.pseudo[0].value
	case xprotocol.KeyPath:
		return f.view.pseudo[3].value
	case xprotocol.KeyHost:
		return f.view.pseudo[2].value
	}
	return nil
}

// Header returns the field view (the trailers, for a data frame).
func (f *Frame) Header() xprotocol.Header { return &f.view }

// Body returns the body bytes the frame carries: the whole body of a head
// that reports EndStream, or one run of a streamed body.
func (f *Frame) Body() []byte { return f.body }

// Status maps a response's status code onto a generic status (see
// GenericStatus); requests and data frames report StatusOK.
func (f *Frame) Status() xprotocol.Status {
	if f.kind != xprotocol.KindResponse {
		return xprotocol.StatusOK
	}
	_, retry := f.view.Get(httpsem.RetryAfter)
	return httpsem.Status(f.resp.Status(), retry)
}

// Timeout is 0: HTTP/1.x carries no deadline.
func (f *Frame) Timeout() time.Duration { return 0 }

// EndStream reports whether the message ends with this frame.
func (f *Frame) EndStream() bool { return f.end }

// Size returns the bytes the frame took on the wire: the head and the body
// bytes it carries, or a data frame's body bytes with their chunk framing.
func (f *Frame) Size() int { return f.size }

// StatusCode returns a response's status code, or 0 for other frames.
func (f *Frame) StatusCode() int {
	if f.kind != xprotocol.KindResponse {
		return 0
	}
	return f.resp.Status()
}

// RequestHead returns the parsed head of a request frame, or nil. It is
// the head as received: edits made through Header() are not reflected.
func (f *Frame) RequestHead() *RequestHead {
	if f.kind != xprotocol.KindRequest {
		return nil
	}
	return &f.req
}

// ResponseHead returns the parsed head of a response frame, or nil. It is
// the head as received: edits made through Header() are not reflected.
func (f *Frame) ResponseHead() *ResponseHead {
	if f.kind != xprotocol.KindResponse {
		return nil
	}
	return &f.resp
}
