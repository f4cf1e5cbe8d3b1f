package thrift

import (
	"math/bits"
	"sync"
)

// Frame bytes live in power-of-two size classes so a released buffer fits
// any later frame of its class. Buffers are pooled as *[]byte: the pointer
// travels with the frame, so putting it back allocates nothing. (The same
// scheme as codecs/bolt; a shared package would serve both.)
const (
	minBufShift = 6  // 64 B: small calls and replies
	maxBufShift = 26 // 64 MiB; larger frames get a one-off allocation
)

var bufPools [maxBufShift - minBufShift + 1]sync.Pool

// bufClass returns the size class that holds n bytes, or -1 if n is beyond
// the largest pooled class.
func bufClass(n int) int {
	if n <= 1<<minBufShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minBufShift
	if c >= len(bufPools) {
		return -1
	}
	return c
}

// getBuf returns a buffer of length n from its size class.
func getBuf(n int) *[]byte {
	c := bufClass(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if p, _ := bufPools[c].Get().(*[]byte); p != nil {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n, 1<<(c+minBufShift))
	return &b
}

// putBuf returns p to its size class; one-off buffers are left to the GC.
func putBuf(p *[]byte) {
	n := cap(*p)
	c := bufClass(n)
	if c < 0 || n != 1<<(c+minBufShift) {
		return
	}
	*p = (*p)[:0]
	bufPools[c].Put(p)
}

// framePool recycles Frame structs; Release resets a frame before putting it.
var framePool = sync.Pool{New: func() any { return new(Frame) }}

// maxRetired bounds the retired-buffer list a pooled frame keeps for reuse.
const maxRetired = 8
