// Package conformance is the reusable test kit for codecs: any protocol,
// given its own golden frames, gets the checks every codec must pass —
// whole, split and concatenated decoding agree, every strict prefix is
// incomplete, stream ids are rewritten in place and restored, error
// replies and heartbeats have the right shape, detection claims the
// codec's own frames and no other protocol's matcher does, oversized and
// broken input is refused with the contract's typed errors, and a length
// field is never trusted with memory before its bytes arrive.
//
// A codec calls it from its own test with its own vectors:
//
//	func TestConformance(t *testing.T) {
//		conformance.RunWith(t, toyrpc.Proto, goldens(t), conformance.Options{
//			LengthClaim: func(n int) conformance.Bad { ... },
//		})
//	}
//
// Importing github.com/xgate/xgate/codecs/all in that test file fills
// xprotocol.Default, the registry the detection check walks by default.
//
// Options adapt the kit to streaming and stateful codecs without wrapping
// them: a per-golden Prelude (connection set-up bytes, like the HTTP/2
// preface and SETTINGS), session factories per role, protocols whose
// stream ids are not on the wire (HTTP/1.1), connections on which a
// stream id cannot be reused (HTTP/2).
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
	// StreamID is the id the frame carries (for Options.NoWireStreamID
	// codecs: the id a fresh session gives it).
	StreamID uint64
	// Prelude is fed to every fresh decoding session before Wire, and
	// precedes Wire where detection sees a connection's first bytes: the
	// connection set-up a real peer sends first (the HTTP/2 client preface
	// and SETTINGS). It may produce no frame.
	Prelude []byte
}

// Bad is input a codec must refuse (or, with Want ErrIncomplete, wait on).
type Bad struct {
	Name string
	// Role is the side that decodes Wire.
	Role xprotocol.Role
	// Prelude is fed first, as for Golden.
	Prelude []byte
	Wire    []byte
	// MaxFrameSize is the session's limit; 0 means the default.
	MaxFrameSize int
	// Want is xprotocol.ErrFrameTooLarge, ErrMalformed or ErrIncomplete.
	Want error
}

// Options adapt the kit to a codec. The zero value suits protocols of
// self-contained frames carrying their stream id, like Bolt or Dubbo.
type Options struct {
	// Registry holds the protocols detection must tell the codec apart
	// from; nil means xprotocol.Default (import codecs/all to fill it).
	// The codec itself need not be registered in it.
	Registry *xprotocol.Registry
	// Decoder returns a fresh session of role for decoding goldens (the
	// kit then feeds Golden.Prelude); nil means p.NewSession with only
	// the role set. A stateful codec sets up here what its goldens need
	// beyond bytes from the peer (HTTP/2 client: requests sent, so the
	// responses' streams are open).
	Decoder func(role xprotocol.Role) xprotocol.Session
	// Encoder returns a session of role for one Encode of a frame that a
	// session of the same role decoded (a request re-encoded, a reply
	// written); nil means the decoding session itself where the kit has
	// one, else Decoder. The kit asks for a new one per Encode, so
	// per-connection encoder state (HPACK) does not carry over.
	Encoder func(role xprotocol.Role) xprotocol.Session
	// NoWireStreamID says the protocol has no stream id on the wire
	// (HTTP/1.1: sessions number messages per connection): SetStreamID
	// must then change no byte, and ids are not compared across sessions.
	NoWireStreamID bool
	// RewriteID is the id the stream-id check renumbers frames to; 0
	// means p.MaxStreamID() (or 1 when a golden already carries it).
	RewriteID uint64
	// NoRepeat says a connection cannot carry the same golden twice (a
	// stream id may not be reused, as in HTTP/2): the many-frames check
	// then decodes each golden of a role once, in order, from one buffer,
	// instead of 1,000 frames cycling through them.
	NoRepeat bool
	// Streaming says bodies flow as KindData frames bounded by
	// MaxFrameSize, so a message larger than the limit is split rather
	// than refused: the kit does not expect a golden decoded under a
	// smaller limit, or a LengthClaim, to give ErrFrameTooLarge.
	Streaming bool
	// LengthClaim returns input whose length field claims n bytes (n is
	// 1 GiB) without them following. The kit checks that it is refused as
	// too large under the default limit, and that decoding it under a
	// limit above n allocates nothing like n. Nil skips both.
	LengthClaim func(n int) Bad
	// Bad lists more input the codec must refuse, each with its error.
	Bad []Bad
}

