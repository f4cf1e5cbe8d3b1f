package config

import "time"

// Defaults of the cluster resilience keys (outlier_detection, health_check,
// circuit_breakers, heartbeat, type, dns_refresh_rate).
const (
	DefaultConsecutiveFailures      = 5
	DefaultBaseEjectionTime         = 30 * time.Second
	DefaultMaxEjectionTime          = 300 * time.Second
	DefaultMaxEjectionPercent       = 10
	DefaultHealthCheckInterval      = 5 * time.Second
	DefaultHealthCheckTimeout       = 1 * time.Second
	DefaultUnhealthyThreshold       = 3
	DefaultHealthyThreshold         = 2
	DefaultBreakerMaxConnections    = 65536
	DefaultBreakerMaxPending        = 65536
	DefaultBreakerMaxRequests       = 65536
	DefaultBreakerMaxRetries        = 3
	DefaultUpstreamHeartbeatMissing = 3
	DefaultDNSRefreshRate           = 5 * time.Second
	DefaultClusterType              = ClusterStatic
)

// Limits enforced by Validate on the resilience keys.
const (
	MaxBreakerLimit    = 1 << 30
	MaxHealthThreshold = 1000
	MaxConsecutive     = 1 << 20
	MaxUnanswered      = 1000
	MinDNSRefreshRate  = 100 * time.Millisecond
	MinHealthInterval  = 10 * time.Millisecond
	MinHeartbeatPeriod = 10 * time.Millisecond
)

// ClusterType says where a cluster's hosts come from.
type ClusterType string

// Cluster types.
const (
	// ClusterStatic uses Endpoints as written; a host name in an endpoint
	// is resolved by each dial.
	ClusterStatic ClusterType = "static"
	// ClusterStrictDNS resolves every host name in Endpoints every
	// DNSRefreshRate and uses every address it returns as a host; the last
	// good answer is kept while resolution fails.
	ClusterStrictDNS ClusterType = "strict_dns"
)

// HealthCheckKind names how an active health check probes a host.
type HealthCheckKind string

// Health check kinds.
const (
	// HealthCheckNone turns active health checking off (the default).
	HealthCheckNone HealthCheckKind = ""
	// HealthCheckTCP passes when a TCP connection to the host opens.
	HealthCheckTCP HealthCheckKind = "tcp"
	// HealthCheckHeartbeat opens a connection, sends the cluster protocol's
	// heartbeat and passes when its reply arrives. Protocols without a
	// heartbeat (HTTP/1.1, HTTP/2, Thrift) are checked as tcp.
	HealthCheckHeartbeat HealthCheckKind = "heartbeat"
)

// OutlierDetection ejects a host that fails several requests in a row
// (passive health checking). Key: outlier_detection.
type OutlierDetection struct {
	// ConsecutiveFailures is how many failures in a row (connect failure,
	// reset, or a response with status unavailable, server_error or
	// timeout) eject a host; a success starts the count again.
	// Key: consecutive_failures. Default 5; 0 turns outlier detection off;
	// 0..1048576.
	ConsecutiveFailures int `yaml:"consecutive_failures"`

	// BaseEjectionTime is how long a first ejection lasts; the n-th
	// ejection lasts n times as long, up to MaxEjectionTime. A host that
	// has stayed in service for MaxEjectionTime since its last ejection
	// starts again from one. Key: base_ejection_time. Default 30s; must be
	// > 0.
	BaseEjectionTime time.Duration `yaml:"base_ejection_time"`

	// MaxEjectionTime caps one ejection. Key: max_ejection_time.
	// Default 300s; must be >= base_ejection_time.
	MaxEjectionTime time.Duration `yaml:"max_ejection_time"`

	// MaxEjectionPercent bounds the share of the cluster's hosts ejected
	// at once: a host is ejected only while fewer than this percentage are,
	// so one host can always be ejected when it is above 0.
	// Key: max_ejection_percent. Default 10; 0..100 (0: never eject).
	MaxEjectionPercent int `yaml:"max_ejection_percent"`
}

