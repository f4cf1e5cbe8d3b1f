package bolt

import "strconv"

// Name is the protocol's registered configuration name.
const Name = "bolt"

// Proto bytes: the first byte of a frame names its layout. One connection
// may carry both; each frame is decoded by its own first byte.
const (
	// ProtoV1 is the proto byte of Bolt v1 (SOFA RpcProtocol).
	ProtoV1 byte = 0x01
	// ProtoV2 is the proto byte of Bolt v2 (SOFA RpcProtocolV2).
	ProtoV2 byte = 0x02
)

// Values of a Bolt v2 frame's ver1 field (SOFA RpcProtocolV2
// PROTOCOL_VERSION_1 and PROTOCOL_VERSION_2). SOFA defines no others, and its
// decoder cannot frame any other value, so Decode refuses them.
const (
	// ProtocolVersion1 is the v2 layout whose frames never carry a CRC32,
	// whatever the switch byte says.
	ProtocolVersion1 uint8 = 1
	// ProtocolVersion2 is the v2 layout whose frames end with a CRC32 when
	// the switch byte has SwitchCRC set.
	ProtocolVersion2 uint8 = 2
)

// SwitchCRC is bit 0 of a Bolt v2 frame's switch byte (SOFA ProtocolSwitch
// CRC_SWITCH_INDEX). With ver1 ProtocolVersion2 it means the frame ends with
// a CRC32; the other bits are carried through unchanged.
const SwitchCRC uint8 = 0x01

// CommandVersion1 is the ver2 field (the command format version) Bolt v1
// peers send; frames built by this package carry it.
const CommandVersion1 uint8 = 1

// CmdType is the type field: what a frame is for stream matching.
type CmdType uint8

// Command types (type field).
const (
	// TypeResponse answers the request with the same requestId.
	TypeResponse CmdType = 0x00
	// TypeRequest is a two-way call.
	TypeRequest CmdType = 0x01
	// TypeOneway is a call that takes no response.
	TypeOneway CmdType = 0x02
)

// valid reports whether t is one of the three types Bolt defines.
func (t CmdType) valid() bool { return t <= TypeOneway }

// String returns the SOFA name of the type.
func (t CmdType) String() string {
	switch t {
	case TypeResponse:
		return "RESPONSE"
	case TypeRequest:
		return "REQUEST"
	case TypeOneway:
		return "REQUEST_ONEWAY"
	}
	return "CmdType(" + strconv.Itoa(int(t)) + ")"
}

// CmdCode is the cmdcode field: heartbeat or RPC.
type CmdCode uint16

// Command codes (cmdcode field).
const (
	// CodeHeartbeat marks a heartbeat request or its reply.
	CodeHeartbeat CmdCode = 0
	// CodeRequest marks an RPC request (two-way or oneway).
	CodeRequest CmdCode = 1
	// CodeResponse marks an RPC response.
	CodeResponse CmdCode = 2
)

// valid reports whether c is one of the three codes Bolt defines.
func (c CmdCode) valid() bool { return c <= CodeResponse }

// String returns the SOFA name of the code.
func (c CmdCode) String() string {
	switch c {
	case CodeHeartbeat:
		return "HEARTBEAT"
	case CodeRequest:
		return "RPC_REQUEST"
	case CodeResponse:
		return "RPC_RESPONSE"
	}
	return "CmdCode(" + strconv.Itoa(int(c)) + ")"
}

// Codec is the codec field: the serializer of class and content. Values this
// package does not name are carried through unchanged.
type Codec uint8

// Serializer codes (codec field).
const (
	// CodecHessian2 is Hessian 2, SOFA's default serializer.
	CodecHessian2 Codec = 1
	// CodecProtobuf is Protocol Buffers.
	CodecProtobuf Codec = 11
)

// String returns the serializer's name.
func (c Codec) String() string {
	switch c {
	case CodecHessian2:
		return "hessian2"
	case CodecProtobuf:
		return "protobuf"
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// Length-field limits. classLen and headerLen are Java shorts and contentLen a
// Java int on the wire, so they are signed.
const (
	maxClassLen   = 1<<15 - 1
	maxHeaderLen  = 1<<15 - 1
	maxContentLen = 1<<31 - 1
)

// layout says where the fixed-header fields of one protocol version sit.
// Bolt v2 adds ver1 after proto and switch after codec, shifting the later
// offsets (see the package doc).
type layout struct {
	proto byte
	// ver1Off and switchOff are the ver1(1) and switch(1) fields; 0 (the
	// proto byte's offset) means the version has no such field.
	ver1Off   int
	switchOff int
	typeOff   int // type(1)
	codeOff   int // cmdcode(2)
	ver2Off   int // ver2(1)
	idOff     int // requestId(4)
	codecOff  int // codec(1)
	// varOff is timeout(4) in a request and respStatus(2) in a response.
	varOff int
	// reqLensOff and respLensOff are where classLen(2), headerLen(2) and
	// contentLen(4) start; the fixed header ends 8 bytes later.
	reqLensOff  int
	respLensOff int
}

// layoutV1 is Bolt v1: a 22-byte request header and a 20-byte response header.
var layoutV1 = layout{
	proto:       ProtoV1,
	typeOff:     1,
	codeOff:     2,
	ver2Off:     4,
	idOff:       5,
	codecOff:    9,
	varOff:      10,
	reqLensOff:  14,
	respLensOff: 12,
}

// layoutV2 is Bolt v2: a 24-byte request header and a 22-byte response
// header (SOFA RpcProtocolV2 REQUEST_HEADER_LEN and RESPONSE_HEADER_LEN).
var layoutV2 = layout{
	proto:       ProtoV2,
	ver1Off:     1,
	typeOff:     2,
	codeOff:     3,
	ver2Off:     5,
	idOff:       6,
	codecOff:    10,
	switchOff:   11,
	varOff:      12,
	reqLensOff:  16,
	respLensOff: 14,
}

// layoutOf returns the layout a proto byte names, or nil.
func layoutOf(proto byte) *layout {
	switch proto {
	case ProtoV1:
		return &layoutV1
	case ProtoV2:
		return &layoutV2
	}
	return nil
}

// hasCRC reports whether a frame of this layout with fields ver1 and sw ends
// with a CRC32: only Bolt v2 with ver1 ProtocolVersion2 and SwitchCRC set
// (SOFA RpcCommandEncoderV2 and RpcCommandDecoderV2 test exactly this).
func (l *layout) hasCRC(ver1, sw uint8) bool {
	return l.switchOff != 0 && ver1 == ProtocolVersion2 && sw&SwitchCRC != 0
}

// lensOff returns where the three length fields start for a frame of type t.
func (l *layout) lensOff(t CmdType) int {
	if t == TypeResponse {
		return l.respLensOff
	}
	return l.reqLensOff
}

// fixedLen returns the fixed-header length of a frame of type t.
func (l *layout) fixedLen(t CmdType) int { return l.lensOff(t) + 8 }
