package dubbo

import (
	"encoding/binary"
	"strconv"
)

// The structural skip: it walks over one Hessian 2.0 value of any type
// without building it, tracking class definitions (an object's field count
// comes from its class) and whether the value adds to or refers back into
// the stream's numbering (see hreader). See hessian.go for the grammar.

// skip advances over one complete value of any type.
func (r *hreader) skip() string {
	tag, ok := r.next()
	if !ok {
		return errTruncated
	}
	return r.skipTagged(tag)
}

// skipTagged advances over the rest of the value whose tag was just read.
func (r *hreader) skipTagged(tag byte) string {
	switch {
	case tag <= 0x1f, tag >= 0x30 && tag <= 0x33, tag == tagString, tag == tagStringChunk:
		r.off--
		return r.skipStr()
	case tag <= 0x2f:
		return r.skipBytes(int(tag - 0x20))
	case tag <= 0x37:
		b, ok := r.next()
		if !ok {
			return errTruncated
		}
		return r.skipBytes(int(tag-0x34)<<8 | int(b))
	case tag <= 0x3f:
		return r.skipBytes(2)
	case tag == 'A' || tag == 'B':
		return r.skipBinaryChunks(tag)
	case tag == 'C':
		return r.skipClassDef()
	case tag == 'D' || tag == 'J' || tag == 'L':
		return r.skipBytes(8)
	case tag == 'F' || tag == 'T' || tag == tagNull:
		return ""
	case tag == tagInt || tag == 'K' || tag == 'Y' || tag == 0x5f:
		return r.skipBytes(4)
	case tag == tagMap:
		return r.skipMap(false)
	case tag == tagTypedMap:
		return r.skipMap(true)
	case tag == 'O':
		idx, reason := r.int32()
		if reason != "" {
			return reason
		}
		return r.skipObject(idx)
	case tag == 'Q':
		r.uses = true
		_, reason := r.int32()
		return reason
	case tag == 'U':
		return r.skipList(true, true, 0)
	case tag == 'V':
		return r.skipList(true, false, -1)
	case tag == 'W':
		return r.skipList(false, true, 0)
	case tag == 'X':
		return r.skipList(false, false, -1)
	case tag == tagEnd:
		return errEndOutside
	case tag == 0x5b || tag == 0x5c:
		return ""
	case tag == 0x5d:
		return r.skipBytes(1)
	case tag == 0x5e:
		return r.skipBytes(2)
	case tag >= 0x60 && tag <= 0x6f:
		return r.skipObject(int32(tag - 0x60))
	case tag >= 0x70 && tag <= 0x77:
		return r.skipList(true, false, int(tag-0x70))
	case tag >= 0x78 && tag <= 0x7f:
		return r.skipList(false, false, int(tag-0x78))
	case tag >= 0x80 && tag <= 0xbf, tag >= 0xd8 && tag <= 0xef:
		return ""
	case tag >= 0xc0 && tag <= 0xcf, tag >= 0xf0:
		return r.skipBytes(1)
	case tag >= 0xd0 && tag <= 0xd7:
		return r.skipBytes(2)
	}
	// 0x40, 'E', 'G', 'P': unassigned.
	return "unassigned tag 0x" + strconv.FormatUint(uint64(tag), 16)
}

func (r *hreader) skipBinaryChunks(tag byte) string {
	for {
		if len(r.b)-r.off < 2 {
			return errTruncated
		}
		n := int(binary.BigEndian.Uint16(r.b[r.off:]))
		r.off += 2
		if reason := r.skipBytes(n); reason != "" {
			return reason
		}
		if tag != 'A' {
			return ""
		}
		var ok bool
		if tag, ok = r.next(); !ok {
			return errTruncated
		}
		switch {
		case tag == 'A' || tag == 'B':
		case tag >= 0x20 && tag <= 0x2f:
			return r.skipBytes(int(tag - 0x20))
		case tag >= 0x34 && tag <= 0x37:
			b, ok := r.next()
			if !ok {
				return errTruncated
			}
			return r.skipBytes(int(tag-0x34)<<8 | int(b))
		default:
			return "binary chunk followed by a non-binary tag"
		}
	}
}

// skipTypeName skips the type of a typed list or map: a string, or an int
// referring to an earlier type. Like the library's decString, it also takes
// the other scalars that have a text form.
func (r *hreader) skipTypeName() string {
	tag, ok := r.peek()
	if !ok {
		return errTruncated
	}
	if isStringTag(tag) {
		return r.skipStr()
	}
	switch {
	case tag == tagNull, tag == 'T', tag == 'F', tag == 0x5b, tag == 0x5c, tag == 0x5d, tag == 0x5e,
		tag >= 0x80, tag >= 0x38 && tag <= 0x3f, tag == tagInt, tag == 'Y', tag == 'L':
		r.uses = true // a type reference by index
		return r.skip()
	}
	return "list or map type is neither a string nor an int"
}

