package dubbo

import (
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// RespStatus is the status byte of a response (org.apache.dubbo.remoting.
// exchange.Response). Codes this package does not name are carried through
// unchanged.
type RespStatus uint8

// Response status codes (byte 3 of a response header).
const (
	// StatusOK: the call completed; the body says whether it returned a
	// value or threw (see ResponseType).
	StatusOK RespStatus = 20
	// StatusClientTimeout: the client gave up waiting.
	StatusClientTimeout RespStatus = 30
	// StatusServerTimeout: the server gave up on the call.
	StatusServerTimeout RespStatus = 31
	// StatusChannelInactive: the connection went away before the reply.
	StatusChannelInactive RespStatus = 35
	// StatusBadRequest: the request could not be decoded.
	StatusBadRequest RespStatus = 40
	// StatusBadResponse: the response could not be encoded or decoded.
	StatusBadResponse RespStatus = 50
	// StatusServiceNotFound: nothing on the server exports the service.
	StatusServiceNotFound RespStatus = 60
	// StatusServiceError: the service failed outside its own code.
	StatusServiceError RespStatus = 70
	// StatusServerError: the server failed.
	StatusServerError RespStatus = 80
	// StatusClientError: the client failed.
	StatusClientError RespStatus = 90
	// StatusServerThreadpoolExhausted: the server's executor refused the call.
	StatusServerThreadpoolExhausted RespStatus = 100
)

// String returns the Dubbo name of the status.
func (s RespStatus) String() string {
	switch s {
	case StatusOK:
		return "OK"
	case StatusClientTimeout:
		return "CLIENT_TIMEOUT"
	case StatusServerTimeout:
		return "SERVER_TIMEOUT"
	case StatusChannelInactive:
		return "CHANNEL_INACTIVE"
	case StatusBadRequest:
		return "BAD_REQUEST"
	case StatusBadResponse:
		return "BAD_RESPONSE"
	case StatusServiceNotFound:
		return "SERVICE_NOT_FOUND"
	case StatusServiceError:
		return "SERVICE_ERROR"
	case StatusServerError:
		return "SERVER_ERROR"
	case StatusClientError:
		return "CLIENT_ERROR"
	case StatusServerThreadpoolExhausted:
		return "SERVER_THREADPOOL_EXHAUSTED_ERROR"
	}
	return "RespStatus(" + strconv.Itoa(int(s)) + ")"
}

// Generic maps s onto the protocol-agnostic status the proxy counts and
// routes on:
//
//	OK                                  -> StatusOK
//	SERVICE_NOT_FOUND                   -> StatusNoRoute
//	CLIENT_TIMEOUT, SERVER_TIMEOUT      -> StatusTimeout
//	CHANNEL_INACTIVE                    -> StatusUnavailable
//	SERVER_THREADPOOL_EXHAUSTED_ERROR   -> StatusOverload
//	BAD_REQUEST                         -> StatusBadRequest
//	BAD_RESPONSE, SERVICE_ERROR,
//	SERVER_ERROR                        -> StatusServerError
//	CLIENT_ERROR and unnamed codes      -> StatusUnknown
//
// CLIENT_ERROR maps to Unknown rather than BadRequest: Dubbo uses it for
// failures on the caller's side that say nothing about the request's
// validity, and it is the one code left for RespStatusFor(StatusUnknown),
// so every generic status survives an ErrorReply round trip.
//
// An OK response may still carry an exception in its body
// (ResponseWithException); that is the call's outcome, not the transport's,
// so the generic status stays StatusOK (see Frame.ResponseType).
func (s RespStatus) Generic() xprotocol.Status {
	switch s {
	case StatusOK:
		return xprotocol.StatusOK
	case StatusServiceNotFound:
		return xprotocol.StatusNoRoute
	case StatusClientTimeout, StatusServerTimeout:
		return xprotocol.StatusTimeout
	case StatusChannelInactive:
		return xprotocol.StatusUnavailable
	case StatusServerThreadpoolExhausted:
		return xprotocol.StatusOverload
	case StatusBadRequest:
		return xprotocol.StatusBadRequest
	case StatusBadResponse, StatusServiceError, StatusServerError:
		return xprotocol.StatusServerError
	}
	return xprotocol.StatusUnknown
}

// RespStatusFor returns the status byte an error reply uses to report s,
// the nearest Dubbo code that Generic maps back to s:
//
//	StatusOK          -> OK
//	StatusNoRoute     -> SERVICE_NOT_FOUND
//	StatusUnavailable -> CHANNEL_INACTIVE (the upstream connection is gone
//	                     or was never made; SERVICE_ERROR would read back as
//	                     a server failure)
//	StatusTimeout     -> SERVER_TIMEOUT (the gateway is the caller's server)
//	StatusOverload    -> SERVER_THREADPOOL_EXHAUSTED_ERROR
//	StatusBadRequest  -> BAD_REQUEST
//	StatusServerError -> SERVER_ERROR
//	StatusUnknown     -> CLIENT_ERROR
//
// Java and Go Dubbo clients raise a TimeoutException for the two timeout
// codes and a RemotingException carrying the error message for every other
// non-OK code, so the choice among the others only matters to metrics.
func RespStatusFor(s xprotocol.Status) RespStatus {
	switch s {
	case xprotocol.StatusOK:
		return StatusOK
	case xprotocol.StatusNoRoute:
		return StatusServiceNotFound
	case xprotocol.StatusUnavailable:
		return StatusChannelInactive
	case xprotocol.StatusTimeout:
		return StatusServerTimeout
	case xprotocol.StatusOverload:
		return StatusServerThreadpoolExhausted
	case xprotocol.StatusBadRequest:
		return StatusBadRequest
	case xprotocol.StatusServerError:
		return StatusServerError
	}
	return StatusClientError
}
