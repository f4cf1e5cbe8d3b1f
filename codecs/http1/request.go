package http1

import "bytes"

// TargetForm is the form of a request-target (RFC 9112 §3.2).
type TargetForm uint8

// The four request-target forms.
const (
	// OriginForm is absolute-path [ "?" query ], e.g. "/where?q=now".
	OriginForm TargetForm = iota
	// AbsoluteForm is an absolute http or https URI, sent to proxies.
	AbsoluteForm
	// AuthorityForm is host ":" port, for CONNECT only.
	AuthorityForm
	// AsteriskForm is "*", for a server-wide OPTIONS only.
	AsteriskForm
)

// RequestHead is a parsed request head: request-line and header fields.
// Every []byte it returns is a slice of the parsed buffer, valid until the
// caller reuses that buffer, and must not be modified.
type RequestHead struct {
	Header
	method    span
	target    span
	path      span
	query     span
	authority span
	hasQuery  bool
	form      TargetForm
	version   Version
	meta      meta
}

// ParseRequestHead parses the request head at the front of buf (RFC 9112
// §2-§6) and returns it with n, the length of the head including the empty
// line; the body, if any, starts at buf[n:].
//
// It returns ErrIncomplete (n == 0) while buf holds a prefix of a head that
// is valid so far and within lim, and a *Error naming the broken rule and the
// status to answer with otherwise. It allocates nothing unless the head has
// more than 32 field lines (then once, bounded by lim.MaxHeaders).
func ParseRequestHead(buf []byte, lim Limits) (h RequestHead, n int, err error) {
	n, err = h.Parse(buf, lim)
	return h, n, err
}

// Parse is ParseRequestHead into h, which may be reused across requests so
// that its overflow storage is allocated at most once.
func (h *RequestHead) Parse(buf []byte, lim Limits) (n int, err error) {
	lim = lim.withDefaults()
	h.Header.reset(buf)
	h.hasQuery = false
	off, err := h.requestLine(buf, &lim)
	if err != nil {
		return 0, err
	}
	n, err = h.Header.parse(buf, off, &lim, Request)
	if err != nil {
		return 0, err
	}
	if err := h.meta.scan(&h.Header, Request, h.version); err != nil {
		return 0, err
	}
	switch {
	case h.meta.hosts > 1:
		return 0, fail(Request, RuleMultipleHost)
	case h.meta.hosts == 0 && h.version == HTTP11:
		// RFC 9112 §3.2 requires Host in every HTTP/1.1 request,
		// absolute-form and CONNECT included.
		return 0, fail(Request, RuleMissingHost)
	case h.meta.hosts == 1 && !validHostPort(h.meta.host.of(buf), false, true):
		return 0, fail(Request, RuleHost)
	}
	return n, nil
}

