package config

import (
	"math"
	"net/url"
)

// tracing checks the tracing block. Its keys are checked even while
// tracing is off, so turning it on later cannot reveal an old mistake.
func (v *validator) tracing(t *Tracing) {
	const path = "tracing"
	if t.OTLPEndpoint != "" {
		v.otlpEndpoint(path+".otlp_endpoint", t.OTLPEndpoint)
	}
	if r := t.SampleRatio; r != nil && (math.IsNaN(*r) || *r < 0 || *r > 1) {
		v.fail(path+".sample_ratio", "must be between 0 and 1, got %v", *r)
	}
}

// otlpEndpoint checks an OTLP/HTTP endpoint: "host:port", or an http or
// https URL with a host and port.
func (v *validator) otlpEndpoint(path, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		if _, problem := parseHostPort(s, true, 1); problem != "" {
			v.fail(path, "invalid endpoint %q: %s (want host:port or an http(s) URL)", s, problem)
		}
		return
	}
	if u.Host == "" {
		v.fail(path, "invalid endpoint %q: the URL has no host", s)
		return
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		v.fail(path, "invalid endpoint %q: no user, query or fragment allowed", s)
	}
}
