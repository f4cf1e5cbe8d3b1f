package config

import "time"

// Auto is the protocol name that makes a listener detect, per connection,
// among every registered protocol. The protocol registry reserves it, so no
// codec can be named "auto".
const Auto = "auto"

// Defaults applied by Parse to every key a file leaves out.
const (
	DefaultAdminAddress             = "127.0.0.1:9901"
	DefaultDetectTimeout            = 5 * time.Second
	DefaultDetectPeekBytes          = 64
	DefaultMaxFrameSize             = 16 << 20 // 16 MiB
	DefaultMaxHeaderBytes           = 64 << 10
	DefaultMaxConnections           = 10000
	DefaultMaxRequestsPerConnection = 10000
	DefaultIdleTimeout              = 5 * time.Minute
	DefaultMaxHeaderCount           = 100
	DefaultMaxConcurrentStreams     = 1024
	DefaultRequestHeaderTimeout     = 10 * time.Second
	DefaultWriteTimeout             = 30 * time.Second
	DefaultConnectTimeout           = 1 * time.Second
	DefaultRequestTimeout           = 3 * time.Second
	DefaultConnectionsPerHost       = 1
	DefaultMaxConnectionsPerHost    = 64
	DefaultMaxPendingRequests       = 1024
	DefaultHeartbeat                = HeartbeatLocal
)

// HeartbeatMode says what a listener does with a client's heartbeat.
type HeartbeatMode string

// Heartbeat modes.
const (
	// HeartbeatLocal answers client heartbeats at the gateway.
	HeartbeatLocal HeartbeatMode = "local"
	// HeartbeatForward sends client heartbeats to the cluster of the
	// listener's catch-all route (answered locally when there is none).
	HeartbeatForward HeartbeatMode = "forward"
)

// Limits enforced by Validate on the bounded keys.
const (
	MaxDetectPeekBytes    = 4096    // detection must stay a bounded peek
	MinFrameSize          = 64      // below this no protocol's header fits
	MaxFrameSize          = 1 << 30 // 1 GiB
	MinHeaderBytes        = 1 << 10
	MaxHeaderBytes        = 16 << 20
	MaxConnectionsPerHost = 64
	MaxPingPongConns      = 4096
	MaxPendingLimit       = 1 << 20
	MaxHeaderCount        = 128 // HTTP/1.1 heads index at most 128 field lines
	MaxConcurrentStreams  = 1<<31 - 1
)

// LBPolicy names how a cluster picks an endpoint for a request.
type LBPolicy string

// Load-balancing policies (package proxy/lb implements them; lb.go in this
// package documents each and its keys).
const (
	LBRoundRobin         LBPolicy = "round_robin"
	LBRandom             LBPolicy = "random"
	LBWeightedRoundRobin LBPolicy = "weighted_round_robin"
	LBLeastRequest       LBPolicy = "least_request"
	LBRingHash           LBPolicy = "ring_hash"
	LBMaglev             LBPolicy = "maglev"
)

// Config is one Xgate configuration file. The yaml tags name the file's keys
// and drive Parse; durations are written as Go duration strings in the file.
type Config struct {
	// Admin is the admin HTTP server (/healthz, /metrics, /config, /clusters).
	// Key: admin. Optional; defaults to DefaultAdmin().
	Admin Admin `yaml:"admin"`

	// Listeners are the downstream ports Xgate accepts connections on.
	// Key: listeners. At least one is required.
	Listeners []Listener `yaml:"listeners"`

	// Clusters are the upstream groups routes send requests to. Key: clusters.
	// A cluster no route names is allowed (it is simply unused).
	Clusters []Cluster `yaml:"clusters"`

	// Tracing configures OpenTelemetry tracing (tracing.go). Key: tracing.
	// Optional; off by default.
	Tracing Tracing `yaml:"tracing"`
}

// Admin configures the admin HTTP server.
type Admin struct {
	// Address is the host:port the admin server listens on. Key: address.
	// Default DefaultAdminAddress. Port 0 picks a free port. Unless
	// AllowPublic is set, the host must be a loopback address or "localhost",
	// because /config shows the running configuration.
	Address string `yaml:"address"`

	// AllowPublic lets Address be a non-loopback or wildcard address.
	// Key: allow_public. Default false.
	AllowPublic bool `yaml:"allow_public"`

	// Disabled turns the admin server off; Address is then not listened on.
	// Key: disabled. Default false.
	Disabled bool `yaml:"disabled"`
}

