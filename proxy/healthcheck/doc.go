// Package healthcheck is active health checking: per cluster, a goroutine
// probes every host each Interval, off the event loops, and keeps each
// host's verdict in a Target that load balancing reads with one atomic
// load.
//
// Kinds of probe:
//
//   - TCP: the check passes when a connection opens within Timeout.
//   - Heartbeat: the check opens a connection, writes the protocol's
//     heartbeat (xprotocol.Protocol.NewHeartbeat) through a client Session
//     (after the Session's own pending output, e.g. the HTTP/2 preface, when
//     it is an xprotocol.Flusher), and passes when a response frame with
//     Heartbeat() and the same stream id arrives within Timeout with status
//     ok. A protocol whose NewHeartbeat returns nil is checked as TCP.
//
// Verdicts: a host's first check decides its state alone; after that,
// UnhealthyThreshold failures in a row mark a healthy host unhealthy and
// HealthyThreshold passes in a row mark an unhealthy one healthy. A host
// not checked yet counts as healthy, so starting the gateway does not
// black out a cluster.
//
// Each round probes every host concurrently and waits for all of them
// before the next tick, so a round never overlaps the previous one; Stop
// cancels a round in flight (its dials and reads end at once) and returns
// when the goroutines have.
package healthcheck
