package filter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

func noop(s *Settings) struct{} { return struct{}{} }

func buildNoop(struct{}, Env) (Factory, error) { return Shared(&rec{}), nil }

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, r.Register(Define("mine", noop, buildNoop)))
	err := r.Register(Define("mine", noop, buildNoop))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"mine" is already registered`)
	for _, bad := range []string{"", "Mine", "1st", "with space", "_x"} {
		assert.Error(t, r.Register(Define(bad, noop, buildNoop)), "%q", bad)
	}
	assert.Error(t, r.Register(Kind{Name: "raw"}), "a Kind not made by Define")
	assert.Panics(t, func() { r.MustRegister(Define("mine", noop, buildNoop)) })
	assert.Equal(t, []string{"mine"}, r.FilterNames())

	assert.Equal(t, []string{AccessLog, LocalRateLimit, HeaderAuth, Fault}, Default.FilterNames())
	assert.Error(t, Register(Define(AccessLog, noop, buildNoop)), "built-ins cannot be replaced")
}

func TestCheckFilter(t *testing.T) {
	tests := []struct {
		name     string
		filter   string
		settings string
		want     []config.FilterProblem
	}{
		{"rate limit ok", LocalRateLimit, `{"max_tokens": 10, "tokens_per_fill": 5, "fill_interval": "1s"}`, nil},
		{"rate limit missing", LocalRateLimit, "", []config.FilterProblem{
			{Key: "max_tokens", Msg: "is required (the bucket size, 1..16777215)"},
			{Key: "fill_interval", Msg: `is required (how often tokens_per_fill tokens are added, e.g. "1s")`}}},
		{"rate limit bad values", LocalRateLimit, `{"max_tokens": "ten", "fill_interval": 1, "tokens_per_fill": 0}`, []config.FilterProblem{
			{Key: "max_tokens", Msg: `must be a whole number, got "ten"`},
			{Key: "fill_interval", Msg: `duration 1 has no unit: write e.g. "1ms" or "1s"`},
			{Key: "tokens_per_fill", Msg: "must be between 1 and 1, got 0"}}},
		{"rate limit interval too short", LocalRateLimit, `{"max_tokens": 1, "fill_interval": "10us"}`, []config.FilterProblem{
			{Key: "fill_interval", Msg: "must be between 1ms and 24h0m0s, got 10µs"}}},
		{"typo", LocalRateLimit, `{"max_tokens": 1, "fill_interval": "1s", "max_token": 2}`, []config.FilterProblem{
			{Key: "max_token", Msg: `unknown setting "max_token" (did you mean "max_tokens"?)`}}},
		{"typo of a required setting: reported once", LocalRateLimit, `{"max_token": 1, "fill_interval": "1s"}`, []config.FilterProblem{
			{Key: "max_token", Msg: `unknown setting "max_token" (did you mean "max_tokens"?)`}}},
		{"not a mapping", LocalRateLimit, `[1, 2]`, []config.FilterProblem{
			{Msg: "must be a mapping of settings to values, got a list"},
			{Key: "max_tokens", Msg: "is required (the bucket size, 1..16777215)"},
			{Key: "fill_interval", Msg: `is required (how often tokens_per_fill tokens are added, e.g. "1s")`}}},
		{"null setting is absent", HeaderAuth, `{"values": "a", "header": null}`, nil},
		{"wrong value kinds", HeaderAuth, `{"values": ["a", {"b": 1}, ""], "header": ["x"]}`, []config.FilterProblem{
			{Key: "header", Msg: "must be a string, got a list"},
			{Key: "values[1]", Msg: "must be a string, got a mapping"},
			{Key: "values[2]", Msg: "must not be empty"}}},
		{"unknown", HeaderAuth, `{"values": "a", "realm": "x"}`, []config.FilterProblem{
			{Key: "realm", Msg: `unknown setting "realm" (known: header, values, remove_header, status)`}}},
		{"auth without values", HeaderAuth, `{"values": []}`, []config.FilterProblem{
			{Key: "values", Msg: `is required: the accepted values (e.g. ["Bearer token-1", "Bearer token-2"])`}}},
		{"auth bad status", HeaderAuth, `{"values": "a", "status": "ok", "remove_header": "yes"}`, []config.FilterProblem{
			{Key: "remove_header", Msg: `must be true or false, got "yes"`},
			{Key: "status", Msg: `unknown status "ok" (want one of no_route, unavailable, timeout, overload, bad_request, server_error, unknown)`}}},
		{"fault does nothing", Fault, `{"delay_percent": 5}`, []config.FilterProblem{
			{Msg: "set delay, abort or header_control: this fault does nothing"},
			{Key: "delay_percent", Msg: "is set but delay is not"}}},
		{"fault bad percent", Fault, `{"abort": "overload", "abort_percent": 150}`, []config.FilterProblem{
			{Key: "abort_percent", Msg: "must be between 0 and 100, got 150"}}},
		{"fault percent forms", Fault, `{"abort": "overload", "abort_percent": "12.5%", "delay": "1s", "delay_percent": 0.001}`, nil},
		{"access log json and format", AccessLog, `{"json": true, "format": "%STATUS%"}`, []config.FilterProblem{
			{Key: "format", Msg: "is not used with json: true (JSON lines have fixed keys); remove one"}}},
		{"access log bad placeholder", AccessLog, `{"format": "%STATUS% %CODE%"}`, []config.FilterProblem{
			{Key: "format", Msg: "unknown placeholder %CODE% (known: START_TIME, DURATION, PROTOCOL, SERVICE, METHOD, PATH, HOST, STATUS, DETAILS, STOPPED_BY, CLUSTER, UPSTREAM_HOST, BYTES_RECEIVED, BYTES_SENT, DOWNSTREAM_REMOTE_ADDRESS, STREAM_ID, REQ(header), RESP(header))"}}},
		{"access log missing directory", AccessLog, `{"path": "/nonexistent/dir/a.log", "queue": 0}`, []config.FilterProblem{
			{Key: "path", Msg: `directory "/nonexistent/dir" does not exist`},
			{Key: "queue", Msg: "must be between 1 and 1048576, got 0"}}},
		{"unknown filter", "nope", "", []config.FilterProblem{{Msg: `unknown filter "nope"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Default.CheckFilter(tt.filter, js(tt.settings)))
		})
	}
}

