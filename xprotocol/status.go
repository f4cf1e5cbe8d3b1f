package xprotocol

// Status is a protocol-agnostic outcome. Codecs map their own status codes
// onto it for responses, and map it back to their own codes when they build
// an error reply.
type Status uint8

// Generic statuses.
const (
	// StatusOK is a successful response.
	StatusOK Status = iota
	// StatusNoRoute means no route matched the request.
	StatusNoRoute
	// StatusUnavailable means no upstream could be reached (connect failure,
	// no healthy host, connection lost before the reply).
	StatusUnavailable
	// StatusTimeout means the upstream did not answer in time.
	StatusTimeout
	// StatusOverload means a limit refused the request (circuit breaker,
	// too many streams, server busy).
	StatusOverload
	// StatusBadRequest means the request could not be decoded or is invalid.
	StatusBadRequest
	// StatusServerError means the server failed while handling the request.
	StatusServerError
	// StatusUnknown is any protocol status without a closer generic meaning.
	StatusUnknown
)

var statusNames = [...]string{
	StatusOK:          "ok",
	StatusNoRoute:     "no_route",
	StatusUnavailable: "unavailable",
	StatusTimeout:     "timeout",
	StatusOverload:    "overload",
	StatusBadRequest:  "bad_request",
	StatusServerError: "server_error",
	StatusUnknown:     "unknown",
}

// String returns the metric label of the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}
