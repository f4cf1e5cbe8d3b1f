package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tracingRest = `
listeners: [{name: edge, address: "127.0.0.1:2045", routes: [{cluster: up}]}]
clusters: [{name: up, endpoints: ["127.0.0.1:12200"]}]
`

func TestParseTracing(t *testing.T) {
	c, err := Parse([]byte(tracingRest), testProtocols)
	require.NoError(t, err)
	assert.Equal(t, Tracing{}, c.Tracing, "absent: off")
	assert.Equal(t, DefaultOTLPEndpoint, c.Tracing.Endpoint())
	assert.Equal(t, 1.0, c.Tracing.Ratio())
	assert.Equal(t, "xgate", c.Tracing.Service())

	c, err = Parse([]byte(`tracing: {enabled: true, otlp_endpoint: "collector.local:4318", sample_ratio: 0.25, service_name: edge-gw}`+tracingRest), testProtocols)
	require.NoError(t, err)
	assert.True(t, c.Tracing.Enabled)
	assert.Equal(t, "collector.local:4318", c.Tracing.Endpoint())
	assert.Equal(t, 0.25, c.Tracing.Ratio())
	assert.Equal(t, "edge-gw", c.Tracing.Service())

	for in, want := range map[string]float64{"0": 0, "1": 1, "0.5": 0.5, "1.0": 1} {
		c, err = Parse([]byte(`tracing: {enabled: true, sample_ratio: `+in+`}`+tracingRest), testProtocols)
		require.NoError(t, err, in)
		assert.Equal(t, want, c.Tracing.Ratio(), in)
	}
	c, err = Parse([]byte(`tracing: {enabled: true, otlp_endpoint: "https://otel.example.com:443/v1/traces", sample_ratio: null}`+tracingRest), testProtocols)
	require.NoError(t, err)
	assert.Nil(t, c.Tracing.SampleRatio)
	assert.Equal(t, 1.0, c.Tracing.Ratio())
}

func TestValidateTracing(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{`{sample_ratio: 1.5}`, "line 1: tracing.sample_ratio: must be between 0 and 1, got 1.5"},
		{`{sample_ratio: -0.1}`, "tracing.sample_ratio: must be between 0 and 1"},
		{`{sample_ratio: .nan}`, `tracing.sample_ratio: must be a number between 0 and 1, got ".nan"`},
		{`{sample_ratio: half}`, `tracing.sample_ratio: must be a number between 0 and 1, got "half"`},
		{`{sample_ratio: [1]}`, "tracing.sample_ratio: must be a number between 0 and 1"},
		{`{otlp_endpoint: "127.0.0.1"}`, `tracing.otlp_endpoint: invalid endpoint "127.0.0.1": missing port`},
		{`{otlp_endpoint: "127.0.0.1:0"}`, "tracing.otlp_endpoint: invalid endpoint"},
		{`{otlp_endpoint: "http:///v1/traces"}`, "the URL has no host"},
		{`{otlp_endpoint: "http://a:1/x?q=1"}`, "no user, query or fragment"},
		{`{enabled: yes-please}`, "tracing.enabled: must be true or false"},
		{`{sample_rate: 1}`, `tracing.sample_rate: unknown field "sample_rate" (did you mean "sample_ratio"?)`},
	} {
		_, err := Parse([]byte("tracing: "+tc.block+tracingRest), testProtocols)
		require.Error(t, err, tc.block)
		assert.Contains(t, err.Error(), tc.want, tc.block)
	}
	// Checked while off too, and Validate sees a Config built in Go.
	bad := 2.0
	c := &Config{Admin: DefaultAdmin(), Tracing: Tracing{SampleRatio: &bad, OTLPEndpoint: "nope"}}
	err := c.Validate(testProtocols)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "tracing.sample_ratio") && strings.Contains(err.Error(), "tracing.otlp_endpoint"), err.Error())
}
