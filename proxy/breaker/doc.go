// Package breaker holds a cluster's circuit breakers: limits on what the
// cluster has in flight across every event loop and host (connections,
// requests waiting for a connection, requests, retries). Each is an atomic
// counter: TryAcquire takes a unit unless the limit is reached, in which
// case the breaker is open, the caller gets false (and answers with the
// protocol's overload reply), and the limit's overflow counter goes up.
// Release gives the unit back.
//
// The engine holds one Breakers per cluster, shared by all loops:
//
//	connection dialled       Connections.TryAcquire  ... closed: Release
//	request queued for conn  Pending.TryAcquire      ... dequeued: Release
//	request forwarded        Requests.TryAcquire     ... stream ended: Release
//	retry started            Retries.TryAcquire      ... retry ended: Release
package breaker
