package toyrpc

import (
	"encoding/binary"
	"strconv"
	"sync"
	"time"

	"github.com/xgate/xgate/xprotocol"
	"github.com/xgate/xgate/xprotocol/framebuf"
)

// bufs holds the bytes frames own; framePool recycles the Frame structs.
var (
	bufs      framebuf.Pool
	framePool = sync.Pool{New: func() any { return new(Frame) }}
)

// Frame is one ToyRPC message. It owns its wire bytes (pooled): frames come
// from Decode, Build or the Protocol's constructors, and go back with
// Release. Slices it returns alias those bytes and are valid until Release.
type Frame struct {
	bufp    *[]byte // the wire bytes
	flags   byte
	id      uint32
	status  Code
	service []byte
	method  []byte
	fields  []field // headers in wire order, aliasing *bufp or set by Header().Set
	body    []byte
	dirty   bool // a header changed: Encode rebuilds the frame
}

type field struct{ key, value []byte }

var _ xprotocol.Frame = (*Frame)(nil)

// parse points a pooled Frame at the whole frame in *bufp (fixed header
// already checked), validating the variable part.
func parse(bufp *[]byte, maxHeader int) (*Frame, error) {
	b := *bufp
	f := framePool.Get().(*Frame)
	f.bufp = bufp
	f.flags = b[offFlags]
	f.id = binary.BigEndian.Uint32(b[offID:])
	f.status = Code(binary.BigEndian.Uint16(b[offStatus:]))
	rest := b[HeaderLen:]
	var n int
	var ok bool
	if f.service, n, ok = readString(rest); !ok {
		return f.fail(xprotocol.Malformed(Name, "service", "length overruns the frame"))
	}
	rest = rest[n:]
	if f.method, n, ok = readString(rest); !ok {
		return f.fail(xprotocol.Malformed(Name, "method", "length overruns the frame"))
	}
	rest = rest[n:]
	if len(rest) < 2 {
		return f.fail(xprotocol.Malformed(Name, "headers", "count overruns the frame"))
	}
	count := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	for range count {
		var k, v []byte
		if k, n, ok = readString(rest); !ok {
			return f.fail(xprotocol.Malformed(Name, "headers", "key length overruns the frame"))
		}
		rest = rest[n:]
		if v, n, ok = readString(rest); !ok {
			return f.fail(xprotocol.Malformed(Name, "headers", "value length overruns the frame"))
		}
		rest = rest[n:]
		f.fields = append(f.fields, field{k, v})
	}
	if used := len(b) - len(rest) - HeaderLen; used > maxHeader {
		return f.fail(xprotocol.TooLarge(Name, "headers", used, maxHeader))
	}
	f.body = rest
	return f, nil
}

// fail releases a frame that did not parse and returns err.
func (f *Frame) fail(err error) (*Frame, error) {
	f.Release()
	return nil, err
}

// Release returns the frame and its bytes to their pools. Call it exactly
// once; the frame and every slice it handed out are invalid afterwards.
func (f *Frame) Release() {
	if f.bufp == nil {
		return
	}
	bufs.Put(f.bufp)
	clear(f.fields)
	*f = Frame{fields: f.fields[:0]}
	framePool.Put(f)
}

// Protocol returns "toy".
func (f *Frame) Protocol() string { return Name }

// Kind maps the flags: response, oneway or request.
func (f *Frame) Kind() xprotocol.Kind {
	switch {
	case f.flags&FlagResponse != 0:
		return xprotocol.KindResponse
	case f.flags&FlagOneway != 0:
		return xprotocol.KindOneway
	}
	return xprotocol.KindRequest
}

// Heartbeat reports whether FlagHeartbeat is set.
func (f *Frame) Heartbeat() bool { return f.flags&FlagHeartbeat != 0 }

// StreamID returns the stream id field.
func (f *Frame) StreamID() uint64 { return uint64(f.id) }

// SetStreamID patches the stream id into the frame's bytes in place (the
// low 32 bits of id; pools stay within MaxStreamID).
func (f *Frame) SetStreamID(id uint64) {
	f.id = uint32(id)
	binary.BigEndian.PutUint32((*f.bufp)[offID:], f.id)
}