// Run executes every check of the kit against p with the given frames and
// default options.
func Run(t *testing.T, p xprotocol.Protocol, frames []Golden) {
	t.Helper()
	RunWith(t, p, frames, Options{})
}

// RunWith executes every check of the kit against p with the given frames
// and options.
func RunWith(t *testing.T, p xprotocol.Protocol, frames []Golden, opts Options) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("conformance: no golden frames")
	}
	k := &kit{p: p, opts: opts}
	t.Run("decode", func(t *testing.T) { k.checkDecode(t, frames) })
	t.Run("truncated", func(t *testing.T) { k.checkTruncated(t, frames) })
	t.Run("split", func(t *testing.T) { k.checkSplit(t, frames) })
	t.Run("concatenated", func(t *testing.T) { k.checkConcatenated(t, frames) })
	t.Run("stream-id", func(t *testing.T) { k.checkStreamID(t, frames) })
	t.Run("error-reply", func(t *testing.T) { k.checkErrorReply(t, frames) })
	t.Run("heartbeat", func(t *testing.T) { k.checkHeartbeat(t) })
	t.Run("match", func(t *testing.T) { k.checkMatch(t, frames) })
	t.Run("detect", func(t *testing.T) { k.checkDetect(t, frames) })
	t.Run("frame-limit", func(t *testing.T) { k.checkFrameLimit(t, frames) })
	t.Run("length-claim", func(t *testing.T) { k.checkLengthClaim(t) })
	t.Run("bad", func(t *testing.T) { k.checkBad(t) })
}

// kit is one run's protocol and options.
type kit struct {
	p    xprotocol.Protocol
	opts Options
}

// decoder returns a fresh decoding session of role that has consumed
// prelude.
func (k *kit) decoder(t testing.TB, role xprotocol.Role, prelude []byte) xprotocol.Session {
	t.Helper()
	return k.decoderWith(t, role, prelude, 0)
}

func (k *kit) decoderWith(t testing.TB, role xprotocol.Role, prelude []byte, maxFrame int) xprotocol.Session {
	t.Helper()
	var s xprotocol.Session
	if k.opts.Decoder != nil && maxFrame == 0 {
		s = k.opts.Decoder(role)
	} else {
		s = k.p.NewSession(xprotocol.SessionOptions{Role: role, MaxFrameSize: maxFrame})
	}
	feedPrelude(t, s, prelude)
	return s
}

// feedPrelude decodes set-up bytes, dropping what they produce and what
// the session wants to write back.
func feedPrelude(t testing.TB, s xprotocol.Session, prelude []byte) {
	t.Helper()
	for b := prelude; len(b) > 0; {
		f, n, err := s.Decode(b)
		if err != nil {
			t.Fatalf("prelude: %v", err)
		}
		if f != nil {
			f.Release()
		}
		b = b[n:]
	}
	if fl, ok := s.(xprotocol.Flusher); ok {
		fl.AppendPending(nil)
	}
}

