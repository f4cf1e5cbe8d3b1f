package dubbo

// countDesc returns how many arguments a parameter-types descriptor names
// (e.g. "Ljava/lang/String;I[B" names three).
//
// Dubbo finds the types with a regular expression, every non-overlapping
// match of
//
//	prim  = [VZBCDFIJS]
//	ident = [_$a-zA-Z][_$a-zA-Z0-9]*
//	class = L ident (/ ident)* ;
//	desc  = prim | class | \[+ (prim | class)
//
// scanning left to right and skipping what does not match
// (ReflectUtils.desc2classArray in Java, DescRegex.FindAllString in
// dubbo-go), and reads that many arguments. This is the same scan without
// the regexp engine, so it allocates nothing; the tests check it against
// the library's DescRegex. The alternatives start with distinct characters
// and none can backtrack into a shorter match, so one pass decides each
// position.
func countDesc(d []byte) int {
	n := 0
	for i := 0; i < len(d); {
		c := d[i]
		switch {
		case isPrimDesc(c):
			n++
			i++
			continue
		case c == 'L':
			if l := classDescLen(d[i:]); l > 0 {
				n++
				i += l
				continue
			}
		case c == '[':
			j := i
			for j < len(d) && d[j] == '[' {
				j++
			}
			if j < len(d) {
				if isPrimDesc(d[j]) {
					n++
					i = j + 1
					continue
				}
				if l := classDescLen(d[j:]); l > 0 {
					n++
					i = j + l
					continue
				}
			}
		}
		i++ // no match starts here: the scan moves one position on
	}
	return n
}

// isPrimDesc reports the one-letter descriptors of the primitive types.
func isPrimDesc(c byte) bool {
	switch c {
	case 'V', 'Z', 'B', 'C', 'D', 'F', 'I', 'J', 'S':
		return true
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// classDescLen returns the length of the class descriptor "Lpkg/Name;" at
// the front of d, or 0 when d does not start with one.
func classDescLen(d []byte) int {
	if len(d) < 3 || d[0] != 'L' || !isIdentStart(d[1]) {
		return 0
	}
	i := 2
	for {
		for i < len(d) && isIdentPart(d[i]) {
			i++
		}
		if i+1 < len(d) && d[i] == '/' && isIdentStart(d[i+1]) {
			i += 2
			continue
		}
		break
	}
	if i < len(d) && d[i] == ';' {
		return i + 1
	}
	return 0
}
