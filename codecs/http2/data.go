package http2

import "github.com/xgate/xgate/xprotocol"

// onData handles a DATA frame (RFC 9113 section 6.1) and receive flow
// control: every flow-controlled byte, padding included, is granted back
// with WINDOW_UPDATE once half a window has been consumed.
func (s *session) onData(h frameHeader, p []byte, n int) (*Frame, error) {
	if h.streamID == 0 {
		return nil, s.connError(ErrCodeProtocol, "DATA", "stream id is 0")
	}
	data := p
	if h.flags&flagPadded != 0 {
		if len(data) < 1 {
			return nil, s.connError(ErrCodeFrameSize, "DATA", "no room for the pad length")
		}
		pad := int(data[0])
		data = data[1:]
		if pad > len(data) {
			return nil, s.connError(ErrCodeProtocol, "DATA", "padding exceeds the payload")
		}
		data = data[:len(data)-pad]
	}
	st := s.streams[h.streamID]
	if st == nil && s.idle(h.streamID) {
		return nil, s.connError(ErrCodeProtocol, "DATA", "stream is idle")
	}
	flow := int64(h.length)
	if flow > s.connRecv {
		return nil, s.connError(ErrCodeFlowControl, "DATA", "connection window exceeded")
	}
	s.connRecv -= flow
	s.connUnacked += flow
	if s.connUnacked >= Window/2 {
		s.pending = appendWindowUpdate(s.pending, 0, uint32(s.connUnacked))
		s.connRecv += s.connUnacked
		s.connUnacked = 0
		if err := s.queueControl(); err != nil {
			return nil, err
		}
	}
	if st == nil {
		if s.role == roleClient {
			return nil, nil // a stream we reset: frames in flight are expected
		}
		return s.streamError(h.streamID, nil, ErrCodeStreamClosed)
	}
	if st.remoteDone {
		return s.streamError(h.streamID, st, ErrCodeStreamClosed)
	}
	if !st.gotHead {
		return s.streamError(h.streamID, st, ErrCodeProtocol)
	}
	if flow > st.recv {
		return s.streamError(h.streamID, st, ErrCodeFlowControl)
	}
	st.recv -= flow
	st.got += int64(len(data))
	end := h.flags&flagEndStream != 0
	if st.clen >= 0 && (st.got > st.clen || end && st.got != st.clen) {
		return s.streamError(h.streamID, st, ErrCodeProtocol)
	}
	if !end {
		st.unacked += flow
		if st.unacked >= Window/2 && !st.paused {
			s.pending = appendWindowUpdate(s.pending, st.id, uint32(st.unacked))
			st.recv += st.unacked
			st.unacked = 0
			if err := s.queueControl(); err != nil {
				return nil, err
			}
		}
		if len(data) == 0 {
			return nil, nil // empty DATA carries nothing for the engine
		}
	}
	f := newFrame(s.frameProto(st), xprotocol.KindData, st.eid, len(data))
	f.setBody(data)
	f.end, f.size = end, n
	if end {
		s.endRemote(st)
	}
	return f, nil
}