func TestSettingsGetters(t *testing.T) {
	s := newSettings(js(`{"d0": 0, "p": "50%", "l": ["a", 2, true], "one": "x", "st": "no_route"}`))
	assert.Equal(t, time.Duration(0), s.Duration("d0", time.Second, 0, time.Hour), "a bare 0 needs no unit")
	assert.Equal(t, uint32(500_000), s.Percent("p", 0))
	assert.Equal(t, []string{"a", "2", "true"}, s.List("l"))
	assert.Equal(t, []string{"x"}, s.List("one"), "a single value is a list of one")
	assert.Equal(t, xprotocol.StatusNoRoute, s.Status("st", xprotocol.StatusOK))
	assert.Equal(t, "def", s.String("absent", "def"))
	assert.Empty(t, s.finish())
}

func TestNewChainErrors(t *testing.T) {
	_, err := NewChain([]config.Filter{{Name: "nope"}}, Env{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `filters[0]: unknown filter "nope" (registered: access_log, local_rate_limit, header_auth, fault)`)

	_, err = NewChain([]config.Filter{{Name: HeaderAuth, Config: js(`{"values": "a"}`)}, {Name: LocalRateLimit}}, Env{})
	var se *SettingsError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1, se.Index)
	assert.Equal(t, "filters[1] (local_rate_limit): max_tokens: is required (the bucket size, 1..16777215); "+
		`fill_interval: is required (how often tokens_per_fill tokens are added, e.g. "1s")`, err.Error())
}

// TestConfigIntegration parses a whole file: this package installed
// Default as the config package's filter checker, so filter settings are
// reported with their field path and line like every other mistake.
func TestConfigIntegration(t *testing.T) {
	doc := `listeners:
  - name: edge
    address: 127.0.0.1:2045
    filters:
      - name: header_auth
        config: {values: [Bearer a, Bearer b], remove_header: true}
      - name: local_rate_limit
        config:
          max_tokens: 100
          fill_interval: 1 second
      - name: acces_log
      - name: fault
        config: {delay: 5s, delay_percent: 10, header_control: true}
    routes:
      - cluster: up
clusters:
  - {name: up, endpoints: [127.0.0.1:1]}
`
	_, err := config.Parse([]byte(doc), nil)
	var errs config.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "%v", err)
	// config is kept as JSON: its keys are reported on the line of config.
	assert.Equal(t, `line 8: listeners[0].filters[1].config.fill_interval: invalid duration "1 second": want a Go duration such as "250ms", "5s" or "1m30s"`, errs[0].Error())
	assert.Equal(t, `line 11: listeners[0].filters[2].name: unknown filter "acces_log" (registered: access_log, local_rate_limit, header_auth, fault)`, errs[1].Error())
}
