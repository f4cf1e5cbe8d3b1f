package bolt

import "strconv"

// Name is the protocol's registered configuration name.
const Name = "bolt"

// ProtoV1 is the proto byte (the first byte of a frame) of Bolt v1.
// Bolt v2 uses 0x02; it is reserved for the v2 codec.
const ProtoV1 byte = 0x01

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
// Only the v1 layout exists today; Bolt v2 adds ver1 after proto and switch
// after codec, shifting the later offsets (see the package doc).
type layout struct {
	proto    byte
	typeOff  int // type(1)
	codeOff  int // cmdcode(2)
	ver2Off  int // ver2(1)
	idOff    int // requestId(4)
	codecOff int // codec(1)
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

// lensOff returns where the three length fields start for a frame of type t.
func (l *layout) lensOff(t CmdType) int {
	if t == TypeResponse {
		return l.respLensOff
	}
	return l.reqLensOff
}

// fixedLen returns the fixed-header length of a frame of type t.
func (l *layout) fixedLen(t CmdType) int { return l.lensOff(t) + 8 }
