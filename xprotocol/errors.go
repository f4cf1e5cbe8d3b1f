package xprotocol

import (
	"errors"
	"fmt"
)

// ErrIncomplete is returned by Session.Decode when the input holds only part
// of a frame. It is not a failure: the caller reads more and tries again.
var ErrIncomplete = errors.New("xprotocol: incomplete frame")

// ErrFrameTooLarge is wrapped by the FrameError a codec returns when a length
// field exceeds the configured maximum frame size.
var ErrFrameTooLarge = errors.New("frame too large")

// ErrMalformed is wrapped by the FrameError a codec returns when a frame
// breaks the protocol's layout rules.
var ErrMalformed = errors.New("malformed frame")

// ErrConnectionFull is wrapped by the error Session.Encode returns when a
// request head cannot open a new stream on its connection: the peer's limit
// of concurrent streams is reached, the stream ids are used up, or the peer
// is going away (HTTP/2). Nothing was written; the engine sends the request
// on another connection.
var ErrConnectionFull = errors.New("connection cannot open another stream")

// FrameError says which field of which protocol's frame broke which rule.
// It unwraps to ErrFrameTooLarge or ErrMalformed.
type FrameError struct {
	Protocol string // registered protocol name
	Field    string // wire field, e.g. "contentLen"
	Reason   string // the rule broken, in words
	Err      error  // ErrFrameTooLarge or ErrMalformed
}

// Error implements error.
func (e *FrameError) Error() string {
	return fmt.Sprintf("%s: %s: %s: %s", e.Protocol, e.Err, e.Field, e.Reason)
}

// Unwrap returns the error class (ErrFrameTooLarge or ErrMalformed).
func (e *FrameError) Unwrap() error { return e.Err }

// Malformed builds a FrameError of class ErrMalformed.
func Malformed(protocol, field, reason string) *FrameError {
	return &FrameError{Protocol: protocol, Field: field, Reason: reason, Err: ErrMalformed}
}

// TooLarge builds a FrameError of class ErrFrameTooLarge.
func TooLarge(protocol, field string, size, max int) *FrameError {
	return &FrameError{Protocol: protocol, Field: field,
		Reason: fmt.Sprintf("%d bytes exceeds the limit of %d", size, max), Err: ErrFrameTooLarge}
}

// ErrorKind names the class of a decode error for counters: "too_large",
// "malformed" or "other".
func ErrorKind(err error) string {
	switch {
	case errors.Is(err, ErrFrameTooLarge):
		return "too_large"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	}
	return "other"
}
