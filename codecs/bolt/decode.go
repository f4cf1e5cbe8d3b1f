package bolt

import (
	"encoding/binary"
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// Decode reads one frame from the front of src and returns it with the
// number of bytes it used. The frame owns a pooled copy of those bytes.
//
// The first byte picks the layout, Bolt v1 or v2, so frames of both may
// follow one another in src.
//
// It returns xprotocol.ErrIncomplete (and n == 0) while src holds a prefix of
// a valid frame. As soon as the fixed header is in, the frame length it
// declares (with the CRC32 field, if the frame has one) is checked against
// maxFrameSize (0 or less means xprotocol.DefaultMaxFrameSize), so an
// oversized frame is refused before its body arrives. Broken layout rules
// give a *xprotocol.FrameError of class ErrMalformed naming the field; bytes
// seen so far are checked, so garbage is refused early. A Bolt v2 frame with
// a CRC32 is checked against it before anything after the fixed header is
// trusted; a mismatch names the field "crc32".
func Decode(src []byte, maxFrameSize int) (f *Frame, n int, err error) {
	if maxFrameSize <= 0 {
		maxFrameSize = xprotocol.DefaultMaxFrameSize
	}
	if len(src) == 0 {
		return nil, 0, xprotocol.ErrIncomplete
	}
	lay := layoutOf(src[0])
	if lay == nil {
		return nil, 0, xprotocol.Malformed(Name, "proto", fmt.Sprintf("unknown protocol byte 0x%02x", src[0]))
	}
	var h fixedHeader
	if err := readFixedHeader(src, lay, maxFrameSize, &h); err != nil {
		return nil, 0, err
	}
	total := h.total()
	if len(src) < total {
		return nil, 0, xprotocol.ErrIncomplete
	}
	if h.crc {
		if err := checkCRC(src[:total]); err != nil {
			return nil, 0, err
		}
	}
	hdrStart := h.fixedLen + h.classLen
	if reason := checkHeaderMap(src[hdrStart : hdrStart+h.headerLen]); reason != "" {
		return nil, 0, xprotocol.Malformed(Name, "header", reason)
	}
	bufp := bufs.Get(total)
	copy(*bufp, src[:total])
	return newFrame(bufp, lay, &h), total, nil
}

// readFixedHeader reads and checks the fixed header at the front of src. It
// checks each field as soon as its bytes are present, returns ErrIncomplete
// while the fixed header is partial, and bounds the declared frame length.
func readFixedHeader(src []byte, lay *layout, maxFrameSize int, h *fixedHeader) error {
	if lay.ver1Off != 0 && len(src) > lay.ver1Off {
		// SOFA's decoder frames only these two; with any other ver1 it
		// would wait forever, not knowing whether a CRC32 follows.
		h.ver1 = src[lay.ver1Off]
		if h.ver1 != ProtocolVersion1 && h.ver1 != ProtocolVersion2 {
			return xprotocol.Malformed(Name, "ver1", fmt.Sprintf("unknown protocol version 0x%02x", h.ver1))
		}
	}
	if len(src) > lay.typeOff {
		h.cmdType = CmdType(src[lay.typeOff])
		if !h.cmdType.valid() {
			return xprotocol.Malformed(Name, "type", fmt.Sprintf("unknown command type 0x%02x", src[lay.typeOff]))
		}
	}
	// Every defined cmdcode is below 256, so its high byte alone can be wrong.
	if len(src) > lay.codeOff && src[lay.codeOff] != 0 {
		return xprotocol.Malformed(Name, "cmdcode", fmt.Sprintf("unknown command code 0x%02x..", src[lay.codeOff]))
	}
	if len(src) > lay.codeOff+1 {
		h.cmdCode = CmdCode(binary.BigEndian.Uint16(src[lay.codeOff:]))
		if !h.cmdCode.valid() {
			return xprotocol.Malformed(Name, "cmdcode", fmt.Sprintf("unknown command code %d", h.cmdCode))
		}
	}
	if len(src) <= lay.typeOff {
		return xprotocol.ErrIncomplete
	}
	h.fixedLen = lay.fixedLen(h.cmdType)
	if len(src) < h.fixedLen {
		return xprotocol.ErrIncomplete
	}
	h.ver2 = src[lay.ver2Off]
	h.id = binary.BigEndian.Uint32(src[lay.idOff:])
	h.codec = Codec(src[lay.codecOff])
	if lay.switchOff != 0 {
		h.sw = src[lay.switchOff]
		h.crc = lay.hasCRC(h.ver1, h.sw)
	}
	if h.cmdType == TypeResponse {
		h.status = RespStatus(binary.BigEndian.Uint16(src[lay.varOff:]))
	} else {
		h.timeout = int32(binary.BigEndian.Uint32(src[lay.varOff:]))
	}
	lens := src[lay.lensOff(h.cmdType):]
	classLen := int16(binary.BigEndian.Uint16(lens[0:]))
	headerLen := int16(binary.BigEndian.Uint16(lens[2:]))
	contentLen := int32(binary.BigEndian.Uint32(lens[4:]))
	switch {
	case classLen < 0:
		return xprotocol.Malformed(Name, "classLen", fmt.Sprintf("negative length %d", classLen))
	case headerLen < 0:
		return xprotocol.Malformed(Name, "headerLen", fmt.Sprintf("negative length %d", headerLen))
	case contentLen < 0:
		return xprotocol.Malformed(Name, "contentLen", fmt.Sprintf("negative length %d", contentLen))
	}
	h.classLen, h.headerLen, h.contentLen = int(classLen), int(headerLen), int(contentLen)
	// Each length alone is checked first so the error names the field to
	// blame; the sum is done in int64 so it cannot wrap where int is 32 bits.
	switch {
	case h.classLen > maxFrameSize:
		return xprotocol.TooLarge(Name, "classLen", h.classLen, maxFrameSize)
	case h.headerLen > maxFrameSize:
		return xprotocol.TooLarge(Name, "headerLen", h.headerLen, maxFrameSize)
	case h.contentLen > maxFrameSize:
		return xprotocol.TooLarge(Name, "contentLen", h.contentLen, maxFrameSize)
	}
	if total := int64(h.fixedLen) + int64(h.classLen) + int64(h.headerLen) + int64(h.contentLen) + int64(crcSize(h.crc)); total > int64(maxFrameSize) {
		return xprotocol.TooLarge(Name, "frame", int(total), maxFrameSize)
	}
	return nil
}
