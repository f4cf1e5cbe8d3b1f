package bolt

import (
	"encoding/binary"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Frame is one Bolt command. It owns its wire bytes (pooled): frames come
// from Decode, Build or a constructor, and go back with Release.
//
// Slices returned by ClassName, Content, Body, Key and the header view alias
// the frame's bytes: they are valid until Release. Like the connection that
// carries it, a Frame is used by one goroutine at a time.
type Frame struct {
	bufp *[]byte // the wire bytes, from the buffer pool
	lay  *layout

	// Fixed-header fields, as read from the wire.
	cmdType CmdType
	cmdCode CmdCode
	ver1    uint8 // Bolt v2 only; 0 for v1
	sw      uint8 // Bolt v2 switch byte; 0 for v1
	ver2    uint8
	id      uint32
	codec   Codec
	timeout int32      // requests only (timeout field, ms)
	status  RespStatus // responses only (respStatus field)
	crc     bool       // the frame ends with a CRC32 (see crc.go)

	class   []byte // class field, aliasing *bufp
	header  []byte // current header map: aliases *bufp, or edit after Set/Del
	content []byte // content field, aliasing *bufp

	// edit holds header maps rebuilt by Set and Del. It is append-only until
	// Release, so values an earlier Get returned stay intact.
	edit  []byte
	dirty bool // the header was changed: Encode must re-serialize
}

var _ xprotocol.Frame = (*Frame)(nil)

// fixedHeader is the decoded fixed header of a frame.
type fixedHeader struct {
	cmdType    CmdType
	cmdCode    CmdCode
	ver1       uint8
	sw         uint8
	crc        bool
	ver2       uint8
	id         uint32
	codec      Codec
	timeout    int32
	status     RespStatus
	fixedLen   int
	classLen   int
	headerLen  int
	contentLen int
}

// total returns the frame's length on the wire, CRC32 included.
func (h *fixedHeader) total() int {
	return h.fixedLen + h.classLen + h.headerLen + h.contentLen + crcSize(h.crc)
}

// crcSize returns the length of the CRC32 field of a frame that has one.
func crcSize(crc bool) int {
	if crc {
		return crcLen
	}
	return 0
}

// newFrame takes a frame from the pool and points it at wire bytes *bufp
// whose fixed header h has been read and whose body has been validated.
func newFrame(bufp *[]byte, lay *layout, h *fixedHeader) *Frame {
	f := framePool.Get().(*Frame)
	b := *bufp
	f.bufp = bufp
	f.lay = lay
	f.cmdType = h.cmdType
	f.cmdCode = h.cmdCode
	f.ver1 = h.ver1
	f.sw = h.sw
	f.crc = h.crc
	f.ver2 = h.ver2
	f.id = h.id
	f.codec = h.codec
	f.timeout = h.timeout
	f.status = h.status
	off := h.fixedLen
	f.class = b[off : off+h.classLen : off+h.classLen]
	off += h.classLen
	f.header = b[off : off+h.headerLen : off+h.headerLen]
	off += h.headerLen
	f.content = b[off : off+h.contentLen : off+h.contentLen]
	f.dirty = false
	return f
}

// Release returns the frame and its bytes to their pools. Call it exactly
// once; the frame and every slice it handed out are invalid afterwards.
func (f *Frame) Release() {
	if f.bufp == nil {
		return // a second Release of a frame not yet reused: ignore it
	}
	bufs.Put(f.bufp)
	edit := f.edit[:0]
	if cap(edit) > maxRetainedEdit {
		edit = nil
	}
	*f = Frame{edit: edit}
	framePool.Put(f)
}

// Protocol returns "bolt".
func (f *Frame) Protocol() string { return Name }

// Kind maps the type field: request, oneway or response.
func (f *Frame) Kind() xprotocol.Kind {
	switch f.cmdType {
	case TypeRequest:
		return xprotocol.KindRequest
	case TypeOneway:
		return xprotocol.KindOneway
	}
	return xprotocol.KindResponse
}

// Heartbeat reports whether cmdcode is HEARTBEAT (a heartbeat or its reply).
func (f *Frame) Heartbeat() bool { return f.cmdCode == CodeHeartbeat }

// StreamID returns the requestId field.
func (f *Frame) StreamID() uint64 { return uint64(f.id) }

// SetStreamID patches the requestId field in the frame's bytes in place, so
// an otherwise untouched frame is forwarded as is. The field is 32 bits wide:
// id is truncated to its low 32 bits (pools stay within MaxStreamID).
//
// A frame with a CRC32 has it recomputed over the patched bytes, so the
// forwarded frame still passes the peer's check; that is one pass over the
// frame, and allocates nothing.
func (f *Frame) SetStreamID(id uint64) {
	f.id = uint32(id)
	b := *f.bufp
	binary.BigEndian.PutUint32(b[f.lay.idOff:], f.id)
	if f.crc {
		sealCRC(b)
	}
}

// Key returns a routing key: KeyService from the "service" header, else
// "sofa_head_target_service"; KeyMethod from "sofa_head_method_name". Bolt
// has no path or host, so those (and absent headers) are nil.
func (f *Frame) Key(k xprotocol.Key) []byte {
	h := f.hdr()
	switch k {
	case xprotocol.KeyService:
		if v, ok := h.Get(HeaderService); ok && len(v) > 0 {
			return v
		}
		if v, ok := h.Get(HeaderTargetService); ok && len(v) > 0 {
			return v
		}
	case xprotocol.KeyMethod:
		if v, ok := h.Get(HeaderMethodName); ok && len(v) > 0 {
			return v
		}
	}
	return nil
}

// Header returns the header-map view.
func (f *Frame) Header() xprotocol.Header { return f.hdr() }

// Body returns the content field undecoded.
func (f *Frame) Body() []byte { return f.content }

// Status maps a response's respStatus onto a generic status; requests and
// oneways report StatusOK.
func (f *Frame) Status() xprotocol.Status {
	if f.cmdType != TypeResponse {
		return xprotocol.StatusOK
	}
	return f.status.Generic()
}

// Timeout returns a request's timeout field as a duration, or 0 when the
// field is zero or negative (no deadline) or the frame is a response.
func (f *Frame) Timeout() time.Duration {
	if f.cmdType == TypeResponse || f.timeout <= 0 {
		return 0
	}
	return time.Duration(f.timeout) * time.Millisecond
}

// Size returns the frame's length on the wire, as Encode would write it.
func (f *Frame) Size() int {
	return f.lay.fixedLen(f.cmdType) + len(f.class) + len(f.header) + len(f.content) + crcSize(f.crc)
}

// Version returns the proto byte: ProtoV1 or ProtoV2.
func (f *Frame) Version() byte { return f.lay.proto }

// Ver1 returns a Bolt v2 frame's ver1 field (ProtocolVersion1 or
// ProtocolVersion2), or 0 for a Bolt v1 frame, which has none.
func (f *Frame) Ver1() uint8 { return f.ver1 }

// Switch returns a Bolt v2 frame's switch byte, or 0 for a Bolt v1 frame,
// which has none.
func (f *Frame) Switch() uint8 { return f.sw }

// CRCEnabled reports whether the frame ends with a CRC32: a Bolt v2 frame
// with ver1 ProtocolVersion2 and SwitchCRC set. Decode has verified it;
// SetStreamID and a re-serializing Encode recompute it.
func (f *Frame) CRCEnabled() bool { return f.crc }

// CmdType returns the type field.
func (f *Frame) CmdType() CmdType { return f.cmdType }

// CmdCode returns the cmdcode field.
func (f *Frame) CmdCode() CmdCode { return f.cmdCode }

// Ver2 returns the ver2 field (command format version, normally 1).
func (f *Frame) Ver2() uint8 { return f.ver2 }

// RequestID returns the requestId field.
func (f *Frame) RequestID() uint32 { return f.id }

// Codec returns the codec field.
func (f *Frame) Codec() Codec { return f.codec }

// TimeoutMillis returns a request's raw timeout field in milliseconds, or 0
// for a response.
func (f *Frame) TimeoutMillis() int32 { return f.timeout }

// RespStatus returns a response's respStatus field, or StatusSuccess for a
// request.
func (f *Frame) RespStatus() RespStatus { return f.status }

// ClassName returns the class field: the Java class of the content, e.g.
// "com.alipay.sofa.rpc.core.request.SofaRequest".
func (f *Frame) ClassName() []byte { return f.class }

// Content returns the content field undecoded (the same as Body).
func (f *Frame) Content() []byte { return f.content }

// EndStream implements xprotocol.Frame: every frame is a whole message.
func (f *Frame) EndStream() bool { return true }
