// Package outlier is passive health checking: it ejects an upstream host
// that fails several requests in a row, for a time that grows with each
// ejection, while never ejecting more than a share of the cluster.
//
// A Detector is one cluster's; a Host is one endpoint's state within it,
// shared by every event loop. Recording a success is one atomic load on the
// usual path (a store only when a failure streak ends); failures and
// ejections use atomics too, so no lock is taken per request.
//
// Times are Unix nanoseconds, as the engine's loops have them
// (transport.Loop.Now().UnixNano()), which keeps tests on a fake clock.
//
// Rules (the same as Envoy's consecutive-failure detection):
//
//   - ConsecutiveFailures failures in a row (connect failures, resets, and
//     responses whose status IsFailure says so) eject the host; any success
//     starts the count again. Ejection also starts it again.
//   - The n-th ejection lasts n × BaseEjectionTime, capped at
//     MaxEjectionTime. A host that stays in service for MaxEjectionTime after
//     an ejection ended starts again from n = 1.
//   - A host is ejected only while fewer than MaxEjectionPercent of the
//     cluster's hosts are, so one host can always be ejected when the
//     percentage is above zero.
//   - An ejection ends when its time has passed: the first Available call
//     after it (or Sweep) returns the host to service.
package outlier
