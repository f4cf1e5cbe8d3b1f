package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validBase is a valid config; each broken case changes one thing in it
// without moving lines, so the line numbers below stay put.
const validBase = `admin:
  address: 127.0.0.1:9901
listeners:
  - name: edge
    address: 127.0.0.1:2045
    protocols: [auto]
    detect_timeout: 5s
    max_frame_size: 16777216
    routes:
      - match: {service: com.example.EchoService, method: echo}
        cluster: echo-bolt
  - name: internal
    address: 127.0.0.1:2046
    routes:
      - cluster: echo-bolt
clusters:
  - name: echo-bolt
    protocol: bolt
    lb: round_robin
    endpoints: [127.0.0.1:12200]
    connect_timeout: 1s
`

// edit returns validBase with old replaced by new, failing the test if old
// is not there exactly once.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(validBase, old), "edit %q", old)
	return strings.Replace(validBase, old, new, 1)
}

func TestParseValidBase(t *testing.T) {
	_, err := Parse([]byte(validBase), testProtocols)
	require.NoError(t, err)
}

func TestParseBroken(t *testing.T) {
	type edited struct{ old, new string }
	tests := []struct {
		name string
		edit *edited // applied to validBase
		also *edited // a second edit, applied after edit
		doc  string  // used when edit is nil
		path string
		line int
		msg  string
	}{
		// Listeners.
		{name: "missing listener name", edit: &edited{"- name: edge", `- name: ""`},
			path: "listeners[0].name", line: 4, msg: "is required"},
		{name: "null listener name", edit: &edited{"- name: edge", "- name:"},
			path: "listeners[0].name", line: 4, msg: "is required"},
		{name: "bad listener name", edit: &edited{"- name: edge", "- name: my edge"},
			path: "listeners[0].name", line: 4, msg: `listener name "my edge" may hold only letters`},
		{name: "duplicate listener name", edit: &edited{"- name: internal", "- name: edge"},
			path: "listeners[1].name", line: 12, msg: `duplicate listener name "edge" (also listeners[0])`},
		{name: "duplicate listener address", edit: &edited{"127.0.0.1:2046", "127.0.0.1:2045"},
			path: "listeners[1].address", line: 13, msg: `duplicate listener address "127.0.0.1:2045" (also listeners[0], "edge")`},
		{name: "duplicate wildcard listener address", edit: &edited{"127.0.0.1:2046", `"[::]:2046"`}, also: &edited{"127.0.0.1:2045", "0.0.0.0:2046"},
			path: "listeners[1].address", line: 13, msg: `duplicate listener address "[::]:2046"`},
		{name: "listener address without port", edit: &edited{"127.0.0.1:2046", "127.0.0.1"},
			path: "listeners[1].address", line: 13, msg: "missing port"},
		{name: "unknown protocol", edit: &edited{"protocols: [auto]", "protocols: [bolt, sofa]"},
			path: "listeners[0].protocols[1]", line: 6, msg: `unknown protocol "sofa" (known: auto, bolt, dubbo, thrift, http1, http2, grpc)`},
		{name: "auto with others", edit: &edited{"protocols: [auto]", "protocols: [auto, bolt]"},
			path: "listeners[0].protocols[0]", line: 6, msg: `"auto" must be the only protocol`},
		{name: "duplicate protocol", edit: &edited{"protocols: [auto]", "protocols: [bolt, bolt]"},
			path: "listeners[0].protocols[1]", line: 6, msg: `duplicate protocol "bolt"`},
		{name: "empty protocol list", edit: &edited{"protocols: [auto]", "protocols: []"},
			path: "listeners[0].protocols", line: 6, msg: "at least one protocol"},
		{name: "protocols not a list", edit: &edited{"protocols: [auto]", "protocols: auto"},
			path: "listeners[0].protocols", line: 6, msg: `must be a list, got "auto"`},
		{name: "bad duration", edit: &edited{"detect_timeout: 5s", "detect_timeout: 5 seconds"},
			path: "listeners[0].detect_timeout", line: 7, msg: `invalid duration "5 seconds": want a Go duration such as "250ms", "5s" or "1m30s"`},
		{name: "duration without unit", edit: &edited{"detect_timeout: 5s", "detect_timeout: 5"},
			path: "listeners[0].detect_timeout", line: 7, msg: `duration 5 has no unit: write e.g. "5s" or "5ms"`},
		{name: "zero detect timeout", edit: &edited{"detect_timeout: 5s", "detect_timeout: 0s"},
			path: "listeners[0].detect_timeout", line: 7, msg: "must be > 0, got 0s"},
		{name: "max_frame_size 0", edit: &edited{"max_frame_size: 16777216", "max_frame_size: 0"},
			path: "listeners[0].max_frame_size", line: 8, msg: "must be between 64 and 1073741824 bytes (1 GiB), got 0"},
		{name: "max_frame_size with unit", edit: &edited{"max_frame_size: 16777216", "max_frame_size: 16MiB"},
			path: "listeners[0].max_frame_size", line: 8, msg: `must be a whole number, got "16MiB"`},
		{name: "negative event loops", edit: &edited{"max_frame_size: 16777216", "event_loops: -1"},
			path: "listeners[0].event_loops", line: 8, msg: "must be >= 0, got -1"},
		{name: "unknown route protocol", edit: &edited{"service: com.example.EchoService", "protocol: sofa"},
			path: "listeners[0].routes[0].match.protocol", line: 10, msg: `unknown protocol "sofa"`},
		{name: "unknown heartbeat mode", edit: &edited{"max_frame_size: 16777216", "heartbeat: sometimes"},
			path: "listeners[0].heartbeat", line: 8, msg: `unknown heartbeat mode "sometimes" (want local or forward)`},
		{name: "negative idle timeout", edit: &edited{"max_frame_size: 16777216", "idle_timeout: -1s"},
			path: "listeners[0].idle_timeout", line: 8, msg: "must be >= 0"},
		{name: "peek bytes too large", edit: &edited{"max_frame_size: 16777216", "detect_peek_bytes: 4097"},
			path: "listeners[0].detect_peek_bytes", line: 8, msg: "must be between 1 and 4096, got 4097"},
		{name: "zero max connections", edit: &edited{"max_frame_size: 16777216", "max_connections: 0"},
			path: "listeners[0].max_connections", line: 8, msg: "must be >= 1, got 0"},
		{name: "unknown field with line", edit: &edited{"    address: 127.0.0.1:2046", "    adress: 127.0.0.1:2046"},
			path: "listeners[1].adress", line: 13, msg: `unknown field "adress" (did you mean "address"?)`},
		{name: "unknown field without a near name", edit: &edited{"    max_frame_size: 16777216", "    quic: true"},
			path: "listeners[0].quic", line: 8, msg: `unknown field "quic" (known: name, address, protocols,`},
		{name: "tls is a mapping", edit: &edited{"    max_frame_size: 16777216", "    tls: true"},
			path: "listeners[0].tls", line: 8, msg: `must be a mapping of keys to values, got "true"`},
		{name: "tls without a key", edit: &edited{"    max_frame_size: 16777216", "    tls: {cert_file: c.pem}"},
			path: "listeners[0].tls.key_file", line: 8, msg: `is required`},
		{name: "tls with missing files", edit: &edited{"    max_frame_size: 16777216", "    tls: {cert_file: /nonexistent/c.pem, key_file: /nonexistent/k.pem}"},
			path: "listeners[0].tls", line: 8, msg: `cannot load the certificate: open /nonexistent/c.pem`},
		{name: "header limit too small", edit: &edited{"    max_frame_size: 16777216", "    max_header_bytes: 100"},
			path: "listeners[0].max_header_bytes", line: 8, msg: "must be between 1024 and 16777216"},
		{name: "duplicate key", edit: &edited{"    detect_timeout: 5s", "    address: 127.0.0.1:2047"},
			path: "listeners[0].address", line: 7, msg: `duplicate key "address" (first set on line 5)`},
		{name: "no routes", edit: &edited{"    routes:\n      - cluster: echo-bolt\n", "    routes: []\n    # none\n"},
			path: "listeners[1].routes", line: 14, msg: "at least one route is required"},

		// Routes.
		{name: "route to unknown cluster", edit: &edited{"      - cluster: echo-bolt", "      - cluster: nope"},
			path: "listeners[1].routes[0].cluster", line: 15, msg: `unknown cluster "nope" (defined: echo-bolt)`},
		{name: "route without cluster", edit: &edited{"      - cluster: echo-bolt", "      - match: {}"},
			path: "listeners[1].routes[0].cluster", line: 15, msg: "is required"},
		{name: "path prefix without slash", edit: &edited{"{service: com.example.EchoService, method: echo}", "{path_prefix: api}"},
			path: "listeners[0].routes[0].match.path_prefix", line: 10, msg: `must start with "/", got "api"`},
		{name: "empty header name", edit: &edited{"{service: com.example.EchoService, method: echo}", `{headers: {"": x}}`},
			path: `listeners[0].routes[0].match.headers[""]`, line: 10, msg: "header name must not be empty"},
		{name: "unknown match field", edit: &edited{"{service: com.example.EchoService, method: echo}", "{servce: x}"},
			path: "listeners[0].routes[0].match.servce", line: 10, msg: `did you mean "service"?`},

		// Clusters.
		{name: "endpoint without port", edit: &edited{"[127.0.0.1:12200]", "[localhost]"},
			path: "clusters[0].endpoints[0]", line: 20, msg: `invalid endpoint "localhost": missing port`},
		{name: "endpoint port 70000", edit: &edited{"[127.0.0.1:12200]", "[127.0.0.1:12200, 127.0.0.1:70000]"},
			path: "clusters[0].endpoints[1]", line: 20, msg: "port 70000 is out of range 1..65535"},
		{name: "endpoint port 0", edit: &edited{"[127.0.0.1:12200]", "[127.0.0.1:0]"},
			path: "clusters[0].endpoints[0]", line: 20, msg: "port 0 is out of range 1..65535"},
		{name: "endpoint named port", edit: &edited{"[127.0.0.1:12200]", "[127.0.0.1:http]"},
			path: "clusters[0].endpoints[0]", line: 20, msg: `port "http" is not a number`},
		{name: "endpoint without host", edit: &edited{"[127.0.0.1:12200]", `[":12200"]`},
			path: "clusters[0].endpoints[0]", line: 20, msg: "missing host"},
		{name: "endpoint bare ipv6", edit: &edited{"[127.0.0.1:12200]", `["::1:12200"]`},
			path: "clusters[0].endpoints[0]", line: 20, msg: "in brackets"},
		{name: "endpoint bad host", edit: &edited{"[127.0.0.1:12200]", `["bad host:1"]`},
			path: "clusters[0].endpoints[0]", line: 20, msg: `invalid host "bad host"`},
		{name: "duplicate endpoint", edit: &edited{"[127.0.0.1:12200]", `[127.0.0.1:12200, "[::ffff:127.0.0.1]:12200"]`},
			path: "clusters[0].endpoints[1]", line: 20, msg: `duplicate endpoint "[::ffff:127.0.0.1]:12200" (also endpoints[0])`},
		{name: "no endpoints", edit: &edited{"[127.0.0.1:12200]", "[]"},
			path: "clusters[0].endpoints", line: 20, msg: "at least one endpoint is required"},
		{name: "unknown lb", edit: &edited{"lb: round_robin", "lb: fastest"},
			path: "clusters[0].lb", line: 19, msg: `unknown lb "fastest" (want round_robin, weighted_round_robin, random, least_request, ring_hash or maglev)`},
		{name: "lb misspelt", edit: &edited{"lb: round_robin", "lb: weighted"},
			path: "clusters[0].lb", line: 19, msg: `unknown lb "weighted" (did you mean weighted_round_robin?)`},
		{name: "unknown cluster protocol", edit: &edited{"protocol: bolt", "protocol: sofa"},
			path: "clusters[0].protocol", line: 18, msg: `unknown protocol "sofa" (known: bolt, dubbo,`},
		{name: "auto cluster protocol", edit: &edited{"protocol: bolt", "protocol: auto"},
			path: "clusters[0].protocol", line: 18, msg: `"auto" is for listeners`},
		{name: "zero connect timeout", edit: &edited{"connect_timeout: 1s", "connect_timeout: 0"},
			path: "clusters[0].connect_timeout", line: 21, msg: "must be > 0, got 0s"},
		{name: "too many connections per host", edit: &edited{"connect_timeout: 1s", "connections_per_host: 65"},
			path: "clusters[0].connections_per_host", line: 21, msg: "must be between 1 and 64, got 65"},
		{name: "zero ping-pong connections", edit: &edited{"connect_timeout: 1s", "max_connections_per_host: 0"},
			path: "clusters[0].max_connections_per_host", line: 21, msg: "must be between 1 and 4096, got 0"},
		{name: "too many pending requests", edit: &edited{"connect_timeout: 1s", "max_pending_requests: 2000000"},
			path: "clusters[0].max_pending_requests", line: 21, msg: "must be between 1 and 1048576, got 2000000"},
		{name: "duplicate cluster name", edit: &edited{"connect_timeout: 1s\n", "connect_timeout: 1s\n  - {name: echo-bolt, endpoints: [127.0.0.1:1]}\n"},
			path: "clusters[1].name", line: 22, msg: `duplicate cluster name "echo-bolt" (also clusters[0])`},

		// Admin.
		{name: "admin on 0.0.0.0", edit: &edited{"address: 127.0.0.1:9901", "address: 0.0.0.0:9901"},
			path: "admin.address", line: 2, msg: `"0.0.0.0:9901" listens on every interface; the admin server exposes /config and /clusters, so set admin.allow_public: true`},
		{name: "admin on a public IP", edit: &edited{"address: 127.0.0.1:9901", "address: 192.0.2.1:9901"},
			path: "admin.address", line: 2, msg: "is not a loopback address"},
		{name: "admin allow_public not a bool", edit: &edited{"address: 127.0.0.1:9901", "allow_public: yes"},
			path: "admin.allow_public", line: 2, msg: `must be true or false, got "yes"`},
		{name: "admin clashes with a listener", edit: &edited{"address: 127.0.0.1:9901", "address: 127.0.0.1:2046"},
			path: "admin.address", line: 2, msg: `is also the address of listeners[1] ("internal")`},

		// The file as a whole.
		{name: "empty file", doc: "",
			path: "", line: 0, msg: "the configuration is empty"},
		{name: "only comments", doc: "# nothing yet\n",
			path: "", line: 0, msg: "the configuration is empty"},
		{name: "yaml syntax error", doc: "listeners:\n  - name: edge\n    routes: [{cluster: a}\n",
			path: "", line: 3, msg: "invalid YAML: did not find expected ',' or ']'"},
		{name: "yaml parser error placed by its collection", doc: "admin:\n  disabled: true\nlisteners:\n  - name: edge\n  address: x\n",
			path: "", line: 4, msg: "invalid YAML: did not find expected '-' indicator"},
		{name: "yaml stray list item", doc: "admin: {}\nclusters: []\n- edge\n",
			path: "", line: 3, msg: "invalid YAML: did not find expected key"},
		{name: "yaml error on line 1", doc: "listeners: name: edge\n",
			path: "", line: 1, msg: "invalid YAML: mapping values are not allowed in this context"},
		{name: "yaml unterminated string", doc: "admin:\n  address: \"127.0.0.1:9901\n",
			path: "", line: 2, msg: "invalid YAML: found unexpected end of stream"}, // where the string starts
		{name: "yaml unknown anchor", doc: "admin: {}\nlisteners: *edge\n",
			path: "", line: 2, msg: "invalid YAML: unknown anchor 'edge' referenced"},
		{name: "control character", doc: "admin: {}\nlisteners: \x01\n",
			path: "", line: 2, msg: "invalid YAML: control character U+0001 is not allowed"},
		{name: "invalid utf-8", doc: "admin: {}\n\nlisteners: \xff\n",
			path: "", line: 3, msg: "invalid YAML: byte 0xff is not valid UTF-8"},
		{name: "tab indentation", doc: "listeners:\n\t- name: edge\n",
			path: "", line: 2, msg: "(a tab: YAML indentation must use spaces)"},
		{name: "not a mapping", doc: "- edge\n- echo\n",
			path: "", line: 1, msg: "must be a mapping with the keys admin, listeners and clusters"},
		{name: "two documents", doc: validBase + "---\nlisteners: []\n",
			path: "", line: 23, msg: "a second YAML document starts here"},
		{name: "no listeners", doc: "# clusters only\nclusters: [{name: a, endpoints: [127.0.0.1:1]}]\n",
			path: "listeners", line: 2, msg: "at least one listener is required"},
		{name: "unknown top-level field", doc: validBase + "listner: {}\n",
			path: "listner", line: 22, msg: `unknown field "listner" (did you mean "listeners"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if tt.edit != nil {
				doc = edit(t, tt.edit.old, tt.edit.new)
			}
			if tt.also != nil {
				require.Equal(t, 1, strings.Count(doc, tt.also.old), "edit %q", tt.also.old)
				doc = strings.Replace(doc, tt.also.old, tt.also.new, 1)
			}
			_, err := Parse([]byte(doc), testProtocols)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want exactly one error, got:\n%v", err)
			assert.Equal(t, tt.path, errs[0].Path)
			assert.Equal(t, tt.line, errs[0].Line)
			assert.Contains(t, errs[0].Msg, tt.msg)
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	doc := validBase
	for _, e := range []struct{ old, new string }{
		{"- name: edge", `- name: ""`},                          // line 4
		{"protocols: [auto]", "protocols: [sofa]"},              // line 6
		{"      - cluster: echo-bolt", "      - cluster: nope"}, // line 15
		{"lb: round_robin", "lb: fastest"},                      // line 19
		{"[127.0.0.1:12200]", "[127.0.0.1:70000]"},              // line 20
	} {
		require.Equal(t, 1, strings.Count(doc, e.old), "edit %q", e.old)
		doc = strings.Replace(doc, e.old, e.new, 1)
	}
	_, err := Parse([]byte(doc), testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 5, "got:\n%v", err)

	want := []struct {
		path string
		line int
	}{
		{"listeners[0].name", 4},
		{"listeners[0].protocols[0]", 6},
		{"listeners[1].routes[0].cluster", 15},
		{"clusters[0].lb", 19},
		{"clusters[0].endpoints[0]", 20},
	}
	for i, w := range want {
		assert.Equal(t, w.path, errs[i].Path, "error %d", i)
		assert.Equal(t, w.line, errs[i].Line, "error %d", i)
	}
	assert.Equal(t, `line 15: listeners[1].routes[0].cluster: unknown cluster "nope" (defined: echo-bolt)`, errs[2].Error())
	assert.Equal(t, 5, strings.Count(err.Error(), "\n")+1, "one line per error")
}

func TestParseDecodeAndValidationErrorsTogether(t *testing.T) {
	// A decode error (bad duration) and a validation error (unknown cluster)
	// in one file are both reported, in line order.
	doc := edit(t, "detect_timeout: 5s", "detect_timeout: soon")
	doc = strings.Replace(doc, "      - cluster: echo-bolt", "      - cluster: nope", 1)
	_, err := Parse([]byte(doc), testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "got:\n%v", err)
	assert.Equal(t, "listeners[0].detect_timeout", errs[0].Path)
	assert.Equal(t, "listeners[1].routes[0].cluster", errs[1].Path)
}

func TestErrorsAs(t *testing.T) {
	_, err := Parse([]byte(edit(t, "lb: round_robin", "lb: fastest")), testProtocols)
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "errors.As must reach a *FieldError through Errors")
	assert.Equal(t, "clusters[0].lb", fe.Path)
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		err  FieldError
		want string
	}{
		{FieldError{Path: "a.b", Line: 3, Msg: "bad"}, "line 3: a.b: bad"},
		{FieldError{Path: "a.b", Msg: "bad"}, "a.b: bad"},
		{FieldError{Line: 3, Msg: "bad"}, "line 3: bad"},
		{FieldError{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error())
	}
}

func TestValidateBuiltInGo(t *testing.T) {
	l := DefaultListener()
	l.Name = "edge"
	l.Address = "127.0.0.1:2045"
	l.IdleTimeout = 0 // on purpose: no idle timeout
	l.Routes = []Route{{Cluster: "up"}}
	cl := DefaultCluster()
	cl.Name = "up"
	cl.Endpoints = []string{"127.0.0.1:12200"}
	c := &Config{Admin: DefaultAdmin(), Listeners: []Listener{l}, Clusters: []Cluster{cl}}
	require.NoError(t, c.Validate(testProtocols))

	c.Listeners[0].Routes[0].Cluster = "down"
	c.Clusters[0].ConnectionsPerHost = 0
	err := c.Validate(testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "got:\n%v", err)
	assert.Equal(t, &FieldError{Path: "listeners[0].routes[0].cluster", Msg: `unknown cluster "down" (defined: up)`}, errs[0])
	assert.Equal(t, "clusters[0].connections_per_host", errs[1].Path)
	assert.Zero(t, errs[1].Line, "a Config built in Go has no lines")
}

func TestValidateKnownProtocolsParameter(t *testing.T) {
	doc := edit(t, "protocols: [auto]", "protocols: [bolt]")
	_, err := Parse([]byte(doc), []string{"dubbo"})
	var errs Errors
	require.ErrorAs(t, err, &errs)
	// bolt is unknown both on the listener and on the cluster.
	require.Len(t, errs, 2, "got:\n%v", err)
	assert.Contains(t, errs[0].Msg, `unknown protocol "bolt" (known: auto, dubbo)`)
	assert.Contains(t, errs[1].Msg, `unknown protocol "bolt" (known: dubbo)`)
}
