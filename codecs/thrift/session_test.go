package thrift_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

func echoCall(t testing.TB, v thrift.Variant, seqid int32) []byte {
	return libWrite(t, v, libMsg{name: "echo", typ: athrift.CALL, seqid: seqid, body: &echo.EchoEchoArgs{Msg: "hello"}})
}

// TestSessionLearnsAndKeepsVariant: a server session takes the variant of
// its first message and refuses any other afterwards; a client session
// speaks the variant it is told from the start.
func TestSessionLearnsAndKeepsVariant(t *testing.T) {
	for _, first := range thrift.AllVariants() {
		for _, then := range thrift.AllVariants() {
			for _, role := range []xprotocol.Role{xprotocol.RoleServer, xprotocol.RoleClient} {
				opts := xprotocol.SessionOptions{Role: role}
				var rest []byte
				if role == xprotocol.RoleClient {
					opts.Variant = uint8(first)
				} else {
					rest = echoCall(t, first, 1)
				}
				s := thrift.Proto.NewSession(opts)
				if rest != nil {
					f, n, err := s.Decode(rest)
					require.NoError(t, err)
					assert.Equal(t, len(rest), n)
					assert.Equal(t, uint8(first), thrift.Proto.FrameVariant(f))
					f.Release()
				}
				f, n, err := s.Decode(echoCall(t, then, 2))
				if then == first {
					require.NoError(t, err, "%s then %s", first, then)
					assert.Equal(t, uint8(first), thrift.Proto.FrameVariant(f))
					f.Release()
					continue
				}
				assert.ErrorIs(t, err, xprotocol.ErrMalformed, "role %d: %s then %s", role, first, then)
				assert.Zero(t, n)
				assert.Nil(t, f)
			}
		}
	}
}

// TestFramedLengthTooLargeFrom4Bytes: a 2 GiB frame length is refused as
// soon as its 4 bytes are in, by a server session that does not know the
// variant yet, by framed client sessions and by Decode.
func TestFramedLengthTooLargeFrom4Bytes(t *testing.T) {
	huge := []byte{0x7f, 0xff, 0xff, 0xff}
	for _, opts := range []xprotocol.SessionOptions{
		{Role: xprotocol.RoleServer},
		{Role: xprotocol.RoleClient},
		{Role: xprotocol.RoleClient, Variant: uint8(thrift.BinaryFramed)},
		{Role: xprotocol.RoleClient, Variant: uint8(thrift.CompactFramed)},
	} {
		s := thrift.Proto.NewSession(opts)
		for i := range 4 {
			_, _, err := s.Decode(huge[:i])
			require.ErrorIs(t, err, xprotocol.ErrIncomplete, "%+v, %d bytes", opts, i)
		}
		_, n, err := s.Decode(huge)
		require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge, "%+v", opts)
		assert.Zero(t, n)
		var fe *xprotocol.FrameError
		require.True(t, errors.As(err, &fe))
		assert.Equal(t, "frame length", fe.Field)
	}
	for _, v := range []thrift.Variant{0, thrift.BinaryFramed, thrift.CompactFramed} {
		_, _, err := thrift.Decode(huge, v, 0)
		assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge, v)
	}
	// With a limit that fits it, the same length waits for its bytes.
	_, _, err := thrift.Decode(append(huge, 0x80, 0x01, 0x00, 0x01), thrift.BinaryFramed, 1<<32)
	assert.ErrorIs(t, err, xprotocol.ErrIncomplete)
	// A negative length is malformed from its first byte.
	_, _, err = thrift.Decode([]byte{0x80}, thrift.BinaryFramed, 0)
	assert.ErrorIs(t, err, xprotocol.ErrMalformed)
}

