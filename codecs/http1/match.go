package http1

import "github.com/xgate/xgate/xprotocol"

// matchMethods are the methods Match recognises (RFC 9110 §9 and PATCH,
// RFC 5789).
var matchMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// Match claims a connection whose first bytes are one of the methods
// GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE or PATCH followed
// by a space. It answers MatchNeedMore while the prefix is a prefix of one
// of them, so its answer never changes with more bytes, and looks at most
// at 8 bytes. Other method tokens are served on listeners named "http1"
// but not detected: a known method keeps detection disjoint from the
// binary protocols (whose first bytes are not ASCII letters) and from the
// HTTP/2 preface "PRI * HTTP/2.0", which no method here starts.
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	if len(prefix) == 0 {
		return xprotocol.MatchNeedMore
	}
	more := false
	for _, m := range matchMethods {
		if !methodPrefix(prefix, m) {
			continue
		}
		if len(prefix) > len(m) {
			return xprotocol.MatchYes
		}
		more = true
	}
	if more {
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchNo
}

// methodPrefix reports whether prefix agrees with m followed by SP over
// their common length.
func methodPrefix(prefix []byte, m string) bool {
	for i := 0; i < len(prefix) && i <= len(m); i++ {
		c := byte(' ')
		if i < len(m) {
			c = m[i]
		}
		if prefix[i] != c {
			return false
		}
	}
	return true
}
