package toyrpc

import "github.com/xgate/xgate/xprotocol"

// Code is a response's status field. ToyRPC borrows HTTP's numbers, so its
// codes differ from the generic ones and the mapping is explicit.
type Code uint16

// Response codes.
const (
	CodeOK          Code = 0
	CodeBadRequest  Code = 400
	CodeNoRoute     Code = 404
	CodeOverload    Code = 429
	CodeServerError Code = 500
	CodeUnavailable Code = 503
	CodeTimeout     Code = 504
	// CodeUnknown reports a failure without a closer meaning.
	CodeUnknown Code = 520
)

// Generic maps a code onto the generic status; codes without a meaning of
// their own are StatusUnknown.
func (c Code) Generic() xprotocol.Status {
	switch c {
	case CodeOK:
		return xprotocol.StatusOK
	case CodeBadRequest:
		return xprotocol.StatusBadRequest
	case CodeNoRoute:
		return xprotocol.StatusNoRoute
	case CodeOverload:
		return xprotocol.StatusOverload
	case CodeServerError:
		return xprotocol.StatusServerError
	case CodeUnavailable:
		return xprotocol.StatusUnavailable
	case CodeTimeout:
		return xprotocol.StatusTimeout
	}
	return xprotocol.StatusUnknown
}

// CodeFor maps a generic status onto a code (the reverse of Generic).
func CodeFor(st xprotocol.Status) Code {
	switch st {
	case xprotocol.StatusOK:
		return CodeOK
	case xprotocol.StatusBadRequest:
		return CodeBadRequest
	case xprotocol.StatusNoRoute:
		return CodeNoRoute
	case xprotocol.StatusOverload:
		return CodeOverload
	case xprotocol.StatusServerError:
		return CodeServerError
	case xprotocol.StatusUnavailable:
		return CodeUnavailable
	case xprotocol.StatusTimeout:
		return CodeTimeout
	}
	return CodeUnknown
}
