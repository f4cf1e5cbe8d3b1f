package http2

import "github.com/xgate/xgate/xprotocol"

// sendData writes data on st as far as the peer's windows allow and holds
// the rest until WINDOW_UPDATE or SETTINGS open them. end ends the stream,
// with trailers tr when not nil.
func (s *session) sendData(dst []byte, st *stream, data []byte, end bool, tr xprotocol.Frame) []byte {
	if st.waiting() {
		s.hold(st, data, end, tr)
		return dst
	}
	dst, rest := s.writeData(dst, st, data, end && tr == nil)
	if len(rest) > 0 {
		s.hold(st, rest, end, tr)
		return dst
	}
	if end {
		if tr != nil {
			dst = s.writeTrailers(dst, st, tr)
		}
		s.endLocal(st)
	}
	return dst
}

// hold queues data (and the end of the stream) on st.
func (s *session) hold(st *stream, data []byte, end bool, tr xprotocol.Frame) {
	st.held = append(st.held, data...)
	s.heldBytes += len(data)
	if end {
		st.localEnd = true
		if tr != nil {
			st.trailer = copyTrailers(tr)
		}
	}
	if !st.queued {
		st.queued = true
		s.heldQ = append(s.heldQ, st.id)
	}
}

// writeData writes DATA frames for data within the windows and the peer's
// frame size; it returns what did not fit. endFlag sets END_STREAM on the
// last frame once everything is written.
func (s *session) writeData(dst []byte, st *stream, data []byte, endFlag bool) ([]byte, []byte) {
	if len(data) == 0 {
		if endFlag {
			dst = appendFrameHeader(dst, 0, ftData, flagEndStream, st.id)
		}
		return dst, nil
	}
	for len(data) > 0 {
		n := min(int64(len(data)), int64(s.peerMaxFrame), s.connSend, st.send)
		if n <= 0 {
			return dst, data
		}
		chunk := data[:n]
		data = data[n:]
		var flags uint8
		if len(data) == 0 && endFlag {
			flags = flagEndStream
		}
		dst = appendFrameHeader(dst, int(n), ftData, flags, st.id)
		dst = append(dst, chunk...)
		s.connSend -= n
		st.send -= n
	}
	return dst, nil
}

// releaseHeld writes held DATA that the windows now allow, streams in the
// order they started waiting, into the pending output.
func (s *session) releaseHeld() {
	q := s.heldQ[:0]
	for _, id := range s.heldQ {
		st := s.streams[id]
		if st == nil {
			continue
		}
		if s.connSend > 0 {
			s.releaseStream(st)
		}
		if s.streams[id] != nil && st.waiting() {
			q = append(q, id)
		} else {
			st.queued = false
		}
	}
	clear(s.heldQ[len(q):])
	s.heldQ = q
}

// releaseStream writes what st holds as far as the windows allow.
func (s *session) releaseStream(st *stream) {
	if !st.waiting() {
		return
	}
	data := st.held[st.heldOff:]
	var rest []byte
	s.pending, rest = s.writeData(s.pending, st, data, st.localEnd && st.trailer == nil)
	sent := len(data) - len(rest)
	st.heldOff += sent
	s.heldBytes -= sent
	if len(rest) > 0 {
		return
	}
	if cap(st.held) > 64<<10 {
		st.held = nil
	} else {
		st.held = st.held[:0]
	}
	st.heldOff = 0
	if st.localEnd {
		if st.trailer != nil {
			s.pending = s.writeTrailers(s.pending, st, st.trailer)
			st.trailer.Release()
			st.trailer = nil
		}
		s.endLocal(st)
	}
}

// copyTrailers copies tr's fields into a frame of ours, to be encoded
// when the DATA ahead of them is sent.
func copyTrailers(tr xprotocol.Frame) *Frame {
	f := newFrame(tr.Protocol(), xprotocol.KindData, tr.StreamID(), 256)
	if h := tr.Header(); h != nil {
		h.Range(func(k, v []byte) bool {
			f.appendField(string(k), string(v))
			return true
		})
	}
	f.end = true
	return f
}