// Key returns the service or method; ToyRPC has no path or host.
func (f *Frame) Key(k xprotocol.Key) []byte {
	switch k {
	case xprotocol.KeyService:
		return f.service
	case xprotocol.KeyMethod:
		return f.method
	}
	return nil
}

// Header returns the header view.
func (f *Frame) Header() xprotocol.Header { return (*header)(f) }

// Body returns the body, undecoded.
func (f *Frame) Body() []byte { return f.body }

// Status maps a response's code onto a generic status; requests report
// StatusOK.
func (f *Frame) Status() xprotocol.Status {
	if f.flags&FlagResponse == 0 {
		return xprotocol.StatusOK
	}
	return f.status.Generic()
}

// Code returns the status field.
func (f *Frame) Code() Code { return f.status }

// Timeout returns a request's "timeout-ms" header as a duration, or 0 when
// absent, not a positive number, or on a response.
func (f *Frame) Timeout() time.Duration {
	if f.flags&FlagResponse != 0 {
		return 0
	}
	v, ok := f.Header().Get(HeaderTimeout)
	if !ok {
		return 0
	}
	ms, err := strconv.ParseUint(string(v), 10, 31) // no allocation: the conversion does not escape
	if err != nil || ms == 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// EndStream is always true: every ToyRPC message is one frame.
func (f *Frame) EndStream() bool { return true }

// Size returns the frame's length on the wire, as Encode would write it.
func (f *Frame) Size() int {
	if !f.dirty {
		return len(*f.bufp)
	}
	n := HeaderLen + 2 + len(f.service) + 2 + len(f.method) + 2 + len(f.body)
	for _, h := range f.fields {
		n += 4 + len(h.key) + len(h.value)
	}
	return n
}

// AppendBinary appends the frame's wire form to dst (it implements
// encoding.BinaryAppender). An unedited frame is its bytes, stream id
// patched in; an edited one is rebuilt.
func (f *Frame) AppendBinary(dst []byte) ([]byte, error) {
	if !f.dirty {
		return append(dst, *f.bufp...), nil
	}
	if len(f.fields) > MaxString {
		return dst, xprotocol.TooLarge(Name, "headers", len(f.fields), MaxString)
	}
	start := len(dst)
	dst = append(dst, (*f.bufp)[:HeaderLen]...)
	dst = appendString(dst, f.service)
	dst = appendString(dst, f.method)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.fields)))
	for _, h := range f.fields {
		dst = appendString(dst, h.key)
		dst = appendString(dst, h.value)
	}
	dst = append(dst, f.body...)
	binary.BigEndian.PutUint32(dst[start+offLength:], uint32(len(dst)-start-HeaderLen))
	return dst, nil
}

// header is the header view of a Frame.
type header Frame

var _ xprotocol.Header = (*header)(nil)

// Get returns the value of the first header named key.
func (h *header) Get(key string) ([]byte, bool) {
	for _, f := range h.fields {
		if string(f.key) == key {
			return f.value, true
		}
	}
	return nil, false
}

// Range calls fn for every header in wire order until fn returns false.
func (h *header) Range(fn func(key, value []byte) bool) {
	for _, f := range h.fields {
		if !fn(f.key, f.value) {
			return
		}
	}
}

// Set replaces the first header named key (dropping any other) or appends
// it. The next Encode rebuilds the frame.
func (h *header) Set(key, value string) {
	h.Del(key)
	if len(key) > MaxString || len(value) > MaxString {
		return // cannot be carried; the header stays absent
	}
	h.fields = append(h.fields, field{[]byte(key), []byte(value)})
	h.dirty = true
}

// Del removes every header named key. The next Encode rebuilds the frame.
func (h *header) Del(key string) {
	kept := h.fields[:0]
	for _, f := range h.fields {
		if string(f.key) != key {
			kept = append(kept, f)
		}
	}
	if len(kept) != len(h.fields) {
		clear(h.fields[len(kept):])
		h.fields = kept
		h.dirty = true
	}
}
