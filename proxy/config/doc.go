// Package config holds Xgate's YAML configuration: the typed Config, the
// loader that fills defaults, and the validator that reports every mistake at
// once with its field path and line number.
//
// The YAML shape is a public interface (see DESIGN.md, "Configuration
// contract"): keys are stable, new keys are added compatibly, and every key is
// documented on the field that holds it. Durations are Go duration strings
// ("250ms", "5s", "1m30s"); sizes are integers in bytes. A key the schema does
// not know is an error, never silently ignored.
//
//	admin:
//	  address: 127.0.0.1:9901     # default; must be loopback unless allow_public
//	  allow_public: false
//	  disabled: false
//	listeners:                    # at least one
//	  - name: edge                # required, unique
//	    address: 127.0.0.1:2045   # required host:port, unique
//	    protocols: [auto]         # default [auto]; "auto" must stand alone
//	    detect_timeout: 5s
//	    detect_peek_bytes: 64
//	    max_frame_size: 16777216
//	    max_connections: 10000
//	    max_requests_per_connection: 10000
//	    idle_timeout: 5m
//	    event_loops: 0
//	    routes:                   # at least one; first match wins
//	      - match: {service: com.example.EchoService, method: echo}
//	        cluster: echo-bolt
//	      - match: {}             # catch-all
//	        cluster: echo-bolt
//	clusters:
//	  - name: echo-bolt
//	    protocol: bolt            # omitted = same as the downstream request
//	    lb: round_robin
//	    endpoints: [127.0.0.1:12200]
//	    connect_timeout: 1s
//	    request_timeout: 3s
//	    connections_per_host: 1
//
// Parse and Load return *Config or an Errors value listing every problem; the
// protocol names a config may use are passed in (usually
// xprotocol.Default.Names()), so this package never depends on which codecs
// are linked in.
package config
