// Package framebuf holds the byte buffers decoded frames own: power-of-two
// size classes pooled with sync.Pool, so a released buffer fits any later
// frame of its class and getting or putting one allocates nothing. Each
// codec keeps its own Pool, so one protocol's traffic does not evict
// another's buffers.
package framebuf

import (
	"math/bits"
	"sync"
)

// Size classes run from 64 B to 64 MiB; a larger frame gets a one-off
// allocation that is left to the garbage collector.
const (
	minShift = 6
	maxShift = 26
)

// Classes is the number of pooled size classes.
const Classes = maxShift - minShift + 1

// Pool is a set of size-classed buffer pools. The zero value is ready to use.
// Buffers travel as *[]byte: the pointer moves with the frame, so putting
// it back allocates nothing.
type Pool struct {
	classes [Classes]sync.Pool
}

// Class returns the size class that holds n bytes, or -1 if n is beyond the
// largest pooled class.
func Class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minShift
	if c >= Classes {
		return -1
	}
	return c
}

// ClassSize returns the capacity of the buffers of class c.
func ClassSize(c int) int { return 1 << (c + minShift) }

// Get returns a buffer of length n with its class's capacity.
func (p *Pool) Get(n int) *[]byte {
	c := Class(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, _ := p.classes[c].Get().(*[]byte); b != nil {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, ClassSize(c))
	return &b
}

// Put returns b to its size class; buffers of any other capacity (one-off
// or foreign) are left to the garbage collector.
func (p *Pool) Put(b *[]byte) {
	n := cap(*b)
	c := Class(n)
	if c < 0 || n != ClassSize(c) {
		return
	}
	*b = (*b)[:0]
	p.classes[c].Put(b)
}
