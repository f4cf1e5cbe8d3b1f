package thrift

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// msgHeader is a parsed message header. Offsets count from the start of the
// message (after a frame length).
type msgHeader struct {
	mtype   MessageType
	seqid   int32
	seqOff  int // the seqid field
	seqLen  int
	nameOff int // the name's bytes (after its length)
	nameLen int
	bodyOff int // the body struct
}

// Decode reads one message of variant v from the front of src and returns
// it with the number of bytes it used (frame length included). The frame
// owns a pooled copy of those bytes. v == 0 detects the variant from the
// first bytes, as a server session does.
//
// It returns xprotocol.ErrIncomplete (and n == 0) while src holds a prefix
// of a message. Framed: the length is checked against maxFrameSize (0 or
// less means xprotocol.DefaultMaxFrameSize) as soon as its 4 bytes are in;
// the body is opaque. Unframed: the body struct is walked to find where the
// message ends (see walker), and a length or count that takes the message
// past maxFrameSize is refused as soon as it is read. Broken rules give a
// *xprotocol.FrameError naming the field.
//
// Decode walks an unframed message from its start on every call; a Session
// resumes the walk where the previous read stopped.
func Decode(src []byte, v Variant, maxFrameSize int) (f *Frame, n int, err error) {
	if maxFrameSize <= 0 {
		maxFrameSize = xprotocol.DefaultMaxFrameSize
	}
	if v == 0 {
		if v, err = sniff(src, maxFrameSize); err != nil {
			return nil, 0, err
		}
	} else if !v.Valid() {
		return nil, 0, xprotocol.Malformed(Name, "variant", "unknown variant "+strconv.Itoa(int(v)))
	}
	if v.Framed() {
		return decodeFramed(src, v, maxFrameSize)
	}
	var h msgHeader
	if err := readHeader(src, v.Compact(), maxFrameSize, false, &h); err != nil {
		return nil, 0, err
	}
	var w walker
	w.start(v.Compact(), h.bodyOff)
	if err := w.run(src, maxFrameSize); err != nil {
		return nil, 0, err
	}
	return newFrame(src, w.pos, v, &h), w.pos, nil
}

// sniff tells the variant from a connection's first bytes: 0x80 starts an
// unframed binary message and 0x82 an unframed compact one; a first byte
// below 0x80 is the start of a (non-negative) frame length, and byte 4 then
// tells the protocol. A frame length over maxFrameSize is refused from its
// 4 bytes, before the protocol byte arrives.
func sniff(src []byte, maxFrameSize int) (Variant, error) {
	if len(src) == 0 {
		return 0, xprotocol.ErrIncomplete
	}
	switch b := src[0]; {
	case b == binaryVersion1:
		return BinaryUnframed, nil
	case b == compactProtocolID:
		return CompactUnframed, nil
	case b < 0x80:
		if len(src) >= framePrefixLen {
			if l := int64(binary.BigEndian.Uint32(src)); l+framePrefixLen > int64(maxFrameSize) {
				return 0, xprotocol.TooLarge(Name, "frame length", int(l+framePrefixLen), maxFrameSize)
			}
		}
		if len(src) <= framePrefixLen {
			return 0, xprotocol.ErrIncomplete
		}
		switch src[framePrefixLen] {
		case binaryVersion1:
			return BinaryFramed, nil
		case compactProtocolID:
			return CompactFramed, nil
		}
		return 0, xprotocol.Malformed(Name, "protocol id",
			fmt.Sprintf("framed message starts 0x%02x, neither binary (0x80) nor compact (0x82)", src[framePrefixLen]))
	}
	return 0, xprotocol.Malformed(Name, "protocol id", fmt.Sprintf("0x%02x starts no Thrift message", src[0]))
}

// protocolByte is the first byte of a message of variant v.
func protocolByte(v Variant) byte {
	if v.Compact() {
		return compactProtocolID
	}
	return binaryVersion1
}

// minHeader is the shortest message header of v's protocol.
func minHeader(v Variant) int {
	if v.Compact() {
		return minCompactHeader
	}
	return minBinaryHeader
}

// checkProtocolByte refuses a message that does not start with the
// protocol byte of the connection's variant.
func checkProtocolByte(msg []byte, v Variant) error {
	if len(msg) > 0 && msg[0] != protocolByte(v) {
		return xprotocol.Malformed(Name, "protocol id",
			fmt.Sprintf("the connection speaks %s but a message starts 0x%02x", v, msg[0]))
	}
	return nil
}

