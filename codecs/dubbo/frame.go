package dubbo

import (
	"encoding/binary"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Frame is one Dubbo message. It owns its wire bytes (pooled): frames come
// from Decode, the Build functions or a constructor, and go back with
// Release.
//
// Decode reads only the 16-byte header. The Hessian2 body is read on
// demand: the leading strings of a request the first time a routing key or
// one of their headers is asked for, the arguments and the attachment map
// the first time anything else is (see the package doc).
//
// Slices returned by Body, Key, Arguments, the header view and the other
// accessors alias the frame's bytes or its scratch space: they are valid
// until Release. Like the connection that carries it, a Frame is used by
// one goroutine at a time.
type Frame struct {
	bufp *[]byte // header and body, from the buffer pool

	flag   byte
	status RespStatus
	id     uint64

	body
}

var _ xprotocol.Frame = (*Frame)(nil)

// newFrame takes a frame from the pool and points it at wire bytes *bufp
// whose header has been checked.
func newFrame(bufp *[]byte) *Frame {
	f := framePool.Get().(*Frame)
	b := *bufp
	f.bufp = bufp
	f.flag = b[flagOff]
	f.status = RespStatus(b[statusOff])
	f.id = binary.BigEndian.Uint64(b[idOff:])
	f.wire = b[HeaderLen:len(b):len(b)]
	return f
}

// Release returns the frame and its bytes to their pools. Call it exactly
// once; the frame and every slice it handed out are invalid afterwards.
func (f *Frame) Release() {
	if f.bufp == nil {
		return // a second Release of a frame not yet reused: ignore it
	}
	bufs.Put(f.bufp)
	f.bufp = nil
	f.body.reset()
	framePool.Put(f)
}

// Protocol returns "dubbo".
func (f *Frame) Protocol() string { return Name }

// Kind maps the flag byte: a request with FlagTwoWay is KindRequest, one
// without is KindOneway, anything without FlagRequest is KindResponse.
func (f *Frame) Kind() xprotocol.Kind {
	switch {
	case f.flag&FlagRequest == 0:
		return xprotocol.KindResponse
	case f.flag&FlagTwoWay != 0:
		return xprotocol.KindRequest
	}
	return xprotocol.KindOneway
}

// Heartbeat reports whether the frame is a heartbeat or its reply: an event
// (FlagEvent) whose payload is not a notice. Dubbo sends heartbeats with a
// null payload (Hessian2 'N'); a Hessian2 event carrying a string is a
// notice such as the read-only event "R" a server sends before it shuts
// down, which is not answered. Events in other serializations are taken as
// heartbeats, the only event they carry in practice.
func (f *Frame) Heartbeat() bool {
	if f.flag&FlagEvent == 0 {
		return false
	}
	if f.Serialization() != Hessian2 || len(f.wire) == 0 {
		return true
	}
	return !isStringTag(f.wire[0])
}

// StreamID returns the request id.
func (f *Frame) StreamID() uint64 { return f.id }

// SetStreamID patches the request id (bytes 4-11) in place, so an otherwise
// untouched frame is forwarded as is. Ids are Java longs: pools keep them
// within MaxStreamID (1<<63-1) so they stay positive.
func (f *Frame) SetStreamID(id uint64) {
	f.id = id
	binary.BigEndian.PutUint64((*f.bufp)[idOff:], id)
}

// Key returns a routing key of a Hessian2 request: KeyService is the
// service path and KeyMethod the method name, the second and fourth leading
// strings of the body. Only those strings are read, in place. Dubbo clients
// also put the path in the "path" attachment, which Header().Get("path")
// prefers; both carry the same value in every client this package knows.
// Responses, events, other serializations, empty values and unreadable
// bodies give nil; Dubbo has no path or host.
func (f *Frame) Key(k xprotocol.Key) []byte {
	var v []byte
	switch k {
	case xprotocol.KeyService:
		v = f.leadValue(leadPath)
	case xprotocol.KeyMethod:
		v = f.leadValue(leadMethod)
	}
	if len(v) == 0 {
		return nil
	}
	return v
}

// Header returns the header view: a request's leading strings and
// attachments, a response's attachments (see the package doc).
func (f *Frame) Header() xprotocol.Header { return f.hdr() }

// Body returns the body: the wire bytes, or after a header edit the body
// Encode will write.
func (f *Frame) Body() []byte {
	if !f.dirty {
		return f.wire
	}
	return f.materialize()
}

// Status maps a response's status byte onto a generic status; requests
// report StatusOK.
func (f *Frame) Status() xprotocol.Status {
	if f.flag&FlagRequest != 0 {
		return xprotocol.StatusOK
	}
	return f.status.Generic()
}

// Timeout returns a request's "timeout" attachment (milliseconds, as a
// decimal string or a number) as a duration, or 0 when it is absent, not a
// positive number, or the frame is not a Hessian2 request. Reading it walks
// the arguments once to find the attachments.
func (f *Frame) Timeout() time.Duration {
	if f.flag&FlagRequest == 0 {
		return 0
	}
	s, ok := f.attachment("timeout")
	if !ok {
		return 0
	}
	var ms int64
	switch s.kind {
	case scalarInt:
		ms = s.i
	case scalarString:
		if !s.str.simple {
			return 0
		}
		ms = parseMillis(s.str.data)
	}
	if ms <= 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// parseMillis parses a decimal count of milliseconds, or returns -1.
func parseMillis(b []byte) int64 {
	if len(b) == 0 || len(b) > 15 {
		return -1
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// Size returns the frame's length on the wire, as Encode would write it.
func (f *Frame) Size() int {
	if !f.dirty {
		return len(*f.bufp)
	}
	return HeaderLen + f.bodyLen()
}

// Flag returns the flag byte: FlagRequest, FlagTwoWay and FlagEvent bits
// and the serialization id.
func (f *Frame) Flag() byte { return f.flag }

// Serialization returns the serialization id (the flag byte's low 5 bits).
func (f *Frame) Serialization() Serialization { return Serialization(f.flag & SerializationMask) }

// Event reports whether FlagEvent is set (a heartbeat or a notice).
func (f *Frame) Event() bool { return f.flag&FlagEvent != 0 }

// RequestID returns the request id (the same as StreamID).
func (f *Frame) RequestID() uint64 { return f.id }

// RespStatus returns a response's status byte, or StatusOK for a request
// (whose status byte is unused).
func (f *Frame) RespStatus() RespStatus {
	if f.flag&FlagRequest != 0 {
		return StatusOK
	}
	return f.status
}

// EndStream implements xprotocol.Frame: every frame is a whole message.
func (f *Frame) EndStream() bool { return true }
