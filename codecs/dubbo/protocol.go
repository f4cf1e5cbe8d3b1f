package dubbo

import "github.com/xgate/xgate/xprotocol"

// Protocol is Dubbo 2.x as an xprotocol.Protocol. It is stateless; use Proto.
type Protocol struct{}

// Proto is the Dubbo protocol, registered with xprotocol.Default as "dubbo".
var Proto Protocol

var _ xprotocol.Protocol = Proto

func init() { xprotocol.Register(Proto) }

// Name returns "dubbo".
func (Protocol) Name() string { return Name }

// Match accepts a prefix that starts with the magic 0xdabb followed by a
// request flag byte (FlagRequest set, a serialization id other than 0):
// what a Dubbo client sends first. It answers MatchNeedMore until those 3
// bytes are there and looks at nothing more, so its answer never changes as
// more bytes arrive, and it does not allocate. No other registered protocol
// can start this way: Bolt starts with 0x01/0x02, Thrift with 0x80/0x82 or a
// positive 4-byte length (0xda.. is negative), HTTP/1 with an ASCII method
// and HTTP/2 with "PRI *".
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	switch {
	case len(prefix) > 0 && prefix[0] != MagicHigh,
		len(prefix) > 1 && prefix[1] != MagicLow:
		return xprotocol.MatchNo
	case len(prefix) <= flagOff:
		return xprotocol.MatchNeedMore
	case prefix[flagOff]&FlagRequest == 0, prefix[flagOff]&SerializationMask == 0:
		return xprotocol.MatchNo
	}
	return xprotocol.MatchYes
}

// PoolMode is PoolMultiplex: calls on one connection are told apart by
// request id.
func (Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolMultiplex }

// MaxStreamID is the largest request id, a positive Java long.
func (Protocol) MaxStreamID() uint64 { return MaxRequestID }

// NewSession returns the (stateless) codec for one connection, enforcing
// opts.FrameLimit().
func (Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return &session{maxFrameSize: opts.FrameLimit()}
}

// NewHeartbeat builds a heartbeat request (see the package NewHeartbeat).
func (Protocol) NewHeartbeat(id uint64) xprotocol.Frame { return NewHeartbeat(id) }

// HeartbeatReply builds the reply to a heartbeat request: an event
// response with the same id, status OK and a null body, in the request's
// serialization when that is Hessian2. For another serialization it
// answers in Hessian2 (Dubbo clients pick the deserializer from the
// response's own flag byte, and every Dubbo build has Hessian2), since this
// package writes no other serialization.
func (Protocol) HeartbeatReply(req xprotocol.Frame) xprotocol.Frame {
	return NewHeartbeatReply(req.StreamID(), Hessian2)
}

// ErrorReply builds a response to req with the status byte RespStatusFor
// gives and msg as a Hessian2 string body, as Dubbo servers answer with a
// status other than OK. It keeps req's id and answers in Hessian2 (for a
// request in another serialization too, for the reason HeartbeatReply
// gives). A heartbeat gets an event response. It returns nil for oneway
// requests and responses, which take no reply.
func (Protocol) ErrorReply(req xprotocol.Frame, status xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	flag := byte(Hessian2)
	if req.Heartbeat() {
		flag |= FlagEvent
	}
	return newError(flag, req.StreamID(), RespStatusFor(status), msg)
}
