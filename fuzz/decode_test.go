package fuzz

import (
	"errors"
	"testing"

	"github.com/xgate/xgate/xprotocol"
)

// decodeStream decodes every frame of data with sess, calling check with
// each frame and its wire bytes, until the input ends or Decode refuses
// it. Every codec's decoder fuzz target shares these rules: a decoded frame
// uses between 1 and len(rest) bytes; a refusal is ErrIncomplete with
// nothing used, or a FrameError of protocol, naming its field, of class
// ErrMalformed or ErrFrameTooLarge.
func decodeStream(t *testing.T, protocol string, sess xprotocol.Session, data []byte, check func(f xprotocol.Frame, raw []byte)) {
	t.Helper()
	rest := data
	for len(rest) > 0 {
		fr, n, err := sess.Decode(rest)
		if err != nil {
			checkRefusal(t, protocol, err, n)
			return
		}
		if n <= 0 || n > len(rest) {
			t.Fatalf("Decode used %d of %d bytes", n, len(rest))
		}
		if fr != nil { // nil: control bytes (HTTP/1 chunk framing, HTTP/2 SETTINGS)
			check(fr, rest[:n])
			fr.Release()
		}
		rest = rest[n:]
	}
}

func checkRefusal(t *testing.T, protocol string, err error, n int) {
	t.Helper()
	if n != 0 {
		t.Fatalf("Decode failed (%v) but reported %d bytes used", err, n)
	}
	if errors.Is(err, xprotocol.ErrIncomplete) {
		return
	}
	var fe *xprotocol.FrameError
	if !errors.As(err, &fe) || fe.Protocol != protocol || fe.Field == "" {
		t.Fatalf("untyped decode error %T: %v", err, err)
	}
	if !errors.Is(err, xprotocol.ErrMalformed) && !errors.Is(err, xprotocol.ErrFrameTooLarge) {
		t.Fatalf("FrameError of unknown class: %v", err)
	}
}
