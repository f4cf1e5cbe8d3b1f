package http1

import "bytes"

// ResponseHead is a parsed response head: status-line and header fields.
// Every []byte it returns is a slice of the parsed buffer, valid until the
// caller reuses that buffer, and must not be modified.
type ResponseHead struct {
	Header
	version Version
	status  int
	reason  span
	meta    meta
}

// ParseResponseHead parses the response head at the front of buf (RFC 9112
// §4-§6) and returns it with n, the length of the head including the empty
// line. Its errors carry Status 502: what a gateway answers its client when
// the upstream's response is malformed. Otherwise it behaves like
// ParseRequestHead.
func ParseResponseHead(buf []byte, lim Limits) (h ResponseHead, n int, err error) {
	n, err = h.Parse(buf, lim)
	return h, n, err
}

// Parse is ParseResponseHead into h, which may be reused.
func (h *ResponseHead) Parse(buf []byte, lim Limits) (n int, err error) {
	lim = lim.withDefaults()
	h.Header.reset(buf)
	off, err := h.statusLine(buf, &lim)
	if err != nil {
		return 0, err
	}
	n, err = h.Header.parse(buf, off, &lim, Response)
	if err != nil {
		return 0, err
	}
	if err := h.meta.scan(&h.Header, Response, h.version); err != nil {
		return 0, err
	}
	return n, nil
}

// statusLine parses HTTP-version SP status-code SP [ reason-phrase ] CRLF
// (RFC 9112 §4). The SP before an empty reason-phrase may be missing: that
// is common, and a client ignores the reason anyway.
func (h *ResponseHead) statusLine(buf []byte, lim *Limits) (int, error) {
	lf := bytes.IndexByte(buf, '\n')
	if lf < 0 {
		if len(buf) >= lim.MaxRequestLineBytes {
			return 0, fail(Response, RuleRequestLineTooLong)
		}
		if n := min(len(buf), 5); string(buf[:n]) != "HTTP/"[:n] {
			return 0, fail(Response, RuleStatusLine)
		}
		return 0, ErrIncomplete
	}
	if lf >= lim.MaxRequestLineBytes {
		return 0, fail(Response, RuleRequestLineTooLong)
	}
	if lf == 0 || buf[lf-1] != '\r' {
		return 0, fail(Response, RuleBareLF)
	}
	line := buf[:lf-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return 0, fail(Response, RuleBareCR)
	}
	if len(line) < 12 || line[8] != ' ' {
		return 0, fail(Response, RuleStatusLine)
	}
	v, rule := parseVersion(line[:8])
	if rule != RuleNone {
		return 0, fail(Response, rule)
	}
	code := line[9:12]
	if class[code[0]]&cDigit == 0 || class[code[1]]&cDigit == 0 || class[code[2]]&cDigit == 0 {
		return 0, fail(Response, RuleStatusCode)
	}
	status := int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if status < 100 || status > 599 {
		return 0, fail(Response, RuleStatusCode)
	}
	reason := span{uint32(len(line)), uint32(len(line))}
	if len(line) > 12 {
		if line[12] != ' ' {
			return 0, fail(Response, RuleStatusCode)
		}
		for _, c := range line[13:] {
			if class[c]&cValue == 0 {
				return 0, fail(Response, RuleStatusLine)
			}
		}
		reason.off = 13
	}
	h.version, h.status, h.reason = v, status, reason
	return lf + 1, nil
}

// Version returns the response's HTTP version.
func (h *ResponseHead) Version() Version { return h.version }

// Status returns the status code, 100..599.
func (h *ResponseHead) Status() int { return h.status }

// Reason returns the reason-phrase (possibly empty).
func (h *ResponseHead) Reason() []byte { return h.reason.of(h.buf) }

// ContentLength returns the Content-Length, or -1 if there is none.
func (h *ResponseHead) ContentLength() int64 { return h.meta.contentLength }

// Chunked reports whether Transfer-Encoding ends in chunked.
func (h *ResponseHead) Chunked() bool { return h.meta.chunked }

// KeepAlive reports whether the server keeps the connection open after this
// response (RFC 9112 §9.3). A body delimited by close ends it regardless.
func (h *ResponseHead) KeepAlive() bool { return h.meta.keepAlive(h.version) }

// Upgrade returns the protocols of a 101 (Switching Protocols) response, and
// nil for any other.
func (h *ResponseHead) Upgrade() []byte {
	if h.status != 101 || !h.meta.hasUpgrade {
		return nil
	}
	return h.meta.upgrade.of(h.buf)
}

// ResponseBody returns how the body of response h to a request with method
// reqMethod is delimited, by the rules of RFC 9112 §6.3 in order:
//
//  1. a response to HEAD, and any 1xx, 204 or 304 response, has none;
//  2. a 2xx response to CONNECT has none: the connection becomes a tunnel;
//  3. Transfer-Encoding ending in chunked: chunked; any other
//     Transfer-Encoding: until close;
//  4. Content-Length: that length;
//  5. otherwise: until close.
//
// (Content-Length together with Transfer-Encoding never gets here: the
// parser refuses it.)
func ResponseBody(reqMethod []byte, h *ResponseHead) Body {
	s := h.status
	switch {
	case string(reqMethod) == "HEAD", s < 200, s == 204, s == 304:
		return Body{Kind: BodyNone}
	case string(reqMethod) == "CONNECT" && s < 300:
		return Body{Kind: BodyNone}
	case h.meta.teLines > 0 && h.meta.chunked:
		return Body{Kind: BodyChunked, Length: -1}
	case h.meta.teLines > 0:
		return Body{Kind: BodyUntilClose, Length: -1}
	case h.meta.contentLength == 0:
		return Body{Kind: BodyNone}
	case h.meta.contentLength > 0:
		return Body{Kind: BodyLength, Length: h.meta.contentLength}
	}
	return Body{Kind: BodyUntilClose, Length: -1}
}