// encoder returns the session that encodes a frame decoded by a session
// of role (dec, when the kit has one).
func (k *kit) encoder(role xprotocol.Role, dec xprotocol.Session) xprotocol.Session {
	switch {
	case k.opts.Encoder != nil:
		return k.opts.Encoder(role)
	case dec != nil:
		return dec
	case k.opts.Decoder != nil:
		return k.opts.Decoder(role)
	}
	return k.p.NewSession(xprotocol.SessionOptions{Role: role})
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

func (k *kit) summarize(t *testing.T, role xprotocol.Role, dec xprotocol.Session, f xprotocol.Frame) summary {
	t.Helper()
	enc, err := k.encoder(role, dec).Encode(nil, f)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	s := summary{
		Kind: f.Kind(), Heartbeat: f.Heartbeat(), StreamID: f.StreamID(), Status: f.Status(), Size: f.Size(),
		Service: string(f.Key(xprotocol.KeyService)), Method: string(f.Key(xprotocol.KeyMethod)),
		Body: string(f.Body()), Encoded: string(enc),
	}
	if k.opts.NoWireStreamID {
		s.StreamID = 0 // a session's numbering, not the frame's
	}
	return s
}

func (k *kit) decodeOne(t *testing.T, g Golden) summary {
	t.Helper()
	s := k.decoder(t, g.Role, g.Prelude)
	f, n, err := s.Decode(g.Wire)
	if err != nil {
		t.Fatalf("%s: decode: %v", g.Name, err)
	}
	if f == nil {
		t.Fatalf("%s: decode gave no frame", g.Name)
	}
	defer f.Release()
	if n != len(g.Wire) {
		t.Fatalf("%s: decode used %d of %d bytes", g.Name, n, len(g.Wire))
	}
	return k.summarize(t, g.Role, s, f)
}

func (k *kit) checkDecode(t *testing.T, frames []Golden) {
	for _, g := range frames {
		s := k.decoder(t, g.Role, g.Prelude)
		f, _, err := s.Decode(g.Wire)
		if err != nil {
			t.Fatalf("%s: decode: %v", g.Name, err)
		}
		id := f.StreamID()
		f.Release()
		sum := k.decodeOne(t, g)
		if sum.Kind != g.Kind || id != g.StreamID {
			t.Errorf("%s: kind %v id %d, want kind %v id %d", g.Name, sum.Kind, id, g.Kind, g.StreamID)
		}
		if sum.Size != len(g.Wire) {
			t.Errorf("%s: Size() %d, wire %d", g.Name, sum.Size, len(g.Wire))
		}
		if sum.Encoded != string(g.Wire) {
			t.Errorf("%s: untouched frame re-encoded differently:\n got %x\nwant %x", g.Name, sum.Encoded, g.Wire)
		}
	}
}

func (k *kit) checkTruncated(t *testing.T, frames []Golden) {
	for _, g := range frames {
		s := k.decoder(t, g.Role, g.Prelude)
		for i := 0; i < len(g.Wire); i++ {
			f, n, err := s.Decode(g.Wire[:i])
			if !errors.Is(err, xprotocol.ErrIncomplete) || n != 0 || f != nil {
				t.Fatalf("%s: prefix of %d bytes: frame %v, n %d, err %v; want ErrIncomplete", g.Name, i, f != nil, n, err)
			}
		}
	}
}

// checkSplit feeds each frame one byte at a time, as a reader would.
func (k *kit) checkSplit(t *testing.T, frames []Golden) {
	for _, g := range frames {
		want := k.decodeOne(t, g)
		s := k.decoder(t, g.Role, g.Prelude)
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
			buf = buf[n:]
			if f == nil {
				continue // control bytes
			}
			sum := k.summarize(t, g.Role, s, f)
			f.Release()
			got = &sum
		}
		if got == nil {
			t.Fatalf("%s: never decoded when fed byte by byte", g.Name)
		}
		if *got != want || len(buf) != 0 {
			t.Errorf("%s: byte-by-byte decode differs from whole decode", g.Name)
		}
	}
}

