package thrift

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Frame is one Thrift message, with its frame length when framed. It owns
// its wire bytes (pooled): frames come from Decode, Build or ErrorReply,
// and go back with Release.
//
// Slices returned by Name, Body, Key and the header view alias the frame's
// bytes: they are valid until Release, and stay valid across SetStreamID
// and header edits (which never move the name or body in place). Like the
// connection that carries it, a Frame is used by one goroutine at a time.
type Frame struct {
	bufp *[]byte // the buffer; the wire bytes are (*bufp)[off:]
	off  int

	variant Variant
	mtype   MessageType
	seqid   int32

	// Offsets into *bufp.
	seqOff  int // the seqid field (4 bytes binary, a varint compact)
	seqLen  int
	nameOff int // the name's bytes
	nameLen int
	colon   int // index of MultiplexSeparator in the name, or -1
	bodyOff int // the body struct, to the end of the buffer

	// The generic status of an exception, parsed on first use.
	status     xprotocol.Status
	statusRead bool

	seqText [11]byte  // the "seqid" header value, formatted on demand
	edit    []byte    // scratch for a new name (header edits)
	retired []*[]byte // buffers replaced by header edits, released with the frame
}

var _ xprotocol.Frame = (*Frame)(nil)

// newFrame copies the n-byte message of variant v at the front of src, whose
// header is h, into a pooled buffer and returns it as a frame. Compact frames
// get headroom before their bytes for SetStreamID.
func newFrame(src []byte, n int, v Variant, h *msgHeader) *Frame {
	head := 0
	if v.Compact() {
		head = compactHeadroom
	}
	bufp := bufs.Get(head + n)
	copy((*bufp)[head:], src[:n])
	f := framePool.Get().(*Frame)
	f.bufp = bufp
	f.setHeader(head, v, h)
	return f
}

// setHeader points the frame at wire bytes starting at off in *f.bufp, whose
// message header h has been read.
func (f *Frame) setHeader(off int, v Variant, h *msgHeader) {
	base := off + v.prefixLen()
	f.off = off
	f.variant = v
	f.mtype = h.mtype
	f.seqid = h.seqid
	f.seqOff, f.seqLen = base+h.seqOff, h.seqLen
	f.nameOff, f.nameLen = base+h.nameOff, h.nameLen
	f.bodyOff = base + h.bodyOff
	f.colon = bytes.IndexByte(f.Name(), MultiplexSeparator)
	f.statusRead = false
}

// Release returns the frame and its bytes to their pools. Call it exactly
// once; the frame and every slice it handed out are invalid afterwards.
func (f *Frame) Release() {
	if f.bufp == nil {
		return // a second Release of a frame not yet reused: ignore it
	}
	bufs.Put(f.bufp)
	for i, r := range f.retired {
		bufs.Put(r)
		f.retired[i] = nil
	}
	retired, edit := f.retired[:0], f.edit[:0]
	if cap(retired) > maxRetired {
		retired = nil
	}
	if cap(edit) > 4<<10 {
		edit = nil
	}
	*f = Frame{retired: retired, edit: edit}
	framePool.Put(f)
}

// Protocol returns "thrift".
func (f *Frame) Protocol() string { return Name }

// Kind maps the message type: CALL is a request, ONEWAY a oneway request,
// REPLY and EXCEPTION are responses.
func (f *Frame) Kind() xprotocol.Kind {
	switch f.mtype {
	case TypeCall:
		return xprotocol.KindRequest
	case TypeOneway:
		return xprotocol.KindOneway
	}
	return xprotocol.KindResponse
}

// Heartbeat is always false: Thrift has no heartbeat message.
func (f *Frame) Heartbeat() bool { return false }

// StreamID returns the seqid as an unsigned 32-bit value (a negative seqid
// a client chose reads as 2^32 plus it, and is restored as it was).
func (f *Frame) StreamID() uint64 { return uint64(uint32(f.seqid)) }

