package http2

import (
	"encoding/binary"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// Decode reads the client preface or one frame from the front of src. It
// returns a Frame for a stream event (head, DATA, trailers, RST_STREAM of
// a stream the engine knows, GOAWAY), nil with n > 0 for bytes it handled
// itself, ErrIncomplete for a partial frame, and a *FrameError for a
// connection error, after queueing GOAWAY in the pending output.
func (s *session) Decode(src []byte) (xprotocol.Frame, int, error) {
	f, n, err := s.decode(src)
	if err != nil || f == nil {
		return nil, n, err
	}
	return f, n, nil
}

func (s *session) decode(src []byte) (*Frame, int, error) {
	if s.dead != nil {
		return nil, 0, s.dead
	}
	if !s.prefaceDone {
		n := min(len(src), prefaceLen)
		if string(src[:n]) != clientPreface[:n] {
			return nil, 0, s.connError(ErrCodeProtocol, "preface", "not the HTTP/2 client connection preface")
		}
		if n < prefaceLen {
			return nil, 0, xprotocol.ErrIncomplete
		}
		s.prefaceDone = true
		return nil, prefaceLen, nil
	}
	if len(src) < frameHeaderLen {
		return nil, 0, xprotocol.ErrIncomplete
	}
	h := parseFrameHeader(src)
	if h.length > recvMaxFrame {
		return nil, 0, s.connError(ErrCodeFrameSize, h.typ.String(),
			"length "+strconv.Itoa(h.length)+" exceeds SETTINGS_MAX_FRAME_SIZE "+strconv.Itoa(recvMaxFrame))
	}
	n := frameHeaderLen + h.length
	if len(src) < n {
		return nil, 0, xprotocol.ErrIncomplete
	}
	p := src[frameHeaderLen:n]
	if !s.settingsSeen {
		if h.typ != ftSettings || h.flags&flagAck != 0 {
			return nil, 0, s.connError(ErrCodeProtocol, "preface", "the first frame is not SETTINGS")
		}
		s.settingsSeen = true
	}
	if s.cont.active && (h.typ != ftContinuation || h.streamID != s.cont.id) {
		return nil, 0, s.connError(ErrCodeProtocol, h.typ.String(), "a header block was interrupted")
	}
	var f *Frame
	var err error
	switch h.typ {
	case ftData:
		f, err = s.onData(h, p, n)
	case ftHeaders:
		f, err = s.onHeaders(h, p, n)
	case ftContinuation:
		f, err = s.onContinuation(h, p, n)
	case ftPriority:
		f, err = s.onPriority(h, p)
	case ftRSTStream:
		f, err = s.onRSTStream(h, p)
	case ftSettings:
		err = s.onSettings(h, p)
	case ftPushPromise:
		err = s.connError(ErrCodeProtocol, "PUSH_PROMISE", "push is not enabled")
	case ftPing:
		err = s.onPing(h, p)
	case ftGoAway:
		f, err = s.onGoAway(h, p)
	case ftWindowUpdate:
		f, err = s.onWindowUpdate(h, p)
	default:
		// Unknown and extension frames (PRIORITY_UPDATE, ORIGIN...) are ignored.
	}
	if err != nil {
		if f != nil {
			f.Release()
		}
		return nil, 0, err
	}
	return f, n, nil
}

func (s *session) onSettings(h frameHeader, p []byte) error {
	if h.streamID != 0 {
		return s.connError(ErrCodeProtocol, "SETTINGS", "stream id is not 0")
	}
	if h.flags&flagAck != 0 {
		if len(p) != 0 {
			return s.connError(ErrCodeFrameSize, "SETTINGS", "an ACK carries a payload")
		}
		return nil
	}
	if len(p)%6 != 0 {
		return s.connError(ErrCodeFrameSize, "SETTINGS", "length is not a multiple of 6")
	}
	for ; len(p) > 0; p = p[6:] {
		id := binary.BigEndian.Uint16(p)
		v := binary.BigEndian.Uint32(p[2:])
		switch id {
		case settingHeaderTableSize:
			s.enc.setMaxSize(v)
		case settingEnablePush:
			if v > 1 {
				return s.connError(ErrCodeProtocol, "SETTINGS_ENABLE_PUSH", "value is not 0 or 1")
			}
		case settingMaxConcurrentStreams:
			s.peerMaxStreams = v
		case settingInitialWindowSize:
			if v > maxWindow {
				return s.connError(ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE", "value exceeds 2^31-1")
			}
			delta := int64(v) - s.peerInitWindow
			s.peerInitWindow = int64(v)
			for _, st := range s.streams {
				st.send += delta
				if st.send > maxWindow {
					return s.connError(ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE", "a stream window exceeds 2^31-1")
				}
			}
		case settingMaxFrameSize:
			if v < minMaxFrameSize || v > maxMaxFrameSize {
				return s.connError(ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE", "value out of range")
			}
			s.peerMaxFrame = int(v)
		case settingMaxHeaderListSize:
			s.peerMaxHeaderList = v
		}
	}
	s.pending = appendFrameHeader(s.pending, 0, ftSettings, flagAck, 0)
	if err := s.queueControl(); err != nil {
		return err
	}
	s.releaseHeld()
	return nil
}

func (s *session) onPing(h frameHeader, p []byte) error {
	if h.streamID != 0 {
		return s.connError(ErrCodeProtocol, "PING", "stream id is not 0")
	}
	if len(p) != 8 {
		return s.connError(ErrCodeFrameSize, "PING", "length is not 8")
	}
	if h.flags&flagAck != 0 {
		return nil
	}
	s.pending = appendFrameHeader(s.pending, 8, ftPing, flagAck, 0)
	s.pending = append(s.pending, p...)
	return s.queueControl()
}

func (s *session) onGoAway(h frameHeader, p []byte) (*Frame, error) {
	if h.streamID != 0 {
		return nil, s.connError(ErrCodeProtocol, "GOAWAY", "stream id is not 0")
	}
	if len(p) < 8 {
		return nil, s.connError(ErrCodeFrameSize, "GOAWAY", "shorter than 8 bytes")
	}
	last := binary.BigEndian.Uint32(p) & maxStreamID
	code := ErrCode(binary.BigEndian.Uint32(p[4:]))
	s.goAwayRecv = true
	if s.role == roleClient {
		// Streams above last were not processed: they will get no answer.
		for id, st := range s.streams {
			if id > last {
				s.forget(st)
			}
		}
	}
	f := newFrame(s.proto, xprotocol.KindGoAway, 0, 0)
	f.code, f.lastID, f.size = code, last, frameHeaderLen+len(p)
	return f, nil
}

func (s *session) onWindowUpdate(h frameHeader, p []byte) (*Frame, error) {
	if len(p) != 4 {
		return nil, s.connError(ErrCodeFrameSize, "WINDOW_UPDATE", "length is not 4")
	}
	incr := int64(binary.BigEndian.Uint32(p) & maxWindow)
	if h.streamID == 0 {
		if incr == 0 {
			return nil, s.connError(ErrCodeProtocol, "WINDOW_UPDATE", "increment is 0")
		}
		s.connSend += incr
		if s.connSend > maxWindow {
			return nil, s.connError(ErrCodeFlowControl, "WINDOW_UPDATE", "connection window exceeds 2^31-1")
		}
		s.releaseHeld()
		return nil, nil
	}
	st := s.streams[h.streamID]
	if st == nil {
		if s.idle(h.streamID) {
			return nil, s.connError(ErrCodeProtocol, "WINDOW_UPDATE", "stream is idle")
		}
		return nil, nil // closed: ignore
	}
	if incr == 0 {
		return s.streamError(h.streamID, st, ErrCodeProtocol)
	}
	st.send += incr
	if st.send > maxWindow {
		return s.streamError(h.streamID, st, ErrCodeFlowControl)
	}
	s.releaseStream(st)
	return nil, nil
}

func (s *session) onRSTStream(h frameHeader, p []byte) (*Frame, error) {
	if h.streamID == 0 {
		return nil, s.connError(ErrCodeProtocol, "RST_STREAM", "stream id is 0")
	}
	if len(p) != 4 {
		return nil, s.connError(ErrCodeFrameSize, "RST_STREAM", "length is not 4")
	}
	st := s.streams[h.streamID]
	if st == nil {
		if s.idle(h.streamID) {
			return nil, s.connError(ErrCodeProtocol, "RST_STREAM", "stream is idle")
		}
		return nil, nil
	}
	code := ErrCode(binary.BigEndian.Uint32(p))
	s.forget(st)
	if s.role == roleServer && !st.sentHead {
		if err := s.countRapidReset(); err != nil {
			return nil, err
		}
	}
	f := s.resetFrame(st, code)
	f.size = frameHeaderLen + 4
	return f, nil
}

func (s *session) onPriority(h frameHeader, p []byte) (*Frame, error) {
	if h.streamID == 0 {
		return nil, s.connError(ErrCodeProtocol, "PRIORITY", "stream id is 0")
	}
	if len(p) != 5 {
		return s.streamError(h.streamID, s.streams[h.streamID], ErrCodeFrameSize)
	}
	if binary.BigEndian.Uint32(p)&maxStreamID == h.streamID {
		return s.streamError(h.streamID, s.streams[h.streamID], ErrCodeProtocol)
	}
	return nil, nil
}