// checkConcatenated decodes many frames from one buffer on one session:
// 1,000 cycling through the goldens of each role, or each once with
// NoRepeat. Goldens whose Prelude differs from the first one's of their
// role cannot share its connection and are left out.
func (k *kit) checkConcatenated(t *testing.T, frames []Golden) {
	for _, role := range []xprotocol.Role{xprotocol.RoleServer, xprotocol.RoleClient} {
		var same []Golden
		for _, g := range frames {
			if g.Role == role && (len(same) == 0 || bytes.Equal(g.Prelude, same[0].Prelude)) {
				same = append(same, g)
			}
		}
		if len(same) == 0 {
			continue
		}
		count := 1000
		if k.opts.NoRepeat {
			count = len(same)
		}
		var stream []byte
		var want []summary
		for i := range count {
			g := same[i%len(same)]
			stream = append(stream, g.Wire...)
			want = append(want, k.decodeOne(t, g))
		}
		s := k.decoder(t, role, same[0].Prelude)
		off, i := 0, 0
		var lastID uint64
		for i < len(want) {
			f, n, err := s.Decode(stream[off:])
			if err != nil {
				t.Fatalf("role %d frame %d: %v", role, i, err)
			}
			off += n
			if f == nil {
				continue
			}
			if k.opts.NoWireStreamID {
				if i > 0 && f.StreamID() == lastID && role == xprotocol.RoleServer {
					t.Fatalf("role %d frame %d: the session gave two messages id %d", role, i, lastID)
				}
				lastID = f.StreamID()
			}
			if got := k.summarize(t, role, s, f); got != want[i] {
				t.Fatalf("role %d frame %d differs from its whole decode", role, i)
			}
			f.Release()
			i++
		}
		if off != len(stream) {
			t.Fatalf("role %d: %d trailing bytes", role, len(stream)-off)
		}
	}
}

// checkStreamID rewrites the id, re-encodes, decodes, restores: the only
// bytes that change are the id's, and restoring gives the original bytes.
// Without the id on the wire, setting it must change no byte.
func (k *kit) checkStreamID(t *testing.T, frames []Golden) {
	for _, g := range frames {
		s := k.decoder(t, g.Role, g.Prelude)
		f, _, err := s.Decode(g.Wire)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		orig := f.StreamID()
		newID := k.opts.RewriteID
		if newID == 0 {
			newID = k.p.MaxStreamID()
		}
		if newID == orig {
			newID = 1
		}
		f.SetStreamID(newID)
		if f.StreamID() != newID {
			t.Errorf("%s: StreamID() %d after SetStreamID(%d)", g.Name, f.StreamID(), newID)
		}
		enc, err := k.encoder(g.Role, s).Encode(nil, f)
		if err != nil {
			t.Fatalf("%s: encode: %v", g.Name, err)
		}
		if len(enc) != len(g.Wire) {
			t.Errorf("%s: id rewrite changed the frame length", g.Name)
		}
		if k.opts.NoWireStreamID {
			if !bytes.Equal(enc, g.Wire) {
				t.Errorf("%s: SetStreamID changed the bytes of a protocol without ids on the wire", g.Name)
			}
		} else {
			f2, _, err := k.decoder(t, g.Role, g.Prelude).Decode(enc)
			if err != nil {
				t.Fatalf("%s: decode rewritten: %v", g.Name, err)
			}
			if f2.StreamID() != newID {
				t.Errorf("%s: rewritten id %d, want %d", g.Name, f2.StreamID(), newID)
			}
			f2.Release()
		}
		f.SetStreamID(orig)
		enc, _ = k.encoder(g.Role, s).Encode(enc[:0], f)
		if !bytes.Equal(enc, g.Wire) {
			t.Errorf("%s: restoring the id did not give the original bytes", g.Name)
		}
		f.Release()
	}
}