// SetStreamID sets the seqid to the low 32 bits of id, patching the frame's
// bytes in place so an otherwise untouched frame is forwarded as is.
//
// Binary: the 4-byte seqid is overwritten. Compact: the seqid is a varint
// (1 to 5 bytes); a new value of the same length is overwritten, otherwise
// the few bytes before it (frame length, protocol id, version|type) move
// into the headroom kept before the frame, the new varint is written, and a
// framed message's length is fixed. The name and body do not move.
func (f *Frame) SetStreamID(id uint64) {
	f.seqid = int32(uint32(id))
	b := *f.bufp
	if !f.variant.Compact() {
		binary.BigEndian.PutUint32(b[f.seqOff:], uint32(f.seqid))
		return
	}
	var tmp [maxVarintLen]byte
	enc := binary.AppendUvarint(tmp[:0], uint64(uint32(f.seqid)))
	if len(enc) == f.seqLen {
		copy(b[f.seqOff:], enc)
		return
	}
	end := f.seqOff + f.seqLen // where the name length starts: fixed
	newSeqOff := end - len(enc)
	newOff := newSeqOff - (f.seqOff - f.off)
	if newOff < 0 {
		// Not reached: every frame starts with compactHeadroom bytes free
		// before it and the varint is at least 1 byte long, so growing it to
		// at most 5 never needs more. Rebuilding is the safe fallback.
		f.rebuild(f.Name())
		return
	}
	copy(b[newOff:newSeqOff], b[f.off:f.seqOff])
	copy(b[newSeqOff:end], enc)
	f.off, f.seqOff, f.seqLen = newOff, newSeqOff, len(enc)
	if f.variant.Framed() {
		binary.BigEndian.PutUint32(b[f.off:], uint32(len(b)-f.off-framePrefixLen))
	}
}

// Key returns a routing key: KeyService is the part of a multiplexed name
// ("Service:method") before the first ':'; KeyMethod the part after it, or
// the whole name when it has no ':'. A plain name has no service (nil: the
// listener's default applies), and Thrift has no path or host.
func (f *Frame) Key(k xprotocol.Key) []byte {
	switch k {
	case xprotocol.KeyService:
		return f.service()
	case xprotocol.KeyMethod:
		return f.method()
	}
	return nil
}

// service returns the multiplexed service name, or nil.
func (f *Frame) service() []byte {
	if f.colon <= 0 {
		return nil
	}
	return f.Name()[:f.colon:f.colon]
}

// method returns the method name, or nil when it is empty.
func (f *Frame) method() []byte {
	name := f.Name()
	m := name[f.colon+1:] // the whole name when colon is -1
	if len(m) == 0 {
		return nil
	}
	return m
}

// Header returns the header view: the message name, its service and
// method, and the seqid (see the package doc).
func (f *Frame) Header() xprotocol.Header { return f.hdr() }

// Body returns the message's struct undecoded: the call's arguments, the
// reply's result (or declared exception), or a TApplicationException.
func (f *Frame) Body() []byte {
	b := *f.bufp
	return b[f.bodyOff:len(b):len(b)]
}

// Status maps an EXCEPTION's TApplicationException onto a generic status
// (parsed on first use; see ExceptionType.Generic). A REPLY is StatusOK,
// even when its struct carries an exception declared in the IDL: that is
// the service's answer, not a protocol failure. Calls report StatusOK.
func (f *Frame) Status() xprotocol.Status {
	if f.mtype != TypeException {
		return xprotocol.StatusOK
	}
	if !f.statusRead {
		_, _, f.status = f.exception()
		f.statusRead = true
	}
	return f.status
}

// Timeout returns 0: a Thrift message carries no deadline.
func (f *Frame) Timeout() time.Duration { return 0 }

// Size returns the frame's length on the wire, as Encode writes it.
func (f *Frame) Size() int { return len(*f.bufp) - f.off }

// Variant returns the frame's protocol and transport.
func (f *Frame) Variant() Variant { return f.variant }

// MessageType returns the message type field.
func (f *Frame) MessageType() MessageType { return f.mtype }

// Name returns the message name, e.g. "echo" or "Echo:echo".
func (f *Frame) Name() []byte {
	end := f.nameOff + f.nameLen
	return (*f.bufp)[f.nameOff:end:end]
}

// SeqID returns the seqid field.
func (f *Frame) SeqID() int32 { return f.seqid }

// ApplicationException parses an EXCEPTION's TApplicationException: its type
// and message (aliasing the frame). ok is false for other messages or an
// exception struct that does not parse.
func (f *Frame) ApplicationException() (typ ExceptionType, message []byte, ok bool) {
	if f.mtype != TypeException {
		return 0, nil, false
	}
	ex, err := readAppException(f.Body(), f.variant.Compact())
	if err != nil {
		return 0, nil, false
	}
	return ex.typ, ex.message, true
}

// exception returns an EXCEPTION's type, message and generic status.
func (f *Frame) exception() (ExceptionType, []byte, xprotocol.Status) {
	ex, err := readAppException(f.Body(), f.variant.Compact())
	if err != nil {
		return ExceptionUnknown, nil, xprotocol.StatusUnknown
	}
	return ex.typ, ex.message, ex.generic()
}

// AppendBinary appends the frame's wire form to dst (it implements
// encoding.BinaryAppender): its bytes, with any SetStreamID or header edit
// already applied.
func (f *Frame) AppendBinary(dst []byte) ([]byte, error) {
	return append(dst, (*f.bufp)[f.off:]...), nil
}

// EndStream implements xprotocol.Frame: every frame is a whole message.
func (f *Frame) EndStream() bool { return true }