// Listener is one downstream port, the protocols it speaks, its limits and
// its routes.
type Listener struct {
	// Name identifies the listener in logs, metrics and the admin API.
	// Key: name. Required, unique among listeners; letters, digits, '.', '_'
	// and '-', starting with a letter or digit, at most 128 bytes.
	Name string `yaml:"name"`

	// Address is the host:port to listen on. Key: address. Required, unique
	// among listeners. An empty host (":2045") listens on every interface;
	// port 0 picks a free port.
	Address string `yaml:"address"`

	// Protocols are the protocol names this listener accepts, detected per
	// connection from its first bytes. Key: protocols. Default [auto], which
	// detects among every registered protocol; "auto" must then be the only
	// entry. Each other entry must be a registered protocol name.
	Protocols []string `yaml:"protocols"`

	// DetectTimeout bounds how long a new connection may take to send enough
	// bytes to be recognised. Key: detect_timeout. Default 5s; must be > 0.
	DetectTimeout time.Duration `yaml:"detect_timeout"`

	// DetectPeekBytes bounds how many leading bytes detection may inspect
	// before giving up. Key: detect_peek_bytes. Default 64; 1..4096.
	DetectPeekBytes int `yaml:"detect_peek_bytes"`

	// MaxFrameSize is the largest frame, in bytes, a codec accepts on this
	// listener; a larger one is rejected before its body is buffered.
	// Key: max_frame_size. Default 16777216 (16 MiB); 64..1073741824 (1 GiB).
	MaxFrameSize int `yaml:"max_frame_size"`

	// MaxHeaderBytes bounds one frame's header block (an HTTP head, an
	// HTTP/2 header list after HPACK); a larger one is refused (HTTP 431).
	// Key: max_header_bytes. Default 65536; 1024..16777216.
	MaxHeaderBytes int `yaml:"max_header_bytes"`

	// MaxHeaderCount bounds the header fields of one HTTP head or trailer
	// section (HTTP/1.1 field lines, HTTP/2 regular fields after HPACK); a
	// request with more is refused (HTTP 431). Key: max_header_count.
	// Default 100; 1..128.
	MaxHeaderCount int `yaml:"max_header_count"`

	// MaxConcurrentStreams bounds the streams one HTTP/2 (gRPC) client
	// connection may have open at once: it is advertised as
	// SETTINGS_MAX_CONCURRENT_STREAMS and a stream beyond it is refused
	// with RST_STREAM REFUSED_STREAM. Other multiplexed protocols (Bolt,
	// Dubbo, framed Thrift) are bounded by max_requests_per_connection.
	// Key: max_concurrent_streams. Default 1024; 1..2147483647.
	MaxConcurrentStreams int `yaml:"max_concurrent_streams"`

	// RequestHeaderTimeout bounds how long a client connection may hold a
	// partly received frame: an HTTP/1.1 head, an HTTP/2 frame or header
	// block (HEADERS and its CONTINUATION frames), or a whole Bolt, Dubbo
	// or Thrift message (their frames are decoded whole, so a frame of
	// max_frame_size must arrive within it). The clock starts at the first
	// byte of the frame and stops when it is decoded; a request body
	// streamed as several frames (HTTP) is not bounded by it. On
	// expiry an HTTP/1.1 client gets 408 and every client is closed
	// (xgate_downstream_timeouts_total{kind="request_header"}); a new
	// connection that has sent nothing is bounded by detect_timeout
	// instead. Key: request_header_timeout. Default 10s; 0 disables;
	// must be >= 0.
	RequestHeaderTimeout time.Duration `yaml:"request_header_timeout"`

	// WriteTimeout closes a client connection that has replies waiting to
	// be sent and has taken no byte of them for this long: a client that
	// stopped reading (xgate_downstream_timeouts_total{kind="write"}).
	// Meanwhile its replies stop being read from their upstream past a
	// bound (back-pressure). Key: write_timeout. Default 30s; 0 disables;
	// must be >= 0.
	WriteTimeout time.Duration `yaml:"write_timeout"`

	// TLS, when set, terminates TLS on this listener (ALPN offers h2 and
	// http/1.1; every protocol is still detected from the decrypted bytes).
	// Key: tls. Optional.
	TLS *ListenerTLS `yaml:"tls"`

	// MaxConnections caps concurrent downstream connections; more are
	// refused. Key: max_connections. Default 10000; must be >= 1.
	MaxConnections int `yaml:"max_connections"`

	// MaxRequestsPerConnection caps in-flight requests on one downstream
	// connection; more get the protocol's overload reply.
	// Key: max_requests_per_connection. Default 10000; must be >= 1.
	MaxRequestsPerConnection int `yaml:"max_requests_per_connection"`

	// IdleTimeout closes a downstream connection with no traffic for this
	// long. Key: idle_timeout. Default 5m; 0 means never; must be >= 0.
	IdleTimeout time.Duration `yaml:"idle_timeout"`

	// Heartbeat says whether client heartbeats are answered by the gateway
	// ("local") or forwarded to the catch-all route's cluster ("forward").
	// Key: heartbeat. Default local.
	Heartbeat HeartbeatMode `yaml:"heartbeat"`

	// EventLoops is the number of event loops serving this listener.
	// Key: event_loops. Default 0, meaning GOMAXPROCS; must be >= 0.
	EventLoops int `yaml:"event_loops"`

	// Filters are the stream filters every request of this listener passes
	// through, in order (see Filter and package proxy/filter). Key: filters.
	// Optional; default none.
	Filters []Filter `yaml:"filters"`

	// Routes are tried in order; the first whose Match accepts a request
	// picks its cluster. Key: routes. At least one is required unless
	// VirtualHosts are set. They form the default virtual host: the one
	// for requests no virtual host's domains take.
	Routes []Route `yaml:"routes"`

	// VirtualHosts group routes by the request's host or service (see
	// VirtualHost in route.go). Key: virtual_hosts. Optional.
	VirtualHosts []VirtualHost `yaml:"virtual_hosts"`
}

