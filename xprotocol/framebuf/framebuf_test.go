package framebuf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClass pins the size classes.
func TestClass(t *testing.T) {
	tests := []struct{ n, class int }{
		{0, 0}, {1, 0}, {64, 0}, {65, 1}, {128, 1}, {129, 2},
		{16 << 20, 18}, {64 << 20, 20}, {64<<20 + 1, -1},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.class, Class(tc.n), "n=%d", tc.n)
	}
}

// TestGetPut: buffers come back with the asked length and their class's
// capacity; odd capacities are not pooled; oversized ones are one-off.
func TestGetPut(t *testing.T) {
	var p Pool
	for _, n := range []int{1, 22, 64, 65, 1000, 4096, 100000} {
		b := p.Get(n)
		require.Len(t, *b, n)
		assert.Equal(t, ClassSize(Class(n)), cap(*b))
		p.Put(b)
	}
	odd := make([]byte, 10, 100)
	assert.NotPanics(t, func() { p.Put(&odd) })
	big := p.Get(64<<20 + 1)
	assert.Len(t, *big, 64<<20+1)
	p.Put(big)
}

func TestGetPutAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	var p Pool
	p.Put(p.Get(300))
	assert.Zero(t, testing.AllocsPerRun(100, func() { p.Put(p.Get(300)) }))
}
