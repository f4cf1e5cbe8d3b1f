package config

// listenerLimits checks the listener keys that bound what one client
// connection may cost: header count, concurrent streams and the request
// header and write timeouts (see Listener).
func (v *validator) listenerLimits(path string, l *Listener) {
	v.between(path+".max_header_count", l.MaxHeaderCount, 1, MaxHeaderCount, "")
	v.between(path+".max_concurrent_streams", l.MaxConcurrentStreams, 1, MaxConcurrentStreams, "")
	if l.RequestHeaderTimeout < 0 {
		v.fail(path+".request_header_timeout", "must be >= 0 (0 disables it), got %s", l.RequestHeaderTimeout)
	}
	if l.WriteTimeout < 0 {
		v.fail(path+".write_timeout", "must be >= 0 (0 disables it), got %s", l.WriteTimeout)
	}
}
