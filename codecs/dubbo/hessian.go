package dubbo

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// hessian.go, hessian_skip.go and hessian_write.go read and write just
// enough Hessian 2.0 for the Dubbo body: strings (the leading fields,
// attachment keys and values), ints (the response type) and a structural
// skip over any other value (arguments, exceptions, non-string attachment
// values). This file holds the reader and its string and scalar forms.
//
// Why not dubbo-go-hessian2's Decoder: it allocates a bufio.Reader per
// decoder, a fresh []byte per string (three bytes per char) and reflects
// every composite into Go values, and it can only decode classes it can
// represent. Routing needs five strings and the position of the attachment
// map, not the values, so walking the bytes in place costs no allocation and
// cannot fail on an argument type the gateway never registered (MOSN's
// Dubbo codec failed on complex payloads this way). The library stays the
// reference: the tests and fuzz/dubbo_test.go check this reader against it.
//
// Grammar (Hessian 2.0 serialization, with the tag ranges the library and
// Java's Hessian2Input accept):
//
//	x00-x1f  string, 0-31 chars            x20-x2f  binary, 0-15 bytes
//	x30-x33  string, 0-1023 chars (+1)     x34-x37  binary, 0-1023 bytes (+1)
//	x38-x3f  long, 3 bytes                 'A'/'B'  binary chunk/final (len16)
//	'C'      class def: name, int n, n field names; then a value
//	'D'      double (8)     'F'/'T'/'N'  false/true/null   'I' int (4)
//	'J'      date (8)       'K' date in minutes (4)        'L' long (8)
//	'H'      untyped map: (key value)* 'Z'
//	'M'      typed map: type (key value)* 'Z'
//	'O'      object: int class index, then the class's fields
//	'Q'      reference: int               'R'/'S'  string chunk/final (len16)
//	'U'      typed list: type value* 'Z'  'V' typed list: type int value*
//	'W'      list: value* 'Z'             'X' list: int value*
//	'Y'      long as int (4)              x5b-x5f  double 0, 1, byte, short, float
//	x60-x6f  object, class index 0-15     x70-x77  typed list of 0-7 values
//	x78-x7f  list of 0-7 values           x80-xbf  int, 1 byte
//	xc0-xcf  int, 2 bytes                 xd0-xd7  int, 3 bytes
//	xd8-xef  long, 1 byte                 xf0-xff  long, 2 bytes
//
// String lengths count UTF-16 chars, not bytes: a char is 1, 2 or 3 bytes
// by its lead byte (Hessian2Input.parseUTF8Char), and a supplementary
// character is two 3-byte surrogates (CESU-8).

// maxDepth bounds the nesting of lists, maps and objects the reader walks,
// so a hostile body cannot drive the recursion arbitrarily deep.
const maxDepth = 128

// Hessian 2.0 tags this package refers to by name.
const (
	tagNull        byte = 'N'
	tagEnd         byte = 'Z'
	tagMap         byte = 'H'
	tagTypedMap    byte = 'M'
	tagStringChunk byte = 'R'
	tagString      byte = 'S'
	tagInt         byte = 'I'
	tagIntZero     byte = 0x90
	chunkChars          = 4096 // string chunk size dubbo-go-hessian2 writes
)

// hreader walks Hessian 2.0 bytes without building values. A failure is
// reported as a reason (a constant string, so the happy path never
// allocates); the caller wraps it in a FrameError.
type hreader struct {
	b   []byte
	off int
	// classes holds the field count of each class definition met so far,
	// in wire order: an object instance names its class by that index.
	classes []int32
	depth   int
	// defines is set when a walked value adds to the stream's numbering
	// (a list, map, object or class definition); uses when a value refers
	// back into it (a reference, an object instance, a type reference).
	// An edit may drop a value only if it leaves both consistent.
	defines, uses bool
}

// Reasons the reader gives.
const (
	errTruncated   = "truncated value"
	errBadUTF8     = "bad utf-8 encoding in a string"
	errTooDeep     = "values nested too deep"
	errNotString   = "expected a string"
	errNotInt      = "expected an int"
	errBadClassRef = "object refers to an undefined class"
	errBadLength   = "negative or oversized length"
	errEndOutside  = "end marker 'Z' outside a list or map"
)

