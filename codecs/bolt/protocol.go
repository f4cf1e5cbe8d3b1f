package bolt

import (
	"encoding/binary"

	hessian "github.com/apache/dubbo-go-hessian2"

	"github.com/xgate/xgate/xprotocol"
)

// Protocol is SOFA Bolt as an xprotocol.Protocol. It is stateless; use Proto.
type Protocol struct{}

// Proto is the Bolt protocol, registered with xprotocol.Default as "bolt".
var Proto Protocol

var _ xprotocol.Protocol = Proto

func init() { xprotocol.Register(Proto) }

// Name returns "bolt".
func (Protocol) Name() string { return Name }

// Match accepts a prefix that starts with the Bolt v1 proto byte followed by
// a defined type and cmdcode. It answers MatchNeedMore until those 4 bytes
// are there, so its answer never changes as more bytes arrive (a lone 0x01
// could still turn out to be something else). It looks at most at the first
// 4 bytes and does not allocate.
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	if len(prefix) == 0 {
		return xprotocol.MatchNeedMore
	}
	lay := &layoutV1
	if prefix[0] != lay.proto {
		return xprotocol.MatchNo
	}
	if len(prefix) > lay.typeOff && !CmdType(prefix[lay.typeOff]).valid() {
		return xprotocol.MatchNo
	}
	if len(prefix) > lay.codeOff && prefix[lay.codeOff] != 0 {
		return xprotocol.MatchNo // every defined cmdcode is below 256
	}
	if len(prefix) <= lay.codeOff+1 {
		return xprotocol.MatchNeedMore
	}
	if !CmdCode(binary.BigEndian.Uint16(prefix[lay.codeOff:])).valid() {
		return xprotocol.MatchNo
	}
	return xprotocol.MatchYes
}

// PoolMode is PoolMultiplex: calls on one connection are told apart by requestId.
func (Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolMultiplex }

// MaxStreamID is the largest requestId, a 32-bit field.
func (Protocol) MaxStreamID() uint64 { return 1<<32 - 1 }

// NewSession returns the (stateless) codec for one connection, enforcing
// opts.FrameLimit().
func (Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return &session{maxFrameSize: opts.FrameLimit()}
}

// NewHeartbeat builds a heartbeat request (see the package NewHeartbeat); id
// is truncated to the 32-bit requestId.
func (Protocol) NewHeartbeat(id uint64) xprotocol.Frame { return NewHeartbeat(uint32(id)) }

// HeartbeatReply builds the heartbeat ack for req: same requestId and codec,
// status SUCCESS.
func (Protocol) HeartbeatReply(req xprotocol.Frame) xprotocol.Frame {
	return NewHeartbeatAck(uint32(req.StreamID()), codecOf(req))
}

// errorClass is the class of an error reply's content.
const errorClass = "java.lang.String"

// ErrorReply builds a response to req with status mapped by RespStatusFor and,
// as content, msg as a hessian2 java.lang.String, in the request's codec.
// A heartbeat gets a heartbeat ack carrying the status and no content. It
// returns nil for a oneway request or a response, which take no reply.
func (Protocol) ErrorReply(req xprotocol.Frame, status xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	m := Message{
		Type:   TypeResponse,
		Code:   CodeResponse,
		ID:     uint32(req.StreamID()),
		Codec:  codecOf(req),
		Status: RespStatusFor(status),
	}
	if req.Heartbeat() {
		m.Code = CodeHeartbeat
	} else {
		m.Class = errorClass
		m.Content = hessianString(msg)
	}
	f, err := Build(m)
	if err != nil {
		// Only a content over 2 GiB fails; an error message never is.
		return nil
	}
	return f
}

// codecOf returns the codec of a Bolt frame, or hessian2 for another protocol's.
func codecOf(f xprotocol.Frame) Codec {
	if bf, ok := f.(*Frame); ok {
		return bf.codec
	}
	return CodecHessian2
}

// hessianString serializes s as a hessian2 string. It allocates; error
// replies are off the forward path.
func hessianString(s string) []byte {
	e := hessian.NewEncoder()
	_ = e.Encode(s) // a string always encodes
	return e.Buffer()
}
