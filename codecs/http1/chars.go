package http1

// Byte classes of RFC 9110 §5.6.2 (token), §5.5 (field values) and RFC 3986
// (URI components), as lookup tables so the parsers test each byte once.
const (
	cToken  = 1 << iota // tchar
	cValue              // field-vchar / SP / HTAB: not a CTL, obs-text allowed
	cTarget             // a request-target byte: VCHAR except '#'
	cHost               // reg-name: unreserved / sub-delims (no pct-encoding)
	cHex                // HEXDIG
	cDigit              // DIGIT
)

var class [256]uint8

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alpha := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		digit := '0' <= b && b <= '9'
		var m uint8
		if alpha || digit || isAny(b, "!#$%&'*+-.^_`|~") {
			m |= cToken
		}
		if b == '\t' || b >= 0x20 && b != 0x7f {
			m |= cValue
		}
		if b > 0x20 && b < 0x7f && b != '#' {
			m |= cTarget
		}
		if alpha || digit || isAny(b, "-._~!$&'()*+,;=") {
			m |= cHost
		}
		if digit || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' {
			m |= cHex
		}
		if digit {
			m |= cDigit
		}
		class[c] = m
	}
}

func isAny(b byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == b {
			return true
		}
	}
	return false
}

// isToken reports whether s is a non-empty token (RFC 9110 §5.6.2).
func isToken(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, b := range s {
		if class[b]&cToken == 0 {
			return false
		}
	}
	return true
}

// lower folds an ASCII letter to lower case.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// equalFold reports whether b equals s ignoring ASCII case; s is lower case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// equalFoldBytes reports whether a equals b ignoring ASCII case.
func equalFoldBytes(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// trimOWS strips optional whitespace (SP / HTAB) from both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFoldBB reports whether a equals b ignoring ASCII case.
func equalFoldBB(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
