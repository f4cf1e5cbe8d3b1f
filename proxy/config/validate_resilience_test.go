package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clusterEnd is the last line of validBase's cluster (line 21); the cases
// below replace it with itself plus one more line (line 22).
const clusterEnd = "    connect_timeout: 1s\n"

func TestParseResilienceKeys(t *testing.T) {
	doc := edit(t, clusterEnd, clusterEnd+`    type: strict_dns
    dns_refresh_rate: 30s
    outlier_detection: {consecutive_failures: 7, base_ejection_time: 10s, max_ejection_time: 1m, max_ejection_percent: 50}
    health_check:
      kind: heartbeat
      interval: 2s
      timeout: 500ms
      unhealthy_threshold: 4
      healthy_threshold: 1
    circuit_breakers: {max_connections: 10, max_pending_requests: 20, max_requests: 30, max_retries: 0}
    heartbeat: {interval: 15s, max_unanswered: 2}
`)
	c, err := Parse([]byte(doc), testProtocols)
	require.NoError(t, err)
	cl := c.Clusters[0]
	assert.Equal(t, ClusterStrictDNS, cl.Type)
	assert.Equal(t, 30*time.Second, cl.DNSRefreshRate)
	assert.Equal(t, OutlierDetection{ConsecutiveFailures: 7, BaseEjectionTime: 10 * time.Second,
		MaxEjectionTime: time.Minute, MaxEjectionPercent: 50}, cl.OutlierDetection)
	assert.Equal(t, HealthCheck{Kind: HealthCheckHeartbeat, Interval: 2 * time.Second, Timeout: 500 * time.Millisecond,
		UnhealthyThreshold: 4, HealthyThreshold: 1}, cl.HealthCheck)
	assert.Equal(t, CircuitBreakers{MaxConnections: 10, MaxPendingRequests: 20, MaxRequests: 30}, cl.CircuitBreakers)
	assert.Equal(t, UpstreamHeartbeat{Interval: 15 * time.Second, MaxUnanswered: 2}, cl.Heartbeat)
}

func TestParseResilienceDefaults(t *testing.T) {
	// A partial block keeps the defaults of the keys it leaves out.
	doc := edit(t, clusterEnd, clusterEnd+"    health_check: {kind: tcp}\n    outlier_detection: {consecutive_failures: 0}\n")
	c, err := Parse([]byte(doc), testProtocols)
	require.NoError(t, err)
	cl := c.Clusters[0]
	assert.Equal(t, ClusterStatic, cl.Type)
	assert.Equal(t, DefaultDNSRefreshRate, cl.DNSRefreshRate)
	hc := DefaultHealthCheck()
	hc.Kind = HealthCheckTCP
	assert.Equal(t, hc, cl.HealthCheck)
	od := DefaultOutlierDetection()
	od.ConsecutiveFailures = 0 // an explicit 0 (off) is not "use the default"
	assert.Equal(t, od, cl.OutlierDetection)
	assert.Equal(t, DefaultCircuitBreakers(), cl.CircuitBreakers)
	assert.Equal(t, DefaultUpstreamHeartbeat(), cl.Heartbeat)
	assert.Equal(t, HealthCheckNone, DefaultCluster().HealthCheck.Kind, "health checking is off by default")
	assert.Zero(t, DefaultCluster().Heartbeat.Interval, "upstream heartbeats are off by default")
}

