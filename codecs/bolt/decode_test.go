package bolt_test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
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
	Proto   byte
	Ver1    uint8
	Switch  uint8
	CRC     bool
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
	return snapshot{f.Version(), f.Ver1(), f.Switch(), f.CRCEnabled(), f.CmdType(), f.CmdCode(), f.Ver2(), f.RequestID(), f.Codec(), f.TimeoutMillis(),
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

// TestDecodeConcatenated decodes 1,000 frames, Bolt v1 and v2 (with and
// without a CRC32) interleaved, from one buffer, then the same stream
// delivered in random chunks, and expects the whole-frame decodes.
func TestDecodeConcatenated(t *testing.T) {
	cases := goldenCases()
	var stream []byte
	var want []snapshot
	versions := map[[2]bool]int{} // {v2, crc} -> frames
	for i := range 1000 {
		w := cases[i%len(cases)].wire
		w.ID = uint32(i) * 7919
		b := w.bytes()
		f := decodeWhole(t, b)
		want = append(want, snap(t, f))
		versions[[2]bool{f.Version() == 2, f.CRCEnabled()}]++
		f.Release()
		stream = append(stream, b...)
	}
	require.Len(t, versions, 3, "the stream mixes v1, v2 and v2 with CRC32: %v", versions)

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

// TestDecodeOversizeV2: a Bolt v2 header (24 or 22 bytes) is refused from
// its declared lengths alone, like v1.
func TestDecodeOversizeV2(t *testing.T) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: 16 << 20})
	for _, w := range []wire{
		{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1},
		{Proto: 2, Ver1: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1},
	} {
		b := w.bytes()
		if w.crc() {
			b = b[:len(b)-4] // only the fixed header has arrived
		}
		off := w.lensOffset() + 4
		binary.BigEndian.PutUint32(b[off:], 0x7fffffff)
		_, n, err := sess.Decode(b)
		require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
		assert.Zero(t, n)
		var fe *xprotocol.FrameError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "contentLen", fe.Field)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 100 {
			_, _, _ = sess.Decode(b)
		}
		runtime.ReadMemStats(&after)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100<<10), "bytes allocated by 100 oversize decodes")
	}
}

// TestDecodeLimitBoundaryV2CRC: the 4 CRC32 bytes count towards the frame
// size limit, and the limit is applied before they (or the body) arrive.
func TestDecodeLimitBoundaryV2CRC(t *testing.T) {
	w := wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1,
		Class: "c", Headers: []entry{{Key: "k", Value: "v"}}, Content: make([]byte, 100)}
	b := w.bytes()
	require.Equal(t, 24+1+10+100+4, len(b))

	f, n, err := bolt.Decode(b, len(b))
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	assert.Equal(t, len(b), f.Size())
	f.Release()

	// One byte short of the frame with its CRC32: refused from the fixed
	// header alone, naming the whole frame.
	for _, in := range [][]byte{b, b[:24]} {
		_, _, err = bolt.Decode(in, len(b)-1)
		var fe *xprotocol.FrameError
		require.ErrorAs(t, err, &fe)
		assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
		assert.Equal(t, "frame", fe.Field)
	}

	// Without the switch bit the same body is 4 bytes shorter and fits.
	w.Switch = 0
	b = w.bytes()
	f, _, err = bolt.Decode(b, len(b))
	require.NoError(t, err)
	f.Release()
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
		{"proto 0x03", patch(req, 0, 0x03), "proto"},
		// 02 01 00 01 01: ver1 1, type 0, then cmdcode 0x0101.
		{"v1 request relabelled v2", patch(req, 0, 0x02), "cmdcode"},
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
	runMalformed(t, tests)
}

