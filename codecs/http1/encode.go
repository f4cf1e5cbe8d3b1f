package http1

import (
	"fmt"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// outMode is how the body of the message being encoded is delimited.
type outMode uint8

const (
	outNone    outMode = iota // no body is written (HEAD, 204, 304): data is dropped
	outLength                 // Content-Length
	outChunked                // chunked transfer coding
	outClose                  // until the connection closes (HTTP/1.0 client)
)

// outBody is the message whose body the session is encoding.
type outBody struct {
	active bool // a head was written and its last frame was not
	mode   outMode
	left   int64 // outLength: bytes still due
	id     uint64
	resp   bool // a response: its end finishes an exchange
	close  bool // the connection ends with this message
}

// Encode appends f's HTTP/1.1 form to dst. Heads are framed by these rules:
//
//   - a Content-Length the frame carries is kept;
//   - else a head that ends the stream gets Content-Length: len(Body())
//     (a request with no body gets none);
//   - else the body is chunked, or, for a response to an HTTP/1.0 client,
//     delimited by closing the connection;
//   - a response to HEAD, and a 1xx, 204 or 304 response, has no body
//     (a 204 loses its Content-Length; HEAD and 304 keep theirs).
//
// Data frames follow as raw bytes or chunks; the last one's Header is
// written as the trailer section of a chunked body (and dropped
// otherwise). A frame of this package that was not edited is written from
// its own bytes with the connection-specific fields left out and Host and
// X-Forwarded-* added; any other frame is written from its Header. A
// KindReset or KindGoAway frame writes nothing: HTTP/1.1 can only end a
// stream by closing, so the session asks to close (ShouldClose), at once
// or, for GoAway, after the exchanges in progress.
func (s *session) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	switch f.Kind() {
	case xprotocol.KindRequest, xprotocol.KindOneway:
		return s.encodeRequest(dst, f)
	case xprotocol.KindResponse:
		return s.encodeResponse(dst, f)
	case xprotocol.KindData:
		return s.encodeData(dst, f)
	case xprotocol.KindReset:
		s.closing = true
		return dst, nil
	case xprotocol.KindGoAway:
		s.goAway = true
		if s.recv.len() == 0 && !s.out.active {
			s.closing = true
		}
		return dst, nil
	}
	return dst, fmt.Errorf("http1: encode: a %v frame has no HTTP/1.1 form", f.Kind())
}

// contentLength returns the Content-Length f declares, if any.
func contentLength(f xprotocol.Frame, own *Frame) (int64, bool, error) {
	if own != nil && !own.view.edited {
		var cl int64 = -1
		if own.kind == xprotocol.KindRequest {
			cl = own.req.ContentLength()
		} else {
			cl = own.resp.ContentLength()
		}
		return cl, cl >= 0, nil
	}
	v, ok := f.Header().Get("content-length")
	if !ok {
		return 0, false, nil
	}
	n, valid := parseContentLength(v)
	if !valid {
		return 0, false, fmt.Errorf("http1: encode: content-length %q is not a length", v)
	}
	return n, true, nil
}

// encodeRequest writes a request head (client session, usually) and its
// body bytes, and records the exchange so that the response is framed by
// the request's method.
func (s *session) encodeRequest(dst []byte, f xprotocol.Frame) ([]byte, error) {
	if s.out.active {
		return dst, fmt.Errorf("http1: encode request %d: the body of stream %d is unfinished", f.StreamID(), s.out.id)
	}
	own, _ := f.(*Frame)
	cl, hasCL, err := contentLength(f, own)
	if err != nil {
		return dst, err
	}
	body, end := f.Body(), f.EndStream()
	out := outBody{id: f.StreamID()}
	var framing []byte
	switch {
	case hasCL:
		out.mode, out.left = outLength, cl
	case end && len(body) > 0:
		out.mode, out.left = outLength, int64(len(body))
		framing = appendCL(s.scratch[:0], len(body))
	case end:
		out.mode = outNone
	default:
		out.mode = outChunked
		framing = teChunked
	}
	start := len(dst)
	var head bool
	if own != nil && !own.view.edited && own.kind == xprotocol.KindRequest {
		dst = own.appendRequestHead(dst)
		head = own.isHead
	} else {
		dst, head, err = s.appendGenericRequest(dst, f)
		if err != nil {
			return dst[:start], err
		}
	}
	dst = append(dst, framing...)
	dst = append(dst, "\r\n"...)
	if dst, err = s.startOut(dst, start, out, body, end); err != nil {
		return dst, err
	}
	s.sent.push(exchange{id: out.id, head: head})
	return dst, nil
}

