package http1

// Defaults for Limits: what a Limits field of zero (or less) means.
const (
	DefaultMaxHeaderBytes      = 64 << 10
	DefaultMaxHeaders          = 100
	DefaultMaxRequestLineBytes = 8 << 10
	DefaultMaxChunkLineBytes   = 4 << 10
	DefaultMaxChunkSize        = 1 << 40
)

// Limits bound what a parser will read before refusing a message. A zero
// field takes its default, so Limits{} is safe.
type Limits struct {
	// MaxHeaderBytes bounds the whole head: start-line, field lines and the
	// blank line (default 64 KiB). Beyond it: 431. It also bounds a chunked
	// body's trailer section.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines (default 100). Beyond it:
	// 431. It also bounds the trailer field lines.
	MaxHeaders int
	// MaxRequestLineBytes bounds the request-line or status-line, CRLF
	// included (default 8 KiB). Beyond it: 414 for a request.
	MaxRequestLineBytes int
	// MaxChunkLineBytes bounds a chunk-size line, extensions and CRLF
	// included (default 4 KiB).
	MaxChunkLineBytes int
	// MaxChunkSize bounds the size one chunk may declare (default 1 TiB). It
	// is a sanity bound, not a body limit: the decoder never allocates for a
	// chunk, but a peer claiming 2^62 bytes is lying or attacking.
	MaxChunkSize int64
}

// withDefaults returns l with every unset field at its default.
func (l Limits) withDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxRequestLineBytes <= 0 {
		l.MaxRequestLineBytes = DefaultMaxRequestLineBytes
	}
	if l.MaxRequestLineBytes > l.MaxHeaderBytes {
		l.MaxRequestLineBytes = l.MaxHeaderBytes
	}
	if l.MaxChunkLineBytes <= 0 {
		l.MaxChunkLineBytes = DefaultMaxChunkLineBytes
	}
	if l.MaxChunkSize <= 0 {
		l.MaxChunkSize = DefaultMaxChunkSize
	}
	return l
}
