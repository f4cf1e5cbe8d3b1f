package thrift

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// Message describes a Thrift message for Build.
type Message struct {
	// Variant is the protocol and transport to write.
	Variant Variant
	// Type is the message type.
	Type MessageType
	// Name is the message name ("method" or "Service:method").
	Name string
	// SeqID is the seqid field.
	SeqID int32
	// Body is the message's struct (arguments, result or exception), already
	// serialized in Variant's protocol; Build copies it as is. Empty means an
	// empty struct (a lone STOP byte).
	Body []byte
}

// stopOnly is the serialization of an empty struct in both protocols.
var stopOnly = []byte{0}

// Build serializes m into a new pooled frame. It fails with a
// *xprotocol.FrameError for an unknown variant or type, or a message too
// long for its length fields.
func Build(m Message) (*Frame, error) {
	if !m.Variant.Valid() {
		return nil, xprotocol.Malformed(Name, "variant", "unknown variant "+strconv.Itoa(int(m.Variant)))
	}
	if !m.Type.valid() {
		return nil, xprotocol.Malformed(Name, "type", fmt.Sprintf("unknown message type %d", m.Type))
	}
	body := m.Body
	if len(body) == 0 {
		body = stopOnly
	}
	f := framePool.Get().(*Frame)
	if err := writeMessage(f, m.Variant, m.Type, m.Name, m.SeqID, body); err != nil {
		framePool.Put(f)
		return nil, err
	}
	return f, nil
}

// writeMessage serializes a message into a new pooled buffer (with headroom
// when compact) and points f at it. name and body may alias f's current
// buffer, which it does not touch; on failure f is unchanged.
func writeMessage[S string | []byte](f *Frame, v Variant, t MessageType, name S, seqid int32, body []byte) error {
	compact := v.Compact()
	hdrLen := minBinaryHeader + len(name)
	if compact {
		hdrLen = 2 + uvarintLen(uint64(uint32(seqid))) + uvarintLen(uint64(len(name))) + len(name)
	}
	msgLen := int64(hdrLen) + int64(len(body))
	if len(name) > math.MaxInt32 || (v.Framed() && msgLen > math.MaxInt32) {
		return xprotocol.TooLarge(Name, "frame length", int(min(msgLen, math.MaxInt)), math.MaxInt32)
	}
	head := 0
	if compact {
		head = compactHeadroom
	}
	bufp := bufs.Get(head + v.prefixLen() + int(msgLen))
	b := (*bufp)[:head]
	if v.Framed() {
		b = binary.BigEndian.AppendUint32(b, uint32(msgLen))
	}
	if compact {
		b = append(b, compactProtocolID, byte(t)<<compactTypeShift|compactVersion)
		b = binary.AppendUvarint(b, uint64(uint32(seqid)))
		b = binary.AppendUvarint(b, uint64(len(name)))
	} else {
		b = append(b, binaryVersion1, binaryVersion2, 0, byte(t))
		b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	}
	b = append(b, name...)
	if !compact {
		b = binary.BigEndian.AppendUint32(b, uint32(seqid))
	}
	_ = append(b, body...) // fits: the buffer was sized for the message

	// Read the header back rather than filling the frame by hand, so a built
	// frame is exactly what Decode would make of its bytes.
	var h msgHeader
	msg := (*bufp)[head+v.prefixLen():]
	if err := readHeader(msg, compact, len(msg), true, &h); err != nil {
		bufs.Put(bufp)
		return err
	}
	f.bufp = bufp
	f.setHeader(head, v, &h)
	return nil
}

// rebuild re-serializes the frame with a new name (which may alias the
// frame's bytes), keeping variant, type, seqid and body. The old buffer is
// kept until Release, so slices handed out before stay valid.
func (f *Frame) rebuild(name []byte) {
	old := f.bufp
	if err := writeMessage(f, f.variant, f.mtype, name, f.seqid, f.Body()); err != nil {
		return // only a name or body over 2 GiB fails; the frame is unchanged
	}
	f.retired = append(f.retired, old)
}

// uvarintLen returns the length of v as an unsigned varint (7 bits a byte).
func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }
