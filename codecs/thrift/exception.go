package thrift

import (
	"encoding/binary"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// ExceptionType is the type field of a TApplicationException, the struct an
// EXCEPTION message carries: {1: string message, 2: i32 type}.
type ExceptionType int32

// TApplicationException types (Apache Thrift 0.25, application_exception.go).
const (
	// ExceptionUnknown is UNKNOWN (also what a missing type field reads as).
	ExceptionUnknown ExceptionType = 0
	// ExceptionUnknownMethod is UNKNOWN_METHOD: no such method (or service).
	ExceptionUnknownMethod ExceptionType = 1
	// ExceptionInvalidMessageType is INVALID_MESSAGE_TYPE.
	ExceptionInvalidMessageType ExceptionType = 2
	// ExceptionWrongMethodName is WRONG_METHOD_NAME.
	ExceptionWrongMethodName ExceptionType = 3
	// ExceptionBadSequenceID is BAD_SEQUENCE_ID.
	ExceptionBadSequenceID ExceptionType = 4
	// ExceptionMissingResult is MISSING_RESULT.
	ExceptionMissingResult ExceptionType = 5
	// ExceptionInternalError is INTERNAL_ERROR: the handler failed.
	ExceptionInternalError ExceptionType = 6
	// ExceptionProtocolError is PROTOCOL_ERROR: the request did not decode.
	ExceptionProtocolError ExceptionType = 7
	// ExceptionInvalidTransform is INVALID_TRANSFORM.
	ExceptionInvalidTransform ExceptionType = 8
	// ExceptionInvalidProtocol is INVALID_PROTOCOL.
	ExceptionInvalidProtocol ExceptionType = 9
	// ExceptionUnsupportedClientType is UNSUPPORTED_CLIENT_TYPE.
	ExceptionUnsupportedClientType ExceptionType = 10
	// ExceptionValidationFailed is VALIDATION_FAILED (Apache 0.21+; fbthrift
	// uses 11 for LOADSHEDDING, so 11 is read the Apache way).
	ExceptionValidationFailed ExceptionType = 11
)

// FieldGatewayStatus is the id of an optional i32 field Xgate adds to the
// TApplicationException of its own error replies: the xprotocol.Status
// value it reports. Every Thrift reader skips unknown fields, so clients
// see a standard exception; a gateway reading the reply (another Xgate hop)
// gets the exact status back, which the type alone cannot carry (timeout,
// overload and unavailable are all INTERNAL_ERROR to a client).
const FieldGatewayStatus int16 = 32767

var exceptionNames = [...]string{
	"UNKNOWN", "UNKNOWN_METHOD", "INVALID_MESSAGE_TYPE", "WRONG_METHOD_NAME",
	"BAD_SEQUENCE_ID", "MISSING_RESULT", "INTERNAL_ERROR", "PROTOCOL_ERROR",
	"INVALID_TRANSFORM", "INVALID_PROTOCOL", "UNSUPPORTED_CLIENT_TYPE", "VALIDATION_FAILED",
}

// String returns the Thrift name of the type.
func (t ExceptionType) String() string {
	if t >= 0 && int(t) < len(exceptionNames) {
		return exceptionNames[t]
	}
	return "ExceptionType(" + strconv.Itoa(int(t)) + ")"
}

// Generic maps t onto a protocol-agnostic status:
//
//	UNKNOWN_METHOD                                     → no_route
//	INTERNAL_ERROR, MISSING_RESULT                     → server_error
//	PROTOCOL_ERROR, INVALID_MESSAGE_TYPE,
//	WRONG_METHOD_NAME, BAD_SEQUENCE_ID, INVALID_TRANSFORM,
//	INVALID_PROTOCOL, UNSUPPORTED_CLIENT_TYPE,
//	VALIDATION_FAILED                                  → bad_request
//	UNKNOWN and any other value                        → unknown
func (t ExceptionType) Generic() xprotocol.Status {
	switch t {
	case ExceptionUnknownMethod:
		return xprotocol.StatusNoRoute
	case ExceptionInternalError, ExceptionMissingResult:
		return xprotocol.StatusServerError
	case ExceptionProtocolError, ExceptionInvalidMessageType, ExceptionWrongMethodName,
		ExceptionBadSequenceID, ExceptionInvalidTransform, ExceptionInvalidProtocol,
		ExceptionUnsupportedClientType, ExceptionValidationFailed:
		return xprotocol.StatusBadRequest
	}
	return xprotocol.StatusUnknown
}

// ExceptionTypeFor returns the type an error reply uses to report s:
//
//	no_route                                  → UNKNOWN_METHOD
//	bad_request                               → PROTOCOL_ERROR
//	server_error, unavailable, timeout,
//	overload                                  → INTERNAL_ERROR
//	unknown (and ok)                          → UNKNOWN
//
// Apache Thrift has no type for a timeout, an overload or an unreachable
// upstream, so those collapse into INTERNAL_ERROR for clients; the
// FieldGatewayStatus field keeps them apart for gateways.
func ExceptionTypeFor(s xprotocol.Status) ExceptionType {
	switch s {
	case xprotocol.StatusNoRoute:
		return ExceptionUnknownMethod
	case xprotocol.StatusBadRequest:
		return ExceptionProtocolError
	case xprotocol.StatusServerError, xprotocol.StatusUnavailable,
		xprotocol.StatusTimeout, xprotocol.StatusOverload:
		return ExceptionInternalError
	}
	return ExceptionUnknown
}

// appException is a parsed TApplicationException.
type appException struct {
	typ     ExceptionType
	message []byte
	// gateway is the FieldGatewayStatus value, or 0 when absent or invalid.
	gateway xprotocol.Status
}

// generic returns the gateway status when the exception carries one, else
// the mapping of its type.
func (e *appException) generic() xprotocol.Status {
	if e.gateway != 0 {
		return e.gateway
	}
	return e.typ.Generic()
}

// readAppException parses the TApplicationException struct at the front of
// body as TApplicationException.Read does: field 1 (string) is the message,
// field 2 (i32) the type, fields of another id or type are skipped.
func readAppException(body []byte, compact bool) (appException, error) {
	var ex appException
	limit := len(body)
	at := 0
	var last int16
	for {
		k, id, next, stop, err := readFieldHeader(body, at, compact, last, limit)
		if err != nil {
			return ex, err
		}
		if stop {
			return ex, nil
		}
		last = id
		switch {
		case id == 1 && k == kString:
			l, n, err := readLength(body, next, compact, limit, "message")
			if err != nil {
				return ex, err
			}
			if err := need(body, next+n, int(l), limit, "message"); err != nil {
				return ex, err
			}
			start, end := next+n, next+n+int(l)
			ex.message = body[start:end:end]
			at = end
		case (id == 2 || id == FieldGatewayStatus) && k == kI32:
			v, end, err := readI32(body, next, compact, limit)
			if err != nil {
				return ex, err
			}
			if id == 2 {
				ex.typ = ExceptionType(v)
			} else if v > int32(xprotocol.StatusOK) && v <= int32(xprotocol.StatusUnknown) {
				ex.gateway = xprotocol.Status(v)
			}
			at = end
		default:
			if at, err = skipValue(body, next, k, compact, limit); err != nil {
				return ex, err
			}
		}
	}
}

// readI32 reads an i32: 4 bytes big-endian (binary) or a zigzag varint
// (compact).
func readI32(b []byte, at int, compact bool, limit int) (int32, int, error) {
	if compact {
		v, n, err := readVarint(b, at, limit, "i32")
		return zigzag32(v), at + n, err
	}
	if err := need(b, at, 4, limit, "i32"); err != nil {
		return 0, 0, err
	}
	return int32(binary.BigEndian.Uint32(b[at:])), at + 4, nil
}

// appendAppException appends a TApplicationException struct: the message
// (field 1), the type (field 2) and, for a non-OK status, FieldGatewayStatus.
// Fields are written in the order and form the Apache library writes them.
func appendAppException(dst []byte, compact bool, typ ExceptionType, msg string, status xprotocol.Status) []byte {
	withStatus := status > xprotocol.StatusOK && status <= xprotocol.StatusUnknown
	if compact {
		// Field headers: delta<<4 | type while the id delta is 1..15, else
		// the type byte followed by the zigzag varint id.
		dst = append(dst, 1<<4|8) // field 1, BINARY
		dst = binary.AppendUvarint(dst, uint64(len(msg)))
		dst = append(dst, msg...)
		dst = append(dst, 1<<4|5) // field 2 (delta 1), I32
		dst = binary.AppendVarint(dst, int64(typ))
		if withStatus {
			dst = append(dst, 5) // I32, long-form id
			dst = binary.AppendVarint(dst, int64(FieldGatewayStatus))
			dst = binary.AppendVarint(dst, int64(status))
		}
		return append(dst, 0) // STOP
	}
	dst = append(dst, 11, 0, 1) // STRING, field 1
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(msg)))
	dst = append(dst, msg...)
	dst = append(dst, 8, 0, 2) // I32, field 2
	dst = binary.BigEndian.AppendUint32(dst, uint32(typ))
	if withStatus {
		dst = append(dst, 8)
		dst = binary.BigEndian.AppendUint16(dst, uint16(FieldGatewayStatus))
		dst = binary.BigEndian.AppendUint32(dst, uint32(status))
	}
	return append(dst, 0) // STOP
}
