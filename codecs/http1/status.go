package http1

import (
	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// GenericStatus maps an HTTP status code onto a generic status, the same
// way for HTTP/1.x and HTTP/2: 1xx-3xx OK, 404 no route, 408 and 504
// timeout, 429 overload, other 4xx bad request, 502 unknown, 503 overload
// with a Retry-After field (the server says when to come back: it is busy)
// and unavailable without, other 5xx server error, codes outside 100-599
// unknown. retryAfter reports whether the response has Retry-After.
func GenericStatus(code int, retryAfter bool) xprotocol.Status {
	return httpsem.Status(code, retryAfter)
}

// StatusCode returns the HTTP status an error reply reports st with, the
// same for HTTP/1.x and HTTP/2: 200 OK, 404 no route, 503 unavailable,
// 503 overload (with "Retry-After: 1", which is what GenericStatus reads
// back as overload), 504 timeout, 400 bad request, 500 server error and
// 502 unknown. An upstream failure is reported as StatusUnavailable, so
// as 503: 502 is kept for StatusUnknown so that every status round-trips.
func StatusCode(st xprotocol.Status) int { return httpsem.StatusCode(st) }

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
	}
	return ""
}
