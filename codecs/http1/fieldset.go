package http1

// fieldSet is a set of field-line indexes of one head or trailer section.
// Sessions parse with at most maxFieldLines field lines, so two words
// hold every index.
type fieldSet [2]uint64

// maxFieldLines is the most field lines a session parses in one head
// (SessionOptions.MaxHeaderCount is capped at it): what a fieldSet indexes.
const maxFieldLines = 128

// The default stays within what a fieldSet indexes.
const _ = uint(maxFieldLines - DefaultMaxHeaders)

func (s *fieldSet) add(i int)      { s[i>>6&1] |= 1 << (i & 63) }
func (s *fieldSet) has(i int) bool { return s[i>>6&1]&(1<<(i&63)) != 0 }
func (s *fieldSet) empty() bool    { return s[0]|s[1] == 0 }
