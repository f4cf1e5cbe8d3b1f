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

// Match accepts a prefix that starts a Bolt v1 or v2 frame:
//
//	v1: 0x01 | type | cmdcode(2) | ver2 = 1
//	v2: 0x02 | ver1 (1 or 2) | type | cmdcode(2)
//
// with a defined type and cmdcode. It answers MatchNeedMore until those 5
// bytes are there, so its answer never changes as more bytes arrive (a lone
// 0x01 could still turn out to be something else). It looks at most at the
// first 5 bytes and does not allocate.
//
// The v1 ver2 byte is checked only to keep detection disjoint from
// length-prefixed protocols that put a marker at byte 4: framed Thrift's
// length 0x01010001 followed by 0x80 0x01 (binary) or 0x82 (compact) would
// otherwise read as a v1 request header. Every SOFA implementation writes
// ver2 1; Decode still accepts any ver2 on a connection already known to be
// Bolt. In v2, byte 4 is the low cmdcode byte (0 to 2), so no Thrift frame
// matches it either.
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	if len(prefix) == 0 {
		return xprotocol.MatchNeedMore
	}
	lay := layoutOf(prefix[0])
	if lay == nil {
		return xprotocol.MatchNo
	}
	if lay.ver1Off != 0 && len(prefix) > lay.ver1Off {
		if v := prefix[lay.ver1Off]; v != ProtocolVersion1 && v != ProtocolVersion2 {
			return xprotocol.MatchNo
		}
	}
	if len(prefix) > lay.typeOff && !CmdType(prefix[lay.typeOff]).valid() {
		return xprotocol.MatchNo
	}
	if len(prefix) > lay.codeOff && prefix[lay.codeOff] != 0 {
		return xprotocol.MatchNo // every defined cmdcode is below 256
	}
	if len(prefix) > lay.codeOff+1 && !CmdCode(binary.BigEndian.Uint16(prefix[lay.codeOff:])).valid() {
		return xprotocol.MatchNo
	}
	if lay.proto == ProtoV1 && len(prefix) > lay.ver2Off && prefix[lay.ver2Off] != CommandVersion1 {
		return xprotocol.MatchNo
	}
	if len(prefix) < matchLen {
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchYes
}

// matchLen is how many bytes Match needs to decide: through v1's ver2 and
// v2's cmdcode.
const matchLen = 5

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
// status SUCCESS, in req's layout (a Bolt v2 heartbeat is answered in v2 with
// its ver1 and switch byte, so with a CRC32 if it had one).
func (Protocol) HeartbeatReply(req xprotocol.Frame) xprotocol.Frame {
	m := replyTo(req)
	m.Code = CodeHeartbeat
	m.Status = StatusSuccess
	return mustBuild(m)
}

// errorClass is the class of an error reply's content.
const errorClass = "java.lang.String"

// ErrorReply builds a response to req with status mapped by RespStatusFor and,
// as content, msg as a hessian2 java.lang.String, in the request's codec and
// layout (Bolt v2 with the request's ver1 and switch byte, so with a CRC32 if
// the request had one). A heartbeat gets a heartbeat ack carrying the status
// and no content. It returns nil for a oneway request or a response, which
// take no reply.
func (Protocol) ErrorReply(req xprotocol.Frame, status xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	m := replyTo(req)
	m.Code = CodeResponse
	m.Status = RespStatusFor(status)
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

// replyTo returns the response to req as far as req decides it: its
// requestId, and for a Bolt frame its codec, proto, ver1 and switch byte.
// Another protocol's frame is answered in Bolt v1 and hessian2.
func replyTo(req xprotocol.Frame) Message {
	m := Message{Type: TypeResponse, ID: uint32(req.StreamID()), Codec: CodecHessian2}
	if bf, ok := req.(*Frame); ok {
		m.Codec = bf.codec
		m.Proto, m.Ver1, m.Switch = bf.lay.proto, bf.ver1, bf.sw
	}
	return m
}

// hessianString serializes s as a hessian2 string. It allocates; error
// replies are off the forward path.
func hessianString(s string) []byte {
	e := hessian.NewEncoder()
	_ = e.Encode(s) // a string always encodes
	return e.Buffer()
}