func (r *hreader) next() (byte, bool) {
	if r.off >= len(r.b) {
		return 0, false
	}
	c := r.b[r.off]
	r.off++
	return c, true
}

func (r *hreader) peek() (byte, bool) {
	if r.off >= len(r.b) {
		return 0, false
	}
	return r.b[r.off], true
}

// skipBytes advances over n bytes.
func (r *hreader) skipBytes(n int) string {
	if n < 0 || n > len(r.b)-r.off {
		return errTruncated
	}
	r.off += n
	return ""
}

// isStringTag reports the tags that start a string (any chunk form).
func isStringTag(t byte) bool {
	return t <= 0x1f || (t >= 0x30 && t <= 0x33) || t == tagString || t == tagStringChunk
}

// chunkLen reads the char count of the string chunk whose tag was just read.
func (r *hreader) chunkLen(tag byte) (int, string) {
	switch {
	case tag <= 0x1f:
		return int(tag), ""
	case tag >= 0x30 && tag <= 0x33:
		b, ok := r.next()
		if !ok {
			return 0, errTruncated
		}
		return int(tag-0x30)<<8 | int(b), ""
	default: // 'R' or 'S'
		if len(r.b)-r.off < 2 {
			return 0, errTruncated
		}
		n := int(binary.BigEndian.Uint16(r.b[r.off:]))
		r.off += 2
		return n, ""
	}
}

// skipChars advances over n chars of string data and reports whether any of
// them is a surrogate (so the bytes are CESU-8 rather than UTF-8).
func (r *hreader) skipChars(n int) (surrogate bool, reason string) {
	b, off := r.b, r.off
	// Most strings on this path (names, versions, descriptors, ids) are
	// ASCII: then n chars are n bytes, checked eight at a time.
	if n <= len(b)-off && isASCII(b[off:off+n]) {
		r.off = off + n
		return false, ""
	}
	for ; n > 0; n-- {
		if off >= len(b) {
			return false, errTruncated
		}
		c := b[off]
		switch {
		case c < 0x80:
			off++
		case c&0xe0 == 0xc0:
			off += 2
		case c&0xf0 == 0xe0:
			if c == 0xed && off+1 < len(b) && b[off+1] >= 0xa0 {
				surrogate = true // U+D800..U+DFFF
			}
			off += 3
		default:
			return false, errBadUTF8
		}
	}
	if off > len(b) {
		return false, errTruncated
	}
	r.off = off
	return surrogate, ""
}

// isASCII reports whether every byte of b is below 0x80.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// hstr is a string read in place.
type hstr struct {
	// enc is the whole encoding, tags included.
	enc []byte
	// data is the value's UTF-8 bytes when simple.
	data []byte
	// simple means one chunk without surrogates: the wire bytes are the
	// value. Otherwise appendUTF8 assembles it.
	simple bool
	null   bool
}

// str reads a string (or null) at the reader's position.
func (r *hreader) str() (hstr, string) {
	var s hstr
	reason := r.readStr(&s)
	return s, reason
}

// readStr reads a string (or null) at the reader's position into *s (an
// out parameter: the hot paths avoid copying the struct around).
func (r *hreader) readStr(s *hstr) string {
	start := r.off
	tag, ok := r.next()
	if !ok {
		return errTruncated
	}
	if tag == tagNull {
		*s = hstr{enc: r.b[start:r.off:r.off], null: true, simple: true}
		return ""
	}
	if !isStringTag(tag) {
		r.off = start
		return errNotString
	}
	simple := true
	var dataStart int
	for {
		n, reason := r.chunkLen(tag)
		if reason != "" {
			return reason
		}
		dataStart = r.off
		sur, reason := r.skipChars(n)
		if reason != "" {
			return reason
		}
		if sur {
			simple = false
		}
		if tag != tagStringChunk {
			break
		}
		simple = false
		if tag, ok = r.next(); !ok {
			return errTruncated
		}
		if !isStringTag(tag) {
			return errNotString
		}
	}
	s.enc = r.b[start:r.off:r.off]
	s.simple, s.null = simple, false
	s.data = nil
	if simple {
		s.data = r.b[dataStart:r.off:r.off]
	}
	return ""
}

