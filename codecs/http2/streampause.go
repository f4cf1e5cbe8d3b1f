package http2

// PauseStream stops granting the peer flow-control window on the stream
// the engine knows as eid: the peer may still send what its window allows
// (at most Window bytes), then it must wait. The gateway pauses a response
// stream whose client is not taking it, so the server, not the gateway,
// holds the rest. Unknown ids are ignored.
func (s *session) PauseStream(eid uint64) {
	if st := s.lookup(eid); st != nil {
		st.paused = true
	}
}

// ResumeStream grants back, as a WINDOW_UPDATE in the pending output, the
// window the stream consumed while paused, and lets it be granted as usual
// again. Unknown ids are ignored.
func (s *session) ResumeStream(eid uint64) {
	st := s.lookup(eid)
	if st == nil || !st.paused {
		return
	}
	st.paused = false
	if st.unacked > 0 && !st.remoteDone {
		s.pending = appendWindowUpdate(s.pending, st.id, uint32(st.unacked))
		st.recv += st.unacked
		st.unacked = 0
		s.ctrlQueued++ // our own frame: counted, never refused
	}
}
