package http1

import "bytes"

// Version is an HTTP/1 protocol version; only these two exist on the wire.
type Version uint8

// The HTTP/1 versions.
const (
	HTTP10 Version = 10
	HTTP11 Version = 11
)

// String returns "HTTP/1.0" or "HTTP/1.1".
func (v Version) String() string {
	if v == HTTP10 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// parseVersion reads HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3),
// case-sensitively. A well-formed version other than 1.0 or 1.1 is
// RuleVersionUnsupported; anything else RuleVersion.
func parseVersion(b []byte) (Version, Rule) {
	if len(b) != 8 || string(b[:5]) != "HTTP/" || b[6] != '.' ||
		class[b[5]]&cDigit == 0 || class[b[7]]&cDigit == 0 {
		return 0, RuleVersion
	}
	switch {
	case b[5] == '1' && b[7] == '1':
		return HTTP11, RuleNone
	case b[5] == '1' && b[7] == '0':
		return HTTP10, RuleNone
	}
	return 0, RuleVersionUnsupported
}

// BodyKind is how a message's body is delimited (RFC 9112 §6.3).
type BodyKind uint8

// The ways a body is delimited.
const (
	// BodyNone: the message has no body.
	BodyNone BodyKind = iota
	// BodyLength: the body is Body.Length bytes (Content-Length).
	BodyLength
	// BodyChunked: the body is in the chunked transfer coding; read it
	// with a ChunkedDecoder.
	BodyChunked
	// BodyUntilClose: the body is everything until the server closes the
	// connection (responses only).
	BodyUntilClose
)

// String names the kind.
func (k BodyKind) String() string {
	switch k {
	case BodyNone:
		return "none"
	case BodyLength:
		return "length"
	case BodyChunked:
		return "chunked"
	}
	return "until-close"
}

// Body is a message's body framing: its kind, and for BodyLength the length.
type Body struct {
	Kind   BodyKind
	Length int64
}

// meta is what the framing and connection-management fields of a head say,
// gathered in one pass after the field lines are parsed.
type meta struct {
	contentLength int64 // -1 when absent
	cl            span  // first Content-Length value
	hosts         int
	host          span
	teLines       int
	te            span
	chunked       bool // the final transfer coding is chunked
	connClose     bool
	connKeepAlive bool
	connUpgrade   bool
	expect100     bool
	upgrade       span
	hasUpgrade    bool
}

// scan reads the fields of h that govern framing and the connection, and
// applies the rules on them that hold for both roles: Content-Length
// syntax and agreement, Content-Length with Transfer-Encoding, and
// Transfer-Encoding syntax, repetition and placement.
func (m *meta) scan(h *Header, role Role, v Version) error {
	*m = meta{contentLength: -1}
	buf := h.buf
	for i := 0; i < h.n; i++ {
		f := h.at(i)
		name, value := f.name.of(buf), f.value.of(buf)
		switch len(name) {
		case 4:
			if equalFold(name, "host") {
				m.hosts++
				m.host = f.value
			}
		case 6:
			if equalFold(name, "expect") && equalFold(value, "100-continue") {
				m.expect100 = true
			}
		case 7:
			if equalFold(name, "upgrade") {
				m.upgrade, m.hasUpgrade = f.value, true
			}
		case 10:
			if equalFold(name, "connection") {
				m.connection(value)
			}
		case 14:
			if !equalFold(name, "content-length") {
				continue
			}
			n, ok := parseContentLength(value)
			if !ok {
				return fail(role, RuleContentLength)
			}
			if m.contentLength >= 0 {
				// RFC 9110 §8.6 lets a recipient accept repeated identical
				// values as one. We do, like net/http, but only for
				// byte-identical field lines: "5" and "05" disagree.
				if !bytes.Equal(m.cl.of(buf), value) {
					return fail(role, RuleContentLengthConflict)
				}
				continue
			}
			m.contentLength, m.cl = n, f.value
		case 17:
			if equalFold(name, "transfer-encoding") {
				m.teLines++
				m.te = f.value
			}
		}
	}
	if m.teLines == 0 {
		return nil
	}
	switch {
	case m.contentLength >= 0:
		return fail(role, RuleContentLengthWithTE)
	case v == HTTP10:
		return fail(role, RuleTEOnHTTP10)
	case m.teLines > 1:
		// RFC 9110 §5.3 would let us join the lines into one list; a
		// gateway that forwards must not risk a peer reading only one.
		return fail(role, RuleTERepeated)
	}
	return m.codings(m.te.of(buf), role)
}

// codings checks a Transfer-Encoding list (RFC 9112 §6.1) and records
// whether chunked is the final coding. Requests: chunked must be final, once
// (else 400), and every coding must be one we know (else 501). Responses:
// any coding may precede a final chunked, and without a final chunked the
// body runs until close, but chunked twice is still refused.
func (m *meta) codings(list []byte, role Role) error {
	seenChunked := false
	for {
		var c []byte
		j := bytes.IndexByte(list, ',')
		if j >= 0 {
			c, list = trimOWS(list[:j]), list[j+1:]
		} else {
			c = trimOWS(list)
		}
		if len(c) == 0 {
			return fail(role, RuleTESyntax)
		}
		switch {
		case equalFold(c, "chunked"):
			if seenChunked {
				return fail(role, RuleChunkedNotFinal)
			}
			seenChunked = true
			m.chunked = true
		case !isToken(c):
			if role == Request && bytes.IndexByte(c, ';') >= 0 && isToken(trimOWS(c[:bytes.IndexByte(c, ';')])) {
				// A coding with parameters: none of the codings we know
				// takes any, so the coding as a whole is one we do not know.
				return fail(role, RuleTEUnknown)
			}
			if role == Request {
				return fail(role, RuleTESyntax)
			}
			m.chunked = false
		default:
			if role == Request && !knownCoding(c) {
				return fail(role, RuleTEUnknown)
			}
			m.chunked = false
		}
		if j < 0 {
			break
		}
	}
	if role == Request && !m.chunked {
		return fail(role, RuleChunkedNotFinal)
	}
	return nil
}

// knownCoding reports whether c is a registered transfer coding other than
// chunked (RFC 9112 §7, the IANA HTTP Transfer Coding Registry).
func knownCoding(c []byte) bool {
	for _, k := range [...]string{"gzip", "x-gzip", "deflate", "compress", "x-compress"} {
		if equalFold(c, k) {
			return true
		}
	}
	return false
}

// connection reads the Connection options that change how the connection
// is managed (RFC 9112 §9.3, §9.6; RFC 9110 §7.8).
func (m *meta) connection(v []byte) {
	for len(v) > 0 {
		var tok []byte
		if j := bytes.IndexByte(v, ','); j >= 0 {
			tok, v = trimOWS(v[:j]), v[j+1:]
		} else {
			tok, v = trimOWS(v), nil
		}
		switch {
		case equalFold(tok, "close"):
			m.connClose = true
		case equalFold(tok, "keep-alive"):
			m.connKeepAlive = true
		case equalFold(tok, "upgrade"):
			m.connUpgrade = true
		}
	}
}

// keepAlive applies RFC 9112 §9.3: HTTP/1.1 persists unless "close";
// HTTP/1.0 persists only with "keep-alive" (RFC 9112 §C.2.2).
func (m *meta) keepAlive(v Version) bool {
	if m.connClose {
		return false
	}
	return v == HTTP11 || m.connKeepAlive
}

// parseContentLength reads Content-Length = 1*DIGIT (RFC 9110 §8.6) as a
// non-negative int64; a sign, a list, empty or more than 63 bits is refused.
func parseContentLength(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if class[c]&cDigit == 0 {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