func (k *kit) checkErrorReply(t *testing.T, frames []Golden) {
	for _, g := range frames {
		if g.Kind != xprotocol.KindRequest && g.Kind != xprotocol.KindOneway {
			continue
		}
		req, _, err := k.decoder(t, g.Role, g.Prelude).Decode(g.Wire)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		for st := xprotocol.StatusNoRoute; st <= xprotocol.StatusUnknown; st++ {
			r := k.p.ErrorReply(req, st, fmt.Sprintf("test %s", st))
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
			enc, err := k.encoder(xprotocol.RoleServer, nil).Encode(nil, r)
			r.Release()
			if err != nil {
				t.Fatalf("%s: encode reply: %v", g.Name, err)
			}
			back := k.decodeAll(t, xprotocol.RoleClient, enc, g.Name+" "+st.String()+" reply")
			if back.Kind() != xprotocol.KindResponse {
				t.Errorf("%s: %s reply is kind %v", g.Name, st, back.Kind())
			}
			if !k.opts.NoWireStreamID && back.StreamID() != g.StreamID {
				t.Errorf("%s: %s reply has id %d, want %d", g.Name, st, back.StreamID(), g.StreamID)
			}
			if back.Status() != st {
				t.Errorf("%s: reply for %s reads back as %s", g.Name, st, back.Status())
			}
			back.Release()
		}
		req.Release()
	}
}

// decodeAll decodes enc on a fresh session of role and returns its first
// frame, requiring enc to decode whole (a streaming reply may be a head
// and body frames; those after the first are released).
func (k *kit) decodeAll(t *testing.T, role xprotocol.Role, enc []byte, what string) xprotocol.Frame {
	t.Helper()
	s := k.decoder(t, role, nil)
	var first xprotocol.Frame
	for len(enc) > 0 {
		f, n, err := s.Decode(enc)
		if err != nil {
			t.Fatalf("%s does not decode: %v", what, err)
		}
		enc = enc[n:]
		switch {
		case f == nil:
		case first == nil:
			first = f
		default:
			f.Release()
		}
	}
	if first == nil {
		t.Fatalf("%s decodes to no frame", what)
	}
	return first
}

func (k *kit) checkHeartbeat(t *testing.T) {
	hb := k.p.NewHeartbeat(7)
	if hb == nil {
		t.Skip("protocol has no heartbeat")
	}
	enc, err := k.encoder(xprotocol.RoleClient, nil).Encode(nil, hb)
	hb.Release()
	if err != nil {
		t.Fatal(err)
	}
	req := k.decodeAll(t, xprotocol.RoleServer, enc, "heartbeat")
	if !req.Heartbeat() || req.Kind() != xprotocol.KindRequest || req.StreamID() != 7 {
		t.Errorf("heartbeat decodes as kind %v heartbeat %v id %d", req.Kind(), req.Heartbeat(), req.StreamID())
	}
	reply := k.p.HeartbeatReply(req)
	req.Release()
	enc, err = k.encoder(xprotocol.RoleServer, nil).Encode(nil, reply)
	reply.Release()
	if err != nil {
		t.Fatal(err)
	}
	back := k.decodeAll(t, xprotocol.RoleClient, enc, "heartbeat reply")
	if !back.Heartbeat() || back.Kind() != xprotocol.KindResponse || back.StreamID() != 7 || back.Status() != xprotocol.StatusOK {
		t.Errorf("heartbeat reply decodes as kind %v heartbeat %v id %d status %s", back.Kind(), back.Heartbeat(), back.StreamID(), back.Status())
	}
	back.Release()
}

// checkMatch: the codec's matcher claims its own frames (after their
// prelude, as a detector sees a connection), and its answer over growing
// prefixes never flips.
func (k *kit) checkMatch(t *testing.T, frames []Golden) {
	for _, g := range frames {
		if g.Role != xprotocol.RoleServer {
			continue // detection sees what clients send
		}
		wire := append(append([]byte(nil), g.Prelude...), g.Wire...)
		if r := k.p.Match(wire); r != xprotocol.MatchYes {
			t.Errorf("%s: Match on the whole frame = %v", g.Name, r)
		}
		decided := false
		for i := 0; i <= len(wire) && i <= 64; i++ {
			switch k.p.Match(wire[:i]) {
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
