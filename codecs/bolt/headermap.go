package bolt

import (
	"encoding/binary"
	"strconv"
)

// The header field is a SOFA SimpleMapSerializer map: entries of
// [keyLen int32][key][valueLen int32][value] until the field ends. A length
// of -1 is a null string, read here as empty; any other negative length, or
// one running past the field, is malformed.

// nullLen is the string length SimpleMapSerializer writes for null.
const nullLen = -1

// readString reads one length-prefixed string from the front of b and
// returns it with the bytes it used, or a reason it is malformed.
func readString(b []byte) (s []byte, n int, reason string) {
	if len(b) < 4 {
		return nil, 0, "truncated length"
	}
	l := int32(binary.BigEndian.Uint32(b))
	switch {
	case l == nullLen:
		return b[4:4:4], 4, ""
	case l < 0:
		return nil, 0, "negative length " + strconv.Itoa(int(l))
	case int64(l) > int64(len(b)-4):
		return nil, 0, "length " + strconv.Itoa(int(l)) + " overruns the header map"
	}
	end := 4 + int(l)
	return b[4:end:end], end, ""
}

// readEntry reads one key/value entry from the front of b and returns it with
// the bytes it used, or a reason it is malformed.
func readEntry(b []byte) (key, value []byte, n int, reason string) {
	key, kn, reason := readString(b)
	if reason != "" {
		return nil, nil, 0, "key: " + reason
	}
	value, vn, reason := readString(b[kn:])
	if reason != "" {
		return nil, nil, 0, "value of " + strconv.Quote(string(key)) + ": " + reason
	}
	return key, value, kn + vn, ""
}

// checkHeaderMap walks a whole header map and reports the first malformed
// entry, so the views over a decoded frame never meet one.
func checkHeaderMap(b []byte) (reason string) {
	for i := 0; len(b) > 0; i++ {
		_, _, n, reason := readEntry(b)
		if reason != "" {
			return "entry " + strconv.Itoa(i) + " " + reason
		}
		b = b[n:]
	}
	return ""
}

// appendString appends s with its int32 length prefix.
func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// appendEntry appends one key/value entry.
func appendEntry(dst []byte, key, value string) []byte {
	return appendString(appendString(dst, key), value)
}

// entriesLen returns the encoded size of headers as a header map.
func entriesLen(headers [][2]string) int {
	n := 0
	for _, h := range headers {
		n += 8 + len(h[0]) + len(h[1])
	}
	return n
}
