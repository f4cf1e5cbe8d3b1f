package thrift

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// ErrNotThrift is returned by Session.Encode for a frame of another protocol.
var ErrNotThrift = errors.New("thrift: not a thrift frame")

// ErrVariantMismatch is returned by Session.Encode for a frame of another
// variant than the connection's: Xgate does not convert between protocols
// or transports (the engine pools variants apart).
var ErrVariantMismatch = errors.New("thrift: frame variant differs from the connection's")

// session is the codec state of one connection: its variant, once known,
// and for an unframed connection the walk of a message that has not fully
// arrived.
type session struct {
	variant      Variant // 0 until learned
	maxFrameSize int
	unframed     *unframedState // allocated by the first unframed Decode
}

// unframedState lets an unframed message arriving in pieces be walked once
// in total: walk keeps the position reached by the last Decode that
// returned ErrIncomplete, and mark identifies the bytes it was reached over.
// (About 600 bytes, which framed connections do without.)
type unframedState struct {
	walk walker
	mark walkMark
}

// walkMark identifies the bytes a suspended walk covered. The engine passes
// the same stream again, extended, after ErrIncomplete; mark checks that
// cheaply (the message start and the bytes just before the resume point)
// and the walk restarts from the message start when they differ.
type walkMark struct {
	active  bool
	headLen int
	head    [32]byte
	tailLen int
	tail    [16]byte
}

func (m *walkMark) save(src []byte, pos int) {
	m.active = true
	m.headLen = copy(m.head[:], src[:pos])
	m.tailLen = copy(m.tail[:], src[max(0, pos-len(m.tail)):pos])
}

func (m *walkMark) matches(src []byte, pos int) bool {
	return m.active && len(src) >= pos &&
		bytes.Equal(src[:m.headLen], m.head[:m.headLen]) &&
		bytes.Equal(src[pos-m.tailLen:pos], m.tail[:m.tailLen])
}

// Decode implements xprotocol.Session: like the package Decode, with the
// connection's variant (learned from the first bytes when not yet known)
// and a resumable walk of unframed messages.
func (s *session) Decode(src []byte) (xprotocol.Frame, int, error) {
	if s.variant == 0 {
		v, err := sniff(src, s.maxFrameSize)
		if err != nil {
			return nil, 0, err
		}
		s.variant = v
	}
	var f *Frame
	var n int
	var err error
	if s.variant.Framed() {
		f, n, err = decodeFramed(src, s.variant, s.maxFrameSize)
	} else {
		f, n, err = s.decodeUnframed(src)
	}
	if err != nil {
		return nil, 0, err // an untyped nil, not a nil *Frame in an interface
	}
	return f, n, nil
}

func (s *session) decodeUnframed(src []byte) (*Frame, int, error) {
	if s.unframed == nil {
		s.unframed = new(unframedState)
	}
	u := s.unframed
	resume := u.mark.matches(src, u.walk.pos)
	u.mark.active = false
	if err := checkProtocolByte(src, s.variant); err != nil {
		return nil, 0, err
	}
	var h msgHeader
	if err := readHeader(src, s.variant.Compact(), s.maxFrameSize, false, &h); err != nil {
		return nil, 0, err
	}
	if !resume || u.walk.pos < h.bodyOff {
		u.walk.start(s.variant.Compact(), h.bodyOff)
	}
	if err := u.walk.run(src, s.maxFrameSize); err != nil {
		if errors.Is(err, xprotocol.ErrIncomplete) {
			u.mark.save(src, u.walk.pos)
		}
		return nil, 0, err
	}
	n := u.walk.pos
	return newFrame(src, n, s.variant, &h), n, nil
}

// Encode implements xprotocol.Session: it appends a *Frame's bytes. A
// session that does not know its variant yet adopts the frame's.
func (s *session) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	tf, ok := f.(*Frame)
	if !ok {
		return dst, fmt.Errorf("%w: got a %s frame (%T)", ErrNotThrift, f.Protocol(), f)
	}
	if s.variant == 0 {
		s.variant = tf.variant
	} else if tf.variant != s.variant {
		return dst, fmt.Errorf("%w: %s frame on a %s connection", ErrVariantMismatch, tf.variant, s.variant)
	}
	return tf.AppendBinary(dst)
}