// Route sends the requests its Match accepts to one cluster.
type Route struct {
	// Match selects requests. Key: match. Optional; omitted or {} matches
	// every request (a catch-all).
	Match RouteMatch `yaml:"match"`

	// Cluster is the name of the cluster that serves matched requests.
	// Key: cluster. Must name a cluster in Config.Clusters. Exactly one of
	// cluster, weighted_clusters and direct_response is required.
	Cluster string `yaml:"cluster"`

	// The keys below are documented on their types in route.go.

	// Name names the route in logs and metrics. Key: name. Optional; same
	// character rules as Listener.Name.
	Name string `yaml:"name"`
	// WeightedClusters splits matched requests by weight. Key:
	// weighted_clusters.
	WeightedClusters []WeightedCluster `yaml:"weighted_clusters"`
	// DirectResponse answers at the gateway. Key: direct_response.
	DirectResponse *DirectResponse `yaml:"direct_response"`
	// Timeout bounds a request (all its tries) from forwarding to the
	// response head. Key: timeout. Default 0: the cluster's
	// request_timeout; must be >= 0.
	Timeout time.Duration `yaml:"timeout"`
	// RetryPolicy retries failed requests. Key: retry_policy. Optional.
	RetryPolicy *RetryPolicy `yaml:"retry_policy"`
	// Mirror copies a share of requests to another cluster. Key: mirror.
	Mirror *Mirror `yaml:"mirror"`
	// RequestHeadersToAdd, RequestHeadersToRemove,
	// ResponseHeadersToAdd and ResponseHeadersToRemove change headers on
	// the way up and down; removals apply before additions. Keys:
	// request_headers_to_add, request_headers_to_remove,
	// response_headers_to_add, response_headers_to_remove.
	RequestHeadersToAdd     []HeaderValue `yaml:"request_headers_to_add"`
	RequestHeadersToRemove  []string      `yaml:"request_headers_to_remove"`
	ResponseHeadersToAdd    []HeaderValue `yaml:"response_headers_to_add"`
	ResponseHeadersToRemove []string      `yaml:"response_headers_to_remove"`
	// Plugins narrow the cluster's hosts per request, in the order their
	// factories declare. Key: plugins. Not with direct_response.
	Plugins []RoutePlugin `yaml:"plugins"`
}

