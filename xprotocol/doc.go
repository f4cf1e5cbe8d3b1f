// Package xprotocol is the contract every wire protocol implements to be
// carried by Xgate: detection (Match), framing (Session.Decode and
// Session.Encode), a protocol-agnostic Frame view with generic routing keys,
// the pool mode, heartbeats and protocol-correct error replies.
//
// The proxy engine only ever sees these types; it never names a concrete
// protocol. A codec lives in its own package under codecs/ and registers
// itself with Register.
//
// Ownership: a Frame returned by Session.Decode owns its bytes (they are
// copied out of the caller's read buffer into pooled memory), so it may
// outlive the read callback. Call Release exactly once when done with it.
package xprotocol
