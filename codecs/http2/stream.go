package http2

// stream is one stream's state. Its ids: id on the wire, eid the engine's
// (the same in a server session).
type stream struct {
	id  uint32
	eid uint64
	// localDone: we sent END_STREAM; localEnd: END_STREAM is queued behind
	// held DATA; remoteDone: the peer sent END_STREAM.
	localDone, localEnd, remoteDone bool
	// gotHead: the peer's head arrived (client: the response head).
	gotHead bool
	// sentHead: our head was sent (server: the response head).
	sentHead bool
	grpc     bool
	// send is the peer's window for this stream; recv is what the peer may
	// still send; unacked is what we consumed but did not grant back yet.
	send, recv, unacked int64
	// clen is the declared content-length (-1 if none); got counts DATA.
	clen, got int64
	// held is DATA waiting for window from heldOff; trailer is trailers
	// queued behind it.
	held    []byte
	heldOff int
	trailer *Frame
	queued  bool // in the session's held queue
	// paused: no window is granted back on this stream (PauseStream).
	paused bool
}

func (st *stream) heldLen() int { return len(st.held) - st.heldOff }

// open reports whether the stream has anything queued or unsent.
func (st *stream) waiting() bool { return st.heldLen() > 0 || st.localEnd && !st.localDone }

// rememberClosed records a closed stream id.
func (s *session) rememberClosed(id uint32) {
	s.recent[s.recentN%recentClosedLen] = id
	s.recentN++
}

// recentlyClosed reports whether id is among the last closed streams.
func (s *session) recentlyClosed(id uint32) bool {
	for _, c := range s.recent {
		if c == id && id != 0 {
			return true
		}
	}
	return false
}

// idle reports whether id names a stream that was never opened.
func (s *session) idle(id uint32) bool {
	if s.role == roleServer {
		return id%2 == 0 || id > s.lastPeerID
	}
	return id%2 == 0 || id >= s.nextWireID
}

// forget closes st: it leaves the tables and its held bytes are dropped.
func (s *session) forget(st *stream) {
	if _, ok := s.streams[st.id]; !ok {
		return
	}
	delete(s.streams, st.id)
	if s.role == roleClient {
		delete(s.byEngine, st.eid)
	}
	s.heldBytes -= st.heldLen()
	st.held, st.heldOff = nil, 0
	if st.trailer != nil {
		st.trailer.Release()
		st.trailer = nil
	}
	s.rememberClosed(st.id)
	if len(s.free) < maxFreeStreams && !st.queued {
		s.free = append(s.free, st)
	}
}

// endLocal marks END_STREAM sent.
func (s *session) endLocal(st *stream) {
	st.localDone = true
	if st.remoteDone {
		s.forget(st)
	}
}

// endRemote marks END_STREAM received.
func (s *session) endRemote(st *stream) {
	st.remoteDone = true
	if st.localDone {
		s.forget(st)
	}
}