// HealthCheck probes every host of a cluster periodically (active health
// checking). Key: health_check.
type HealthCheck struct {
	// Kind is tcp or heartbeat. Key: kind. Default empty: no active health
	// checking. heartbeat needs the cluster's protocol to be set.
	Kind HealthCheckKind `yaml:"kind"`

	// Interval is the time between two checks of a host. Key: interval.
	// Default 5s; at least 10ms.
	Interval time.Duration `yaml:"interval"`

	// Timeout bounds one check (connect, and for heartbeat the reply).
	// Key: timeout. Default 1s; must be > 0 and <= interval.
	Timeout time.Duration `yaml:"timeout"`

	// UnhealthyThreshold is how many failed checks in a row mark a healthy
	// host unhealthy. Key: unhealthy_threshold. Default 3; 1..1000.
	UnhealthyThreshold int `yaml:"unhealthy_threshold"`

	// HealthyThreshold is how many passed checks in a row mark an unhealthy
	// host healthy. Key: healthy_threshold. Default 2; 1..1000. A host's
	// first check decides its state alone.
	HealthyThreshold int `yaml:"healthy_threshold"`
}

// CircuitBreakers bound what a cluster has in flight, over all event loops
// and hosts; beyond a limit requests get the protocol's overload reply.
// Key: circuit_breakers.
type CircuitBreakers struct {
	// MaxConnections bounds the cluster's open upstream connections.
	// Key: max_connections. Default 65536; 1..1073741824.
	MaxConnections int `yaml:"max_connections"`

	// MaxPendingRequests bounds the requests waiting for a connection.
	// Key: max_pending_requests. Default 65536; 1..1073741824.
	MaxPendingRequests int `yaml:"max_pending_requests"`

	// MaxRequests bounds the requests in flight. Key: max_requests.
	// Default 65536; 1..1073741824.
	MaxRequests int `yaml:"max_requests"`

	// MaxRetries bounds the retries in flight. Key: max_retries.
	// Default 3; 0..1073741824 (0: no retries).
	MaxRetries int `yaml:"max_retries"`
}

// UpstreamHeartbeat keeps idle upstream connections checked: after
// Interval without traffic the gateway sends the protocol's heartbeat, and
// closes the connection (marking its host unhealthy) when MaxUnanswered
// heartbeats in a row go unanswered. Protocols without a heartbeat are not
// affected. Key: heartbeat.
type UpstreamHeartbeat struct {
	// Interval is the idle time before a heartbeat. Key: interval.
	// Default 0: no upstream heartbeats; otherwise at least 10ms.
	Interval time.Duration `yaml:"interval"`

	// MaxUnanswered is how many heartbeats in a row may go unanswered (each
	// given Interval) before the connection is closed.
	// Key: max_unanswered. Default 3; 1..1000.
	MaxUnanswered int `yaml:"max_unanswered"`
}

// DefaultOutlierDetection returns the outlier_detection defaults.
func DefaultOutlierDetection() OutlierDetection {
	return OutlierDetection{
		ConsecutiveFailures: DefaultConsecutiveFailures,
		BaseEjectionTime:    DefaultBaseEjectionTime,
		MaxEjectionTime:     DefaultMaxEjectionTime,
		MaxEjectionPercent:  DefaultMaxEjectionPercent,
	}
}

// DefaultHealthCheck returns the health_check defaults (Kind empty: off).
func DefaultHealthCheck() HealthCheck {
	return HealthCheck{
		Interval:           DefaultHealthCheckInterval,
		Timeout:            DefaultHealthCheckTimeout,
		UnhealthyThreshold: DefaultUnhealthyThreshold,
		HealthyThreshold:   DefaultHealthyThreshold,
	}
}

// DefaultCircuitBreakers returns the circuit_breakers defaults.
func DefaultCircuitBreakers() CircuitBreakers {
	return CircuitBreakers{
		MaxConnections:     DefaultBreakerMaxConnections,
		MaxPendingRequests: DefaultBreakerMaxPending,
		MaxRequests:        DefaultBreakerMaxRequests,
		MaxRetries:         DefaultBreakerMaxRetries,
	}
}

// DefaultUpstreamHeartbeat returns the heartbeat defaults (Interval 0: off).
func DefaultUpstreamHeartbeat() UpstreamHeartbeat {
	return UpstreamHeartbeat{MaxUnanswered: DefaultUpstreamHeartbeatMissing}
}