// RouteMatch holds the conditions a request must meet; every condition that
// is set must hold, and an empty RouteMatch matches everything. Values are
// compared against the protocol's generic routing keys (see DESIGN.md,
// "Routing keys by protocol"). Each of service, method, path and host is
// either a string (exact) or a StringMatch mapping ({prefix: ...}); the
// mapping form decodes into the *Match field (tag alt:"key").
type RouteMatch struct {
	// Protocol must equal the request's protocol name (e.g. "thrift").
	// Key: protocol. Must be a registered protocol name. A route whose
	// cluster sets a protocol only ever matches requests of that protocol,
	// whether or not this is set.
	Protocol string `yaml:"protocol"`

	// Service must equal the request's service (Bolt target service, Dubbo
	// interface, Thrift service, HTTP host, gRPC pkg.Service). Key: service.
	Service string `yaml:"service"`
	// ServiceMatch is the mapping form of service.
	ServiceMatch *StringMatch `yaml:"-" alt:"service"`

	// Method must equal the request's method name. Key: method.
	Method string `yaml:"method"`
	// MethodMatch is the mapping form of method.
	MethodMatch *StringMatch `yaml:"-" alt:"method"`

	// Path must equal the request's path (HTTP and gRPC). Key: path. When
	// set (exact or prefix) it must start with "/".
	Path string `yaml:"path"`
	// PathMatch is the mapping form of path.
	PathMatch *StringMatch `yaml:"-" alt:"path"`

	// Host must equal the request's authority as sent (HTTP Host or
	// :authority, port included). Key: host.
	Host string `yaml:"host"`
	// HostMatch is the mapping form of host.
	HostMatch *StringMatch `yaml:"-" alt:"host"`

	// PathPrefix must be a prefix of the request's path (HTTP and gRPC).
	// Key: path_prefix. When set it must start with "/".
	PathPrefix string `yaml:"path_prefix"`

	// Headers must each be present on the request with exactly this value.
	// Key: headers. Header names must not be empty.
	Headers map[string]string `yaml:"headers"`
	// HeaderMatches is the list form of headers: [{name, exact|prefix|
	// regex|present, invert}]. Every condition must hold.
	HeaderMatches []HeaderMatch `yaml:"-" alt:"headers"`
}

// Cluster is a named group of upstream endpoints and how to reach them.
type Cluster struct {
	// Name identifies the cluster for routes, logs and metrics. Key: name.
	// Required, unique among clusters; same character rules as
	// Listener.Name.
	Name string `yaml:"name"`

	// Protocol is the protocol spoken to the endpoints. Key: protocol.
	// Optional: empty means the protocol of the downstream request. When set
	// it must be a registered protocol name (not "auto").
	Protocol string `yaml:"protocol"`

	// LB picks an endpoint per request. Key: lb. Default round_robin;
	// accepted: round_robin, weighted_round_robin, random, least_request,
	// ring_hash, maglev (see lb.go).
	LB LBPolicy `yaml:"lb"`

	// Endpoints are the upstream host:port addresses, port 1..65535.
	// Key: endpoints. At least one is required; no duplicates. Each item
	// is "host:port" or a mapping {address, weight, metadata} (Endpoint),
	// whose address lands here and the rest in EndpointDetails.
	Endpoints []string `yaml:"endpoints"`

	// EndpointDetails are the weight and metadata of each endpoint, index
	// for index with Endpoints (read them with Cluster.Endpoint). Not a key
	// of its own: Parse sets it when an endpoints item uses the mapping
	// form and leaves it nil when every item is "host:port" (weight 1, no
	// metadata).
	EndpointDetails []Endpoint `yaml:"-"`

	// HashKey is what ring_hash and maglev hash per request. Key:
	// hash_key. Required with those policies, refused with the others.
	HashKey *HashKey `yaml:"hash_key"`

	// RingHash sizes the ring of lb ring_hash. Key: ring_hash. Optional;
	// only with lb ring_hash.
	RingHash *RingHash `yaml:"ring_hash"`

	// Maglev sizes the lookup table of lb maglev. Key: maglev. Optional;
	// only with lb maglev.
	Maglev *Maglev `yaml:"maglev"`

	// Subset turns on subset load balancing by endpoint metadata. Key:
	// subset. Optional.
	Subset *Subset `yaml:"subset"`

	// ConnectTimeout bounds dialing one endpoint. Key: connect_timeout.
	// Default 1s; must be > 0.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`

	// RequestTimeout bounds one request from forwarding to its response; on
	// expiry the client gets the protocol's timeout reply.
	// Key: request_timeout. Default 3s; must be > 0.
	RequestTimeout time.Duration `yaml:"request_timeout"`

	// ConnectionsPerHost is the number of upstream connections each event
	// loop keeps to each endpoint. Key: connections_per_host. Default 1;
	// 1..64.
	ConnectionsPerHost int `yaml:"connections_per_host"`

	// MaxConnectionsPerHost bounds the connections each event loop opens to
	// each endpoint for protocols that carry one request at a time per
	// connection (ping-pong: HTTP/1.1, unframed Thrift).
	// Key: max_connections_per_host. Default 64; 1..4096.
	MaxConnectionsPerHost int `yaml:"max_connections_per_host"`

	// MaxPendingRequests bounds, per event loop and endpoint, the requests
	// waiting for a ping-pong connection to become free; beyond it requests
	// get the protocol's overload reply. Key: max_pending_requests.
	// Default 1024; 1..1048576.
	MaxPendingRequests int `yaml:"max_pending_requests"`

	// IdleTimeout closes an upstream connection that carried nothing for
	// this long (a ping-pong connection back in the idle list, a
	// multiplexed one with no stream and no heartbeat). Key: idle_timeout.
	// Default 0 (never); must be >= 0.
	IdleTimeout time.Duration `yaml:"idle_timeout"`

	// Type says where hosts come from: static (Endpoints as written) or
	// strict_dns (host names re-resolved every DNSRefreshRate, every
	// address a host). Key: type. Default static.
	Type ClusterType `yaml:"type"`

	// DNSRefreshRate is how often a strict_dns cluster re-resolves its
	// endpoints. Key: dns_refresh_rate. Default 5s; at least 100ms.
	DNSRefreshRate time.Duration `yaml:"dns_refresh_rate"`

	// OutlierDetection ejects hosts that fail requests in a row.
	// Key: outlier_detection. See OutlierDetection for its keys.
	OutlierDetection OutlierDetection `yaml:"outlier_detection"`

	// HealthCheck probes hosts periodically. Key: health_check. Off unless
	// its kind is set; see HealthCheck.
	HealthCheck HealthCheck `yaml:"health_check"`

	// CircuitBreakers bound the cluster's connections, pending requests,
	// requests and retries. Key: circuit_breakers. See CircuitBreakers.
	CircuitBreakers CircuitBreakers `yaml:"circuit_breakers"`

	// Heartbeat sends the protocol's heartbeat on idle upstream
	// connections. Key: heartbeat. Off unless its interval is set; see
	// UpstreamHeartbeat.
	Heartbeat UpstreamHeartbeat `yaml:"heartbeat"`

	// TLS, when set, makes upstream connections use TLS. Key: tls.
	// Optional; see ClusterTLS (tls.go).
	TLS *ClusterTLS `yaml:"tls"`
}

