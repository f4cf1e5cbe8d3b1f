package bolt_test

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

// TestSetStreamIDPatchesInPlace: SetStreamID rewrites only the requestId
// bytes (and, in a frame with one, the CRC32 that covers them), Encode still
// writes the original bytes otherwise, and neither allocates.
func TestSetStreamIDPatchesInPlace(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			orig := c.wire.bytes()
			f := decodeWhole(t, orig)
			defer f.Release()
			content := f.Content()

			f.SetStreamID(0xdeadbeef)
			assert.Equal(t, uint64(0xdeadbeef), f.StreamID())
			assert.Equal(t, uint32(0xdeadbeef), f.RequestID())

			want := c.wire
			want.ID = 0xdeadbeef
			got := encode(t, f)
			assert.Equal(t, want.bytes(), got)
			// Only requestId (bytes 5..8 in v1, 6..9 in v2) and the CRC32
			// differ from the original.
			id, end := c.wire.idOffset(), len(orig)
			if c.wire.crc() {
				end -= 4
				assert.Equal(t, crc32.ChecksumIEEE(got[:end]), binary.BigEndian.Uint32(got[end:]), "CRC32 recomputed")
				assert.NotEqual(t, orig[end:], got[end:], "CRC32 changed with the id")
			}
			assert.Equal(t, orig[:id], got[:id])
			assert.Equal(t, orig[id+4:end], got[id+4:end])
			assert.Equal(t, uint32(0xdeadbeef), binary.BigEndian.Uint32(got[id:id+4]))
			// The body slice taken before the patch is the same memory.
			assert.Equal(t, string(c.wire.Content), string(content))

			// The id field is 32 bits: higher bits are dropped.
			f.SetStreamID(1<<32 | 7)
			assert.Equal(t, uint32(7), f.RequestID())
		})
	}
}

// TestForwardedCRCFrameValidates is the proxy's path for a Bolt v2 frame
// with a CRC32: decode, renumber, encode, and the peer's decode (which checks
// the CRC32) accepts it; renumbering back restores the original bytes.
func TestForwardedCRCFrameValidates(t *testing.T) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
	for _, w := range []wire{
		{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 7, Codec: 1, Timeout: 3000,
			Class: sofaRequestClass, Headers: rpcHeaders, Content: make([]byte, 300)},
		{Proto: 2, Ver1: 2, Switch: 0x03, Type: 0, CmdCode: 2, Ver2: 1, ID: 7, Codec: 11, Content: []byte("resp")},
		{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 0, Ver2: 1, ID: 7, Codec: 1},
	} {
		orig := w.bytes()
		f := decodeWhole(t, orig)
		require.True(t, f.CRCEnabled())
		var fwd []byte
		for _, id := range []uint64{1, 0xffffffff, 123456789} {
			f.SetStreamID(id)
			out, err := sess.Encode(fwd[:0], f)
			require.NoError(t, err)
			fwd = out

			// The upstream's decoder checks the CRC32.
			g, n, err := sess.Decode(fwd)
			require.NoError(t, err, "forwarded frame with id %d", id)
			assert.Equal(t, len(fwd), n)
			assert.Equal(t, id, g.StreamID())
			g.Release()

			// And so does the independent writer's view of the same frame.
			want := w
			want.ID = uint32(id)
			assert.Equal(t, want.bytes(), fwd)
		}
		f.SetStreamID(7)
		assert.Equal(t, orig, encode(t, f), "restoring the id restores the CRC32")
		f.Release()
	}
}

// TestEncodeUntouchedIsOriginal: decoding then encoding returns the input
// bytes, appended after whatever dst already holds.
func TestEncodeUntouchedIsOriginal(t *testing.T) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
	for _, c := range goldenCases() {
		b := c.wire.bytes()
		f := decodeWhole(t, b)
		out, err := sess.Encode([]byte("prefix"), f)
		require.NoError(t, err)
		assert.Equal(t, append([]byte("prefix"), b...), out, c.name)
		f.Release()
	}
}

