package http2

// addForwarded records the client on a request a server session decoded,
// as an HTTP/1.1 session does: its IP appended to X-Forwarded-For, and
// X-Forwarded-Proto set to the scheme the client used with the gateway.
// A session that does not know its peer (no SessionOptions.RemoteAddr)
// adds neither.
func (s *session) addForwarded(f *Frame) {
	if s.forwardedFor == "" {
		return
	}
	if prev := f.get("x-forwarded-for"); prev != nil {
		f.Header().Set("x-forwarded-for", string(prev)+", "+s.forwardedFor)
	} else {
		f.appendField("x-forwarded-for", s.forwardedFor)
	}
	proto := "http"
	if s.secure {
		proto = "https"
	}
	if v := f.get("x-forwarded-proto"); string(v) != proto {
		if v != nil {
			f.Header().Del("x-forwarded-proto")
		}
		f.appendField("x-forwarded-proto", proto)
	}
}