// decodeFramed reads one framed message: a 4-byte big-endian length, then
// that many bytes holding a message whose header must fit in them. The
// body is not walked: the frame length already says where it ends.
func decodeFramed(src []byte, v Variant, maxFrameSize int) (*Frame, int, error) {
	if len(src) < framePrefixLen {
		if len(src) > 0 && src[0] >= 0x80 {
			return nil, 0, xprotocol.Malformed(Name, "frame length", "negative length")
		}
		return nil, 0, xprotocol.ErrIncomplete
	}
	l := int32(binary.BigEndian.Uint32(src))
	switch {
	case l < 0:
		return nil, 0, xprotocol.Malformed(Name, "frame length", "negative length "+strconv.Itoa(int(l)))
	case int64(l)+framePrefixLen > int64(maxFrameSize):
		return nil, 0, xprotocol.TooLarge(Name, "frame length", int(l)+framePrefixLen, maxFrameSize)
	case int(l) < minHeader(v):
		return nil, 0, xprotocol.Malformed(Name, "frame length",
			fmt.Sprintf("%d bytes cannot hold a %s message header", l, v))
	}
	total := framePrefixLen + int(l)
	msg := src[framePrefixLen:min(len(src), total)]
	if err := checkProtocolByte(msg, v); err != nil {
		return nil, 0, err
	}
	// The header is read over the bytes present too, so garbage is refused
	// before the rest of the frame arrives.
	var h msgHeader
	err := readHeader(msg, v.Compact(), int(l), true, &h)
	if err != nil {
		if errors.Is(err, xprotocol.ErrIncomplete) && len(msg) == int(l) {
			err = xprotocol.Malformed(Name, "name", "the message header overruns the frame")
		}
		return nil, 0, err
	}
	if len(src) < total {
		return nil, 0, xprotocol.ErrIncomplete
	}
	return newFrame(src, total, v, &h), total, nil
}

// readHeader reads the message header at the front of msg. Bytes are checked
// as they arrive. limit bounds the message: past it, a length is too large
// (unframed) or overruns the frame (inFrame).
//
// Binary (strict): version|type (0x80 0x01 0x00 type) | name length (i32) |
// name | seqid (i32). Compact: 0x82 | type<<5|version (version 1) |
// seqid (varint) | name length (varint) | name.
func readHeader(msg []byte, compact bool, limit int, inFrame bool, h *msgHeader) error {
	var err error
	if compact {
		err = readCompactHeader(msg, limit, h)
	} else {
		err = readBinaryHeader(msg, limit, h)
	}
	if inFrame && errors.Is(err, xprotocol.ErrFrameTooLarge) {
		err = xprotocol.Malformed(Name, "name", "the message header overruns the frame")
	}
	return err
}

func readBinaryHeader(msg []byte, limit int, h *msgHeader) error {
	// Bytes 0..3 are VERSION_1 | type. The library ignores byte 2; every
	// writer puts 0 there and detection relies on it, so it is required.
	if len(msg) > 0 && msg[0] != binaryVersion1 {
		return xprotocol.Malformed(Name, "version",
			fmt.Sprintf("0x%02x: only the strict binary protocol (0x80 0x01) is supported", msg[0]))
	}
	if len(msg) > 1 && msg[1] != binaryVersion2 {
		return xprotocol.Malformed(Name, "version", fmt.Sprintf("binary version 0x80 0x%02x, want 0x80 0x01", msg[1]))
	}
	if len(msg) > 2 && msg[2] != 0 {
		return xprotocol.Malformed(Name, "version", fmt.Sprintf("byte 2 of the binary version is 0x%02x, want 0", msg[2]))
	}
	if len(msg) > 3 && !MessageType(msg[3]).valid() {
		return xprotocol.Malformed(Name, "type", fmt.Sprintf("unknown message type %d", msg[3]))
	}
	if err := need(msg, 0, 8, limit, "name length"); err != nil {
		return err
	}
	h.mtype = MessageType(msg[3])
	nameLen := int32(binary.BigEndian.Uint32(msg[4:]))
	if nameLen < 0 {
		return xprotocol.Malformed(Name, "name length", "negative length "+strconv.Itoa(int(nameLen)))
	}
	if err := need(msg, 8, int(nameLen)+4, limit, "name"); err != nil {
		return err
	}
	h.nameOff, h.nameLen = 8, int(nameLen)
	h.seqOff, h.seqLen = 8+int(nameLen), 4
	h.seqid = int32(binary.BigEndian.Uint32(msg[h.seqOff:]))
	h.bodyOff = h.seqOff + 4
	return nil
}

func readCompactHeader(msg []byte, limit int, h *msgHeader) error {
	if len(msg) > 0 && msg[0] != compactProtocolID {
		return xprotocol.Malformed(Name, "protocol id", fmt.Sprintf("0x%02x, want the compact protocol id 0x82", msg[0]))
	}
	if len(msg) > 1 {
		if ver := msg[1] & compactVersionMask; ver != compactVersion {
			return xprotocol.Malformed(Name, "version", fmt.Sprintf("compact version %d, want 1", ver))
		}
		if t := MessageType(msg[1] >> compactTypeShift); !t.valid() {
			return xprotocol.Malformed(Name, "type", fmt.Sprintf("unknown message type %d", t))
		}
	}
	if err := need(msg, 0, 2, limit, "version"); err != nil {
		return err
	}
	h.mtype = MessageType(msg[1] >> compactTypeShift)
	// The seqid is a plain (not zigzag) varint, truncated to 32 bits as
	// TCompactProtocol.readVarint32 does.
	seq, n, err := readVarint(msg, 2, limit, "seqid")
	if err != nil {
		return err
	}
	h.seqid = int32(seq)
	h.seqOff, h.seqLen = 2, n
	nameLen, ln, err := readLength(msg, 2+n, true, limit, "name length")
	if err != nil {
		return err
	}
	h.nameOff, h.nameLen = 2+n+ln, int(nameLen)
	if err := need(msg, h.nameOff, h.nameLen, limit, "name"); err != nil {
		return err
	}
	h.bodyOff = h.nameOff + h.nameLen
	return nil
}
