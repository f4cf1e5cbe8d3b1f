package bolt

import (
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// RespStatus is the respStatus field of a response (SOFA ResponseStatus).
// Codes this package does not name are carried through unchanged.
type RespStatus uint16

// Response status codes (respStatus field).
const (
	// StatusSuccess: the call succeeded.
	StatusSuccess RespStatus = 0x0000
	// StatusError: a generic error.
	StatusError RespStatus = 0x0001
	// StatusServerException: the server's processor threw.
	StatusServerException RespStatus = 0x0002
	// StatusUnknown: an error without a closer code.
	StatusUnknown RespStatus = 0x0003
	// StatusServerThreadpoolBusy: the server's executor refused the call.
	StatusServerThreadpoolBusy RespStatus = 0x0004
	// StatusErrorComm: a communication error.
	StatusErrorComm RespStatus = 0x0005
	// StatusNoProcessor: nothing on the server handles the request class.
	StatusNoProcessor RespStatus = 0x0006
	// StatusTimeout: the call timed out.
	StatusTimeout RespStatus = 0x0007
	// StatusClientSendError: the client could not send the request.
	StatusClientSendError RespStatus = 0x0008
	// StatusCodecException: the request could not be encoded or decoded.
	StatusCodecException RespStatus = 0x0009
	// StatusConnectionClosed: the connection closed before the reply.
	StatusConnectionClosed RespStatus = 0x0010
	// StatusServerSerialException: the server could not serialize its reply.
	StatusServerSerialException RespStatus = 0x0011
	// StatusServerDeserialException: the server could not deserialize the request.
	StatusServerDeserialException RespStatus = 0x0012
)

// String returns the SOFA name of the status.
func (s RespStatus) String() string {
	switch s {
	case StatusSuccess:
		return "SUCCESS"
	case StatusError:
		return "ERROR"
	case StatusServerException:
		return "SERVER_EXCEPTION"
	case StatusUnknown:
		return "UNKNOWN"
	case StatusServerThreadpoolBusy:
		return "SERVER_THREADPOOL_BUSY"
	case StatusErrorComm:
		return "ERROR_COMM"
	case StatusNoProcessor:
		return "NO_PROCESSOR"
	case StatusTimeout:
		return "TIMEOUT"
	case StatusClientSendError:
		return "CLIENT_SEND_ERROR"
	case StatusCodecException:
		return "CODEC_EXCEPTION"
	case StatusConnectionClosed:
		return "CONNECTION_CLOSED"
	case StatusServerSerialException:
		return "SERVER_SERIAL_EXCEPTION"
	case StatusServerDeserialException:
		return "SERVER_DESERIAL_EXCEPTION"
	}
	return "RespStatus(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

// Generic maps s onto the protocol-agnostic status the proxy counts and
// routes on. Unnamed codes map to xprotocol.StatusUnknown.
func (s RespStatus) Generic() xprotocol.Status {
	switch s {
	case StatusSuccess:
		return xprotocol.StatusOK
	case StatusNoProcessor:
		return xprotocol.StatusNoRoute
	case StatusTimeout:
		return xprotocol.StatusTimeout
	case StatusServerThreadpoolBusy:
		return xprotocol.StatusOverload
	case StatusConnectionClosed, StatusErrorComm, StatusClientSendError:
		return xprotocol.StatusUnavailable
	case StatusCodecException, StatusServerDeserialException:
		return xprotocol.StatusBadRequest
	case StatusServerException, StatusServerSerialException, StatusError:
		return xprotocol.StatusServerError
	}
	return xprotocol.StatusUnknown
}

// RespStatusFor returns the Bolt status an error reply uses to report s.
func RespStatusFor(s xprotocol.Status) RespStatus {
	switch s {
	case xprotocol.StatusOK:
		return StatusSuccess
	case xprotocol.StatusNoRoute:
		return StatusNoProcessor
	case xprotocol.StatusUnavailable:
		return StatusConnectionClosed
	case xprotocol.StatusTimeout:
		return StatusTimeout
	case xprotocol.StatusOverload:
		return StatusServerThreadpoolBusy
	case xprotocol.StatusBadRequest:
		return StatusCodecException
	case xprotocol.StatusServerError:
		return StatusServerException
	}
	return StatusUnknown
}
