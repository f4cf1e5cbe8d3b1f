// Package fuzzkit gives a codec its fuzz targets in one call each, seeded
// from the same golden vectors it gives the conformance kit:
//
//	func FuzzToyDecode(f *testing.F)    { fuzzkit.Decoder(f, toyrpc.Proto, goldens(f), fuzzkit.Options{}) }
//	func FuzzToyRoundTrip(f *testing.F) { fuzzkit.RoundTrip(f, toyrpc.Proto, goldens(f), fuzzkit.Options{}) }
//
// Decoder feeds arbitrary bytes to a session and asserts the contract, not
// just "no panic": a decoded frame used between 1 and all of the bytes,
// re-encodes untouched to exactly them (for self-contained frames) and
// decodes again to the same fields; a refusal is ErrIncomplete with nothing
// used, or a *xprotocol.FrameError of the codec, naming its field, of class
// ErrMalformed or ErrFrameTooLarge.
//
// RoundTrip decodes a golden-like input, renumbers it and sets a header,
// encodes it and decodes the result on a fresh session: the id, the header
// and the body must survive.
//
// Run one with: go test -run '^$' -fuzz '^FuzzToyDecode$' -fuzztime 30s ./examples/codecs/toyrpc
package fuzzkit

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// Options adapt the targets to a codec (see conformance.Options, whose
// fields of the same names mean the same).
type Options struct {
	// MaxFrameSize is the sessions' limit; 0 means 64 KiB, small enough
	// for the fuzzer to reach it.
	MaxFrameSize int
	// Streaming codecs may normalise what they re-encode and split bodies
	// into data frames: the decoder target does not require an untouched
	// frame to re-encode to its input bytes.
	Streaming bool
	// NoWireStreamID codecs are not renumbered by RoundTrip.
	NoWireStreamID bool
	// Seeds are more inputs for the corpus (damaged frames, odd cases).
	Seeds [][]byte
}

func (o Options) limit() int {
	if o.MaxFrameSize > 0 {
		return o.MaxFrameSize
	}
	return 64 << 10
}

// roleOf picks a session role from a fuzzed byte.
func roleOf(b byte) xprotocol.Role {
	if b%2 == 0 {
		return xprotocol.RoleServer
	}
	return xprotocol.RoleClient
}

// roleByte is the fuzzed byte that selects role.
func roleByte(r xprotocol.Role) byte {
	if r == xprotocol.RoleClient {
		return 1
	}
	return 0
}

// seed adds every golden (with its prelude) alone, each pair of goldens of
// one role back to back, every golden cut short, and opts.Seeds.
func seed(f *testing.F, goldens []conformance.Golden, opts Options, add func(role byte, data []byte)) {
	for i, g := range goldens {
		wire := append(append([]byte(nil), g.Prelude...), g.Wire...)
		add(roleByte(g.Role), wire)
		add(roleByte(g.Role), wire[:len(wire)-1])
		if j := (i + 1) % len(goldens); goldens[j].Role == g.Role && len(goldens[j].Prelude) == 0 {
			add(roleByte(g.Role), append(wire, goldens[j].Wire...))
		}
	}
	for _, s := range opts.Seeds {
		add(0, s)
		add(1, s)
	}
}

// Decoder registers the decoder fuzz target of p on f.
func Decoder(f *testing.F, p xprotocol.Protocol, goldens []conformance.Golden, opts Options) {
	seed(f, goldens, opts, func(role byte, data []byte) { f.Add(role, data) })
	f.Fuzz(func(t *testing.T, role byte, data []byte) {
		r := roleOf(role)
		sess := p.NewSession(xprotocol.SessionOptions{Role: r, MaxFrameSize: opts.limit()})
		rest := data
		for len(rest) > 0 {
			fr, n, err := sess.Decode(rest)
			if err != nil {
				CheckRefusal(t, p, err, n)
				return
			}
			if n <= 0 || n > len(rest) {
				t.Fatalf("Decode used %d of %d bytes", n, len(rest))
			}
			if fr != nil {
				checkFrame(t, p, r, sess, fr, rest[:n], opts)
				fr.Release()
			}
			rest = rest[n:]
		}
		if fl, ok := sess.(xprotocol.Flusher); ok {
			fl.AppendPending(nil)
		}
	})
}

