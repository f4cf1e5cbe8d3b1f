package http1

import (
	"fmt"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// encodeData writes a run of the body in progress: raw bytes or a chunk.
// The last frame ends the body (the last chunk and the trailers, for a
// chunked body).
func (s *session) encodeData(dst []byte, f xprotocol.Frame) ([]byte, error) {
	if !s.out.active || f.StreamID() != s.out.id {
		return dst, fmt.Errorf("http1: encode data: no message body of stream %d in progress", f.StreamID())
	}
	start := len(dst)
	dst, err := s.appendBody(dst, f.Body())
	if err != nil {
		return dst[:start], err
	}
	if !f.EndStream() {
		return dst, nil
	}
	own, _ := f.(*Frame)
	return s.endOut(dst, f.Header(), own)
}

// appendBody writes body bytes of the message in progress.
func (s *session) appendBody(dst, body []byte) ([]byte, error) {
	if len(body) == 0 {
		return dst, nil
	}
	switch s.out.mode {
	case outLength:
		if int64(len(body)) > s.out.left {
			return dst, fmt.Errorf("http1: encode stream %d: %d body bytes exceed the Content-Length by %d",
				s.out.id, len(body), int64(len(body))-s.out.left)
		}
		s.out.left -= int64(len(body))
		return append(dst, body...), nil
	case outChunked:
		dst = strconv.AppendInt(dst, int64(len(body)), 16)
		dst = append(dst, "\r\n"...)
		dst = append(dst, body...)
		return append(dst, "\r\n"...), nil
	case outClose:
		return append(dst, body...), nil
	}
	return dst, nil // outNone: a body the message must not have is dropped
}

// endOut finishes the message in progress: the last chunk and trailers of
// a chunked body, the close of a close-delimited one; a response finishes
// its exchange.
func (s *session) endOut(dst []byte, trailers xprotocol.Header, own *Frame) ([]byte, error) {
	out := s.out
	s.out.active = false
	switch out.mode {
	case outLength:
		if out.left != 0 {
			// The peer would wait for bytes that never come.
			s.closing = true
			return dst, fmt.Errorf("http1: encode stream %d: the body ended %d bytes short of its Content-Length", out.id, out.left)
		}
	case outChunked:
		dst = append(dst, "0\r\n"...)
		var err error
		if dst, err = s.appendTrailers(dst, trailers, own); err != nil {
			s.closing = true
			return dst, err
		}
		dst = append(dst, "\r\n"...)
	case outClose:
		s.closing = true
	}
	if out.resp {
		s.finishExchange(out)
	}
	return dst, nil
}

// appendTrailers writes the trailer fields: an unedited trailer section of
// this package as received, any other without pseudo-headers and the fields
// a trailer must not carry.
func (s *session) appendTrailers(dst []byte, t xprotocol.Header, own *Frame) ([]byte, error) {
	if t == nil {
		return dst, nil
	}
	if own != nil && !own.view.edited && own.view.h == &own.trail {
		if b := own.trail.buf; len(b) >= 2 {
			dst = append(dst, b[:len(b)-2]...)
		}
		return dst, nil
	}
	return s.fw.run(dst, t, fieldsTrailer)
}

// finishExchange ends the exchange whose response was just written: it
// closes the connection if the exchange said so, and owes "100 Continue"
// to the next request if it waits for one.
func (s *session) finishExchange(out outBody) {
	for i := range s.recv.q {
		if s.recv.q[i].id == out.id {
			s.recv.q = append(s.recv.q[:i], s.recv.q[i+1:]...)
			break
		}
	}
	if out.close || s.goAway && s.recv.len() == 0 {
		s.closing = true
		return
	}
	if x := s.recv.front(); x != nil && x.expect {
		x.expect = false
		s.pending = append(s.pending, continueLine...)
	}
}