// requestLine parses method SP request-target SP HTTP-version CRLF (RFC 9112
// §3) and returns the offset of the first field line.
func (h *RequestHead) requestLine(buf []byte, lim *Limits) (int, error) {
	lf := bytes.IndexByte(buf, '\n')
	if lf < 0 {
		if len(buf) >= lim.MaxRequestLineBytes {
			return 0, fail(Request, RuleRequestLineTooLong)
		}
		// Refuse a non-HTTP stream early: the method so far must be a token.
		for _, c := range buf {
			if c == ' ' {
				break
			}
			if class[c]&cToken == 0 {
				return 0, fail(Request, RuleMethod)
			}
		}
		return 0, ErrIncomplete
	}
	if lf >= lim.MaxRequestLineBytes {
		return 0, fail(Request, RuleRequestLineTooLong)
	}
	if lf == 0 || buf[lf-1] != '\r' {
		return 0, fail(Request, RuleBareLF)
	}
	line := buf[:lf-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return 0, fail(Request, RuleBareCR)
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return 0, fail(Request, RuleRequestLine)
	}
	if !isToken(line[:sp1]) {
		return 0, fail(Request, RuleMethod)
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 < 0 {
		return 0, fail(Request, RuleRequestLine)
	}
	sp2 += sp1 + 1
	v, rule := parseVersion(line[sp2+1:])
	if rule != RuleNone {
		return 0, fail(Request, rule)
	}
	h.version = v
	h.method = span{0, uint32(sp1)}
	h.target = span{uint32(sp1 + 1), uint32(sp2)}
	if rule := h.parseTarget(buf); rule != RuleNone {
		return 0, fail(Request, rule)
	}
	return lf + 1, nil
}

// parseTarget classifies and checks the request-target (RFC 9112 §3.2).
func (h *RequestHead) parseTarget(buf []byte) Rule {
	t := h.target.of(buf)
	off := h.target.off
	connect := string(h.method.of(buf)) == "CONNECT"
	switch {
	case len(t) == 0:
		return RuleTarget
	case connect:
		// authority-form only (RFC 9112 §3.2.3), port required.
		if t[0] == '/' || string(t) == "*" {
			return RuleTargetForm
		}
		if !validHostPort(t, true, false) {
			return RuleTarget
		}
		h.form, h.authority = AuthorityForm, h.target
		h.path, h.query = span{off, off}, span{off, off}
		return RuleNone
	case string(t) == "*":
		if string(h.method.of(buf)) != "OPTIONS" {
			return RuleTargetForm
		}
		h.form = AsteriskForm
		h.path, h.query = h.target, span{h.target.end, h.target.end}
		return RuleNone
	case t[0] == '/':
		h.form = OriginForm
		return h.pathQuery(buf, off)
	}
	// absolute-form: http or https only, with a host and no userinfo
	// (RFC 9110 §4.2.1, §4.2.4).
	var rest int
	switch {
	case len(t) >= 7 && equalFold(t[:7], "http://"):
		rest = 7
	case len(t) >= 8 && equalFold(t[:8], "https://"):
		rest = 8
	default:
		if validHostPort(t, true, false) {
			return RuleTargetForm // authority-form without CONNECT
		}
		return RuleTarget
	}
	a := rest
	for a < len(t) && t[a] != '/' && t[a] != '?' {
		a++
	}
	if !validHostPort(t[rest:a], false, false) {
		return RuleTarget
	}
	h.form = AbsoluteForm
	h.authority = span{off + uint32(rest), off + uint32(a)}
	return h.pathQuery(buf, off+uint32(a))
}

// pathQuery checks absolute-path [ "?" query ] from buf[from:] to the end
// of the target (RFC 3986 §3.3, §3.4): visible ASCII but '#', and
// well-formed percent-encoding.
func (h *RequestHead) pathQuery(buf []byte, from uint32) Rule {
	end := h.target.end
	q := end
	for i := from; i < end; i++ {
		c := buf[i]
		if class[c]&cTarget == 0 {
			return RuleTarget
		}
		if c == '%' && (i+2 >= end || class[buf[i+1]]&cHex == 0 || class[buf[i+2]]&cHex == 0) {
			return RuleTarget
		}
		if c == '?' && q == end {
			q = i
		}
	}
	h.path = span{from, q}
	h.query = span{q, end}
	if q < end {
		h.hasQuery = true
		h.query.off = q + 1
	}
	return RuleNone
}

// validHostPort checks uri-host [ ":" port ] (RFC 9110 §4.2.1, §7.2; RFC 3986
// §3.2.2): a reg-name of unreserved and sub-delims characters (no
// percent-encoding), or an IPv6 literal in brackets, then digits. needPort
// demands a non-empty port; allowEmpty accepts the empty string (a Host
// field for a target without authority).
func validHostPort(b []byte, needPort, allowEmpty bool) bool {
	if len(b) == 0 {
		return allowEmpty && !needPort
	}
	var port []byte
	if b[0] == '[' {
		e := bytes.IndexByte(b, ']')
		if e < 0 || !validIPv6(b[1:e]) {
			return false
		}
		if rest := b[e+1:]; len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port = rest[1:]
		}
	} else {
		c := bytes.IndexByte(b, ':')
		host := b
		if c >= 0 {
			host, port = b[:c], b[c+1:]
		}
		if len(host) == 0 {
			return false
		}
		for _, ch := range host {
			if class[ch]&cHost == 0 {
				return false
			}
		}
	}
	if needPort && len(port) == 0 {
		return false
	}
	for _, ch := range port {
		if class[ch]&cDigit == 0 {
			return false
		}
	}
	return true
}

// validIPv6 checks IPv6address (RFC 3986 §3.2.2): up to eight groups of one
// to four hex digits, at most one "::", optionally ending in an IPv4
// address. Zone identifiers and IPvFuture are refused.
func validIPv6(b []byte) bool {
	groups, elided, i := 0, false, 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		elided, i = true, 2
		if i == len(b) {
			return true
		}
	} else if len(b) == 0 || b[0] == ':' {
		return false
	}
	for {
		j := i
		for j < len(b) && j-i < 5 && class[b[j]]&cHex != 0 {
			j++
		}
		if j < len(b) && b[j] == '.' {
			return validIPv4(b[i:]) && groups <= 6 && (elided || groups == 6)
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		if j == len(b) {
			break
		}
		if b[j] != ':' {
			return false
		}
		i = j + 1
		if i < len(b) && b[i] == ':' {
			if elided {
				return false
			}
			elided = true
			i++
			if i == len(b) {
				break
			}
		} else if i == len(b) {
			return false
		}
	}
	if elided {
		return groups <= 7
	}
	return groups == 8
}

