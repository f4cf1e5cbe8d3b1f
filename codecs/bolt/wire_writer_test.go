package bolt_test

import (
	"bytes"
	"encoding/binary"
)

// wire is an independent Bolt v1 frame writer, written straight from the
// protocol layout with encoding/binary. It shares no code or constants with
// the codec, so the golden tests compare two implementations of the spec.
//
//	request:  proto(1)=1 type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          timeout(4) classLen(2) headerLen(2) contentLen(4) class header content
//	response: proto(1)=1 type(1) cmdcode(2) ver2(1) requestId(4) codec(1)
//	          respStatus(2) classLen(2) headerLen(2) contentLen(4) class header content
type wire struct {
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

// bytes returns the frame's wire form.
func (w wire) bytes() []byte {
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
