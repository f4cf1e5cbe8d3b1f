package http2

import "github.com/xgate/xgate/xprotocol"

// overloadHeader marks a 503 the gateway sent because a limit refused the
// request, so that it reads back as StatusOverload rather than
// StatusUnavailable (Envoy's x-envoy-overloaded plays the same part).
const overloadHeader = "x-xgate-overloaded"

// StatusToHTTP is the :status an error reply carries for st: no route 404,
// unavailable 503, timeout 504, overload 503 (with x-xgate-overloaded:
// true), bad request 400, server error 500, unknown 502.
func StatusToHTTP(st xprotocol.Status) int {
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

// httpToStatus maps a :status onto a generic status: 1xx-3xx OK, 404 no
// route, 408 and 504 timeout, 429 overload, other 4xx bad request, 503
// unavailable (overload when marked), 502 unknown, other 5xx server error.
func httpToStatus(v []byte, overloaded bool) xprotocol.Status {
	n, ok := atoi(v)
	if !ok || n < 100 || n > 999 {
		return xprotocol.StatusUnknown
	}
	switch {
	case n < 400:
		return xprotocol.StatusOK
	case n == 404:
		return xprotocol.StatusNoRoute
	case n == 408 || n == 504:
		return xprotocol.StatusTimeout
	case n == 429:
		return xprotocol.StatusOverload
	case n < 500:
		return xprotocol.StatusBadRequest
	case n == 503:
		if overloaded {
			return xprotocol.StatusOverload
		}
		return xprotocol.StatusUnavailable
	case n == 502:
		return xprotocol.StatusUnknown
	case n < 600:
		return xprotocol.StatusServerError
	}
	return xprotocol.StatusUnknown
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
