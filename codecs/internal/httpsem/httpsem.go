// Package httpsem holds the HTTP semantics shared by the HTTP-family codecs
// (codecs/http1 and codecs/http2). The gateway translates between them, an
// HTTP/1.1 client to an HTTP/2 upstream and back, so both must agree on
// what a status code means, which host an authority names and which
// address X-Forwarded-For reports; wire-specific code stays in each codec.
//
// # Status mapping
//
// An error reply reports a generic status with StatusCode:
//
//	StatusOK           200
//	StatusNoRoute      404
//	StatusUnavailable  503
//	StatusOverload     503 with "Retry-After: 1" (see RetryAfter)
//	StatusTimeout      504
//	StatusBadRequest   400
//	StatusServerError  500
//	StatusUnknown      502 (a registered code, unlike the 520 some CDNs use)
//
// A response's code reads back through Status:
//
//	100-399            StatusOK
//	404                StatusNoRoute
//	408, 504           StatusTimeout
//	429                StatusOverload
//	other 400-499      StatusBadRequest
//	502                StatusUnknown
//	503                StatusOverload with a Retry-After field (the server
//	                   says when to come back: it is busy), else
//	                   StatusUnavailable
//	other 500-599      StatusServerError
//	below 100, 600 up  StatusUnknown
//
// so every status round-trips through its error reply: the code and, for
// an overload, the Retry-After field. Retry-After is a standard field
// (RFC 9110 §10.2.3) that clients already honour; any value marks the 503.
package httpsem

import "github.com/xgate/xgate/xprotocol"

// RetryAfter is the field (in the lower case HTTP/2 and field lookups use)
// that marks a 503 as an overload; RetryAfterValue is the value error
// replies give it, in seconds.
const (
	RetryAfter      = "retry-after"
	RetryAfterValue = "1"
)

// StatusCode returns the HTTP status code an error reply reports st with
// (see the package doc).
func StatusCode(st xprotocol.Status) int {
	switch st {
	case xprotocol.StatusOK:
		return 200
	case xprotocol.StatusNoRoute:
		return 404
	case xprotocol.StatusUnavailable, xprotocol.StatusOverload:
		return 503
	case xprotocol.StatusTimeout:
		return 504
	case xprotocol.StatusBadRequest:
		return 400
	case xprotocol.StatusServerError:
		return 500
	}
	return 502
}

// MarksRetryAfter reports whether an error reply for st carries
// "Retry-After: 1" (RetryAfter, RetryAfterValue): only StatusOverload does,
// which is what tells its 503 from StatusUnavailable's.
func MarksRetryAfter(st xprotocol.Status) bool { return st == xprotocol.StatusOverload }

// Status maps a response's status code onto a generic status; retryAfter
// reports whether the response has a Retry-After field (see the package
// doc).
func Status(code int, retryAfter bool) xprotocol.Status {
	switch {
	case code < 100 || code > 599:
		return xprotocol.StatusUnknown
	case code < 400:
		return xprotocol.StatusOK
	case code == 404:
		return xprotocol.StatusNoRoute
	case code == 408, code == 504:
		return xprotocol.StatusTimeout
	case code == 429:
		return xprotocol.StatusOverload
	case code < 500:
		return xprotocol.StatusBadRequest
	case code == 502:
		return xprotocol.StatusUnknown
	case code == 503 && retryAfter:
		return xprotocol.StatusOverload
	case code == 503:
		return xprotocol.StatusUnavailable
	}
	return xprotocol.StatusServerError
}
