// Package retry decides whether and when a failed upstream attempt is sent
// again: Policy.ShouldRetry (which failures, in which phase, are safe to
// retry under a route's retry_on conditions), Backoff (exponential delay
// with full jitter) and Budget (retries allowed only while they are a small
// share of the requests in flight, as Envoy's retry budgets).
//
// The package takes plain Go values: the route's retry_policy keys are
// parsed by proxy/config, and ParseConditions turns its retry_on names
// into Conditions.
//
// Safety. A request is sent again only when doing so cannot run it twice
// unless the route said so:
//
//   - a connect failure, or any failure before a byte of the request was
//     written (PhaseNotSent), is safe: the upstream never saw it;
//   - a stream the upstream refused unprocessed (HTTP/2 REFUSED_STREAM,
//     xprotocol.Unprocessed) is safe in any phase;
//   - after the request was written, a response or timeout with a status
//     the route lists (unavailable, timeout, overload, server_error) is
//     retried: listing it is the route's statement that the call may run
//     twice;
//   - a reset after the request was written is not retried: the upstream
//     may have acted on it, and it carries no status the route vouched for;
//   - nothing is retried once any of the response went to the client
//     (PhaseForwarded).
//
// In every case the matching condition must be in retry_on, and the engine
// must still hold the whole request, have retries left on the route, and
// get a unit from the cluster's max_retries breaker and the retry budget.
package retry
