package http1

import (
	"sync"

	"github.com/xgate/xgate/xprotocol/framebuf"
)

// bufs holds the bytes this codec's frames own (see framebuf).
var bufs framebuf.Pool

// framePool recycles Frame structs with the storage they grew (field
// overflow, edit and lower-case name buffers).
var framePool = sync.Pool{New: func() any { return new(Frame) }}

// maxRetained bounds the edit and lower-case buffers a pooled frame keeps.
const maxRetained = 16 << 10

// getFrame returns a frame from the pool, with no bytes yet.
func getFrame() *Frame { return framePool.Get().(*Frame) }

// own points f at a pooled buffer of n bytes and returns the buffer.
func (f *Frame) own(n int) []byte {
	f.bufp = bufs.Get(n)
	return *f.bufp
}
