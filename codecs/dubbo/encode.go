package dubbo

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// ErrNotDubbo is returned by Session.Encode for a frame of another protocol.
var ErrNotDubbo = errors.New("dubbo: not a dubbo frame")

// AppendBinary appends the frame's wire form to dst (it implements
// encoding.BinaryAppender).
//
// An unedited frame is written as its bytes, with any SetStreamID already
// patched in. After Header().Set or Del, the header is written with the new
// body length, then the rebuilt body (see Header). An edit that could not
// be applied gives an error wrapping ErrUnsafeEdit; a body grown past the
// int32 length field gives a FrameError of class ErrFrameTooLarge.
func (f *Frame) AppendBinary(dst []byte) ([]byte, error) {
	if f.editErr != nil {
		return dst, f.editErr
	}
	wire := *f.bufp
	if !f.dirty {
		return append(dst, wire...), nil
	}
	n := f.bodyLen()
	if n > MaxBodyLen {
		return dst, xprotocol.TooLarge(Name, "bodyLength", n, MaxBodyLen)
	}
	start := len(dst)
	dst = append(dst, wire[:HeaderLen]...)
	binary.BigEndian.PutUint32(dst[start+lenOff:], uint32(n))
	return f.appendBody(dst), nil
}

// session is the per-connection codec state; Dubbo needs none beyond limits.
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
	df, ok := f.(*Frame)
	if !ok {
		return dst, fmt.Errorf("%w: got a %s frame (%T)", ErrNotDubbo, f.Protocol(), f)
	}
	return df.AppendBinary(dst)
}
