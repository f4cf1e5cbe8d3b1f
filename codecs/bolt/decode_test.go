package bolt_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

// snapshot is everything observable about a frame, for comparing decodes.
type snapshot struct {
	Type    bolt.CmdType
	Code    bolt.CmdCode
	Ver2    uint8
	ID      uint32
	Codec   bolt.Codec
	Timeout int32
	Status  bolt.RespStatus
	Class   string
	Headers [][2]string
	Content string
	Wire    string
}

func snap(t *testing.T, f *bolt.Frame) snapshot {
	t.Helper()
	return snapshot{f.CmdType(), f.CmdCode(), f.Ver2(), f.RequestID(), f.Codec(), f.TimeoutMillis(),
		f.RespStatus(), string(f.ClassName()), headersOf(f), string(f.Content()), string(encode(t, f))}
}

// TestDecodeEveryPrefixIsIncomplete: each strict prefix of a valid frame is
// ErrIncomplete with n == 0, never an error.
func TestDecodeEveryPrefixIsIncomplete(t *testing.T) {
	for _, c := range goldenCases() {
		b := c.wire.bytes()
		for i := 0; i < len(b); i++ {
			f, n, err := bolt.Decode(b[:i], 0)
			require.ErrorIs(t, err, xprotocol.ErrIncomplete, "%s: prefix of %d bytes", c.name, i)
			require.Nil(t, f)
			require.Zero(t, n)
		}
	}
}

// TestDecodeByteByByte feeds each frame one byte at a time, as a transport
// with tiny reads would, and expects the same frame as a whole decode.
func TestDecodeByteByByte(t *testing.T) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	for _, c := range goldenCases() {
		b := c.wire.bytes()
		whole := decodeWhole(t, b)
		want := snap(t, whole)
		whole.Release()

		var buf []byte
		var got xprotocol.Frame
		for i := range b {
			buf = append(buf, b[i])
			f, n, err := sess.Decode(buf)
			if i < len(b)-1 {
				require.ErrorIs(t, err, xprotocol.ErrIncomplete, "%s: after %d bytes", c.name, i+1)
				require.Nil(t, f)
				continue
			}
			require.NoError(t, err, c.name)
			require.Equal(t, len(b), n)
			got = f
		}
		assert.Equal(t, want, snap(t, got.(*bolt.Frame)), c.name)
		got.Release()
	}
}

// TestDecodeConcatenated decodes 1,000 frames from one buffer, then the same
// stream delivered in random chunks, and expects the whole-frame decodes.
func TestDecodeConcatenated(t *testing.T) {
	cases := goldenCases()
	var stream []byte
	var want []snapshot
	for i := range 1000 {
		w := cases[i%len(cases)].wire
		w.ID = uint32(i) * 7919
		b := w.bytes()
		f := decodeWhole(t, b)
		want = append(want, snap(t, f))
		f.Release()
		stream = append(stream, b...)
	}

	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
	rest := stream
	for i := range want {
		f, n, err := sess.Decode(rest)
		require.NoError(t, err, "frame %d", i)
		require.Equal(t, want[i], snap(t, f.(*bolt.Frame)), "frame %d", i)
		f.Release()
		rest = rest[n:]
	}
	assert.Empty(t, rest)

	// The same stream in random read sizes, decoding whatever has arrived.
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	got := 0
	for off := 0; off < len(stream); {
		k := min(1+rng.IntN(300), len(stream)-off)
		buf = append(buf, stream[off:off+k]...)
		off += k
		for {
			f, n, err := sess.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			require.NoError(t, err)
			require.Equal(t, want[got], snap(t, f.(*bolt.Frame)), "chunked frame %d", got)
			f.Release()
			got++
			buf = buf[n:]
		}
	}
	assert.Equal(t, len(want), got)
	assert.Empty(t, buf)
}

// oversizeHeader is a 22-byte request header whose contentLen claims 2 GiB-1.
func oversizeHeader() []byte {
	b := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1}.bytes()
	binary.BigEndian.PutUint32(b[18:22], 0x7fffffff)
	return b
}

// TestDecodeOversize: the declared frame length is checked against the limit
// from the fixed header alone, before any body byte arrives, and nothing in
// proportion to the declared length is allocated.
func TestDecodeOversize(t *testing.T) {
	hdr := oversizeHeader()
	require.Len(t, hdr, 22)
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: 16 << 20})

	_, n, err := sess.Decode(hdr)
	require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
	assert.Zero(t, n)
	var fe *xprotocol.FrameError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "bolt", fe.Protocol)
	assert.Equal(t, "contentLen", fe.Field)
	assert.Equal(t, "too_large", xprotocol.ErrorKind(err))

	// Allocations: only the error value, never the claimed 2 GiB.
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = sess.Decode(hdr) })
	assert.LessOrEqual(t, allocs, 8.0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		_, _, _ = sess.Decode(hdr)
	}
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100<<10), "bytes allocated by 100 oversize decodes")

	// A response header (20 bytes) is caught the same way.
	resp := wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1}.bytes()
	binary.BigEndian.PutUint32(resp[16:20], 1<<30)
	_, _, err = sess.Decode(resp)
	require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
}

