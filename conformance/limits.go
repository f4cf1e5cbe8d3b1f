package conformance

import (
	"errors"
	"runtime"
	"testing"

	"github.com/xgate/xgate/detect"
	"github.com/xgate/xgate/xprotocol"
)

// claimBytes is what LengthClaim is asked to claim: 1 GiB.
const claimBytes = 1 << 30

// maxClaimAlloc bounds what decoding a LengthClaim may allocate.
const maxClaimAlloc = 1 << 20

// detectedAs returns the name detection reports p's connections under: the
// protocol an alias rides on, else p's own.
func detectedAs(p xprotocol.Protocol) string {
	if a, ok := p.(xprotocol.Alias); ok {
		return a.AliasOf()
	}
	return p.Name()
}

// checkDetect: no other protocol of the registry claims any prefix of the
// codec's client frames, and a detector over the registry's protocols
// (the codec added last when it is not registered) picks the codec for the
// whole frame and never another one for a prefix.
func (k *kit) checkDetect(t *testing.T, frames []Golden) {
	reg := k.opts.Registry
	if reg == nil {
		reg = xprotocol.Default
	}
	self := detectedAs(k.p)
	protos := reg.Detectable()
	found := false
	for _, q := range protos {
		found = found || q.Name() == self
	}
	if !found {
		if _, alias := k.p.(xprotocol.Alias); alias {
			t.Skipf("%s rides on %s, which the registry lacks", k.p.Name(), self)
		}
		protos = append(protos, k.p)
	}
	d := detect.New(protos, 0)
	for _, g := range frames {
		if g.Role != xprotocol.RoleServer {
			continue
		}
		wire := append(append([]byte(nil), g.Prelude...), g.Wire...)
		for _, q := range reg.List() {
			if q.Name() == k.p.Name() || q.Name() == self || detectedAs(q) == self {
				continue // itself, or an alias of the same wire
			}
			for i := 0; i <= len(wire) && i <= d.PeekBytes(); i++ {
				if q.Match(wire[:i]) == xprotocol.MatchYes {
					t.Errorf("%s: %s also claims its %d-byte prefix % x", g.Name, q.Name(), i, wire[:min(i, 16)])
					break
				}
			}
		}
		if got, res := d.Detect(wire); res != xprotocol.MatchYes || got.Name() != self {
			name := "nothing"
			if got != nil {
				name = got.Name()
			}
			t.Errorf("%s: detected as %s (%v), want %s", g.Name, name, res, self)
		}
		for i := 0; i < len(wire) && i < d.PeekBytes(); i++ {
			if got, res := d.Detect(wire[:i]); res == xprotocol.MatchYes && got.Name() != self {
				t.Errorf("%s: a %d-byte prefix is detected as %s", g.Name, i, got.Name())
			} else if res == xprotocol.MatchNo {
				t.Errorf("%s: a %d-byte prefix is refused by detection", g.Name, i)
			}
		}
	}
}

// checkFrameLimit: each golden, decoded by a session whose limit is one
// byte short of it, is refused as too large (not for Streaming codecs).
func (k *kit) checkFrameLimit(t *testing.T, frames []Golden) {
	if k.opts.Streaming {
		t.Skip("a streaming codec splits what exceeds the limit")
	}
	for _, g := range frames {
		if len(g.Prelude) > 0 {
			continue // the set-up bytes may need more room than the frame
		}
		_, n, err := k.decoderWith(t, g.Role, nil, len(g.Wire)-1).Decode(g.Wire)
		if !errors.Is(err, xprotocol.ErrFrameTooLarge) {
			t.Errorf("%s: under a limit of %d bytes: n %d, err %v; want ErrFrameTooLarge", g.Name, len(g.Wire)-1, n, err)
			continue
		}
		k.requireTyped(t, g.Name, err)
	}
}

// checkLengthClaim: a length field claiming 1 GiB is refused under the
// default limit, and under a limit above it the session waits for the
// bytes without allocating for them.
func (k *kit) checkLengthClaim(t *testing.T) {
	if k.opts.LengthClaim == nil {
		t.Skip("no Options.LengthClaim")
	}
	b := k.opts.LengthClaim(claimBytes)
	if !k.opts.Streaming {
		err := k.decodeBad(t, b, 0)
		if !errors.Is(err, xprotocol.ErrFrameTooLarge) {
			t.Errorf("%s: a 1 GiB claim under the default limit: %v; want ErrFrameTooLarge", b.Name, err)
		} else {
			k.requireTyped(t, b.Name, err)
		}
	}
	var before, after runtime.MemStats
	const runs = 10
	var err error
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		err = k.decodeBad(t, b, 2*claimBytes)
	}
	runtime.ReadMemStats(&after)
	if err != nil && !errors.Is(err, xprotocol.ErrIncomplete) {
		k.requireTyped(t, b.Name, err)
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > maxClaimAlloc {
		t.Errorf("%s: decoding a 1 GiB claim allocated %d bytes per session; the bytes have not arrived", b.Name, per)
	}
}

// checkBad: every Options.Bad input is refused with its error.
func (k *kit) checkBad(t *testing.T) {
	if len(k.opts.Bad) == 0 {
		t.Skip("no Options.Bad")
	}
	for _, b := range k.opts.Bad {
		err := k.decodeBad(t, b, b.MaxFrameSize)
		if !errors.Is(err, b.Want) {
			t.Errorf("%s: %v; want %v", b.Name, err, b.Want)
			continue
		}
		if !errors.Is(err, xprotocol.ErrIncomplete) {
			k.requireTyped(t, b.Name, err)
		}
	}
}

// decodeBad decodes b.Wire (after its prelude) on a fresh session with
// limit maxFrame, releasing any frames, and returns the error it ends
// with: nil when it all decoded.
func (k *kit) decodeBad(t *testing.T, b Bad, maxFrame int) error {
	t.Helper()
	s := k.p.NewSession(xprotocol.SessionOptions{Role: b.Role, MaxFrameSize: maxFrame})
	feedPrelude(t, s, b.Prelude)
	for rest := b.Wire; len(rest) > 0; {
		f, n, err := s.Decode(rest)
		if err != nil {
			if n != 0 {
				t.Errorf("%s: Decode failed (%v) but used %d bytes", b.Name, err, n)
			}
			return err
		}
		if f != nil {
			f.Release()
		}
		if n <= 0 {
			t.Fatalf("%s: Decode used %d bytes and gave no error", b.Name, n)
		}
		rest = rest[n:]
	}
	return nil
}

// requireTyped checks that err is a *xprotocol.FrameError of the codec
// naming its field.
func (k *kit) requireTyped(t *testing.T, name string, err error) {
	t.Helper()
	var fe *xprotocol.FrameError
	if !errors.As(err, &fe) {
		t.Errorf("%s: %T %v is not a *xprotocol.FrameError", name, err, err)
		return
	}
	if fe.Protocol != k.p.Name() && fe.Protocol != detectedAs(k.p) {
		t.Errorf("%s: error names protocol %q, want %q", name, fe.Protocol, k.p.Name())
	}
	if fe.Field == "" {
		t.Errorf("%s: error names no field: %v", name, err)
	}
}
