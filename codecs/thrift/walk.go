package thrift

import (
	"encoding/binary"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// An unframed message says nowhere how long it is: it ends where its body
// struct ends. The walker finds that end by skipping the struct's fields by
// type, over the bytes buffered so far, without decoding any value.
//
// It is an explicit-stack machine rather than a recursive function so that
//   - its state can be kept by a Session across reads: a message arriving in
//     many pieces is walked once in total, not once per read (re-walking from
//     the start on every read would be quadratic in the message size);
//   - the nesting limit is a bound on an array, not on the goroutine stack.
//
// It never allocates and never trusts a length or count beyond the bytes
// present: a list that claims 2^31-1 elements costs one header read, then
// ErrIncomplete (or TooLarge when the claim alone exceeds the size limit).
//
// The Apache library's TProtocol reader API could do this walk (Skip) but
// allocates per value (strings are read into new strings) and reads through
// a transport; this walker mirrors its acceptance rules exactly instead and
// is differential-tested against it (walk_test.go, fuzz/thrift_test.go).

// kind is a value's wire type, the same for both protocols.
type kind uint8

const (
	kInvalid kind = iota
	kBool
	kByte
	kI16
	kI32
	kI64
	kDouble
	kString // string and binary
	kUUID
	kStruct
	kList // list and set
	kMap
)

// binaryKinds maps a binary protocol TType byte to its kind.
var binaryKinds = [256]kind{
	2: kBool, 3: kByte, 4: kDouble, 6: kI16, 8: kI32, 10: kI64,
	11: kString, 12: kStruct, 13: kMap, 14: kList, 15: kList, 16: kUUID,
}

// compactKinds maps a compact protocol type nibble to its kind. 1 and 2 are
// BOOLEAN_TRUE and BOOLEAN_FALSE; 0 (STOP), 14 and 15 are no value type.
var compactKinds = [16]kind{
	1: kBool, 2: kBool, 3: kByte, 4: kI16, 5: kI32, 6: kI64, 7: kDouble,
	8: kString, 9: kList, 10: kList, 11: kMap, 12: kStruct, 13: kUUID,
}

// Minimum wire size of one value of each kind, used to refuse a container
// whose element count alone proves the message exceeds the size limit. They
// are lower bounds, so nothing that fits is ever refused.
var (
	binaryMinSize = [...]int64{kBool: 1, kByte: 1, kI16: 2, kI32: 4, kI64: 8, kDouble: 8,
		kString: 4, kUUID: 16, kStruct: 1, kList: 5, kMap: 6}
	compactMinSize = [...]int64{kBool: 1, kByte: 1, kI16: 1, kI32: 1, kI64: 1, kDouble: 8,
		kString: 1, kUUID: 16, kStruct: 1, kList: 1, kMap: 1}
)

// fixedSize is the size of a fixed-width value (the compact protocol's
// varint integers are handled apart).
func fixedSize(k kind) int {
	switch k {
	case kBool, kByte:
		return 1
	case kI16:
		return 2
	case kI32:
		return 4
	case kI64, kDouble:
		return 8
	case kUUID:
		return 16
	}
	return 0
}

// level is one open struct, list/set or map on the walker's stack.
type level struct {
	kind kind // kStruct, kList or kMap
	elem kind // list element kind, or map key kind
	val  kind // map value kind
	// left counts the values still to skip: list elements, or map keys and
	// values (2 per entry, keys on even counts).
	left uint32
}

// walker skips one struct. pos and the stack are only changed once a whole
// step (a field header with a primitive value, or a container header) is
// present, so ErrIncomplete leaves a state from which the walk resumes.
type walker struct {
	compact bool
	pos     int // bytes consumed, from the start of the message
	depth   int // open levels
	stack   [MaxDepth]level
}

// start begins the walk of a struct at offset at (the body of a message).
func (w *walker) start(compact bool, at int) {
	w.compact = compact
	w.pos = at
	w.depth = 1
	w.stack[0] = level{kind: kStruct}
}

// run walks until the struct started by start ends, then w.pos is where it
// ended. limit bounds the message: nothing at or past limit is read, and a
// length or count that would need bytes past it is refused as too large.
// It returns ErrIncomplete when b ends first (resume with more bytes), or a
// *FrameError.
func (w *walker) run(b []byte, limit int) error {
	for w.depth > 0 {
		top := &w.stack[w.depth-1]
		at := w.pos
		var k kind
		switch top.kind {
		case kStruct:
			var stop bool
			var err error
			k, _, at, stop, err = readFieldHeader(b, at, w.compact, 0, limit)
			if err != nil {
				return err
			}
			if stop {
				w.pos = at
				w.depth--
				continue
			}
		case kList:
			if top.left == 0 {
				w.depth--
				continue
			}
			k = top.elem
		case kMap:
			if top.left == 0 {
				w.depth--
				continue
			}
			k = top.elem
			if top.left%2 == 1 {
				k = top.val
			}
		}
		// The value is one level below its container.
		if w.depth+1 > MaxDepth {
			return xprotocol.Malformed(Name, "struct", "values nest deeper than "+strconv.Itoa(MaxDepth)+" levels")
		}
		end, push, err := w.value(b, at, k, top.kind == kStruct, limit)
		if err != nil {
			return err
		}
		if top.kind != kStruct {
			top.left--
		}
		w.pos = end
		if push.kind != kInvalid {
			w.stack[w.depth] = push
			w.depth++
		}
	}
	return nil
}

// need checks that n bytes from at are within the limit and present.
func need(b []byte, at, n, limit int, field string) error {
	if int64(at)+int64(n) > int64(limit) {
		return xprotocol.TooLarge(Name, field, at+n, limit)
	}
	if at+n > len(b) {
		return xprotocol.ErrIncomplete
	}
	return nil
}

// readFieldHeader reads the field header at b[at:] and returns the field's
// kind and id and where its value starts, or stop for the STOP byte.
// lastID is the id of the previous field of the struct, from which a
// compact header may count its id as a delta.
func readFieldHeader(b []byte, at int, compact bool, lastID int16, limit int) (k kind, id int16, next int, stop bool, err error) {
	if err := need(b, at, 1, limit, "field"); err != nil {
		return 0, 0, 0, false, err
	}
	t := b[at]
	if !compact {
		// Binary: type(1), then id(i16) unless the type is STOP.
		if t == 0 {
			return 0, 0, at + 1, true, nil
		}
		k = binaryKinds[t]
		if k == kInvalid {
			return 0, 0, 0, false, xprotocol.Malformed(Name, "field type", "unknown binary type "+strconv.Itoa(int(t)))
		}
		if err := need(b, at, 3, limit, "field"); err != nil {
			return 0, 0, 0, false, err
		}
		return k, int16(binary.BigEndian.Uint16(b[at+1:])), at + 3, false, nil
	}
	// Compact: the low nibble is the type; the high nibble a field id delta,
	// or 0 when a zigzag varint id follows. STOP is a 0 low nibble whatever
	// the high nibble, as TCompactProtocol.ReadFieldBegin reads it.
	if t&0x0f == 0 {
		return 0, 0, at + 1, true, nil
	}
	k = compactKinds[t&0x0f]
	if k == kInvalid {
		return 0, 0, 0, false, xprotocol.Malformed(Name, "field type", "unknown compact type "+strconv.Itoa(int(t&0x0f)))
	}
	if delta := int16(t >> 4); delta != 0 {
		return k, lastID + delta, at + 1, false, nil
	}
	v, n, err := readVarint(b, at+1, limit, "field id")
	if err != nil {
		return 0, 0, 0, false, err
	}
	return k, int16(zigzag32(v)), at + 1 + n, false, nil
}

// skipValue returns where the value of kind k at b[at:], a struct field,
// ends.
func skipValue(b []byte, at int, k kind, compact bool, limit int) (int, error) {
	var w walker
	w.compact = compact
	end, push, err := w.value(b, at, k, true, limit)
	if err != nil || push.kind == kInvalid {
		return end, err
	}
	w.pos, w.depth, w.stack[0] = end, 1, push
	if err := w.run(b, limit); err != nil {
		return 0, err
	}
	return w.pos, nil
}

// value skips the value of kind k at b[at:]. For a container it reads only
// the header and returns the level to push. inField is true for a struct
// field, where a compact bool has no bytes of its own (it is in the type).
func (w *walker) value(b []byte, at int, k kind, inField bool, limit int) (end int, push level, err error) {
	switch k {
	case kBool:
		if w.compact && inField {
			return at, level{}, nil
		}
	case kI16, kI32, kI64:
		if w.compact {
			_, n, err := readVarint(b, at, limit, "varint")
			return at + n, level{}, err
		}
	case kString:
		return w.stringEnd(b, at, limit)
	case kStruct:
		return at, level{kind: kStruct}, nil
	case kList:
		return w.listHeader(b, at, limit)
	case kMap:
		return w.mapHeader(b, at, limit)
	}
	n := fixedSize(k)
	if err := need(b, at, n, limit, "value"); err != nil {
		return 0, level{}, err
	}
	return at + n, level{}, nil
}

// stringEnd returns where the string or binary value at b[at:] ends.
func (w *walker) stringEnd(b []byte, at, limit int) (int, level, error) {
	l, n, err := readLength(b, at, w.compact, limit, "string length")
	if err != nil {
		return 0, level{}, err
	}
	if err := need(b, at+n, int(l), limit, "string"); err != nil {
		return 0, level{}, err
	}
	return at + n + int(l), level{}, nil
}

// readLength reads a non-negative i32 length or count: 4 bytes big-endian
// (binary) or a varint truncated to 32 bits (compact), as the library does.
func readLength(b []byte, at int, compact bool, limit int, field string) (l int32, n int, err error) {
	if compact {
		v, n, err := readVarint(b, at, limit, field)
		if err != nil {
			return 0, 0, err
		}
		l = int32(v)
		if l < 0 {
			return 0, 0, xprotocol.Malformed(Name, field, "negative size "+strconv.Itoa(int(l)))
		}
		return l, n, nil
	}
	if err := need(b, at, 4, limit, field); err != nil {
		return 0, 0, err
	}
	l = int32(binary.BigEndian.Uint32(b[at:]))
	if l < 0 {
		return 0, 0, xprotocol.Malformed(Name, field, "negative size "+strconv.Itoa(int(l)))
	}
	return l, 4, nil
}

// checkCount refuses a container of count elements of at least minSize
// bytes each, starting at at, when it cannot fit within limit.
func checkCount(at int, count int32, minSize int64, limit int, field string) error {
	if total := int64(at) + int64(count)*minSize; total > int64(limit) {
		return xprotocol.TooLarge(Name, field, int(min(total, 1<<62)), limit)
	}
	return nil
}

// listHeader reads a list or set header: binary elemType(1) size(i32);
// compact size<<4|elemType(1), with size 15 meaning a varint size follows.
func (w *walker) listHeader(b []byte, at, limit int) (int, level, error) {
	var ek kind
	var count int32
	next := at
	if w.compact {
		if err := need(b, at, 1, limit, "list"); err != nil {
			return 0, level{}, err
		}
		h := b[at]
		if t := h & 0x0f; t > 13 {
			return 0, level{}, xprotocol.Malformed(Name, "list", "unknown compact element type "+strconv.Itoa(int(t)))
		}
		ek = compactKinds[h&0x0f]
		count = int32(h >> 4)
		next++
		if count == 15 {
			c, n, err := readLength(b, next, true, limit, "list size")
			if err != nil {
				return 0, level{}, err
			}
			count = c
			next += n
		}
	} else {
		if err := need(b, at, 5, limit, "list"); err != nil {
			return 0, level{}, err
		}
		ek = binaryKinds[b[at]]
		count = int32(binary.BigEndian.Uint32(b[at+1:]))
		if count < 0 {
			return 0, level{}, xprotocol.Malformed(Name, "list size", "negative size "+strconv.Itoa(int(count)))
		}
		next += 5
	}
	if count == 0 {
		// An empty list's element type is never used; the library accepts
		// any (compact: any but 14 and 15).
		return next, level{}, nil
	}
	if ek == kInvalid {
		return 0, level{}, xprotocol.Malformed(Name, "list", "unknown element type")
	}
	if err := checkCount(next, count, w.minSize(ek), limit, "list size"); err != nil {
		return 0, level{}, err
	}
	if size := w.fixedWidth(ek); size > 0 && w.depth+2 <= MaxDepth {
		// Fixed-width elements are skipped in one step; checkCount has
		// bounded count*size by the limit. (Elements past the depth limit
		// take the slow path, which refuses them.)
		if err := need(b, next, int(count)*size, limit, "list"); err != nil {
			return 0, level{}, err
		}
		return next + int(count)*size, level{}, nil
	}
	return next, level{kind: kList, elem: ek, left: uint32(count)}, nil
}

// mapHeader reads a map header: binary keyType(1) valueType(1) size(i32);
// compact varint size, then keyType<<4|valueType(1) only when size > 0.
func (w *walker) mapHeader(b []byte, at, limit int) (int, level, error) {
	var kk, vk kind
	var count int32
	next := at
	if w.compact {
		c, n, err := readLength(b, at, true, limit, "map size")
		if err != nil {
			return 0, level{}, err
		}
		count = c
		next += n
		if count == 0 {
			return next, level{}, nil
		}
		if err := need(b, next, 1, limit, "map"); err != nil {
			return 0, level{}, err
		}
		kk, vk = compactKinds[b[next]>>4], compactKinds[b[next]&0x0f]
		next++
	} else {
		if err := need(b, at, 6, limit, "map"); err != nil {
			return 0, level{}, err
		}
		kk, vk = binaryKinds[b[at]], binaryKinds[b[at+1]]
		count = int32(binary.BigEndian.Uint32(b[at+2:]))
		if count < 0 {
			return 0, level{}, xprotocol.Malformed(Name, "map size", "negative size "+strconv.Itoa(int(count)))
		}
		next += 6
		if count == 0 {
			return next, level{}, nil
		}
	}
	if kk == kInvalid || vk == kInvalid {
		return 0, level{}, xprotocol.Malformed(Name, "map", "unknown key or value type")
	}
	if err := checkCount(next, count, w.minSize(kk)+w.minSize(vk), limit, "map size"); err != nil {
		return 0, level{}, err
	}
	if ks, vs := w.fixedWidth(kk), w.fixedWidth(vk); ks > 0 && vs > 0 && w.depth+2 <= MaxDepth {
		if err := need(b, next, int(count)*(ks+vs), limit, "map"); err != nil {
			return 0, level{}, err
		}
		return next + int(count)*(ks+vs), level{}, nil
	}
	return next, level{kind: kMap, elem: kk, val: vk, left: 2 * uint32(count)}, nil
}

// fixedWidth returns the size of every value of kind k as a container
// element, or 0 when it varies (strings, containers, compact varints).
func (w *walker) fixedWidth(k kind) int {
	if w.compact && (k == kI16 || k == kI32 || k == kI64) {
		return 0
	}
	return fixedSize(k)
}

func (w *walker) minSize(k kind) int64 {
	if w.compact {
		return compactMinSize[k]
	}
	return binaryMinSize[k]
}

// readVarint reads an unsigned LEB128 varint at b[at:] the way
// TCompactProtocol.readVarint64 does: at most 10 bytes, bits past the 64th
// dropped. (encoding/binary.Uvarint refuses such a 10th byte, which the
// library accepts; the walker must agree with the library on where a
// message ends, so it mirrors it. Writing uses encoding/binary.)
func readVarint(b []byte, at, limit int, field string) (v uint64, n int, err error) {
	var shift uint
	for i := 0; i < maxVarintLen; i++ {
		if err := need(b, at, i+1, limit, field); err != nil {
			return 0, 0, err
		}
		c := b[at+i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1, nil
		}
		shift += 7
	}
	return 0, 0, xprotocol.Malformed(Name, field, "varint longer than 10 bytes")
}

// zigzag32 decodes a compact i16 or i32 as TCompactProtocol.ReadI32 does:
// the varint truncated to 32 bits, then zigzag-decoded in 32 bits.
// (encoding/binary.Varint zigzags all 64 bits, which differs for varints
// longer than 32 bits.)
func zigzag32(v uint64) int32 {
	u := uint32(v)
	return int32(u>>1) ^ -int32(u&1)
}