// TestFramedRefusals: the frame rules and the header inside the frame.
func TestFramedRefusals(t *testing.T) {
	cases := []struct {
		name string
		v    thrift.Variant
		wire []byte
	}{
		{"length shorter than a binary header", thrift.BinaryFramed, []byte{0, 0, 0, 11, 0x80, 1, 0, 1}},
		{"length shorter than a compact header", thrift.CompactFramed, []byte{0, 0, 0, 3, 0x82, 0x21, 1}},
		{"name overruns the frame", thrift.BinaryFramed, []byte{0, 0, 0, 12, 0x80, 1, 0, 1, 0, 0, 0, 1, 'm', 0, 0, 0}},
		{"compact name overruns", thrift.CompactFramed, []byte{0, 0, 0, 4, 0x82, 0x21, 1, 5}},
		{"bad type", thrift.BinaryFramed, []byte{0, 0, 0, 20, 0x80, 1, 0, 9}},
		{"bad compact version", thrift.CompactFramed, []byte{0, 0, 0, 20, 0x82, 0x22}},
		{"negative name length", thrift.BinaryFramed, []byte{0, 0, 0, 20, 0x80, 1, 0, 1, 0xff, 0xff, 0xff, 0xff}},
		{"binary version byte 2 set", thrift.BinaryFramed, []byte{0, 0, 0, 20, 0x80, 1, 1, 1}},
		{"unframed binary version byte 2 set", thrift.BinaryUnframed, []byte{0x80, 1, 1, 1}},
		{"non-strict binary", thrift.BinaryUnframed, []byte{0, 0, 0, 4, 'e', 'c', 'h', 'o', 1, 0, 0, 0, 1}},
	}
	for _, c := range cases {
		_, _, err := thrift.Decode(c.wire, c.v, 0)
		require.ErrorIs(t, err, xprotocol.ErrMalformed, c.name)
		// Refused as soon as the offending bytes are there: no longer input
		// changes the answer.
		_, _, err = thrift.Decode(append(c.wire, make([]byte, 64)...), c.v, 0)
		require.ErrorIs(t, err, xprotocol.ErrMalformed, c.name)
	}
}

// TestSessionResumesAcrossReads: a large unframed message fed in pieces to
// one session decodes to the same frame as when whole, and so does the
// message after it; a session given other bytes after ErrIncomplete walks
// them afresh.
func TestSessionResumesAcrossReads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		for range 50 {
			a := libWrite(t, v, libMsg{name: "mirror", typ: athrift.CALL, seqid: 1, body: &echo.EchoMirrorArgs{B: bundle(1+r.IntN(8), true)}})
			b := randomMessage(t, r, v, 8)
			stream := append(append([]byte(nil), a...), b...)
			s := thrift.Proto.NewSession(xprotocol.SessionOptions{})
			var got [][]byte
			buf := []byte{}
			for len(stream) > 0 {
				k := min(len(stream), 1+r.IntN(64))
				buf, stream = append(buf, stream[:k]...), stream[k:]
				for {
					f, n, err := s.Decode(buf)
					if errors.Is(err, xprotocol.ErrIncomplete) {
						break
					}
					require.NoError(t, err)
					got = append(got, wireOf(t, f.(*thrift.Frame)))
					buf = buf[n:]
				}
			}
			require.Len(t, got, 2)
			assert.Equal(t, a, got[0])
			assert.Equal(t, b, got[1])
		}

		// Misuse: after a partial a, a whole (different) b decodes as b.
		a := echoCall(t, v, 1)
		b := libWrite(t, v, libMsg{name: "echo", typ: athrift.CALL, seqid: 1, body: &echo.EchoEchoArgs{Msg: "a longer message than hello"}})
		s := thrift.Proto.NewSession(xprotocol.SessionOptions{})
		_, _, err := s.Decode(a[:len(a)-1])
		require.ErrorIs(t, err, xprotocol.ErrIncomplete)
		f, n, err := s.Decode(b)
		require.NoError(t, err)
		assert.Equal(t, len(b), n)
		assert.Equal(t, b, wireOf(t, f.(*thrift.Frame)))
	}
}

// TestEncodeRefusals: a foreign frame, or a frame of another variant than
// the connection's, is not written.
func TestEncodeRefusals(t *testing.T) {
	s := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: uint8(thrift.BinaryFramed)})
	_, err := s.Encode(nil, foreignFrame{})
	assert.ErrorIs(t, err, thrift.ErrNotThrift)
	f, _ := mustDecode(t, thrift.CompactFramed, echoCall(t, thrift.CompactFramed, 1))
	dst, err := s.Encode([]byte("keep"), f)
	assert.ErrorIs(t, err, thrift.ErrVariantMismatch)
	assert.Equal(t, "keep", string(dst))
	f.Release()

	// A session that does not know its variant adopts the first frame's.
	s = thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	f, _ = mustDecode(t, thrift.CompactUnframed, echoCall(t, thrift.CompactUnframed, 1))
	_, err = s.Encode(nil, f)
	require.NoError(t, err)
	f.Release()
	_, _, err = s.Decode(echoCall(t, thrift.BinaryUnframed, 1))
	assert.ErrorIs(t, err, xprotocol.ErrMalformed)
}

