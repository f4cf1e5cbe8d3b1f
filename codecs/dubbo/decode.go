package dubbo

import (
	"encoding/binary"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// Decode reads one frame from the front of src and returns it with the
// number of bytes it used. The frame owns a pooled copy of those bytes;
// only the 16-byte header is read (the body is read on demand, see Frame).
//
// It returns xprotocol.ErrIncomplete (and n == 0) while src holds a prefix
// of a valid frame. Each header field is checked as soon as its bytes are
// there, and once the header is in, the body length it declares is checked
// against maxFrameSize (0 or less means xprotocol.DefaultMaxFrameSize), so
// an oversized frame is refused from its first 16 bytes, before the body
// arrives. Broken rules give a *xprotocol.FrameError of class ErrMalformed
// naming the field.
func Decode(src []byte, maxFrameSize int) (f *Frame, n int, err error) {
	if maxFrameSize <= 0 {
		maxFrameSize = xprotocol.DefaultMaxFrameSize
	}
	total, err := checkHeader(src, maxFrameSize)
	if err != nil {
		return nil, 0, err
	}
	if len(src) < total {
		return nil, 0, xprotocol.ErrIncomplete
	}
	bufp := bufs.Get(total)
	copy(*bufp, src[:total])
	return newFrame(bufp), total, nil
}

// checkHeader checks the header fields present at the front of src and
// returns the frame's total length once the header is complete.
func checkHeader(src []byte, maxFrameSize int) (int, error) {
	switch {
	case len(src) > 0 && src[0] != MagicHigh:
		return 0, xprotocol.Malformed(Name, "magic", fmt.Sprintf("first byte 0x%02x is not 0xda", src[0]))
	case len(src) > 1 && src[1] != MagicLow:
		return 0, xprotocol.Malformed(Name, "magic", fmt.Sprintf("second byte 0x%02x is not 0xbb", src[1]))
	case len(src) > flagOff && src[flagOff]&SerializationMask == 0:
		// Dubbo assigns no serialization id 0 (dubbo-go refuses it too).
		return 0, xprotocol.Malformed(Name, "flag", fmt.Sprintf("flag 0x%02x has serialization id 0", src[flagOff]))
	case len(src) < HeaderLen:
		return 0, xprotocol.ErrIncomplete
	}
	// The size is checked on the unsigned value first, so a length of 2 GiB
	// or more is refused as too large under any limit below it; under a
	// larger limit it is still not a Java int, hence malformed.
	// (int64: HeaderLen + 4 GiB must not wrap where int is 32 bits.)
	bodyLen := binary.BigEndian.Uint32(src[lenOff:])
	if total := int64(HeaderLen) + int64(bodyLen); total > int64(maxFrameSize) {
		return 0, xprotocol.TooLarge(Name, "bodyLength", int(min(total, 1<<31-1)), maxFrameSize)
	}
	if bodyLen > MaxBodyLen {
		return 0, xprotocol.Malformed(Name, "bodyLength", fmt.Sprintf("negative length %d", int32(bodyLen)))
	}
	return HeaderLen + int(bodyLen), nil
}
