package toyrpc

import "github.com/xgate/xgate/xprotocol"

// Protocol is ToyRPC as an xprotocol.Protocol. It is stateless; use Proto.
type Protocol struct{}

// Proto is the protocol, registered in xprotocol.Default as "toy".
var Proto Protocol

var _ xprotocol.Protocol = Proto

// The one line that makes the gateway speak ToyRPC: every binary that
// imports this package can detect, route, pool and answer it.
func init() { xprotocol.Register(Proto) }

// Name returns "toy".
func (Protocol) Name() string { return Name }

// matchLen is how many bytes Match needs: the magic and the version.
const matchLen = len(Magic) + 1

// Match claims "TOY1" followed by version 1. It answers MatchNeedMore until
// those 5 bytes are in (so the answer never flips as bytes arrive), looks
// at nothing beyond them and allocates nothing. No shipped protocol starts
// with "TO": HTTP/1.1's TRACE shares only the "T".
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	for i := 0; i < len(prefix) && i < matchLen; i++ {
		want := byte(Version)
		if i < len(Magic) {
			want = Magic[i]
		}
		if prefix[i] != want {
			return xprotocol.MatchNo
		}
	}
	if len(prefix) < matchLen {
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchYes
}

// PoolMode is PoolMultiplex: responses carry their request's stream id.
func (Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolMultiplex }

// MaxStreamID is the largest stream id, a 32-bit field.
func (Protocol) MaxStreamID() uint64 { return 1<<32 - 1 }

// NewSession returns the (stateless) codec of one connection, enforcing
// opts.FrameLimit() and opts.MaxHeaderBytes.
func (Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return &session{maxFrameSize: opts.FrameLimit(), maxHeader: opts.MaxHeaderBytes}
}

// NewHeartbeat builds a heartbeat request; id is truncated to 32 bits.
func (Protocol) NewHeartbeat(id uint64) xprotocol.Frame {
	return mustBuild(Message{Type: TypeRequest, Heartbeat: true, ID: uint32(id)})
}

// HeartbeatReply builds the reply to a heartbeat: same id, status 0.
func (Protocol) HeartbeatReply(req xprotocol.Frame) xprotocol.Frame {
	return mustBuild(Message{Type: TypeResponse, Heartbeat: true, ID: uint32(req.StreamID())})
}

// ErrorReply builds a response to req with the Code of status and msg as
// its body (a heartbeat's reply stays a heartbeat). Oneway requests and
// responses take no reply: it returns nil.
func (Protocol) ErrorReply(req xprotocol.Frame, status xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	return mustBuild(Message{Type: TypeResponse, Heartbeat: req.Heartbeat(), ID: uint32(req.StreamID()),
		Code: CodeFor(status), Body: []byte(msg)})
}