// checkFrame: an untouched self-contained frame encodes to its bytes and
// decodes again, on a fresh session, to the same fields.
func checkFrame(t *testing.T, p xprotocol.Protocol, r xprotocol.Role, sess xprotocol.Session, fr xprotocol.Frame, raw []byte, opts Options) {
	t.Helper()
	if fr.Protocol() == "" {
		t.Fatal("a frame with no protocol name")
	}
	if opts.Streaming {
		_, _ = sess.Encode(nil, fr) // must not panic; stateful encoders may refuse
		return
	}
	if fr.Size() != len(raw) {
		t.Fatalf("Size() %d, but Decode used %d bytes", fr.Size(), len(raw))
	}
	enc, err := sess.Encode(nil, fr)
	if err != nil {
		t.Fatalf("an untouched decoded frame does not encode: %v", err)
	}
	if !bytes.Equal(enc, raw) {
		t.Fatalf("an untouched frame re-encoded differently:\n got %x\nwant %x", enc, raw)
	}
	again, n, err := p.NewSession(xprotocol.SessionOptions{Role: r, MaxFrameSize: opts.limit()}).Decode(enc)
	if err != nil || n != len(enc) {
		t.Fatalf("re-decoding the encoded frame: n %d of %d, %v", n, len(enc), err)
	}
	defer again.Release()
	if again.Kind() != fr.Kind() || again.StreamID() != fr.StreamID() || again.Heartbeat() != fr.Heartbeat() ||
		again.Status() != fr.Status() || !bytes.Equal(again.Body(), fr.Body()) ||
		!bytes.Equal(again.Key(xprotocol.KeyService), fr.Key(xprotocol.KeyService)) ||
		!bytes.Equal(again.Key(xprotocol.KeyMethod), fr.Key(xprotocol.KeyMethod)) {
		t.Fatal("the re-decoded frame differs from the first decode")
	}
}

// RoundTrip registers the round-trip fuzz target of p on f: decode, set the
// stream id and a header, encode, decode on a fresh session, compare.
func RoundTrip(f *testing.F, p xprotocol.Protocol, goldens []conformance.Golden, opts Options) {
	seed(f, goldens, opts, func(role byte, data []byte) {
		f.Add(role, data, uint64(1), "x-fuzz", "value")
		f.Add(role, data, p.MaxStreamID(), "", "")
	})
	f.Fuzz(func(t *testing.T, role byte, data []byte, id uint64, key, value string) {
		r := roleOf(role)
		sess := p.NewSession(xprotocol.SessionOptions{Role: r, MaxFrameSize: opts.limit()})
		fr, _, err := sess.Decode(data)
		if err != nil {
			CheckRefusal(t, p, err, 0)
			return
		}
		if fr == nil {
			return // control bytes
		}
		defer fr.Release()
		if max := p.MaxStreamID(); max > 0 && !opts.NoWireStreamID {
			id = 1 + id%max
			fr.SetStreamID(id)
		}
		if key != "" {
			fr.Header().Set(key, value)
		}
		enc, err := sess.Encode(nil, fr)
		if err != nil {
			return // e.g. a header the protocol cannot carry
		}
		again, n, err := p.NewSession(xprotocol.SessionOptions{Role: r, MaxFrameSize: 1 << 30}).Decode(enc)
		if err != nil {
			t.Fatalf("the encoded frame does not decode: %v\n%x", err, enc)
		}
		defer again.Release()
		if n != len(enc) && !opts.Streaming {
			t.Fatalf("the encoded frame decodes from %d of its %d bytes", n, len(enc))
		}
		if again.Kind() != fr.Kind() || again.Heartbeat() != fr.Heartbeat() {
			t.Fatalf("kind %v heartbeat %v became %v %v", fr.Kind(), fr.Heartbeat(), again.Kind(), again.Heartbeat())
		}
		if !opts.NoWireStreamID && again.StreamID() != id {
			t.Fatalf("stream id %d came back as %d", id, again.StreamID())
		}
		if key != "" {
			if got, ok := again.Header().Get(key); ok && string(got) != value {
				t.Fatalf("header %q = %q came back as %q", key, value, got)
			} else if !ok && !opts.Streaming {
				t.Fatalf("header %q was lost", key)
			}
		}
		if !opts.Streaming && !bytes.Equal(again.Body(), fr.Body()) {
			t.Fatal("the body changed")
		}
	})
}

// CheckRefusal asserts that a Decode failure follows the contract: nothing
// used, and ErrIncomplete or a *xprotocol.FrameError of p (or of the
// protocol it rides on) naming its field, of class ErrMalformed or
// ErrFrameTooLarge.
func CheckRefusal(t *testing.T, p xprotocol.Protocol, err error, n int) {
	t.Helper()
	if n != 0 {
		t.Fatalf("Decode failed (%v) but reported %d bytes used", err, n)
	}
	if errors.Is(err, xprotocol.ErrIncomplete) {
		return
	}
	var fe *xprotocol.FrameError
	if !errors.As(err, &fe) || fe.Field == "" {
		t.Fatalf("untyped decode error %T: %v", err, err)
	}
	name := p.Name()
	if a, ok := p.(xprotocol.Alias); ok {
		name = a.AliasOf()
	}
	if fe.Protocol != name && fe.Protocol != p.Name() {
		t.Fatalf("error of protocol %q from %q: %v", fe.Protocol, p.Name(), err)
	}
	if !errors.Is(err, xprotocol.ErrMalformed) && !errors.Is(err, xprotocol.ErrFrameTooLarge) {
		t.Fatalf("FrameError of unknown class: %v", err)
	}
}
