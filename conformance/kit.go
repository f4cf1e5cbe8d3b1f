// Package conformance is the reusable test kit for codecs: any registered
// protocol, given its own golden frames, gets the checks every codec must
// pass — whole, split and concatenated decoding agree, every strict prefix
// is incomplete, stream ids are rewritten in place and restored, error
// replies and heartbeats have the right shape, and detection claims the
// codec's own frames. Call Run from the codec's tests.
package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/xgate/xgate/xprotocol"
)

// Golden is one wire frame a codec must decode, with what it should see.
type Golden struct {
	Name string
	Wire []byte
	// Role is the side that decodes Wire: RoleServer for requests,
	// RoleClient for responses.
	Role xprotocol.Role
	Kind xprotocol.Kind
	// StreamID is the id the frame carries.
	StreamID uint64
}

// Run executes every check of the kit against p with the given frames.
func Run(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("conformance: no golden frames")
	}
	t.Run("decode", func(t *testing.T) { checkDecode(t, p, frames) })
	t.Run("truncated", func(t *testing.T) { checkTruncated(t, p, frames) })
	t.Run("split", func(t *testing.T) { checkSplit(t, p, frames) })
	t.Run("concatenated", func(t *testing.T) { checkConcatenated(t, p, frames) })
	t.Run("stream-id", func(t *testing.T) { checkStreamID(t, p, frames) })
	t.Run("error-reply", func(t *testing.T) { checkErrorReply(t, p, frames) })
	t.Run("heartbeat", func(t *testing.T) { checkHeartbeat(t, p) })
	t.Run("match", func(t *testing.T) { checkMatch(t, p, frames) })
}

func session(p xprotocol.Protocol, role xprotocol.Role) xprotocol.Session {
	return p.NewSession(xprotocol.SessionOptions{Role: role})
}

// summary is what two decodes of the same bytes must agree on.
type summary struct {
	Kind      xprotocol.Kind
	Heartbeat bool
	StreamID  uint64
	Status    xprotocol.Status
	Size      int
	Service   string
	Method    string
	Body      string
	Encoded   string
}

func summarize(t *testing.T, s xprotocol.Session, f xprotocol.Frame) summary {
	t.Helper()
	enc, err := s.Encode(nil, f)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return summary{
		Kind: f.Kind(), Heartbeat: f.Heartbeat(), StreamID: f.StreamID(), Status: f.Status(), Size: f.Size(),
		Service: string(f.Key(xprotocol.KeyService)), Method: string(f.Key(xprotocol.KeyMethod)),
		Body: string(f.Body()), Encoded: string(enc),
	}
}

func decodeOne(t *testing.T, p xprotocol.Protocol, g Golden) summary {
	t.Helper()
	s := session(p, g.Role)
	f, n, err := s.Decode(g.Wire)
	if err != nil {
		t.Fatalf("%s: decode: %v", g.Name, err)
	}
	defer f.Release()
	if n != len(g.Wire) {
		t.Fatalf("%s: decode used %d of %d bytes", g.Name, n, len(g.Wire))
	}
	return summarize(t, s, f)
}

func checkDecode(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		sum := decodeOne(t, p, g)
		if sum.Kind != g.Kind || sum.StreamID != g.StreamID {
			t.Errorf("%s: kind %v id %d, want kind %v id %d", g.Name, sum.Kind, sum.StreamID, g.Kind, g.StreamID)
		}
		if sum.Size != len(g.Wire) {
			t.Errorf("%s: Size() %d, wire %d", g.Name, sum.Size, len(g.Wire))
		}
		if sum.Encoded != string(g.Wire) {
			t.Errorf("%s: untouched frame re-encoded differently:\n got %x\nwant %x", g.Name, sum.Encoded, g.Wire)
		}
	}
}

func checkTruncated(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		s := session(p, g.Role)
		for i := 0; i < len(g.Wire); i++ {
			f, n, err := s.Decode(g.Wire[:i])
			if !errors.Is(err, xprotocol.ErrIncomplete) || n != 0 || f != nil {
				t.Fatalf("%s: prefix of %d bytes: frame %v, n %d, err %v; want ErrIncomplete", g.Name, i, f != nil, n, err)
			}
		}
	}
}

// checkSplit feeds each frame one byte at a time, as a reader would.
func checkSplit(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		want := decodeOne(t, p, g)
		s := session(p, g.Role)
		var buf []byte
		var got *summary
		for i, b := range g.Wire {
			buf = append(buf, b)
			f, n, err := s.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: byte %d: %v", g.Name, i, err)
			}
			sum := summarize(t, s, f)
			f.Release()
			got = &sum
			buf = buf[n:]
		}
		if got == nil {
			t.Fatalf("%s: never decoded when fed byte by byte", g.Name)
		}
		if *got != want || len(buf) != 0 {
			t.Errorf("%s: byte-by-byte decode differs from whole decode", g.Name)
		}
	}
}

