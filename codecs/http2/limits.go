package http2

import "time"

// Defaults and limits (see doc.go).
const (
	// DefaultMaxStreams is SETTINGS_MAX_CONCURRENT_STREAMS when
	// SessionOptions.MaxStreams is 0.
	DefaultMaxStreams = 1024
	// DefaultMaxHeaderBytes bounds a decoded header list (RFC 7541 size:
	// name + value + 32 per field) when SessionOptions.MaxHeaderBytes is 0.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxHeaderCount bounds the regular (non-pseudo) fields of a
	// header list when SessionOptions.MaxHeaderCount is 0; a request with
	// more gets 431, like one over the byte limit.
	DefaultMaxHeaderCount = 100
	// Window is the receive window this codec advertises, per stream
	// (SETTINGS_INITIAL_WINDOW_SIZE) and for the connection.
	Window = 1 << 20
	// recvMaxFrame is our SETTINGS_MAX_FRAME_SIZE (the protocol default).
	recvMaxFrame = minMaxFrameSize
	// headerTableSize is our SETTINGS_HEADER_TABLE_SIZE (the default): the
	// peer's encoder may not grow our decoder's table beyond it.
	headerTableSize = 4096
	// blockSlack is how far a compressed header block may exceed the
	// header-list limit before the connection is closed.
	blockSlack = 16 << 10
	// maxContinuations bounds the CONTINUATION frames of one header block.
	maxContinuations = 128
	// maxQueuedControl bounds the control frames (SETTINGS and PING
	// acknowledgements, RST_STREAM, WINDOW_UPDATE) queued between two
	// AppendPending calls; beyond it the peer is flooding us.
	maxQueuedControl = 10000
	// rapidResetLimit is how many streams the peer may reset before they
	// were answered within rapidResetWindow.
	rapidResetLimit = 200
	// rapidResetWindow is the rapid-reset accounting period.
	rapidResetWindow = time.Second
	// recentClosedLen is how many closed stream ids a session remembers to
	// tell a frame on a closed stream (STREAM_CLOSED) from one on a stream
	// that was never opened (PROTOCOL_ERROR).
	recentClosedLen = 64
)
