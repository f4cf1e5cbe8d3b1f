package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// ErrNotBolt is returned by Session.Encode for a frame of another protocol.
var ErrNotBolt = errors.New("bolt: not a bolt frame")

// AppendBinary appends the frame's wire form to dst (it implements
// encoding.BinaryAppender).
//
// A frame whose header map was not changed is written as its bytes, with any
// SetStreamID (and the CRC32 it recomputed) already patched in. After
// Header().Set or Del the frame is re-serialized: the fixed header with a new
// headerLen, then class, the rebuilt header map, content and, for a frame
// with a CRC32, a new CRC32 over those bytes. A rebuilt map over the int16
// headerLen limit gives a FrameError of class ErrFrameTooLarge.
func (f *Frame) AppendBinary(dst []byte) ([]byte, error) {
	wire := *f.bufp
	if !f.dirty {
		return append(dst, wire...), nil
	}
	if len(f.header) > maxHeaderLen {
		return dst, xprotocol.TooLarge(Name, "headerLen", len(f.header), maxHeaderLen)
	}
	lensOff := f.lay.lensOff(f.cmdType)
	start := len(dst)
	dst = append(dst, wire[:lensOff+8]...)
	binary.BigEndian.PutUint16(dst[start+lensOff+2:], uint16(len(f.header)))
	dst = append(dst, f.class...)
	dst = append(dst, f.header...)
	dst = append(dst, f.content...)
	if f.crc {
		dst = append(dst, 0, 0, 0, 0)
		sealCRC(dst[start:])
	}
	return dst, nil
}

// session is the per-connection codec state; Bolt needs none beyond limits.
type session struct {
	maxFrameSize int
}

// Decode implements xprotocol.Session with the package Decode.
func (s *session) Decode(src []byte) (xprotocol.Frame, int, error) {
	f, n, err := Decode(src, s.maxFrameSize)
	if err != nil {
		return nil, 0, err // an untyped nil, not a nil *Frame in an interface
	}
	return f, n, nil
}

// Encode implements xprotocol.Session: it appends a *Frame's wire form.
func (s *session) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	bf, ok := f.(*Frame)
	if !ok {
		return dst, fmt.Errorf("%w: got a %s frame (%T)", ErrNotBolt, f.Protocol(), f)
	}
	return bf.AppendBinary(dst)
}
