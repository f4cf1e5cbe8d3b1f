package http2

// HeadPending reports whether a header block has begun (HEADERS without
// END_HEADERS) and still awaits CONTINUATION frames. The gateway bounds
// that time with its request header timeout, so a head dribbled as many
// small complete frames is cut like one dribbled byte by byte.
func (s *session) HeadPending() bool { return s.cont.active }