// skipStr advances over a string (or null) without keeping it.
func (r *hreader) skipStr() string {
	var s hstr
	return r.readStr(&s)
}

// value returns the string's UTF-8 bytes: in place when simple, else
// appended to *scratch.
func (s *hstr) value(scratch *[]byte) []byte {
	if s.simple {
		return s.data
	}
	start := len(*scratch)
	*scratch = appendUTF8(*scratch, s.enc)
	end := len(*scratch)
	return (*scratch)[start:end:end]
}

// equal reports whether the string is key, using tmp as a work buffer for
// strings that are not simple.
func (s *hstr) equal(key string, tmp *[]byte) bool {
	if s.simple {
		return !s.null && string(s.data) == key
	}
	*tmp = appendUTF8((*tmp)[:0], s.enc)
	return string(*tmp) == key
}

// appendUTF8 appends the UTF-8 form of a string encoding that str accepted:
// chunks are joined and each surrogate pair becomes one 4-byte sequence
// (the form dubbo-go-hessian2 decodes to; a lone surrogate is kept as is).
func appendUTF8(dst, enc []byte) []byte {
	r := hreader{b: enc}
	for {
		tag, ok := r.next()
		if !ok || !isStringTag(tag) {
			return dst
		}
		n, reason := r.chunkLen(tag)
		if reason != "" {
			return dst
		}
		for ; n > 0 && r.off < len(enc); n-- {
			c := enc[r.off]
			w := 1
			switch {
			case c&0xe0 == 0xc0:
				w = 2
			case c&0xf0 == 0xe0:
				w = 3
			}
			w = min(w, len(enc)-r.off)
			ch := enc[r.off : r.off+w]
			r.off += w
			if w == 3 && isLowSurrogate(ch) && len(dst) >= 3 && isHighSurrogate(dst[len(dst)-3:]) {
				hi := dst[len(dst)-3:]
				c1 := rune(hi[0]&0x0f)<<12 | rune(hi[1]&0x3f)<<6 | rune(hi[2]&0x3f)
				c2 := rune(ch[0]&0x0f)<<12 | rune(ch[1]&0x3f)<<6 | rune(ch[2]&0x3f)
				dst = utf8.AppendRune(dst[:len(dst)-3], (c1-0xd800)<<10+(c2-0xdc00)+0x10000)
				continue
			}
			dst = append(dst, ch...)
		}
		if tag != tagStringChunk {
			return dst
		}
	}
}

func isHighSurrogate(b []byte) bool { return b[0] == 0xed && b[1] >= 0xa0 && b[1] <= 0xaf }
func isLowSurrogate(b []byte) bool  { return b[0] == 0xed && b[1] >= 0xb0 && b[1] <= 0xbf }

// intValue reads the int whose tag was just read (decInt32's forms: a
// compact or 'I' int, or null as 0).
func (r *hreader) intValue(tag byte) (int32, string) {
	switch {
	case tag >= 0x80 && tag <= 0xbf:
		return int32(tag) - 0x90, ""
	case tag >= 0xc0 && tag <= 0xcf:
		b, ok := r.next()
		if !ok {
			return 0, errTruncated
		}
		return (int32(tag)-0xc8)<<8 | int32(b), ""
	case tag >= 0xd0 && tag <= 0xd7:
		if len(r.b)-r.off < 2 {
			return 0, errTruncated
		}
		v := (int32(tag)-0xd4)<<16 | int32(r.b[r.off])<<8 | int32(r.b[r.off+1])
		r.off += 2
		return v, ""
	case tag == tagInt:
		if len(r.b)-r.off < 4 {
			return 0, errTruncated
		}
		v := int32(binary.BigEndian.Uint32(r.b[r.off:]))
		r.off += 4
		return v, ""
	case tag == tagNull:
		return 0, ""
	}
	return 0, errNotInt
}

