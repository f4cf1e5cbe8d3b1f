package bolt

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetStreamIDSameBuffer: SetStreamID writes into the frame's own pooled
// bytes; the buffer is neither replaced nor re-encoded.
func TestSetStreamIDSameBuffer(t *testing.T) {
	f := NewRequest(1, "cls", [][2]string{{"service", "s"}}, []byte("body"), 0)
	defer f.Release()
	before := unsafe.SliceData(*f.bufp)
	snapshot := append([]byte(nil), *f.bufp...)

	f.SetStreamID(0x01020304)

	assert.Equal(t, before, unsafe.SliceData(*f.bufp), "same backing array")
	assert.False(t, f.dirty)
	assert.Equal(t, uint32(0x01020304), binary.BigEndian.Uint32((*f.bufp)[layoutV1.idOff:]))
	want := append([]byte(nil), snapshot...)
	binary.BigEndian.PutUint32(want[5:], 0x01020304)
	assert.Equal(t, want, *f.bufp)
}

// TestBufClass pins the size classes of the byte pool.
func TestBufClass(t *testing.T) {
	tests := []struct{ n, class int }{
		{0, 0}, {1, 0}, {64, 0}, {65, 1}, {128, 1}, {129, 2},
		{16 << 20, 18}, {64 << 20, 20}, {64<<20 + 1, -1},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.class, bufClass(tc.n), "n=%d", tc.n)
	}
}

// TestGetPutBuf: buffers come back with the asked length and their class's
// capacity; odd capacities are not pooled.
func TestGetPutBuf(t *testing.T) {
	for _, n := range []int{1, 22, 64, 65, 1000, 4096, 100000} {
		p := getBuf(n)
		require.Len(t, *p, n)
		assert.Equal(t, 1<<(bufClass(n)+minBufShift), cap(*p))
		putBuf(p)
	}
	odd := make([]byte, 10, 100)
	assert.NotPanics(t, func() { putBuf(&odd) })
}

// TestReleaseResetsFrame: a released frame keeps only its edit buffer.
func TestReleaseResetsFrame(t *testing.T) {
	f := NewRequest(1, "c", [][2]string{{"a", "b"}}, []byte("x"), 0)
	f.Header().Set("a", "c")
	f.Release()
	assert.Nil(t, f.bufp)
	assert.Nil(t, f.header)
	assert.False(t, f.dirty)
	assert.Zero(t, len(f.edit))
}
