package http2

import (
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// Encode appends f's wire form to dst, after any pending output (so bytes
// leave in the order the session produced them). It accepts frames of any
// HTTP-family protocol through the generic Frame interface:
//
//   - a head (request in a client session, response in a server session)
//     becomes HEADERS (+CONTINUATION) and its Body DATA;
//   - KindData becomes DATA within the peer's windows, the rest held (see
//     Held); with header fields it ends with trailing HEADERS;
//   - KindReset becomes RST_STREAM, KindGoAway GOAWAY.
//
// A client session gives each new request the next odd wire id and maps
// the engine's id to it. Frames for a stream that was reset or finished
// are dropped without error. A head of the other direction (a request on a
// server session, a response on a client one) is written with its id as
// given, without stream state or flow control; the engine never sends one.
func (s *session) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	dst = append(dst, s.pending...)
	s.pending = s.pending[:0]
	s.ctrlQueued = 0
	if s.dead != nil {
		return dst, ErrSessionClosed
	}
	switch f.Kind() {
	case xprotocol.KindRequest, xprotocol.KindOneway:
		if s.role == roleClient {
			return s.encodeRequest(dst, f)
		}
		return s.encodeLoose(dst, f, true)
	case xprotocol.KindResponse:
		if s.role == roleServer {
			return s.encodeResponse(dst, f)
		}
		return s.encodeLoose(dst, f, false)
	case xprotocol.KindData:
		return s.encodeData(dst, f)
	case xprotocol.KindReset:
		if st := s.lookup(f.StreamID()); st != nil {
			dst = appendRSTStream(dst, st.id, codeOf(f))
			s.forget(st)
		}
		return dst, nil
	case xprotocol.KindGoAway:
		var last uint32
		if s.role == roleServer {
			last = s.lastPeerID
		}
		dst = appendGoAway(dst, last, codeOf(f), "")
		s.goAwaySent, s.goAwayLast = true, last
		return dst, nil
	}
	return dst, fmt.Errorf("%s: encode: unsupported frame kind %v", s.proto, f.Kind())
}

func codeOf(f xprotocol.Frame) ErrCode {
	if ff, ok := f.(*Frame); ok {
		return ff.code
	}
	return StatusToCode(f.Status())
}

// lookup finds the stream the engine calls eid.
func (s *session) lookup(eid uint64) *stream {
	if s.role == roleClient {
		return s.byEngine[eid]
	}
	if eid > maxStreamID {
		return nil
	}
	return s.streams[uint32(eid)]
}

func (s *session) encodeRequest(dst []byte, f xprotocol.Frame) ([]byte, error) {
	eid := f.StreamID()
	switch {
	case s.byEngine[eid] != nil:
		return dst, fmt.Errorf("%w: %d", ErrStreamInUse, eid)
	case s.goAwayRecv:
		return dst, ErrGoingAway
	case s.exhausted:
		return dst, ErrStreamIDsExhausted
	case uint32(len(s.streams)) >= s.peerMaxStreams || len(s.streams) >= s.maxStreams:
		return dst, ErrTooManyStreams
	}
	wid := s.nextWireID
	s.nextWireID += 2
	if s.nextWireID > maxStreamID {
		s.exhausted = true
	}
	st := s.newStream(wid, eid)
	s.byEngine[eid] = st
	st.sentHead = true
	st.grpc = f.Protocol() == NameGRPC
	if h := f.Header(); h != nil {
		if ct, ok := h.Get("content-type"); ok && IsGRPCContentType(ct) {
			st.grpc = true
		}
	}
	body, end := f.Body(), f.EndStream()
	dst = s.writeHeaderBlock(dst, wid, s.headBlock(f, true, false), end && len(body) == 0)
	if len(body) == 0 {
		if end {
			s.endLocal(st)
		}
		return dst, nil
	}
	return s.sendData(dst, st, body, end, nil), nil
}

func (s *session) encodeResponse(dst []byte, f xprotocol.Frame) ([]byte, error) {
	eid := f.StreamID()
	st := s.lookup(eid)
	if st == nil {
		if eid == 0 || eid > maxStreamID || s.idle(uint32(eid)) {
			return dst, fmt.Errorf("%s: encode: response on stream %d, which the client never opened", s.proto, eid)
		}
		return dst, nil // reset or finished: drop
	}
	if st.sentHead || st.localEnd || st.localDone {
		return dst, fmt.Errorf("%s: encode: stream %d already has a response head", s.proto, eid)
	}
	block := s.headBlock(f, false, false)
	if s.eh.info {
		return s.writeHeaderBlock(dst, st.id, block, false), nil
	}
	st.sentHead = true
	body, end := f.Body(), f.EndStream()
	dst = s.writeHeaderBlock(dst, st.id, block, end && len(body) == 0)
	if len(body) == 0 {
		if end {
			s.endLocal(st)
		}
		return dst, nil
	}
	return s.sendData(dst, st, body, end, nil), nil
}

// encodeLoose writes a head of the other direction as given.
func (s *session) encodeLoose(dst []byte, f xprotocol.Frame, req bool) ([]byte, error) {
	eid := f.StreamID()
	if eid == 0 || eid > maxStreamID {
		return dst, fmt.Errorf("%s: encode: stream id %d out of range", s.proto, eid)
	}
	id := uint32(eid)
	body, end := f.Body(), f.EndStream()
	dst = s.writeHeaderBlock(dst, id, s.headBlock(f, req, false), end && len(body) == 0)
	for len(body) > 0 {
		n := min(len(body), s.peerMaxFrame)
		var flags uint8
		if n == len(body) && end {
			flags = flagEndStream
		}
		dst = appendFrameHeader(dst, n, ftData, flags, id)
		dst = append(dst, body[:n]...)
		body = body[n:]
	}
	return dst, nil
}

func (s *session) encodeData(dst []byte, f xprotocol.Frame) ([]byte, error) {
	st := s.lookup(f.StreamID())
	if st == nil {
		return dst, nil // reset or finished: drop
	}
	if st.localEnd || st.localDone {
		return dst, fmt.Errorf("%s: encode: DATA after the end of stream %d", s.proto, f.StreamID())
	}
	if !st.sentHead {
		return dst, fmt.Errorf("%s: encode: DATA before the head of stream %d", s.proto, f.StreamID())
	}
	var tr xprotocol.Frame
	if s.eh.hasRegular(f) {
		tr = f
	}
	return s.sendData(dst, st, f.Body(), f.EndStream() || tr != nil, tr), nil
}

// writeTrailers writes tr's fields as the final HEADERS of st.
func (s *session) writeTrailers(dst []byte, st *stream, tr xprotocol.Frame) []byte {
	return s.writeHeaderBlock(dst, st.id, s.headBlock(tr, false, true), true)
}

// writeHeaderBlock frames block as HEADERS and CONTINUATIONs no larger than
// the peer's SETTINGS_MAX_FRAME_SIZE.
func (s *session) writeHeaderBlock(dst []byte, id uint32, block []byte, end bool) []byte {
	typ := ftHeaders
	for {
		n := min(len(block), s.peerMaxFrame)
		chunk := block[:n]
		block = block[n:]
		var flags uint8
		if len(block) == 0 {
			flags |= flagEndHeaders
		}
		if typ == ftHeaders && end {
			flags |= flagEndStream
		}
		dst = appendFrameHeader(dst, n, typ, flags, id)
		dst = append(dst, chunk...)
		if len(block) == 0 {
			return dst
		}
		typ = ftContinuation
	}
}