// TestBuild: built messages are what the library reads, in every variant.
func TestBuild(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		f, err := thrift.Build(thrift.Message{Variant: v, Type: thrift.TypeOneway, Name: "Echo:fire", SeqID: -3,
			Body: stringArgs(v, "payload")})
		require.NoError(t, err)
		assert.Equal(t, xprotocol.KindOneway, f.Kind())
		wire := wireOf(t, f)
		args := echo.NewEchoFireArgs()
		lib, err := libRead(v, wire, args)
		require.NoError(t, err, v)
		assert.Equal(t, "Echo:fire", lib.name)
		assert.Equal(t, athrift.ONEWAY, lib.typ)
		assert.Equal(t, int32(-3), lib.seqid)
		assert.Equal(t, "payload", args.Msg)

		// An empty body is an empty struct.
		f, err = thrift.Build(thrift.Message{Variant: v, Type: thrift.TypeCall, Name: "ping", SeqID: 1})
		require.NoError(t, err)
		_, err = libRead(v, wireOf(t, f), echo.NewEchoPingArgs())
		require.NoError(t, err)
	}
	_, err := thrift.Build(thrift.Message{Variant: 0, Type: thrift.TypeCall})
	assert.ErrorIs(t, err, xprotocol.ErrMalformed)
	_, err = thrift.Build(thrift.Message{Variant: thrift.BinaryFramed, Type: 5})
	assert.ErrorIs(t, err, xprotocol.ErrMalformed)
	assert.Equal(t, "ONEWAY", thrift.TypeOneway.String())
	assert.Equal(t, "MessageType(9)", thrift.MessageType(9).String())
}

// TestSessionResumeDoesNotRewalk shows the walk resumes rather than
// restarts: bytes already walked are changed between reads (outside what
// the resume check compares) into an unknown field type, and the message
// still completes — the package Decode, which walks from the start, refuses
// the same bytes.
func TestSessionResumeDoesNotRewalk(t *testing.T) {
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		items := make([]*echo.Item, 40)
		for i := range items {
			items[i] = &echo.Item{Name: "item", Values: []int32{1, 2, 3}}
		}
		wire := libWrite(t, v, libMsg{name: "mirror", typ: athrift.CALL, seqid: 1,
			body: &echo.EchoMirrorArgs{B: &echo.Bundle{Items: items, Text: "end"}}})
		half := len(wire) / 2
		s := thrift.Proto.NewSession(xprotocol.SessionOptions{})
		_, _, err := s.Decode(wire[:half])
		require.ErrorIs(t, err, xprotocol.ErrIncomplete)

		changed := append([]byte(nil), wire...)
		// An Item's name field header, well inside the walked half: the
		// field type byte becomes an unknown type.
		at := half / 2
		for changed[at] != fieldHeaderOfName(v) {
			at++
		}
		changed[at] = 0x07 // binary: unknown type 7; compact: DOUBLE, which reads 8 more bytes
		if v.Compact() {
			changed[at] = 0x1e // unknown compact type 14
		}
		require.Less(t, at, half-16, "outside the bytes the resume check compares")
		_, _, err = thrift.Decode(changed, v, 0)
		require.ErrorIs(t, err, xprotocol.ErrMalformed, "a walk from the start meets the change")

		f, n, err := s.Decode(changed)
		require.NoError(t, err, v)
		assert.Equal(t, len(wire), n)
		f.Release()
	}
}

// fieldHeaderOfName is the first byte of Item's field 1 (name, a string).
func fieldHeaderOfName(v thrift.Variant) byte {
	if v.Compact() {
		return 0x18
	}
	return 11
}

// TestSessionResumeCheckCatchesOtherBytes: after ErrIncomplete on one
// message, a different message with the same first 40 bytes but other
// bytes just before the point the walk had reached is walked afresh.
func TestSessionResumeCheckCatchesOtherBytes(t *testing.T) {
	hdr := callHeader(thrift.BinaryUnframed) // 13 bytes
	str := func(id byte, s string) []byte {
		b := []byte{11, 0, id, 0, 0, 0, byte(len(s))}
		return append(b, s...)
	}
	field1 := str(1, string(bytes.Repeat([]byte("x"), 20))) // bytes 13..40
	a := append(append(append([]byte(nil), hdr...), field1...), str(2, string(bytes.Repeat([]byte("y"), 30)))...)
	a = append(a, 0) // STOP at 77
	b := append(append([]byte(nil), hdr...), field1...)
	b = append(b, 8, 0, 2, 0, 0, 0, 7)                              // field 2: i32, bytes 40..47
	b = append(b, str(3, string(bytes.Repeat([]byte("z"), 27)))...) // bytes 47..81
	b = append(b, 0)

	s := thrift.Proto.NewSession(xprotocol.SessionOptions{})
	_, _, err := s.Decode(a[:77]) // walked to 77, the STOP missing
	require.ErrorIs(t, err, xprotocol.ErrIncomplete)
	f, n, err := s.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	f.Release()
}
