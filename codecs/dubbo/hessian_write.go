package dubbo

import "unicode/utf8"

// The writer: the few Hessian 2.0 forms this package writes itself (header
// edits, error replies, heartbeats), byte for byte as dubbo-go-hessian2
// writes them (hessian_internal_test.go checks it).

// appendString appends s as a Hessian 2.0 string exactly as
// dubbo-go-hessian2's encoder writes it: chunks of 4096 chars, the shortest
// length form for the final chunk, supplementary characters as surrogate
// pairs and invalid UTF-8 as U+FFFD.
func appendString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, 0x00)
	}
	for len(s) > 0 {
		// Measure one chunk: up to 4096 chars (a pair may take it to 4097).
		chars, n := 0, 0
		for chars < chunkChars && n < len(s) {
			r, w := utf8.DecodeRuneInString(s[n:])
			n += w
			if r >= 0x10000 {
				chars += 2
			} else {
				chars++
			}
		}
		switch {
		case n < len(s):
			dst = append(dst, tagStringChunk, byte(chars>>8), byte(chars))
		case chars <= 0x1f:
			dst = append(dst, byte(chars))
		case chars <= 0x3ff:
			dst = append(dst, byte(0x30+chars>>8), byte(chars))
		default:
			dst = append(dst, tagString, byte(chars>>8), byte(chars))
		}
		for _, r := range s[:n] {
			if r >= 0x10000 {
				t := r - 0x10000
				dst = appendUCS2(dst, 0xd800+t>>10)
				dst = appendUCS2(dst, 0xdc00+t&0x3ff)
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		s = s[n:]
	}
	return dst
}

// appendUCS2 appends one UTF-16 unit in the 3-byte form Java uses for
// surrogates.
func appendUCS2(dst []byte, c rune) []byte {
	return append(dst, byte(0xe0|c>>12&0x0f), byte(0x80|c>>6&0x3f), byte(0x80|c&0x3f))
}

// stringLen returns len(appendString(nil, s)) without writing.
func stringLen(s string) int {
	if s == "" {
		return 1
	}
	total := 0
	for len(s) > 0 {
		chars, n, bytes := 0, 0, 0
		for chars < chunkChars && n < len(s) {
			r, w := utf8.DecodeRuneInString(s[n:])
			n += w
			if r >= 0x10000 {
				chars, bytes = chars+2, bytes+6
			} else {
				chars, bytes = chars+1, bytes+utf8.RuneLen(r)
			}
		}
		switch {
		case n < len(s), chars > 0x3ff:
			total += 3
		case chars <= 0x1f:
			total++
		default:
			total += 2
		}
		total += bytes
		s = s[n:]
	}
	return total
}

// appendSmallInt appends v (in -16..47) in its one-byte form.
func appendSmallInt(dst []byte, v int32) []byte { return append(dst, byte(int32(tagIntZero)+v)) }
