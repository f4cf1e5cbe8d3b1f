package http1

import (
	"fmt"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// appendRequestHead writes an untouched request head of this package, all
// but its final CRLF: the request-line with HTTP/1.1 as its version (a
// proxy sends its own version, RFC 9110 §6.2) and an origin-form target,
// the field lines but the dropped ones, copied in runs, then the injected
// lines (Host, X-Forwarded-For, X-Forwarded-Proto).
func (f *Frame) appendRequestHead(dst []byte) []byte {
	h := &f.req
	if f.target != nil {
		dst = append(dst, h.buf[:h.method.end+1]...)
		dst = append(dst, f.target...)
		dst = append(dst, ' ')
	} else {
		dst = append(dst, h.buf[:h.target.end+1]...)
	}
	dst = append(dst, "HTTP/1.1\r\n"...)
	dst = f.appendKeptLines(dst, &h.Header)
	return append(dst, f.inject...)
}

// appendResponseHead writes an untouched response head of this package,
// all but its final CRLF, with HTTP/1.1 as its version.
func (f *Frame) appendResponseHead(dst []byte) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, f.resp.buf[9:f.lineEnd]...)
	return f.appendKeptLines(dst, &f.resp.Header)
}

// appendKeptLines copies the field lines of h that are not dropped, in
// runs of adjacent lines.
func (f *Frame) appendKeptLines(dst []byte, h *Header) []byte {
	buf := h.buf
	if f.drop.empty() {
		return append(dst, buf[f.lineEnd:f.fieldsEnd]...)
	}
	run := -1
	for i := 0; i < h.n; i++ {
		off := int(h.at(i).name.off)
		switch {
		case f.drop.has(i) && run >= 0:
			dst = append(dst, buf[run:off]...)
			run = -1
		case !f.drop.has(i) && run < 0:
			run = off
		}
	}
	if run >= 0 {
		dst = append(dst, buf[run:f.fieldsEnd]...)
	}
	return dst
}

// appendResponseHead writes the status-line and fields of a response, all
// but the final CRLF: from its own bytes when f is an untouched frame of
// this package, else from its Header. skipCL leaves Content-Length out (a
// 204 must not send it).
func (s *session) appendResponseHead(dst []byte, f xprotocol.Frame, own *Frame, code int, skipCL bool) ([]byte, error) {
	if own != nil && !own.view.edited && !(skipCL && own.resp.ContentLength() >= 0) {
		return own.appendResponseHead(dst), nil
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, reasonPhrase(code)...)
	dst = append(dst, "\r\n"...)
	s.fw.skipCL = skipCL
	dst, err := s.fw.run(dst, f.Header(), fieldsResponse)
	s.fw.skipCL = false
	if err != nil {
		return dst, fmt.Errorf("http1: encode response %d: %w", f.StreamID(), err)
	}
	return dst, nil
}

// appendGenericRequest writes the request-line and fields of a request
// from its Header, all but the final CRLF: ":method", ":path" and
// ":authority" (or a "host" field) make the request-line and Host. It
// reports whether the method is HEAD.
func (s *session) appendGenericRequest(dst []byte, f xprotocol.Frame) ([]byte, bool, error) {
	h := f.Header()
	method, _ := h.Get(":method")
	path, _ := h.Get(":path")
	authority, ok := h.Get(":authority")
	if !ok || len(authority) == 0 {
		authority, _ = h.Get("host")
	}
	switch {
	case !isToken(method):
		return dst, false, fmt.Errorf("http1: encode request %d: :method %q is not a token", f.StreamID(), method)
	case string(method) == "CONNECT":
		return dst, false, fmt.Errorf("http1: encode request %d: CONNECT is not supported", f.StreamID())
	case !validPath(path):
		return dst, false, fmt.Errorf("http1: encode request %d: :path %q is not an origin-form target or \"*\"", f.StreamID(), path)
	case !validHostPort(authority, false, true):
		return dst, false, fmt.Errorf("http1: encode request %d: :authority %q is not host[:port]", f.StreamID(), authority)
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, authority...)
	dst = append(dst, "\r\n"...)
	dst, err := s.fw.run(dst, h, fieldsRequest)
	if err != nil {
		return dst, false, fmt.Errorf("http1: encode request %d: %w", f.StreamID(), err)
	}
	return dst, string(method) == "HEAD", nil
}

