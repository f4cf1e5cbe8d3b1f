package thrift

import (
	"encoding/binary"

	"github.com/xgate/xgate/xprotocol"
)

// Protocol is Thrift as an xprotocol.Protocol with xprotocol.Variants. It
// is stateless; use Proto.
type Protocol struct{}

// Proto is the Thrift protocol, registered with xprotocol.Default as "thrift".
var Proto Protocol

var (
	_ xprotocol.Protocol = Proto
	_ xprotocol.Variants = Proto
)

func init() { xprotocol.Register(Proto) }

// Name returns "thrift".
func (Protocol) Name() string { return Name }

// Match claims a connection whose first bytes start a Thrift message:
//
//	unframed binary   0x80 0x01 0x00 type           (4 bytes)
//	unframed compact  0x82 type<<5|1                (2 bytes)
//	framed            0x00 len len len, then one of the above at byte 4
//
// where type is 1..4. A framed first message must be shorter than 16 MiB
// (length byte 0 is 0x00), which keeps Match apart from every protocol
// whose first byte is not 0 — Bolt (0x01, 0x02), Dubbo (0xda), HTTP/1
// (ASCII), the HTTP/2 preface ("PRI") — even at the 4 bytes where Bolt's
// matcher already decides; and its length must hold a message header.
// Every byte is checked as it arrives and the answer is MatchNeedMore until
// the pattern is complete, so it never changes with more bytes. It looks at
// most at 8 bytes and does not allocate. (A session, once told or having
// detected its variant, takes framed messages of any length up to its
// limit.)
func (Protocol) Match(prefix []byte) xprotocol.MatchResult {
	if len(prefix) == 0 {
		return xprotocol.MatchNeedMore
	}
	switch prefix[0] {
	case binaryVersion1:
		return matchBinary(prefix)
	case compactProtocolID:
		return matchCompact(prefix)
	case 0x00:
		if len(prefix) < framePrefixLen {
			return xprotocol.MatchNeedMore
		}
		l := binary.BigEndian.Uint32(prefix)
		if l < minCompactHeader {
			return xprotocol.MatchNo
		}
		msg := prefix[framePrefixLen:]
		if len(msg) == 0 {
			return xprotocol.MatchNeedMore
		}
		switch msg[0] {
		case binaryVersion1:
			if l < minBinaryHeader {
				return xprotocol.MatchNo
			}
			return matchBinary(msg)
		case compactProtocolID:
			return matchCompact(msg)
		}
	}
	return xprotocol.MatchNo
}

// matchBinary matches 0x80 0x01 0x00 type; msg[0] is 0x80.
func matchBinary(msg []byte) xprotocol.MatchResult {
	switch {
	case len(msg) > 1 && msg[1] != binaryVersion2,
		len(msg) > 2 && msg[2] != 0,
		len(msg) > 3 && !MessageType(msg[3]).valid():
		return xprotocol.MatchNo
	case len(msg) < 4:
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchYes
}

// matchCompact matches 0x82 type<<5|1; msg[0] is 0x82.
func matchCompact(msg []byte) xprotocol.MatchResult {
	if len(msg) < 2 {
		return xprotocol.MatchNeedMore
	}
	if msg[1]&compactVersionMask != compactVersion || !MessageType(msg[1]>>compactTypeShift).valid() {
		return xprotocol.MatchNo
	}
	return xprotocol.MatchYes
}

// PoolMode is PoolPingPong, the mode every variant can use; the engine asks
// VariantPoolMode, which multiplexes framed variants.
func (Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolPingPong }

// ImplicitOneway reports true: Apache Thrift's Go client sends a oneway
// method as a CALL message, which only the IDL marks as oneway, so the
// engine infers oneway calls (see xprotocol.ImplicitOneway).
func (Protocol) ImplicitOneway() bool { return true }

// FrameVariant returns a Thrift frame's variant, or 0 for another
// protocol's frame.
func (Protocol) FrameVariant(f xprotocol.Frame) uint8 {
	if tf, ok := f.(*Frame); ok {
		return uint8(tf.variant)
	}
	return 0
}

// VariantPoolMode is PoolMultiplex for framed variants, whose frames servers
// answer as whole units matched by seqid (the pool rewrites seqids per
// upstream connection), and PoolPingPong for unframed ones (and unknown
// values), where one call at a time per connection is the safe contract.
func (Protocol) VariantPoolMode(v uint8) xprotocol.PoolMode {
	if Variant(v).Framed() {
		return xprotocol.PoolMultiplex
	}
	return xprotocol.PoolPingPong
}

// MaxStreamID is 2^31-1: the seqid is an i32, and pools keep it positive.
func (Protocol) MaxStreamID() uint64 { return 1<<31 - 1 }

// NewSession returns the codec state of one connection. A server session
// (or a client session with Variant 0) learns the variant from the first
// bytes it decodes; a client session speaks Variant(opts.Variant). From
// then on every message must be of that variant.
func (Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	s := &session{maxFrameSize: opts.FrameLimit()}
	if v := Variant(opts.Variant); opts.Role == xprotocol.RoleClient && v.Valid() {
		s.variant = v
	}
	return s
}

// NewHeartbeat returns nil: Thrift has no heartbeat message, so the engine
// does not send keep-alives on Thrift connections (idle timeouts and health
// checks still apply).
func (Protocol) NewHeartbeat(uint64) xprotocol.Frame { return nil }

// HeartbeatReply returns nil: no Thrift message is a heartbeat.
func (Protocol) HeartbeatReply(xprotocol.Frame) xprotocol.Frame { return nil }

// ErrorReply builds an EXCEPTION message answering req, in req's variant,
// with req's seqid and method name (without a multiplexed service prefix:
// a multiplexing server names its replies that way, and the Apache Go
// client refuses a reply named otherwise). Its TApplicationException has
// msg as message, ExceptionTypeFor(status) as type and status in
// FieldGatewayStatus. It returns nil for a oneway call, a reply, or a frame
// that is not Thrift.
func (Protocol) ErrorReply(req xprotocol.Frame, status xprotocol.Status, msg string) xprotocol.Frame {
	tf, ok := req.(*Frame)
	if !ok || tf.mtype != TypeCall {
		return nil
	}
	body := appendAppException(nil, tf.variant.Compact(), ExceptionTypeFor(status), msg, status)
	f := framePool.Get().(*Frame)
	if err := writeMessage(f, tf.variant, TypeException, tf.method(), tf.seqid, body); err != nil {
		framePool.Put(f)
		return nil // only a message over 2 GiB fails
	}
	return f
}
