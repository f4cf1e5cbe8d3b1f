package bolt

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Message describes a Bolt command for Build. Fields that do not apply to
// the Type are ignored (Timeout for responses, Status for requests), as are
// Ver1 and Switch for Bolt v1.
type Message struct {
	// Proto is the proto byte: ProtoV1 (or 0) for Bolt v1, ProtoV2 for Bolt v2.
	Proto byte
	// Ver1 is a Bolt v2 frame's ver1 field, ProtocolVersion1 or
	// ProtocolVersion2; 0 means ProtocolVersion2 when the frame gets a
	// CRC32 (CRC set) and ProtocolVersion1 otherwise.
	Ver1 uint8
	// Switch is a Bolt v2 frame's switch byte, written as given (CRC adds
	// SwitchCRC to it).
	Switch uint8
	// CRC makes a Bolt v2 frame end with a CRC32: it sets SwitchCRC in the
	// switch byte and needs ver1 ProtocolVersion2. A frame also gets one
	// when Ver1 is ProtocolVersion2 and Switch already has SwitchCRC.
	CRC bool
	// Type is the type field: TypeRequest, TypeOneway or TypeResponse.
	Type CmdType
	// Code is the cmdcode field.
	Code CmdCode
	// Ver2 is the ver2 field; 0 means CommandVersion1.
	Ver2 uint8
	// ID is the requestId field.
	ID uint32
	// Codec is the codec field; 0 means CodecHessian2.
	Codec Codec
	// Timeout is a request's timeout field, written in whole milliseconds
	// (a positive duration under 1ms becomes 1ms, and it is clamped to the
	// int32 range). Zero means no deadline.
	Timeout time.Duration
	// Status is a response's respStatus field.
	Status RespStatus
	// Class is the class field, e.g. "com.alipay.sofa.rpc.core.request.SofaRequest".
	Class string
	// Headers are the header-map entries as key/value pairs, in wire order.
	Headers [][2]string
	// Content is the content field, already serialized with Codec.
	Content []byte
}

// Build serializes m into a new pooled frame. It fails with a
// *xprotocol.FrameError when m has an undefined proto, ver1, type or
// cmdcode, asks for a CRC32 the layout cannot carry (Bolt v1, or ver1
// ProtocolVersion1), or has a field too long for its length field (class or
// header map over 32767 bytes).
func Build(m Message) (*Frame, error) {
	if m.Proto == 0 {
		m.Proto = ProtoV1
	}
	lay := layoutOf(m.Proto)
	switch {
	case lay == nil:
		return nil, xprotocol.Malformed(Name, "proto", fmt.Sprintf("unknown protocol byte 0x%02x", m.Proto))
	case m.CRC && lay.switchOff == 0:
		return nil, xprotocol.Malformed(Name, "crc32", "Bolt v1 frames carry no CRC32; build a Bolt v2 frame")
	case m.CRC && m.Ver1 == ProtocolVersion1:
		return nil, xprotocol.Malformed(Name, "crc32", "a CRC32 needs ver1 2; ver1 1 frames never carry one")
	}
	if lay.switchOff == 0 {
		m.Ver1, m.Switch = 0, 0
	} else {
		if m.CRC {
			m.Switch |= SwitchCRC
		}
		if m.Ver1 == 0 {
			m.Ver1 = ProtocolVersion1
			if m.CRC {
				m.Ver1 = ProtocolVersion2
			}
		}
	}
	if !m.Type.valid() {
		return nil, xprotocol.Malformed(Name, "type", fmt.Sprintf("unknown command type 0x%02x", uint8(m.Type)))
	}
	if !m.Code.valid() {
		return nil, xprotocol.Malformed(Name, "cmdcode", fmt.Sprintf("unknown command code %d", m.Code))
	}
	if m.Ver2 == 0 {
		m.Ver2 = CommandVersion1
	}
	if m.Codec == 0 {
		m.Codec = CodecHessian2
	}
	headerLen := entriesLen(m.Headers)
	switch {
	case len(m.Class) > maxClassLen:
		return nil, xprotocol.TooLarge(Name, "classLen", len(m.Class), maxClassLen)
	case headerLen > maxHeaderLen:
		return nil, xprotocol.TooLarge(Name, "headerLen", headerLen, maxHeaderLen)
	case int64(len(m.Content)) > maxContentLen:
		return nil, xprotocol.TooLarge(Name, "contentLen", len(m.Content), maxContentLen)
	}

	lensOff := lay.lensOff(m.Type)
	fixedLen := lensOff + 8
	crc := lay.hasCRC(m.Ver1, m.Switch)
	bufp := bufs.Get(fixedLen + len(m.Class) + headerLen + len(m.Content) + crcSize(crc))
	b := *bufp
	b[0] = lay.proto
	if lay.switchOff != 0 {
		b[lay.ver1Off] = m.Ver1
		b[lay.switchOff] = m.Switch
	}
	b[lay.typeOff] = byte(m.Type)
	binary.BigEndian.PutUint16(b[lay.codeOff:], uint16(m.Code))
	b[lay.ver2Off] = m.Ver2
	binary.BigEndian.PutUint32(b[lay.idOff:], m.ID)
	b[lay.codecOff] = byte(m.Codec)
	if m.Type == TypeResponse {
		binary.BigEndian.PutUint16(b[lay.varOff:], uint16(m.Status))
	} else {
		binary.BigEndian.PutUint32(b[lay.varOff:], uint32(timeoutMillis(m.Timeout)))
	}
	binary.BigEndian.PutUint16(b[lensOff:], uint16(len(m.Class)))
	binary.BigEndian.PutUint16(b[lensOff+2:], uint16(headerLen))
	binary.BigEndian.PutUint32(b[lensOff+4:], uint32(len(m.Content)))
	body := append(b[fixedLen:fixedLen], m.Class...)
	for _, h := range m.Headers {
		body = appendEntry(body, h[0], h[1])
	}
	_ = append(body, m.Content...) // fits: b was sized for the whole frame
	if crc {
		sealCRC(b)
	}

	// Read the fixed header back rather than filling the frame by hand, so a
	// built frame is exactly what Decode would make of its bytes.
	var h fixedHeader
	if err := readFixedHeader(b, lay, math.MaxInt, &h); err != nil {
		bufs.Put(bufp)
		return nil, err
	}
	return newFrame(bufp, lay, &h), nil
}