// validPath reports whether p can be written as a request-target: "*", or
// an absolute path with an optional query of visible ASCII but '#'.
func validPath(p []byte) bool {
	if string(p) == "*" {
		return true
	}
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for _, c := range p {
		if class[c]&cTarget == 0 {
			return false
		}
	}
	return true
}

// fieldsKind says which section a fieldWriter writes.
type fieldsKind uint8

const (
	fieldsRequest fieldsKind = iota
	fieldsResponse
	fieldsTrailer
)

// fieldWriter writes the fields of an xprotocol.Header as HTTP/1.1 field
// lines, leaving out pseudo-headers and connection-specific fields and
// joining "cookie" fields into one line (RFC 9113 §8.2.3: HTTP/2 may split
// them). Every name must be a token and every value free of control
// characters but HTAB, so a header from another protocol cannot inject a
// line. Its method value fn is made once per session, so writing fields
// allocates nothing.
type fieldWriter struct {
	fn      func(name, value []byte) bool
	dst     []byte
	err     error
	kind    fieldsKind
	skipCL  bool
	cookies int
	joining bool
}

// run appends the field lines of h to dst.
func (w *fieldWriter) run(dst []byte, h xprotocol.Header, kind fieldsKind) ([]byte, error) {
	w.dst, w.err, w.kind, w.cookies, w.joining = dst, nil, kind, 0, false
	h.Range(w.fn)
	if w.err == nil && w.cookies > 0 {
		w.dst = append(w.dst, "cookie: "...)
		w.joining, w.cookies = true, 0
		h.Range(w.fn)
		w.dst = append(w.dst, "\r\n"...)
	}
	dst, w.dst = w.dst, nil
	return dst, w.err
}

// field writes one field; it is the callback run passes to Range.
func (w *fieldWriter) field(name, value []byte) bool {
	if w.joining {
		if equalFold(name, "cookie") {
			if w.cookies > 0 {
				w.dst = append(w.dst, "; "...)
			}
			w.dst = append(w.dst, value...)
			w.cookies++
		}
		return true
	}
	if len(name) > 0 && name[0] == ':' || w.skip(name) {
		return true
	}
	if !isToken(name) {
		w.err = fmt.Errorf("field name %q is not a token", name)
		return false
	}
	for _, c := range value {
		if class[c]&cValue == 0 {
			w.err = fmt.Errorf("field %s: value holds control character 0x%02x", name, c)
			return false
		}
	}
	if w.kind == fieldsRequest && equalFold(name, "cookie") {
		w.cookies++
		return true
	}
	w.dst = append(w.dst, name...)
	w.dst = append(w.dst, ": "...)
	w.dst = append(w.dst, trimOWS(value)...)
	w.dst = append(w.dst, "\r\n"...)
	return true
}

// skip reports whether a field is left out: connection-specific fields
// (framing is the session's own), Host (written from :authority), and
// Content-Length where the message must not carry one.
func (w *fieldWriter) skip(name []byte) bool {
	switch len(name) {
	case 2:
		return equalFold(name, "te")
	case 4:
		return equalFold(name, "host")
	case 7:
		return equalFold(name, "upgrade")
	case 10:
		return equalFold(name, "connection") || equalFold(name, "keep-alive")
	case 14:
		return (w.skipCL || w.kind == fieldsTrailer) && equalFold(name, "content-length")
	case 16:
		return equalFold(name, "proxy-connection")
	case 17:
		return equalFold(name, "transfer-encoding")
	}
	return false
}