// validIPv4 checks dotted-decimal IPv4address (RFC 3986 §3.2.2), no leading
// zeros.
func validIPv4(b []byte) bool {
	for k := 0; k < 4; k++ {
		j, v := 0, 0
		for j < len(b) && j < 3 && class[b[j]]&cDigit != 0 {
			v = v*10 + int(b[j]-'0')
			j++
		}
		if j == 0 || v > 255 || (j > 1 && b[0] == '0') {
			return false
		}
		b = b[j:]
		if k < 3 {
			if len(b) == 0 || b[0] != '.' {
				return false
			}
			b = b[1:]
		}
	}
	return len(b) == 0
}

// Method returns the method, e.g. "GET" (case-sensitive, RFC 9110 §9.1).
func (h *RequestHead) Method() []byte { return h.method.of(h.buf) }

// Target returns the request-target as sent.
func (h *RequestHead) Target() []byte { return h.target.of(h.buf) }

// Form returns the form of the request-target.
func (h *RequestHead) Form() TargetForm { return h.form }

// Path returns the path of an origin-form or absolute-form target, still
// percent-encoded ("/" for an absolute-form target with an empty path, as
// RFC 9112 §3.2.1 says to forward it), "*" for asterisk-form, and empty for
// authority-form.
func (h *RequestHead) Path() []byte {
	if h.form == AbsoluteForm && h.path.off == h.path.end {
		return slash
	}
	return h.path.of(h.buf)
}

var slash = []byte("/")

// Query returns the query of the target without its "?", and nil if the
// target has no "?".
func (h *RequestHead) Query() []byte {
	if !h.hasQuery {
		return nil
	}
	return h.query.of(h.buf)
}

// Version returns the request's HTTP version.
func (h *RequestHead) Version() Version { return h.version }

// Host returns the authority the request is for: the target's authority
// for absolute-form and authority-form (RFC 9112 §3.2.2: the Host field is
// then ignored), else the Host field's value (possibly empty; nil for an
// HTTP/1.0 request without Host).
func (h *RequestHead) Host() []byte {
	if h.form == AbsoluteForm || h.form == AuthorityForm {
		return h.authority.of(h.buf)
	}
	if h.meta.hosts == 0 {
		return nil
	}
	return h.meta.host.of(h.buf)
}

// ContentLength returns the Content-Length, or -1 if there is none.
func (h *RequestHead) ContentLength() int64 { return h.meta.contentLength }

// Chunked reports whether the body is chunked (Transfer-Encoding ends in
// chunked, which is the only Transfer-Encoding a request may have).
func (h *RequestHead) Chunked() bool { return h.meta.chunked }

// Body returns how the request body is delimited (RFC 9112 §6.3): chunked,
// Content-Length, or none at all.
func (h *RequestHead) Body() Body {
	switch {
	case h.meta.chunked:
		return Body{Kind: BodyChunked, Length: -1}
	case h.meta.contentLength > 0:
		return Body{Kind: BodyLength, Length: h.meta.contentLength}
	}
	return Body{Kind: BodyNone}
}

// KeepAlive reports whether the client wants the connection kept open
// after this exchange (RFC 9112 §9.3).
func (h *RequestHead) KeepAlive() bool { return h.meta.keepAlive(h.version) }

// Expect100Continue reports whether the client waits for 100 (Continue)
// before sending the body (RFC 9110 §10.1.1; ignored in HTTP/1.0).
func (h *RequestHead) Expect100Continue() bool {
	return h.meta.expect100 && h.version == HTTP11
}

// Upgrade returns the Upgrade field's protocols when the client asks to
// switch protocols: an HTTP/1.1 request whose Connection lists "upgrade"
// (RFC 9110 §7.8). It returns nil otherwise.
func (h *RequestHead) Upgrade() []byte {
	if !h.meta.hasUpgrade || !h.meta.connUpgrade || h.version != HTTP11 {
		return nil
	}
	return h.meta.upgrade.of(h.buf)
}