// enter and leave bound the nesting depth.
func (r *hreader) enter() string {
	if r.depth++; r.depth > maxDepth {
		return errTooDeep
	}
	r.defines = true
	return ""
}

func (r *hreader) leave() { r.depth-- }

// skipList skips a list: typed or not, ended by 'Z' (variable) or holding
// n values (n < 0: read n as an int first).
func (r *hreader) skipList(typed, variable bool, n int) string {
	if reason := r.enter(); reason != "" {
		return reason
	}
	defer r.leave()
	if typed {
		if reason := r.skipTypeName(); reason != "" {
			return reason
		}
	}
	if variable {
		return r.skipUntilEnd(false)
	}
	if n < 0 {
		l, reason := r.int32()
		if reason != "" {
			return reason
		}
		// Every value takes at least one byte: refuse a count the bytes
		// cannot hold before walking it.
		if l < 0 || int(l) > len(r.b)-r.off {
			return errBadLength
		}
		n = int(l)
	}
	for ; n > 0; n-- {
		if reason := r.skip(); reason != "" {
			return reason
		}
	}
	return ""
}

// skipUntilEnd skips values (pairs when pairs is set) up to and including 'Z'.
func (r *hreader) skipUntilEnd(pairs bool) string {
	for {
		tag, ok := r.peek()
		if !ok {
			return errTruncated
		}
		if tag == tagEnd {
			r.off++
			return ""
		}
		if reason := r.skip(); reason != "" {
			return reason
		}
		if pairs {
			if reason := r.skip(); reason != "" {
				return reason
			}
		}
	}
}

// skipMap skips a map whose tag was just read.
func (r *hreader) skipMap(typed bool) string {
	if reason := r.enter(); reason != "" {
		return reason
	}
	defer r.leave()
	if typed {
		if reason := r.skipMapType(); reason != "" {
			return reason
		}
	}
	return r.skipUntilEnd(true)
}

// skipMapType skips the type of a typed map: a string or an int reference
// (the library's decMapType).
func (r *hreader) skipMapType() string {
	tag, ok := r.peek()
	if !ok {
		return errTruncated
	}
	if isStringTag(tag) {
		return r.skipStr()
	}
	r.uses = true
	_, reason := r.int32()
	return reason
}

// skipClassDef reads a class definition (name, field count, field names),
// records its field count, and skips the value that follows it (a
// definition is a prefix to a value in Hessian 2.0).
func (r *hreader) skipClassDef() string {
	if reason := r.readClassDef(); reason != "" {
		return reason
	}
	return r.skip()
}

// skipClassDefs reads the class definitions, if any, at the reader's
// position, leaving it on the value they prefix.
func (r *hreader) skipClassDefs() string {
	for {
		tag, ok := r.peek()
		if !ok || tag != 'C' {
			return ""
		}
		r.off++
		if reason := r.readClassDef(); reason != "" {
			return reason
		}
	}
}

// readClassDef reads the class definition whose 'C' was just read.
func (r *hreader) readClassDef() string {
	if reason := r.skipTypeName(); reason != "" {
		return reason
	}
	n, reason := r.int32()
	if reason != "" {
		return reason
	}
	if n < 0 || int(n) > len(r.b)-r.off {
		return errBadLength
	}
	for i := int32(0); i < n; i++ {
		tag, ok := r.peek()
		if !ok {
			return errTruncated
		}
		if !isStringTag(tag) && tag != tagNull {
			// The library's decString also takes numbers and booleans
			// as field names.
			if reason := r.skipTypeName(); reason != "" {
				return reason
			}
			continue
		}
		if reason := r.skipStr(); reason != "" {
			return reason
		}
	}
	r.classes = append(r.classes, n)
	r.defines = true
	return ""
}

// skipObject skips the fields of an instance of class idx.
func (r *hreader) skipObject(idx int32) string {
	if idx < 0 || int(idx) >= len(r.classes) {
		return errBadClassRef
	}
	if reason := r.enter(); reason != "" {
		return reason
	}
	defer r.leave()
	r.uses = true
	for n := r.classes[idx]; n > 0; n-- {
		if reason := r.skip(); reason != "" {
			return reason
		}
	}
	return ""
}
