package http2

import (
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const (
	GRPCOK                = 0
	GRPCCanceled          = 1
	GRPCUnknown           = 2
	GRPCInvalidArgument   = 3
	GRPCDeadlineExceeded  = 4
	GRPCNotFound          = 5
	GRPCResourceExhausted = 8
	GRPCUnimplemented     = 12
	GRPCInternal          = 13
	GRPCUnavailable       = 14
)

// IsGRPCContentType reports whether a content-type names gRPC:
// "application/grpc" alone or followed by "+" (a codec) or ";".
func IsGRPCContentType(v []byte) bool {
	const p = "application/grpc"
	if len(v) < len(p) || string(v[:len(p)]) != p {
		return false
	}
	return len(v) == len(p) || v[len(p)] == '+' || v[len(p)] == ';'
}

// grpcPath splits ":path" "/pkg.Service/Method" into "pkg.Service" and
// "Method"; anything else gives nil, nil.
func grpcPath(p []byte) (service, method []byte) {
	if len(p) < 3 || p[0] != '/' {
		return nil, nil
	}
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			if i == 1 || i == len(p)-1 {
				return nil, nil
			}
			return p[1:i], p[i+1:]
		}
	}
	return nil, nil
}

// ParseGRPCTimeout parses a grpc-timeout value: 1 to 8 ASCII digits and a
// unit, H (hours), M (minutes), S (seconds), m (milliseconds),
// u (microseconds) or n (nanoseconds). Values beyond time.Duration's range
// are clamped to its maximum.
func ParseGRPCTimeout(v []byte) (time.Duration, bool) {
	if len(v) < 2 || len(v) > 9 {
		return 0, false
	}
	var n int64
	for _, c := range v[:len(v)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	var unit time.Duration
	switch v[len(v)-1] {
	case 'H':
		unit = time.Hour
	case 'M':
		unit = time.Minute
	case 'S':
		unit = time.Second
	case 'm':
		unit = time.Millisecond
	case 'u':
		unit = time.Microsecond
	case 'n':
		unit = time.Nanosecond
	default:
		return 0, false
	}
	const maxD = time.Duration(1<<63 - 1)
	if n > int64(maxD/unit) {
		return maxD, true
	}
	return time.Duration(n) * unit, true
}

// StatusToGRPC is the grpc-status an error reply carries for st. A request
// the gateway cannot decode or accept is INVALID_ARGUMENT (3), so that it
// stays distinct from a server failure (INTERNAL, 13).
func StatusToGRPC(st xprotocol.Status) int {
	switch st {
	case xprotocol.StatusOK:
		return GRPCOK
	case xprotocol.StatusNoRoute:
		return GRPCUnimplemented
	case xprotocol.StatusUnavailable:
		return GRPCUnavailable
	case xprotocol.StatusTimeout:
		return GRPCDeadlineExceeded
	case xprotocol.StatusOverload:
		return GRPCResourceExhausted
	case xprotocol.StatusBadRequest:
		return GRPCInvalidArgument
	case xprotocol.StatusServerError:
		return GRPCInternal
	}
	return GRPCUnknown
}

// grpcToStatus maps a grpc-status value onto a generic status.
func grpcToStatus(v []byte) xprotocol.Status {
	n, ok := atoi(v)
	if !ok {
		return xprotocol.StatusUnknown
	}
	switch n {
	case GRPCOK:
		return xprotocol.StatusOK
	case GRPCUnimplemented:
		return xprotocol.StatusNoRoute
	case GRPCUnavailable:
		return xprotocol.StatusUnavailable
	case GRPCDeadlineExceeded:
		return xprotocol.StatusTimeout
	case GRPCResourceExhausted:
		return xprotocol.StatusOverload
	case GRPCInvalidArgument:
		return xprotocol.StatusBadRequest
	case GRPCInternal:
		return xprotocol.StatusServerError
	}
	return xprotocol.StatusUnknown
}

// PercentEncodeGRPCMessage encodes msg for grpc-message: bytes outside
// printable ASCII (0x20-0x7E) and '%' become %XX, as the gRPC HTTP/2
// protocol spec requires.
func PercentEncodeGRPCMessage(msg string) string {
	clean := true
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c < 0x20 || c > 0x7e || c == '%' {
			clean = false
			break
		}
	}
	if clean {
		return msg
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(msg)*2)
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// atoi parses a small non-negative decimal.
func atoi(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