func TestParseResilienceBroken(t *testing.T) {
	tests := []struct {
		name  string
		extra string // added after the cluster's last line, as line 22
		path  string
		msg   string
	}{
		{"unknown type", "    type: eds\n",
			"clusters[0].type", `unknown cluster type "eds" (want static or strict_dns)`},
		{"dns refresh too fast", "    dns_refresh_rate: 1ms\n    type: strict_dns\n",
			"clusters[0].dns_refresh_rate", "must be >= 100ms, got 1ms"},
		{"negative consecutive failures", "    outlier_detection: {consecutive_failures: -1}\n",
			"clusters[0].outlier_detection.consecutive_failures", "must be between 0 and 1048576, got -1"},
		{"zero base ejection", "    outlier_detection: {base_ejection_time: 0s}\n",
			"clusters[0].outlier_detection.base_ejection_time", "must be > 0, got 0s"},
		{"max below base ejection", "    outlier_detection: {base_ejection_time: 1m, max_ejection_time: 30s}\n",
			"clusters[0].outlier_detection.max_ejection_time", "must be >= base_ejection_time (1m0s), got 30s"},
		{"ejection percent over 100", "    outlier_detection: {max_ejection_percent: 101}\n",
			"clusters[0].outlier_detection.max_ejection_percent", "must be between 0 and 100, got 101"},
		{"outlier typo", "    outlier_detection: {consecutive_failure: 3}\n",
			"clusters[0].outlier_detection.consecutive_failure", `did you mean "consecutive_failures"?`},
		{"unknown health check kind", "    health_check: {kind: http}\n",
			"clusters[0].health_check.kind", `unknown health check kind "http" (want tcp or heartbeat)`},
		{"health check without kind", "    health_check: {interval: 1s}\n",
			"clusters[0].health_check.kind", "is required to turn health checking on (tcp or heartbeat)"},
		{"health check interval too short", "    health_check: {kind: tcp, interval: 1ms, timeout: 1ms}\n",
			"clusters[0].health_check.interval", "must be >= 10ms, got 1ms"},
		{"health check timeout over interval", "    health_check: {kind: tcp, interval: 1s, timeout: 2s}\n",
			"clusters[0].health_check.timeout", "must be <= interval (1s), got 2s"},
		{"health check zero timeout", "    health_check: {kind: tcp, timeout: 0s}\n",
			"clusters[0].health_check.timeout", "must be > 0, got 0s"},
		{"zero unhealthy threshold", "    health_check: {kind: tcp, unhealthy_threshold: 0}\n",
			"clusters[0].health_check.unhealthy_threshold", "must be between 1 and 1000, got 0"},
		{"huge healthy threshold", "    health_check: {kind: tcp, healthy_threshold: 1001}\n",
			"clusters[0].health_check.healthy_threshold", "must be between 1 and 1000, got 1001"},
		{"zero max connections", "    circuit_breakers: {max_connections: 0}\n",
			"clusters[0].circuit_breakers.max_connections", "must be between 1 and 1073741824, got 0"},
		{"zero max pending", "    circuit_breakers: {max_pending_requests: 0}\n",
			"clusters[0].circuit_breakers.max_pending_requests", "must be between 1 and 1073741824, got 0"},
		{"zero max requests", "    circuit_breakers: {max_requests: 0}\n",
			"clusters[0].circuit_breakers.max_requests", "must be between 1 and 1073741824, got 0"},
		{"negative max retries", "    circuit_breakers: {max_retries: -1}\n",
			"clusters[0].circuit_breakers.max_retries", "must be between 0 and 1073741824, got -1"},
		{"breaker limit not a number", "    circuit_breakers: {max_requests: lots}\n",
			"clusters[0].circuit_breakers.max_requests", `must be a whole number, got "lots"`},
		{"negative heartbeat interval", "    heartbeat: {interval: -1s}\n",
			"clusters[0].heartbeat.interval", "must be >= 0 (0 means no upstream heartbeats), got -1s"},
		{"heartbeat interval too short", "    heartbeat: {interval: 1ms}\n",
			"clusters[0].heartbeat.interval", "must be >= 10ms, got 1ms"},
		{"zero max unanswered", "    heartbeat: {interval: 10s, max_unanswered: 0}\n",
			"clusters[0].heartbeat.max_unanswered", "must be between 1 and 1000, got 0"},
		{"heartbeat is a mapping", "    heartbeat: 10s\n",
			"clusters[0].heartbeat", `must be a mapping of keys to values, got "10s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(edit(t, clusterEnd, clusterEnd+tt.extra)), testProtocols)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want exactly one error, got:\n%v", err)
			assert.Equal(t, tt.path, errs[0].Path)
			assert.Equal(t, 22, errs[0].Line)
			assert.Contains(t, errs[0].Msg, tt.msg)
		})
	}
}

func TestParseHeartbeatCheckNeedsProtocol(t *testing.T) {
	doc := edit(t, "    protocol: bolt\n", "    health_check: {kind: heartbeat}\n")
	_, err := Parse([]byte(doc), testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1, "got:\n%v", err)
	assert.Equal(t, "clusters[0].health_check.kind", errs[0].Path)
	assert.Equal(t, 18, errs[0].Line)
	assert.Contains(t, errs[0].Msg, "heartbeat needs the cluster's protocol to be set")
}

func TestValidateResilienceBuiltInGo(t *testing.T) {
	l := DefaultListener()
	l.Name, l.Address = "edge", "127.0.0.1:2045"
	l.Routes = []Route{{Cluster: "up"}}
	cl := DefaultCluster()
	cl.Name, cl.Endpoints = "up", []string{"127.0.0.1:12200"}
	c := &Config{Admin: DefaultAdmin(), Listeners: []Listener{l}, Clusters: []Cluster{cl}}
	require.NoError(t, c.Validate(testProtocols))

	c.Clusters[0].Type = ""
	c.Clusters[0].CircuitBreakers = CircuitBreakers{}
	err := c.Validate(testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	assert.Equal(t, []string{
		"clusters[0].type",
		"clusters[0].circuit_breakers.max_connections",
		"clusters[0].circuit_breakers.max_pending_requests",
		"clusters[0].circuit_breakers.max_requests",
	}, paths, "a zero Cluster is not a valid one: start from DefaultCluster")
}