// TestHeaderSetDel re-serializes after header changes and checks the result
// against the independent writer and a second decode.
func TestHeaderSetDel(t *testing.T) {
	base := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 11, Codec: 1, Timeout: 500,
		Class: sofaRequestClass, Content: []byte("payload"),
		Headers: []entry{
			{Key: "service", Value: "a.B:1.0"},
			{Key: "sofa_head_method_name", Value: "m"},
			{Key: "trace", NullValue: true},
			{Key: "dup", Value: "1"},
			{Key: "dup", Value: "2"},
		}}
	tests := []struct {
		name string
		edit func(h xprotocol.Header)
		want []entry
	}{
		{"set existing", func(h xprotocol.Header) { h.Set("service", "c.D:2.0") }, []entry{
			{Key: "service", Value: "c.D:2.0"}, {Key: "sofa_head_method_name", Value: "m"},
			{Key: "trace", NullValue: true}, {Key: "dup", Value: "1"}, {Key: "dup", Value: "2"}}},
		{"set new", func(h xprotocol.Header) { h.Set("x-new", "") }, []entry{
			{Key: "service", Value: "a.B:1.0"}, {Key: "sofa_head_method_name", Value: "m"},
			{Key: "trace", NullValue: true}, {Key: "dup", Value: "1"}, {Key: "dup", Value: "2"},
			{Key: "x-new", Value: ""}}},
		{"set duplicate collapses", func(h xprotocol.Header) { h.Set("dup", "3") }, []entry{
			{Key: "service", Value: "a.B:1.0"}, {Key: "sofa_head_method_name", Value: "m"},
			{Key: "trace", NullValue: true}, {Key: "dup", Value: "3"}}},
		{"del", func(h xprotocol.Header) { h.Del("sofa_head_method_name") }, []entry{
			{Key: "service", Value: "a.B:1.0"}, {Key: "trace", NullValue: true},
			{Key: "dup", Value: "1"}, {Key: "dup", Value: "2"}}},
		{"del duplicates", func(h xprotocol.Header) { h.Del("dup") }, []entry{
			{Key: "service", Value: "a.B:1.0"}, {Key: "sofa_head_method_name", Value: "m"},
			{Key: "trace", NullValue: true}}},
		{"del missing", func(h xprotocol.Header) { h.Del("nope") }, base.Headers},
		{"del all", func(h xprotocol.Header) {
			for _, k := range []string{"service", "sofa_head_method_name", "trace", "dup"} {
				h.Del(k)
			}
		}, nil},
		{"several edits", func(h xprotocol.Header) {
			h.Set("service", "s2")
			h.Del("trace")
			h.Set("new", "v")
			h.Set("service", "s3")
			h.Del("dup")
		}, []entry{{Key: "service", Value: "s3"}, {Key: "sofa_head_method_name", Value: "m"}, {Key: "new", Value: "v"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := decodeWhole(t, base.bytes())
			defer f.Release()
			tc.edit(f.Header())
			want := base
			want.Headers = tc.want
			wantBytes := want.bytes()

			assert.Equal(t, want.pairs(), headersOf(f), "view after edit")
			assert.Equal(t, len(wantBytes), f.Size())
			got := encode(t, f)
			assert.Equal(t, wantBytes, got, "re-serialized frame")

			again := decodeWhole(t, got)
			defer again.Release()
			assertFrame(t, want, again)

			// Renumbering a changed frame works too.
			f.SetStreamID(99)
			want.ID = 99
			assert.Equal(t, want.bytes(), encode(t, f))
		})
	}
}

// TestHeaderSetDelV2CRC: a header edit on a Bolt v2 frame with a CRC32
// re-serializes it with a new CRC32 (and one without keeps having none).
func TestHeaderSetDelV2CRC(t *testing.T) {
	for _, base := range []wire{
		{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 11, Codec: 1, Timeout: 500,
			Class: sofaRequestClass, Content: []byte("payload"),
			Headers: []entry{{Key: "service", Value: "a.B:1.0"}, {Key: "trace", NullValue: true}}},
		{Proto: 2, Ver1: 1, Switch: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 11, Codec: 1,
			Headers: []entry{{Key: "service", Value: "a.B:1.0"}, {Key: "trace", NullValue: true}}},
	} {
		f := decodeWhole(t, base.bytes())
		f.Header().Set("service", "c.D:2.0")
		f.Header().Del("trace")
		f.Header().Set("x-new", "1")
		want := base
		want.Headers = []entry{{Key: "service", Value: "c.D:2.0"}, {Key: "x-new", Value: "1"}}
		wantBytes := want.bytes()
		assert.Equal(t, len(wantBytes), f.Size())
		got := encode(t, f)
		assert.Equal(t, wantBytes, got)

		again := decodeWhole(t, got) // checks the new CRC32
		assertFrame(t, want, again)
		again.Release()

		// Renumbering an edited frame: the CRC32 follows too.
		f.SetStreamID(99)
		want.ID = 99
		assert.Equal(t, want.bytes(), encode(t, f))
		f.Release()
	}
}

