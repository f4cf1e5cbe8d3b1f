package transport

// PauseReading tells the connection its handler takes no input until
// ResumeReading: bytes that arrive meanwhile are kept (bounded by
// InboundLimit) without being offered to OnData on every read, which for
// a gnet connection would copy the whole backlog each time. TLS
// connections keep offering them (their reader is bounded anyway).
func (c *Conn) PauseReading() { c.readHeld = true }
