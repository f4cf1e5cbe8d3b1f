package http2

import (
	"encoding/binary"
	"strconv"
)

// Wire constants of RFC 9113.
const (
	frameHeaderLen = 9
	prefaceLen     = 24
	// minMaxFrameSize is the smallest SETTINGS_MAX_FRAME_SIZE (and its default).
	minMaxFrameSize = 1 << 14
	// maxMaxFrameSize is the largest SETTINGS_MAX_FRAME_SIZE.
	maxMaxFrameSize = 1<<24 - 1
	// maxWindow is the largest flow-control window.
	maxWindow = 1<<31 - 1
	// defaultWindow is the initial window before SETTINGS say otherwise.
	defaultWindow = 65535
	// maxStreamID is the largest stream identifier.
	maxStreamID = 1<<31 - 1
)

// clientPreface opens every HTTP/2 connection.
const clientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

type frameType uint8

const (
	ftData         frameType = 0x0
	ftHeaders      frameType = 0x1
	ftPriority     frameType = 0x2
	ftRSTStream    frameType = 0x3
	ftSettings     frameType = 0x4
	ftPushPromise  frameType = 0x5
	ftPing         frameType = 0x6
	ftGoAway       frameType = 0x7
	ftWindowUpdate frameType = 0x8
	ftContinuation frameType = 0x9
)

var frameTypeNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

func (t frameType) String() string {
	if int(t) < len(frameTypeNames) {
		return frameTypeNames[t]
	}
	return "UNKNOWN"
}

// Frame flags.
const (
	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20
)

// SETTINGS identifiers.
const (
	settingHeaderTableSize      = 0x1
	settingEnablePush           = 0x2
	settingMaxConcurrentStreams = 0x3
	settingInitialWindowSize    = 0x4
	settingMaxFrameSize         = 0x5
	settingMaxHeaderListSize    = 0x6
)

// ErrCode is an HTTP/2 error code (RST_STREAM, GOAWAY).
type ErrCode uint32

// HTTP/2 error codes (RFC 9113 section 7).
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
	"COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

// String returns the RFC name of the code.
func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return "UNKNOWN_ERROR_0x" + strconv.FormatUint(uint64(c), 16)
}

// frameHeader is a parsed 9-byte frame header.
type frameHeader struct {
	length   int
	typ      frameType
	flags    uint8
	streamID uint32
}

func parseFrameHeader(b []byte) frameHeader {
	return frameHeader{
		length:   int(b[0])<<16 | int(b[1])<<8 | int(b[2]),
		typ:      frameType(b[3]),
		flags:    b[4],
		streamID: binary.BigEndian.Uint32(b[5:9]) & maxStreamID,
	}
}

func appendFrameHeader(dst []byte, length int, typ frameType, flags uint8, id uint32) []byte {
	return append(dst, byte(length>>16), byte(length>>8), byte(length), byte(typ), flags,
		byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
}

func appendRSTStream(dst []byte, id uint32, code ErrCode) []byte {
	dst = appendFrameHeader(dst, 4, ftRSTStream, 0, id)
	return binary.BigEndian.AppendUint32(dst, uint32(code))
}

func appendWindowUpdate(dst []byte, id uint32, incr uint32) []byte {
	dst = appendFrameHeader(dst, 4, ftWindowUpdate, 0, id)
	return binary.BigEndian.AppendUint32(dst, incr)
}

func appendGoAway(dst []byte, lastID uint32, code ErrCode, debug string) []byte {
	dst = appendFrameHeader(dst, 8+len(debug), ftGoAway, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, lastID)
	dst = binary.BigEndian.AppendUint32(dst, uint32(code))
	return append(dst, debug...)
}

func appendSetting(dst []byte, id uint16, v uint32) []byte {
	dst = binary.BigEndian.AppendUint16(dst, id)
	return binary.BigEndian.AppendUint32(dst, v)
}