// int32 reads an int (tag and value).
func (r *hreader) int32() (int32, string) {
	tag, ok := r.next()
	if !ok {
		return 0, errTruncated
	}
	return r.intValue(tag)
}

// scalar is a non-composite value read in place.
type scalar struct {
	kind scalarKind
	str  hstr
	i    int64
	f    float64
}

type scalarKind uint8

const (
	scalarOther  scalarKind = iota // binary, date or a composite: no text form
	scalarString                   // str
	scalarInt                      // i (int or long)
	scalarBool                     // i is 0 or 1
	scalarNull
	scalarDouble // f
)

// scalarAt reads the value at the front of b if it is a string, number,
// boolean or null; anything else reports scalarOther.
func scalarAt(b []byte) scalar {
	r := hreader{b: b}
	tag, ok := r.peek()
	if !ok {
		return scalar{}
	}
	if isStringTag(tag) {
		var out scalar
		if r.readStr(&out.str) != "" {
			return scalar{}
		}
		out.kind = scalarString
		return out
	}
	r.off++
	switch {
	case tag == tagNull:
		return scalar{kind: scalarNull}
	case tag == 'T':
		return scalar{kind: scalarBool, i: 1}
	case tag == 'F':
		return scalar{kind: scalarBool}
	case (tag >= 0x80 && tag <= 0xd7) || tag == tagInt:
		v, reason := r.intValue(tag)
		if reason != "" {
			return scalar{}
		}
		return scalar{kind: scalarInt, i: int64(v)}
	case tag >= 0xd8 && tag <= 0xef:
		return scalar{kind: scalarInt, i: int64(tag) - 0xe0}
	case tag >= 0xf0:
		if c, ok := r.next(); ok {
			return scalar{kind: scalarInt, i: (int64(tag)-0xf8)<<8 | int64(c)}
		}
	case tag >= 0x38 && tag <= 0x3f:
		if len(b) >= 3 {
			return scalar{kind: scalarInt, i: (int64(tag)-0x3c)<<16 | int64(b[1])<<8 | int64(b[2])}
		}
	case tag == 'Y':
		if len(b) >= 5 {
			return scalar{kind: scalarInt, i: int64(int32(binary.BigEndian.Uint32(b[1:])))}
		}
	case tag == 'L':
		if len(b) >= 9 {
			return scalar{kind: scalarInt, i: int64(binary.BigEndian.Uint64(b[1:]))}
		}
	case tag == 0x5b:
		return scalar{kind: scalarDouble}
	case tag == 0x5c:
		return scalar{kind: scalarDouble, f: 1}
	case tag == 0x5d:
		if len(b) >= 2 {
			return scalar{kind: scalarDouble, f: float64(int8(b[1]))}
		}
	case tag == 0x5e:
		if len(b) >= 3 {
			return scalar{kind: scalarDouble, f: float64(int16(binary.BigEndian.Uint16(b[1:])))}
		}
	case tag == 0x5f:
		// dubbo-go-hessian2 reads it as int32 thousandths, Java as a float;
		// the value has no agreed text form.
	case tag == 'D':
		if len(b) >= 9 {
			return scalar{kind: scalarDouble, f: math.Float64frombits(binary.BigEndian.Uint64(b[1:]))}
		}
	}
	return scalar{}
}

// appendText appends the text form of a scalar: the string itself, a
// decimal number, "true"/"false", or nothing for null. ok is false for a
// value without one.
func (s *scalar) appendText(dst []byte) (out []byte, ok bool) {
	switch s.kind {
	case scalarString:
		if s.str.simple {
			return append(dst, s.str.data...), true
		}
		return appendUTF8(dst, s.str.enc), true
	case scalarInt:
		return strconv.AppendInt(dst, s.i, 10), true
	case scalarBool:
		return strconv.AppendBool(dst, s.i != 0), true
	case scalarNull:
		return dst, true
	case scalarDouble:
		return strconv.AppendFloat(dst, s.f, 'g', -1, 64), true
	}
	return dst, false
}