// TestHeaderEditKeepsEarlierValues: a value returned by Get before a Set
// stays intact (the header contract: valid until Release).
func TestHeaderEditKeepsEarlierValues(t *testing.T) {
	f := bolt.NewRequest(1, "c", [][2]string{{"service", "old"}, {"k", "v"}}, nil, 0)
	defer f.Release()
	h := f.Header()
	old, ok := h.Get("service")
	require.True(t, ok)
	for i := range 50 {
		h.Set("service", strings.Repeat("n", i))
		h.Set("k", strings.Repeat("w", 100))
	}
	assert.Equal(t, "old", string(old))
	v, _ := h.Get("service")
	assert.Equal(t, strings.Repeat("n", 49), string(v))
	assert.Equal(t, strings.Repeat("n", 49), string(f.Key(xprotocol.KeyService)))
}

// TestHeaderEditTooLarge: a header map grown past the int16 headerLen cannot
// be encoded, and says so.
func TestHeaderEditTooLarge(t *testing.T) {
	f := bolt.NewRequest(1, "c", nil, nil, 0)
	defer f.Release()
	f.Header().Set("big", strings.Repeat("x", 40000))
	_, err := bolt.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, f)
	require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
	var fe *xprotocol.FrameError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "headerLen", fe.Field)
}

// TestHeaderRangeStops: Range stops when fn returns false.
func TestHeaderRangeStops(t *testing.T) {
	f := bolt.NewRequest(1, "", [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}}, nil, 0)
	defer f.Release()
	var seen []string
	f.Header().Range(func(k, _ []byte) bool {
		seen = append(seen, string(k))
		return len(seen) < 2
	})
	assert.Equal(t, []string{"a", "b"}, seen)
}

// TestKeyFallback: KeyService prefers "service", falls back to
// "sofa_head_target_service" when it is absent or empty.
func TestKeyFallback(t *testing.T) {
	tests := []struct {
		headers [][2]string
		service string
	}{
		{[][2]string{{"service", "s"}, {"sofa_head_target_service", "t"}}, "s"},
		{[][2]string{{"sofa_head_target_service", "t"}}, "t"},
		{[][2]string{{"service", ""}, {"sofa_head_target_service", "t"}}, "t"},
		{nil, ""},
	}
	for _, tc := range tests {
		f := bolt.NewRequest(1, "", tc.headers, nil, 0)
		got := f.Key(xprotocol.KeyService)
		if tc.service == "" {
			assert.Nil(t, got)
		} else {
			assert.Equal(t, tc.service, string(got))
		}
		assert.Nil(t, f.Key(xprotocol.KeyMethod))
		f.Release()
	}
}

// TestTimeoutField covers the duration <-> int32 ms conversion both ways.
func TestTimeoutField(t *testing.T) {
	tests := []struct {
		in     time.Duration
		millis int32
		out    time.Duration
	}{
		{0, 0, 0},
		{3 * time.Second, 3000, 3 * time.Second},
		{2500 * time.Microsecond, 2, 2 * time.Millisecond},
		{500 * time.Microsecond, 1, time.Millisecond},
		{-time.Second, -1000, 0},
		{1 << 62, 1<<31 - 1, (1<<31 - 1) * time.Millisecond},
		{-1 << 62, -1 << 31, 0},
	}
	for _, tc := range tests {
		f := bolt.NewRequest(1, "", nil, nil, tc.in)
		assert.Equal(t, tc.millis, f.TimeoutMillis(), "%v", tc.in)
		assert.Equal(t, tc.out, f.Timeout(), "%v", tc.in)
		f.Release()
	}
}

// TestReleaseTwiceIsHarmless: a second Release before reuse is ignored.
func TestReleaseTwiceIsHarmless(t *testing.T) {
	f := bolt.NewHeartbeat(1)
	f.Release()
	assert.NotPanics(t, f.Release)
}
