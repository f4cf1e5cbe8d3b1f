package http2

import (
	"sync"

	"github.com/xgate/xgate/xprotocol/framebuf"
)

// bufs holds the bytes this codec's frames own (see framebuf).
var bufs framebuf.Pool

// framePool recycles Frame structs; Release resets a frame before putting it.
var framePool = sync.Pool{New: func() any { return new(Frame) }}

// maxRetainedFields bounds the field index a pooled frame keeps.
const maxRetainedFields = 256
