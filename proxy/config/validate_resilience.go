package config

import "time"

// resilience checks a cluster's resilience keys: type, dns_refresh_rate,
// outlier_detection, health_check, circuit_breakers and heartbeat. path is
// the cluster's own path ("clusters[2]").
func (v *validator) resilience(path string, c *Cluster) {
	switch c.Type {
	case ClusterStatic:
	case ClusterStrictDNS:
		v.minDuration(path+".dns_refresh_rate", c.DNSRefreshRate, MinDNSRefreshRate)
	default:
		v.fail(path+".type", "unknown cluster type %q (want %s or %s)", c.Type, ClusterStatic, ClusterStrictDNS)
	}

	od := &c.OutlierDetection
	odPath := path + ".outlier_detection"
	v.between(odPath+".consecutive_failures", od.ConsecutiveFailures, 0, MaxConsecutive, "")
	v.positive(odPath+".base_ejection_time", od.BaseEjectionTime)
	if od.BaseEjectionTime > 0 && od.MaxEjectionTime < od.BaseEjectionTime {
		v.fail(odPath+".max_ejection_time", "must be >= base_ejection_time (%s), got %s", od.BaseEjectionTime, od.MaxEjectionTime)
	}
	v.between(odPath+".max_ejection_percent", od.MaxEjectionPercent, 0, 100, "")

	v.healthCheck(path+".health_check", &c.HealthCheck, c.Protocol)

	cb := &c.CircuitBreakers
	cbPath := path + ".circuit_breakers"
	v.between(cbPath+".max_connections", cb.MaxConnections, 1, MaxBreakerLimit, "")
	v.between(cbPath+".max_pending_requests", cb.MaxPendingRequests, 1, MaxBreakerLimit, "")
	v.between(cbPath+".max_requests", cb.MaxRequests, 1, MaxBreakerLimit, "")
	v.between(cbPath+".max_retries", cb.MaxRetries, 0, MaxBreakerLimit, "")

	hb := &c.Heartbeat
	hbPath := path + ".heartbeat"
	switch {
	case hb.Interval < 0:
		v.fail(hbPath+".interval", "must be >= 0 (0 means no upstream heartbeats), got %s", hb.Interval)
	case hb.Interval > 0:
		v.minDuration(hbPath+".interval", hb.Interval, MinHeartbeatPeriod)
	}
	v.between(hbPath+".max_unanswered", hb.MaxUnanswered, 1, MaxUnanswered, "")
}

func (v *validator) healthCheck(path string, hc *HealthCheck, protocol string) {
	switch hc.Kind {
	case HealthCheckNone:
		off := DefaultHealthCheck()
		if *hc != off {
			v.fail(path+".kind", "is required to turn health checking on (%s or %s)", HealthCheckTCP, HealthCheckHeartbeat)
		}
		return
	case HealthCheckTCP:
	case HealthCheckHeartbeat:
		if protocol == "" {
			v.fail(path+".kind", "%s needs the cluster's protocol to be set (which heartbeat to send); use %s, or set protocol", HealthCheckHeartbeat, HealthCheckTCP)
		}
	default:
		v.fail(path+".kind", "unknown health check kind %q (want %s or %s)", hc.Kind, HealthCheckTCP, HealthCheckHeartbeat)
	}
	v.minDuration(path+".interval", hc.Interval, MinHealthInterval)
	v.positive(path+".timeout", hc.Timeout)
	if hc.Timeout > 0 && hc.Interval > 0 && hc.Timeout > hc.Interval {
		v.fail(path+".timeout", "must be <= interval (%s), got %s", hc.Interval, hc.Timeout)
	}
	v.between(path+".unhealthy_threshold", hc.UnhealthyThreshold, 1, MaxHealthThreshold, "")
	v.between(path+".healthy_threshold", hc.HealthyThreshold, 1, MaxHealthThreshold, "")
}

func (v *validator) minDuration(path string, d, lo time.Duration) {
	if d < lo {
		v.fail(path, "must be >= %s, got %s", lo, d)
	}
}
