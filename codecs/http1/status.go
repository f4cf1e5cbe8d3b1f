package http1

import "github.com/xgate/xgate/xprotocol"

// GenericStatus maps an HTTP status code onto a generic status:
//
//	1xx, 2xx, 3xx          StatusOK
//	404                    StatusNoRoute
//	408, 504               StatusTimeout
//	429                    StatusOverload
//	other 4xx              StatusBadRequest
//	502                    StatusUnavailable (the upstream's upstream failed)
//	503                    StatusOverload with a Retry-After field (the
//	                       server says when to come back: it is busy), else
//	                       StatusUnavailable
//	520..599               StatusUnknown (unregistered 5xx codes; 520 is
//	                       what ErrorReply writes for StatusUnknown)
//	other 5xx              StatusServerError
func GenericStatus(code int, retryAfter bool) xprotocol.Status {
	switch {
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
		return xprotocol.StatusUnavailable
	case code == 503 && retryAfter:
		return xprotocol.StatusOverload
	case code == 503:
		return xprotocol.StatusUnavailable
	case code >= 520:
		return xprotocol.StatusUnknown
	}
	return xprotocol.StatusServerError
}

// StatusCode returns the HTTP status an error reply reports st with: 404
// (no route), 503 (unavailable; overload too, with "Retry-After: 1"), 504
// (timeout), 400 (bad request), 500 (server error), 520 (unknown, the
// unregistered code some CDNs use for "unknown error") and 200 for
// StatusOK. An upstream failure is reported as StatusUnavailable, so as
// 503, not 502: the generic status does not tell the two apart.
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
	return 520
}

// reasonPhrase returns the reason-phrase of a status code, or "" for an
// unregistered one (RFC 9112 §4: the phrase may be empty).
func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Continue"
	case 103:
		return "Early Hints"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 203:
		return "Non-Authoritative Information"
	case 204:
		return "No Content"
	case 205:
		return "Reset Content"
	case 206:
		return "Partial Content"
	case 300:
		return "Multiple Choices"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 303:
		return "See Other"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 406:
		return "Not Acceptable"
	case 408:
		return "Request Timeout"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 411:
		return "Length Required"
	case 412:
		return "Precondition Failed"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Range Not Satisfiable"
	case 417:
		return "Expectation Failed"
	case 421:
		return "Misdirected Request"
	case 422:
		return "Unprocessable Content"
	case 426:
		return "Upgrade Required"
	case 428:
		return "Precondition Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	case 520:
		return "Unknown Error"
	}
	return ""
}
