package toyrpc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// ErrNotToy is returned by Session.Encode for a frame of another protocol.
var ErrNotToy = errors.New("toyrpc: not a toy frame")

// Decode reads one frame from the front of src and returns it with the
// number of bytes used. The frame owns a pooled copy of those bytes.
//
// It returns xprotocol.ErrIncomplete while src holds a prefix of a frame:
// nothing is allocated until the whole frame is there, and the length field
// is checked against maxFrameSize (≤ 0: xprotocol.DefaultMaxFrameSize) as
// soon as the fixed header is in, so an oversized frame is refused before
// its body arrives. Fields present so far are checked on every call, so
// garbage is refused early. Service, method and headers together may take
// at most maxHeader bytes (≤ 0: DefaultMaxHeaderBytes).
func Decode(src []byte, maxFrameSize, maxHeader int) (*Frame, int, error) {
	if maxFrameSize <= 0 {
		maxFrameSize = xprotocol.DefaultMaxFrameSize
	}
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderBytes
	}
	if err := checkFixed(src); err != nil {
		return nil, 0, err
	}
	if len(src) < HeaderLen {
		return nil, 0, xprotocol.ErrIncomplete
	}
	total := int64(HeaderLen) + int64(binary.BigEndian.Uint32(src[offLength:]))
	if total > int64(maxFrameSize) {
		return nil, 0, xprotocol.TooLarge(Name, "length", int(min(total, 1<<40)), maxFrameSize)
	}
	if int64(len(src)) < total {
		return nil, 0, xprotocol.ErrIncomplete
	}
	bufp := bufs.Get(int(total))
	copy(*bufp, src)
	f, err := parse(bufp, maxHeader)
	if err != nil {
		return nil, 0, err
	}
	return f, int(total), nil
}

// session is the per-connection codec state: ToyRPC needs none beyond the
// limits.
type session struct {
	maxFrameSize, maxHeader int
}

// Decode implements xprotocol.Session.
func (s *session) Decode(src []byte) (xprotocol.Frame, int, error) {
	f, n, err := Decode(src, s.maxFrameSize, s.maxHeader)
	if err != nil {
		return nil, 0, err // an untyped nil, not a nil *Frame in an interface
	}
	return f, n, nil
}

// Encode implements xprotocol.Session: it appends a *Frame's wire form.
func (s *session) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	tf, ok := f.(*Frame)
	if !ok {
		return dst, fmt.Errorf("%w: got a %s frame (%T)", ErrNotToy, f.Protocol(), f)
	}
	return tf.AppendBinary(dst)
}
