package bolt_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// wire is an independent Bolt v1 and v2 frame writer, written straight from
// the protocol layout with encoding/binary and hash/crc32. It shares no code
// or constants with the codec, so the golden tests compare two
// implementations of the spec.
//
// Bolt v1 (Proto 0 or 1):
//
//	request:  proto(1)=1 type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          timeout(4) classLen(2) headerLen(2) contentLen(4) class header content
//	response: proto(1)=1 type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          respStatus(2) classLen(2) headerLen(2) contentLen(4) class header content
//
// Bolt v2 (Proto 2, SOFA RpcProtocolV2):
//
//	request:  proto(1)=2 ver1(1) type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          switch(1) timeout(4) classLen(2) headerLen(2) contentLen(4)
//	          class header content [crc32(4)]
//	response: proto(1)=2 ver1(1) type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          switch(1) respStatus(2) classLen(2) headerLen(2) contentLen(4)
//	          class header content [crc32(4)]
//
// crc32 is there when ver1 is 2 and switch bit 0 is set (SOFA
// RpcCommandEncoderV2); it is the IEEE CRC-32 of every byte before it.
type wire struct {
	Proto   uint8 // 0 or 1: Bolt v1; 2: Bolt v2
	Ver1    uint8 // v2 only
	Switch  uint8 // v2 only
	Type    uint8
	CmdCode uint16
	Ver2    uint8
	ID      uint32
	Codec   uint8
	Timeout int32  // written for Type 1 and 2
	Status  uint16 // written for Type 0
	Class   string
	Headers []entry
	Content []byte
}

// entry is one SimpleMapSerializer entry; a Null flag writes length -1.
type entry struct {
	Key, Value         string
	NullKey, NullValue bool
}

// headerMap encodes entries as [keyLen int32][key][valueLen int32][value].
func headerMap(entries []entry) []byte {
	var buf bytes.Buffer
	str := func(s string, null bool) {
		if null {
			_ = binary.Write(&buf, binary.BigEndian, int32(-1))
			return
		}
		_ = binary.Write(&buf, binary.BigEndian, int32(len(s)))
		buf.WriteString(s)
	}
	for _, e := range entries {
		str(e.Key, e.NullKey)
		str(e.Value, e.NullValue)
	}
	return buf.Bytes()
}

// v2 reports whether w is a Bolt v2 frame.
func (w wire) v2() bool { return w.Proto == 2 }

// crc reports whether w's wire form ends with a CRC32.
func (w wire) crc() bool { return w.v2() && w.Ver1 == 2 && w.Switch&1 == 1 }

// idOffset is where requestId sits: after proto, type, cmdcode, ver2, and
// in v2 also ver1.
func (w wire) idOffset() int {
	if w.v2() {
		return 6
	}
	return 5
}

// lensOffset is where classLen sits.
func (w wire) lensOffset() int {
	off := 14 // v1 request: 22-byte header
	if w.Type == 0 {
		off -= 2 // respStatus(2) instead of timeout(4)
	}
	if w.v2() {
		off += 2 // ver1 and switch
	}
	return off
}

// bytes returns the frame's wire form.
func (w wire) bytes() []byte {
	if w.v2() {
		return w.bytesV2()
	}
	type common struct {
		Proto     uint8
		Type      uint8
		CmdCode   uint16
		Ver2      uint8
		RequestID uint32
		Codec     uint8
	}
	type lengths struct {
		ClassLen   int16
		HeaderLen  int16
		ContentLen int32
	}
	hdr := headerMap(w.Headers)
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.BigEndian, common{1, w.Type, w.CmdCode, w.Ver2, w.ID, w.Codec})
	if w.Type == 0 {
		_ = binary.Write(&buf, binary.BigEndian, w.Status)
	} else {
		_ = binary.Write(&buf, binary.BigEndian, w.Timeout)
	}
	_ = binary.Write(&buf, binary.BigEndian, lengths{int16(len(w.Class)), int16(len(hdr)), int32(len(w.Content))})
	buf.WriteString(w.Class)
	buf.Write(hdr)
	buf.Write(w.Content)
	return buf.Bytes()
}

// bytesV2 writes a Bolt v2 frame.
func (w wire) bytesV2() []byte {
	type common struct {
		Proto     uint8
		Ver1      uint8
		Type      uint8
		CmdCode   uint16
		Ver2      uint8
		RequestID uint32
		Codec     uint8
		Switch    uint8
	}
	type lengths struct {
		ClassLen   int16
		HeaderLen  int16
		ContentLen int32
	}
	hdr := headerMap(w.Headers)
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.BigEndian, common{2, w.Ver1, w.Type, w.CmdCode, w.Ver2, w.ID, w.Codec, w.Switch})
	if w.Type == 0 {
		_ = binary.Write(&buf, binary.BigEndian, w.Status)
	} else {
		_ = binary.Write(&buf, binary.BigEndian, w.Timeout)
	}
	_ = binary.Write(&buf, binary.BigEndian, lengths{int16(len(w.Class)), int16(len(hdr)), int32(len(w.Content))})
	buf.WriteString(w.Class)
	buf.Write(hdr)
	buf.Write(w.Content)
	if w.crc() {
		_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(buf.Bytes()))
	}
	return buf.Bytes()
}

// pairs returns the headers as decoded key/value pairs (null reads as "").
func (w wire) pairs() [][2]string {
	out := [][2]string{}
	for _, e := range w.Headers {
		out = append(out, [2]string{e.Key, e.Value})
	}
	return out
}

// lookup returns the value of key the way SOFA's decoder sees it: the last
// entry wins.
func (w wire) lookup(key string) (string, bool) {
	v, ok := "", false
	for _, e := range w.Headers {
		if e.Key == key {
			v, ok = e.Value, true
		}
	}
	return v, ok
}

// hessianShortString is hessian2's compact string form for fewer than 32
// UTF-16 units: a length byte then the UTF-8 bytes (hessian 2.0 spec,
// "string ::= [x00-x1f] <utf8-data>").
func hessianShortString(s string) []byte {
	return append([]byte{byte(len(s))}, s...)
}