// runMalformed decodes each input and expects an ErrMalformed FrameError
// naming the field.
func runMalformed(t *testing.T, tests []struct {
	name  string
	in    []byte
	field string
}) {
	t.Helper()
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

// TestDecodeMalformedV2: the Bolt v2 fields are checked at their own
// offsets, ver1 as soon as it arrives, and the CRC32 over the whole frame.
func TestDecodeMalformedV2(t *testing.T) {
	req := wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 100,
		Class: "c", Headers: []entry{{Key: "k", Value: "v"}}, Content: []byte("xyz")}.bytes()
	resp := wire{Proto: 2, Ver1: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1}.bytes()
	patch := func(b []byte, off int, v ...byte) []byte {
		out := append([]byte(nil), b...)
		copy(out[off:], v)
		return out
	}
	flip := func(b []byte, off int) []byte { return patch(b, off, b[off]^0x01) }
	// resealed recomputes the CRC32 so only the layout error remains.
	resealed := func(b []byte) []byte {
		out := append([]byte(nil), b...)
		binary.BigEndian.PutUint32(out[len(out)-4:], crc32.ChecksumIEEE(out[:len(out)-4]))
		return out
	}
	last := len(req) - 1
	hdrOff := 24 + 1 // the header map, after the 1-byte class

	tests := []struct {
		name  string
		in    []byte
		field string
	}{
		{"ver1 0 in a 2-byte prefix", []byte{0x02, 0x00}, "ver1"},
		{"ver1 3", patch(req, 1, 0x03), "ver1"},
		{"ver1 0xff", patch(resp, 1, 0xff), "ver1"},
		{"type 3 in a 3-byte prefix", []byte{0x02, 0x01, 0x03}, "type"},
		{"type 0x80", patch(req, 2, 0x80), "type"},
		{"cmdcode high byte in a 4-byte prefix", []byte{0x02, 0x02, 0x01, 0x01}, "cmdcode"},
		{"cmdcode 3", patch(resp, 3, 0x00, 0x03), "cmdcode"},
		{"classLen negative", patch(req, 16, 0x80, 0x00), "classLen"},
		{"headerLen negative", patch(req, 18, 0xff, 0xff), "headerLen"},
		{"contentLen negative", patch(req, 20, 0x80, 0x00, 0x00, 0x00), "contentLen"},
		{"response classLen negative", patch(resp, 14, 0xff, 0xff), "classLen"},
		{"response contentLen negative", patch(resp, 18, 0xff, 0xff, 0xff, 0xff), "contentLen"},
		{"crc32 field flipped", flip(req, last), "crc32"},
		{"content byte flipped", flip(req, last-4), "crc32"},
		{"requestId flipped", flip(req, 6), "crc32"},
		{"ver2 flipped", flip(req, 5), "crc32"},
		{"timeout flipped", flip(req, 12), "crc32"},
		{"crc32 field zeroed", patch(req, last-3, 0, 0, 0, 0), "crc32"},
		{"header map broken under a valid CRC32", resealed(patch(req, hdrOff, 0xff, 0xff, 0xff, 0xfe)), "header"},
		{"header map broken and CRC32 wrong", patch(req, hdrOff, 0xff, 0xff, 0xff, 0xfe), "crc32"},
	}
	runMalformed(t, tests)

	// Switching the CRC off (ver1 1, or the switch bit cleared) makes the
	// trailing 4 bytes the start of the next frame, not a checksum.
	for _, b := range [][]byte{patch(req, 1, 0x01), patch(req, 11, 0x00)} {
		f, n, err := bolt.Decode(b, 0)
		require.NoError(t, err)
		assert.Equal(t, len(b)-4, n)
		assert.False(t, f.CRCEnabled())
		f.Release()
	}
}

// TestDecodeGarbageNeverPanics throws random bytes (with a valid Bolt v1 or
// v2 start half the time) at Decode.
func TestDecodeGarbageNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 40000 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		switch {
		case len(b) > 4 && rng.IntN(4) == 0:
			b[0], b[1], b[2], b[3], b[4] = 0x02, byte(1+rng.IntN(2)), byte(rng.IntN(3)), 0, byte(rng.IntN(3))
			if len(b) > 11 && rng.IntN(2) == 0 {
				b[11] |= 0x01
			}
		case len(b) > 0 && rng.IntN(3) == 0:
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
