package config

import (
	"strconv"
	"strings"
)

// Tracing defaults. The zero Tracing is tracing off; its accessors give
// these values for the keys a file leaves out.
const (
	DefaultOTLPEndpoint       = "127.0.0.1:4318"
	DefaultTracingSampleRatio = 1.0
	DefaultTracingServiceName = "xgate"
)

// Tracing configures OpenTelemetry tracing: a server span per sampled
// request, W3C Trace Context (traceparent, tracestate) read from the
// request and written into the forwarded one, spans exported over
// OTLP/HTTP by a batch span processor that is flushed on shutdown. Key:
// tracing. Optional; off by default, and then it costs the forward path
// nothing. Tracing settings take effect at start: a reload that changes
// them is refused.
type Tracing struct {
	// Enabled turns tracing on. Key: enabled. Default false.
	Enabled bool `yaml:"enabled"`

	// OTLPEndpoint is where spans are exported with OTLP/HTTP (protobuf),
	// as "host:port" (plain HTTP, path /v1/traces) or a URL
	// "http://host:port/path" or "https://...". Key: otlp_endpoint.
	// Default DefaultOTLPEndpoint; use Endpoint() for the effective value.
	OTLPEndpoint string `yaml:"otlp_endpoint"`

	// SampleRatio is the share of new traces (requests without a sampled
	// or unsampled traceparent) that are recorded; a request that carries a
	// traceparent follows its parent's decision (parent-based sampling).
	// An unsampled request gets no span and is forwarded with its headers
	// as they came (no traceparent added). Key: sample_ratio. Default 1.0 (nil); 0..1. Use Ratio() for the
	// effective value.
	SampleRatio *float64 `yaml:"sample_ratio"`

	// ServiceName is the service.name resource attribute of every span.
	// Key: service_name. Default DefaultTracingServiceName; use Service()
	// for the effective value.
	ServiceName string `yaml:"service_name"`
}

// Endpoint returns OTLPEndpoint or its default.
func (t Tracing) Endpoint() string {
	if t.OTLPEndpoint == "" {
		return DefaultOTLPEndpoint
	}
	return t.OTLPEndpoint
}

// Ratio returns SampleRatio or its default.
func (t Tracing) Ratio() float64 {
	if t.SampleRatio == nil {
		return DefaultTracingSampleRatio
	}
	return *t.SampleRatio
}

// Service returns ServiceName or its default.
func (t Tracing) Service() string {
	if t.ServiceName == "" {
		return DefaultTracingServiceName
	}
	return t.ServiceName
}

// decodeKey decodes sample_ratio, the one number of the schema that is not
// a whole number (the generic decoder has no floating-point values).
func (t *Tracing) decodeKey(d *decoder, p pair, path string) bool {
	if p.key != "sample_ratio" {
		return false
	}
	n := resolve(p.val)
	if isNull(n) {
		return true
	}
	if !d.isScalar(n, path, p.line, "a number between 0 and 1") {
		return true
	}
	tag := n.ShortTag()
	f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	if (tag != "!!float" && tag != "!!int") || err != nil {
		d.fail(path, p.line, "must be a number between 0 and 1, got %q", n.Value)
		return true
	}
	t.SampleRatio = &f
	return true
}