// DefaultAdmin returns the admin settings used when a file has no admin key.
func DefaultAdmin() Admin {
	return Admin{Address: DefaultAdminAddress}
}

// DefaultListener returns a Listener with every default filled in and Name,
// Address and Routes left empty. Parse starts each listener from it, and code
// that builds a Config by hand should too, so that a zero it sets on purpose
// (IdleTimeout 0 = never) is not mistaken for "unset".
func DefaultListener() Listener {
	return Listener{
		Protocols:                []string{Auto},
		DetectTimeout:            DefaultDetectTimeout,
		DetectPeekBytes:          DefaultDetectPeekBytes,
		MaxFrameSize:             DefaultMaxFrameSize,
		MaxHeaderBytes:           DefaultMaxHeaderBytes,
		MaxConnections:           DefaultMaxConnections,
		MaxRequestsPerConnection: DefaultMaxRequestsPerConnection,
		IdleTimeout:              DefaultIdleTimeout,
		MaxHeaderCount:           DefaultMaxHeaderCount,
		MaxConcurrentStreams:     DefaultMaxConcurrentStreams,
		RequestHeaderTimeout:     DefaultRequestHeaderTimeout,
		WriteTimeout:             DefaultWriteTimeout,
		Heartbeat:                DefaultHeartbeat,
	}
}

// DefaultCluster returns a Cluster with every default filled in and Name and
// Endpoints left empty. Parse starts each cluster from it.
func DefaultCluster() Cluster {
	return Cluster{
		LB:                    LBRoundRobin,
		ConnectTimeout:        DefaultConnectTimeout,
		RequestTimeout:        DefaultRequestTimeout,
		ConnectionsPerHost:    DefaultConnectionsPerHost,
		MaxConnectionsPerHost: DefaultMaxConnectionsPerHost,
		MaxPendingRequests:    DefaultMaxPendingRequests,
		Type:                  DefaultClusterType,
		DNSRefreshRate:        DefaultDNSRefreshRate,
		OutlierDetection:      DefaultOutlierDetection(),
		HealthCheck:           DefaultHealthCheck(),
		CircuitBreakers:       DefaultCircuitBreakers(),
		Heartbeat:             DefaultUpstreamHeartbeat(),
	}
}