// TestDecodeLimitBoundary: a frame exactly at the limit decodes; one byte
// over is refused, naming the field at fault.
func TestDecodeLimitBoundary(t *testing.T) {
	w := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Class: "c", Headers: []entry{{Key: "k", Value: "v"}}, Content: make([]byte, 100)}
	b := w.bytes()

	f, n, err := bolt.Decode(b, len(b))
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	f.Release()

	_, _, err = bolt.Decode(b, len(b)-1)
	var fe *xprotocol.FrameError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
	assert.Equal(t, "frame", fe.Field)

	_, _, err = bolt.Decode(b, 50)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "contentLen", fe.Field)

	// With the default limit, 16 MiB + 1 of content is refused from the header.
	big := wire{Type: 1, CmdCode: 1, Ver2: 1}.bytes()
	binary.BigEndian.PutUint32(big[18:], xprotocol.DefaultMaxFrameSize+1)
	_, _, err = bolt.Decode(big, 0)
	require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
}

// TestDecodeMalformed: broken layout rules give an ErrMalformed FrameError
// naming the field, as soon as the offending bytes are present.
func TestDecodeMalformed(t *testing.T) {
	req := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Class: "c", Content: []byte("x")}.bytes()
	resp := wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1}.bytes()
	patch := func(b []byte, off int, v ...byte) []byte {
		out := append([]byte(nil), b...)
		copy(out[off:], v)
		return out
	}
	// withHeader builds a request whose header field is raw.
	withHeader := func(raw []byte) []byte {
		b := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1}.bytes()
		binary.BigEndian.PutUint16(b[16:], uint16(len(raw)))
		return append(b, raw...)
	}
	u32 := func(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}

	tests := []struct {
		name  string
		in    []byte
		field string
	}{
		{"proto 0x00", []byte{0x00}, "proto"},
		{"proto 0x02 (v2, not yet)", patch(req, 0, 0x02), "proto"},
		{"proto 0xff", []byte{0xff, 0x01}, "proto"},
		{"proto ascii GET", []byte("GET / HTTP/1.1\r\n"), "proto"},
		{"type 3 in a 2-byte prefix", []byte{0x01, 0x03}, "type"},
		{"type 0xff", patch(req, 1, 0xff), "type"},
		{"cmdcode high byte in a 3-byte prefix", []byte{0x01, 0x01, 0x01}, "cmdcode"},
		{"cmdcode 3", patch(req, 2, 0x00, 0x03), "cmdcode"},
		{"cmdcode 0xffff", patch(resp, 2, 0xff, 0xff), "cmdcode"},
		{"classLen negative", patch(req, 14, 0x80, 0x00), "classLen"},
		{"headerLen negative", patch(req, 16, 0xff, 0xfe), "headerLen"},
		{"contentLen negative", patch(req, 18, 0x80, 0x00, 0x00, 0x00), "contentLen"},
		{"response classLen negative", patch(resp, 12, 0xff, 0xff), "classLen"},
		{"response contentLen -1", patch(resp, 16, 0xff, 0xff, 0xff, 0xff), "contentLen"},
		{"header truncated key length", withHeader([]byte{0, 0, 1}), "header"},
		{"header key length -2", withHeader(cat(u32(-2), u32(0))), "header"},
		{"header key overruns", withHeader(cat(u32(10), []byte("abc"))), "header"},
		{"header key without value", withHeader(cat(u32(1), []byte("k"))), "header"},
		{"header value truncated length", withHeader(cat(u32(1), []byte("k"), []byte{0, 0})), "header"},
		{"header value length -5", withHeader(cat(u32(1), []byte("k"), u32(-5))), "header"},
		{"header value overruns", withHeader(cat(u32(1), []byte("k"), u32(2), []byte("v"))), "header"},
		{"header min int32 key", withHeader(cat(u32(-1<<31), u32(0))), "header"},
		{"header second entry bad", withHeader(cat(u32(1), []byte("k"), u32(1), []byte("v"), u32(0x7fffffff))), "header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f *bolt.Frame
			var err error
			require.NotPanics(t, func() { f, _, err = bolt.Decode(tc.in, 0) })
			require.Nil(t, f)
			require.ErrorIs(t, err, xprotocol.ErrMalformed)
			var fe *xprotocol.FrameError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "bolt", fe.Protocol)
			assert.Equal(t, tc.field, fe.Field)
			assert.NotEmpty(t, fe.Reason)
			assert.Equal(t, "malformed", xprotocol.ErrorKind(err))
		})
	}
}

// TestDecodeGarbageNeverPanics throws random bytes (with a valid first byte
// half the time) at Decode.
func TestDecodeGarbageNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[0] = 0x01
			if len(b) > 3 {
				b[1], b[2], b[3] = byte(rng.IntN(3)), 0, byte(rng.IntN(3))
			}
		}
		require.NotPanics(t, func() {
			f, n, err := bolt.Decode(b, 1<<10)
			if err == nil {
				assert.LessOrEqual(t, n, len(b))
				f.Release()
			}
		})
	}
}
