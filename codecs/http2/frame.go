package http2

import (
	"time"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// Frame is one HTTP/2 message event as the engine sees it: a request or
// response head (HEADERS and its CONTINUATIONs), a DATA payload, trailers
// (a KindData frame with headers), a RST_STREAM (KindReset) or a GOAWAY
// (KindGoAway). It owns its bytes (pooled); call Release once.
//
// The header fields are the decoded HPACK list: pseudo-headers first, then
// regular fields, names lower-case. Get, Range, Set and Del act on them.
type Frame struct {
	proto  string
	kind   xprotocol.Kind
	id     uint64
	end    bool
	size   int
	code   ErrCode // KindReset, KindGoAway
	lastID uint32  // KindGoAway
	buf    *[]byte
	fields []field
	// body is the payload's place in buf.
	bodyOff, bodyLen int
}

// field is a header field's place in a frame's buffer: the name at off,
// the value right after it.
type field struct{ off, nlen, vlen uint32 }

var _ xprotocol.Frame = (*Frame)(nil)

// newFrame returns a pooled frame with an empty buffer of capacity n.
func newFrame(proto string, kind xprotocol.Kind, id uint64, n int) *Frame {
	f := framePool.Get().(*Frame)
	f.proto, f.kind, f.id = proto, kind, id
	f.buf = bufs.Get(n)
	*f.buf = (*f.buf)[:0]
	return f
}

// Protocol returns "grpc" for a gRPC stream's frames, else "http2".
func (f *Frame) Protocol() string { return f.proto }

// Kind returns the frame's kind.
func (f *Frame) Kind() xprotocol.Kind { return f.kind }

// Heartbeat is always false: HTTP/2 keep-alive (PING) is connection-level
// and answered by the session itself.
func (f *Frame) Heartbeat() bool { return false }

// StreamID returns the stream id (the engine's id in a client session).
func (f *Frame) StreamID() uint64 { return f.id }

// SetStreamID changes the stream id; the wire id is chosen when the frame
// is encoded.
func (f *Frame) SetStreamID(id uint64) { f.id = id }

// EndStream reports whether the frame ends its stream in its direction.
func (f *Frame) EndStream() bool { return f.end }

// Size returns the frame's length on the wire (HEADERS with its
// CONTINUATIONs, or the DATA frame), 0 for a frame built locally.
func (f *Frame) Size() int { return f.size }

// Body returns a DATA frame's payload (padding removed), or a built head's
// body; a decoded head has none.
func (f *Frame) Body() []byte {
	if f.bodyLen == 0 {
		return nil
	}
	return (*f.buf)[f.bodyOff : f.bodyOff+f.bodyLen]
}

// Code returns the HTTP/2 error code of a KindReset or KindGoAway frame.
func (f *Frame) Code() ErrCode { return f.code }

// LastStreamID returns a GOAWAY's last-stream-id (a wire id).
func (f *Frame) LastStreamID() uint32 { return f.lastID }

// Header returns the frame's header fields (trailers for a KindData
// frame); empty for DATA, RST_STREAM and GOAWAY.
func (f *Frame) Header() xprotocol.Header { return (*headerView)(f) }

// Key returns a routing key: for gRPC service and method from
// ":path" "/pkg.Service/Method"; for plain HTTP/2 the service is the host
// of ":authority" without its port (as HTTP/1.1 reports Host) and the
// method ":method". Path and host are ":path" and
// ":authority" for both. Frames other than request heads have none.
func (f *Frame) Key(k xprotocol.Key) []byte {
	if f.kind != xprotocol.KindRequest && f.kind != xprotocol.KindOneway {
		return nil
	}
	switch k {
	case xprotocol.KeyPath:
		return f.get(":path")
	case xprotocol.KeyHost:
		return f.get(":authority")
	case xprotocol.KeyService:
		if f.proto == NameGRPC {
			svc, _ := grpcPath(f.get(":path"))
			return svc
		}
		return httpsem.HostOnly(f.get(":authority"))
	case xprotocol.KeyMethod:
		if f.proto == NameGRPC {
			_, m := grpcPath(f.get(":path"))
			return m
		}
		return f.get(":method")
	}
	return nil
}

// Status maps the frame's outcome: a response from grpc-status when it has
// one (trailers-only), else from ":status"; trailers from grpc-status; a
// reset or GOAWAY from its error code. Requests report StatusOK.
func (f *Frame) Status() xprotocol.Status {
	switch f.kind {
	case xprotocol.KindResponse:
		if v, ok := f.Header().Get("grpc-status"); ok {
			return grpcToStatus(v)
		}
		_, retry := f.Header().Get(httpsem.RetryAfter)
		return httpToStatus(f.get(":status"), retry)
	case xprotocol.KindData:
		if v, ok := f.Header().Get("grpc-status"); ok {
			return grpcToStatus(v)
		}
	case xprotocol.KindReset, xprotocol.KindGoAway:
		return codeToStatus(f.code)
	}
	return xprotocol.StatusOK
}

// Timeout returns the request's grpc-timeout, or 0.
func (f *Frame) Timeout() time.Duration {
	if f.kind != xprotocol.KindRequest {
		return 0
	}
	v, ok := f.Header().Get("grpc-timeout")
	if !ok {
		return 0
	}
	d, _ := ParseGRPCTimeout(v)
	return d
}

// Release returns the frame and its bytes to their pools.
func (f *Frame) Release() {
	if f.buf != nil {
		bufs.Put(f.buf)
	}
	fields := f.fields[:0]
	if cap(fields) > maxRetainedFields {
		fields = nil
	}
	*f = Frame{fields: fields}
	framePool.Put(f)
}

// get returns the value of the first field named name, or nil.
func (f *Frame) get(name string) []byte {
	b := *f.buf
	for _, fd := range f.fields {
		if int(fd.nlen) == len(name) && string(b[fd.off:fd.off+fd.nlen]) == name {
			return b[fd.off+fd.nlen : fd.off+fd.nlen+fd.vlen]
		}
	}
	return nil
}

// grow makes room for n more bytes in the frame's buffer.
func (f *Frame) grow(n int) {
	b := *f.buf
	if cap(b)-len(b) >= n {
		return
	}
	nb := bufs.Get(len(b) + n)
	*nb = append((*nb)[:0], b...)
	bufs.Put(f.buf)
	f.buf = nb
}

// appendField adds a field at the end of the list.
func (f *Frame) appendField(name, value string) {
	f.grow(len(name) + len(value))
	b := *f.buf
	off := len(b)
	b = append(append(b, name...), value...)
	*f.buf = b
	f.fields = append(f.fields, field{uint32(off), uint32(len(name)), uint32(len(value))})
}

// setBody copies p in as the frame's body.
func (f *Frame) setBody(p []byte) {
	f.grow(len(p))
	b := *f.buf
	f.bodyOff, f.bodyLen = len(b), len(p)
	*f.buf = append(b, p...)
}

// headerView is a Frame's header fields as an xprotocol.Header.
type headerView Frame

// Get returns the value of key (lower-case) and whether it is present.
func (h *headerView) Get(key string) ([]byte, bool) {
	f := (*Frame)(h)
	b := *f.buf
	for _, fd := range f.fields {
		if int(fd.nlen) == len(key) && string(b[fd.off:fd.off+fd.nlen]) == key {
			return b[fd.off+fd.nlen : fd.off+fd.nlen+fd.vlen], true
		}
	}
	return nil, false
}

// Range calls fn for each field in order, pseudo-headers first.
func (h *headerView) Range(fn func(key, value []byte) bool) {
	f := (*Frame)(h)
	b := *f.buf
	for _, fd := range f.fields {
		if !fn(b[fd.off:fd.off+fd.nlen], b[fd.off+fd.nlen:fd.off+fd.nlen+fd.vlen]) {
			return
		}
	}
}

// Set replaces every field named key (lower-cased) by one with value; a
// new pseudo-header goes after the existing ones.
func (h *headerView) Set(key, value string) {
	key = lowerName(key)
	h.Del(key)
	f := (*Frame)(h)
	f.appendField(key, value)
	if len(key) > 0 && key[0] == ':' {
		last := f.fields[len(f.fields)-1]
		i := 0
		b := *f.buf
		for i < len(f.fields)-1 && b[f.fields[i].off] == ':' {
			i++
		}
		copy(f.fields[i+1:], f.fields[i:len(f.fields)-1])
		f.fields[i] = last
	}
}

// Del removes every field named key (lower-cased).
func (h *headerView) Del(key string) {
	key = lowerName(key)
	f := (*Frame)(h)
	b := *f.buf
	out := f.fields[:0]
	for _, fd := range f.fields {
		if int(fd.nlen) == len(key) && string(b[fd.off:fd.off+fd.nlen]) == key {
			continue
		}
		out = append(out, fd)
	}
	f.fields = out
}

// lowerName returns s in lower case, allocating only if it has upper case.
func lowerName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