// checkConcatenated decodes 1,000 frames from one buffer.
func checkConcatenated(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, role := range []xprotocol.Role{xprotocol.RoleServer, xprotocol.RoleClient} {
		var stream []byte
		var want []summary
		for i := 0; len(want) < 1000; i++ {
			g := frames[i%len(frames)]
			if g.Role != role {
				if i > len(frames) && len(want) == 0 {
					break
				}
				continue
			}
			stream = append(stream, g.Wire...)
			want = append(want, decodeOne(t, p, g))
		}
		if len(want) == 0 {
			continue
		}
		s := session(p, role)
		off := 0
		for i, w := range want {
			f, n, err := s.Decode(stream[off:])
			if err != nil {
				t.Fatalf("role %d frame %d: %v", role, i, err)
			}
			if got := summarize(t, s, f); got != w {
				t.Fatalf("role %d frame %d differs from its whole decode", role, i)
			}
			f.Release()
			off += n
		}
		if off != len(stream) {
			t.Fatalf("role %d: %d trailing bytes", role, len(stream)-off)
		}
	}
}

// checkStreamID rewrites the id, re-encodes, decodes, restores: the only
// bytes that change are the id's, and restoring gives the original bytes.
func checkStreamID(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		s := session(p, g.Role)
		f, _, err := s.Decode(g.Wire)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		newID := p.MaxStreamID()
		if newID == g.StreamID {
			newID = 1
		}
		f.SetStreamID(newID)
		enc, err := s.Encode(nil, f)
		if err != nil {
			t.Fatalf("%s: encode: %v", g.Name, err)
		}
		if len(enc) != len(g.Wire) {
			t.Errorf("%s: id rewrite changed the frame length", g.Name)
		}
		f2, _, err := session(p, g.Role).Decode(enc)
		if err != nil {
			t.Fatalf("%s: decode rewritten: %v", g.Name, err)
		}
		if f2.StreamID() != newID {
			t.Errorf("%s: rewritten id %d, want %d", g.Name, f2.StreamID(), newID)
		}
		f2.Release()
		f.SetStreamID(g.StreamID)
		enc, _ = s.Encode(enc[:0], f)
		if !bytes.Equal(enc, g.Wire) {
			t.Errorf("%s: restoring the id did not give the original bytes", g.Name)
		}
		f.Release()
	}
}

func checkErrorReply(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		if g.Kind != xprotocol.KindRequest && g.Kind != xprotocol.KindOneway {
			continue
		}
		s := session(p, g.Role)
		req, _, err := s.Decode(g.Wire)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		for st := xprotocol.StatusNoRoute; st <= xprotocol.StatusUnknown; st++ {
			r := p.ErrorReply(req, st, fmt.Sprintf("test %s", st))
			if g.Kind == xprotocol.KindOneway {
				if r != nil {
					t.Errorf("%s: a oneway request got an error reply", g.Name)
					r.Release()
				}
				continue
			}
			if r == nil {
				t.Fatalf("%s: no error reply for %s", g.Name, st)
			}
			enc, err := session(p, xprotocol.RoleServer).Encode(nil, r)
			r.Release()
			if err != nil {
				t.Fatalf("%s: encode reply: %v", g.Name, err)
			}
			back, _, err := session(p, xprotocol.RoleClient).Decode(enc)
			if err != nil {
				t.Fatalf("%s: the %s reply does not decode: %v", g.Name, st, err)
			}
			if back.Kind() != xprotocol.KindResponse || back.StreamID() != g.StreamID {
				t.Errorf("%s: %s reply is kind %v id %d", g.Name, st, back.Kind(), back.StreamID())
			}
			if back.Status() != st {
				t.Errorf("%s: reply for %s reads back as %s", g.Name, st, back.Status())
			}
			back.Release()
		}
		req.Release()
	}
}

func checkHeartbeat(t *testing.T, p xprotocol.Protocol) {
	hb := p.NewHeartbeat(7)
	if hb == nil {
		t.Skip("protocol has no heartbeat")
	}
	enc, err := session(p, xprotocol.RoleClient).Encode(nil, hb)
	hb.Release()
	if err != nil {
		t.Fatal(err)
	}
	req, _, err := session(p, xprotocol.RoleServer).Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !req.Heartbeat() || req.Kind() != xprotocol.KindRequest || req.StreamID() != 7 {
		t.Errorf("heartbeat decodes as kind %v heartbeat %v id %d", req.Kind(), req.Heartbeat(), req.StreamID())
	}
	reply := p.HeartbeatReply(req)
	req.Release()
	enc, err = session(p, xprotocol.RoleServer).Encode(nil, reply)
	reply.Release()
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := session(p, xprotocol.RoleClient).Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Heartbeat() || back.Kind() != xprotocol.KindResponse || back.StreamID() != 7 || back.Status() != xprotocol.StatusOK {
		t.Errorf("heartbeat reply decodes as kind %v heartbeat %v id %d status %s", back.Kind(), back.Heartbeat(), back.StreamID(), back.Status())
	}
	back.Release()
}

// checkMatch: the codec's matcher claims its own frames, and its answer
// over growing prefixes never flips from yes to no.
func checkMatch(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	for _, g := range frames {
		if g.Role != xprotocol.RoleServer {
			continue // detection sees what clients send
		}
		if r := p.Match(g.Wire); r != xprotocol.MatchYes {
			t.Errorf("%s: Match on the whole frame = %v", g.Name, r)
		}
		decided := false
		for i := 0; i <= len(g.Wire) && i <= 64; i++ {
			switch p.Match(g.Wire[:i]) {
			case xprotocol.MatchNo:
				t.Fatalf("%s: Match says no to a %d-byte prefix of a valid frame", g.Name, i)
			case xprotocol.MatchYes:
				decided = true
			case xprotocol.MatchNeedMore:
				if decided {
					t.Fatalf("%s: Match went from yes back to need-more at %d bytes", g.Name, i)
				}
			}
		}
	}
}