// encodeResponse writes a response head (server session, usually), framed
// for the request it answers, and its body bytes.
func (s *session) encodeResponse(dst []byte, f xprotocol.Frame) ([]byte, error) {
	own, _ := f.(*Frame)
	if own != nil && own.kind != xprotocol.KindResponse {
		own = nil
	}
	code, err := responseStatus(f, own)
	if err != nil {
		return dst, err
	}
	ex := exchange{keepAlive: true}
	if x := s.recv.find(f.StreamID()); x != nil {
		ex = *x
	}
	start := len(dst)
	if code < 200 {
		if code == 101 {
			return dst, fmt.Errorf("http1: encode response %d: 101 (Switching Protocols) is not supported", f.StreamID())
		}
		if ex.http10 {
			return dst, nil // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client
		}
		dst, err = s.appendResponseHead(dst, f, own, code, false)
		if err != nil {
			return dst[:start], err
		}
		return append(dst, "\r\n"...), nil
	}
	if s.out.active {
		return dst, fmt.Errorf("http1: encode response %d: the body of stream %d is unfinished", f.StreamID(), s.out.id)
	}
	cl, hasCL, err := contentLength(f, own)
	if err != nil {
		return dst, err
	}
	body, end := f.Body(), f.EndStream()
	out := outBody{id: f.StreamID(), resp: true}
	var framing []byte
	noBody := ex.head || code == 204 || code == 304 || own != nil && own.headReply
	skipCL := code == 204
	switch {
	case noBody:
		out.mode = outNone
	case hasCL && !end && own == nil && !ex.http10 && declaresTrailers(f):
		// An HTTP/2 response may carry both Content-Length and trailers;
		// HTTP/1.1 can send trailers only with chunked coding, which then
		// replaces the length (RFC 9112 §6.1, §7.1.2).
		out.mode = outChunked
		framing = teChunked
		skipCL = true
	case hasCL:
		out.mode, out.left = outLength, cl
	case end:
		out.mode, out.left = outLength, int64(len(body))
		framing = appendCL(s.scratch[:0], len(body))
	case ex.http10:
		out.mode = outClose
	default:
		out.mode = outChunked
		framing = teChunked
	}
	out.close = !ex.keepAlive || out.mode == outClose || s.goAway
	dst, err = s.appendResponseHead(dst, f, own, code, skipCL)
	if err != nil {
		return dst[:start], err
	}
	dst = append(dst, framing...)
	switch {
	case out.close:
		dst = append(dst, "Connection: close\r\n"...)
	case ex.http10:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return s.startOut(dst, start, out, body, end)
}

// responseStatus returns the status code of a response frame.
func responseStatus(f xprotocol.Frame, own *Frame) (int, error) {
	if own != nil && !own.view.edited {
		return own.resp.Status(), nil
	}
	v, _ := f.Header().Get(":status")
	if len(v) != 3 || class[v[0]]&cDigit == 0 || class[v[1]]&cDigit == 0 || class[v[2]]&cDigit == 0 || v[0] == '0' || v[0] > '5' {
		return 0, fmt.Errorf("http1: encode response %d: :status %q is not a status code", f.StreamID(), v)
	}
	return int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0'), nil
}

var teChunked = []byte("Transfer-Encoding: chunked\r\n")

// appendCL appends a Content-Length field line.
func appendCL(dst []byte, n int) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\n"...)
}

// startOut writes the body bytes a head carries and, when the head ends
// the stream, finishes the message; otherwise data frames follow.
func (s *session) startOut(dst []byte, start int, out outBody, body []byte, end bool) ([]byte, error) {
	out.active = true
	s.out = out
	var err error
	if dst, err = s.appendBody(dst, body); err != nil {
		s.out.active = false
		return dst[:start], err
	}
	if end {
		return s.endOut(dst, nil, nil)
	}
	return dst, nil
}

// declaresTrailers reports whether a head announces trailer fields.
func declaresTrailers(f xprotocol.Frame) bool {
	_, ok := f.Header().Get("trailer")
	return ok
}
