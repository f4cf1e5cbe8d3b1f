package http2

import (
	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// StatusToHTTP is the :status an error reply carries for st, the same for
// HTTP/2 and HTTP/1.x: no route 404, unavailable 503, timeout 504,
// overload 503 (with retry-after: 1, which marks it as overload when read
// back), bad request 400, server error 500, unknown 502.
func StatusToHTTP(st xprotocol.Status) int { return httpsem.StatusCode(st) }

// httpToStatus maps a :status onto a generic status (httpsem.Status: 1xx-3xx
// OK, 404 no route, 408 and 504 timeout, 429 overload, other 4xx bad
// request, 502 unknown, 503 overload with retry-after and unavailable
// without, other 5xx server error); a value that is no number is unknown.
func httpToStatus(v []byte, retryAfter bool) xprotocol.Status {
	n, ok := atoi(v)
	if !ok {
		return xprotocol.StatusUnknown
	}
	return httpsem.Status(n, retryAfter)
}

// StatusToCode is the RST_STREAM / GOAWAY error code for st: OK is
// NO_ERROR, no route and unavailable REFUSED_STREAM (not processed, safe to
// retry), timeout and unknown CANCEL, overload ENHANCE_YOUR_CALM, bad
// request PROTOCOL_ERROR, server error INTERNAL_ERROR.
func StatusToCode(st xprotocol.Status) ErrCode {
	switch st {
	case xprotocol.StatusOK:
		return ErrCodeNo
	case xprotocol.StatusNoRoute, xprotocol.StatusUnavailable:
		return ErrCodeRefusedStream
	case xprotocol.StatusOverload:
		return ErrCodeEnhanceYourCalm
	case xprotocol.StatusBadRequest:
		return ErrCodeProtocol
	case xprotocol.StatusServerError:
		return ErrCodeInternal
	}
	return ErrCodeCancel
}

// codeToStatus maps an error code onto a generic status.
func codeToStatus(c ErrCode) xprotocol.Status {
	switch c {
	case ErrCodeNo:
		return xprotocol.StatusOK
	case ErrCodeRefusedStream, ErrCodeConnect:
		return xprotocol.StatusUnavailable
	case ErrCodeEnhanceYourCalm:
		return xprotocol.StatusOverload
	case ErrCodeInternal:
		return xprotocol.StatusServerError
	case ErrCodeSettingsTimeout:
		return xprotocol.StatusTimeout
	case ErrCodeCancel:
		return xprotocol.StatusUnknown
	}
	return xprotocol.StatusBadRequest
}