// timeoutMillis converts d to the int32 milliseconds of the timeout field.
func timeoutMillis(d time.Duration) int32 {
	switch {
	case d <= 0:
		return int32(max(d.Milliseconds(), math.MinInt32))
	case d < time.Millisecond:
		return 1
	}
	return int32(min(d.Milliseconds(), math.MaxInt32))
}

// mustBuild is Build for the constructors, whose arguments can only fail on
// the 16-bit length limits.
func mustBuild(m Message) *Frame {
	f, err := Build(m)
	if err != nil {
		panic(err)
	}
	return f
}

// NewRequest builds a two-way RPC request (hessian2 codec). It panics if
// class or the header map is longer than 32767 bytes; use Build to get an
// error instead.
func NewRequest(id uint32, class string, headers [][2]string, content []byte, timeout time.Duration) *Frame {
	return mustBuild(Message{Type: TypeRequest, Code: CodeRequest, ID: id, Timeout: timeout,
		Class: class, Headers: headers, Content: content})
}

// NewOneway builds a oneway RPC request (hessian2 codec, no timeout). It
// panics like NewRequest.
func NewOneway(id uint32, class string, headers [][2]string, content []byte) *Frame {
	return mustBuild(Message{Type: TypeOneway, Code: CodeRequest, ID: id,
		Class: class, Headers: headers, Content: content})
}

// NewResponse builds an RPC response (hessian2 codec). It panics like
// NewRequest.
func NewResponse(id uint32, status RespStatus, class string, headers [][2]string, content []byte) *Frame {
	return mustBuild(Message{Type: TypeResponse, Code: CodeResponse, ID: id, Status: status,
		Class: class, Headers: headers, Content: content})
}

// NewHeartbeat builds a heartbeat request: type REQUEST, cmdcode HEARTBEAT,
// hessian2 codec, timeout 0 and nothing after the fixed header.
func NewHeartbeat(id uint32) *Frame {
	return mustBuild(Message{Type: TypeRequest, Code: CodeHeartbeat, ID: id})
}

// NewHeartbeatAck builds the Bolt v1 reply to heartbeat id: type RESPONSE,
// cmdcode HEARTBEAT, status SUCCESS and nothing after the fixed header. codec
// should echo the heartbeat's; 0 means hessian2. Protocol.HeartbeatReply
// answers a Bolt v2 heartbeat in v2.
func NewHeartbeatAck(id uint32, codec Codec) *Frame {
	return mustBuild(Message{Type: TypeResponse, Code: CodeHeartbeat, ID: id, Codec: codec, Status: StatusSuccess})
}
