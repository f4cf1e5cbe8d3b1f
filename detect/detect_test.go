package detect

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/xprotocol"
)

// magicProto matches a fixed magic string; a prefix of the magic needs more.
type magicProto struct {
	name  string
	magic []byte
}

func (m magicProto) Name() string { return m.name }
func (m magicProto) Match(b []byte) xprotocol.MatchResult {
	n := min(len(b), len(m.magic))
	if !bytes.Equal(b[:n], m.magic[:n]) {
		return xprotocol.MatchNo
	}
	if n < len(m.magic) {
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchYes
}
func (magicProto) PoolMode() xprotocol.PoolMode                          { return xprotocol.PoolMultiplex }
func (magicProto) MaxStreamID() uint64                                   { return 1 }
func (magicProto) NewSession(xprotocol.SessionOptions) xprotocol.Session { return nil }
func (magicProto) NewHeartbeat(uint64) xprotocol.Frame                   { return nil }
func (magicProto) HeartbeatReply(xprotocol.Frame) xprotocol.Frame        { return nil }
func (magicProto) ErrorReply(xprotocol.Frame, xprotocol.Status, string) xprotocol.Frame {
	return nil
}

// neverSure asks for more bytes forever, like a matcher for an unbounded preamble.
type neverSure struct{ magicProto }

func (neverSure) Match([]byte) xprotocol.MatchResult { return xprotocol.MatchNeedMore }

func TestDetectOrderAndPrefixes(t *testing.T) {
	long := magicProto{name: "long", magic: []byte("ABCDEF")}
	short := magicProto{name: "short", magic: []byte("AB")}
	other := magicProto{name: "other", magic: []byte("XY")}

	// "long" is consulted first: "ABC" could still be "long", so the detector
	// waits instead of handing the bytes to "short".
	d := New([]xprotocol.Protocol{long, short, other}, 16)
	cases := []struct {
		in   string
		want string
		res  xprotocol.MatchResult
	}{
		{"", "", xprotocol.MatchNeedMore},
		{"A", "", xprotocol.MatchNeedMore},
		{"ABC", "", xprotocol.MatchNeedMore},
		{"ABCDEF", "long", xprotocol.MatchYes},
		{"ABX", "short", xprotocol.MatchYes},
		{"XY..", "other", xprotocol.MatchYes},
		{"X", "", xprotocol.MatchNeedMore},
		{"QQ", "", xprotocol.MatchNo},
	}
	for _, c := range cases {
		p, res := d.Detect([]byte(c.in))
		assert.Equal(t, c.res, res, "input %q", c.in)
		if c.want == "" {
			assert.Nil(t, p, "input %q", c.in)
		} else if assert.NotNil(t, p, "input %q", c.in) {
			assert.Equal(t, c.want, p.Name(), "input %q", c.in)
		}
	}

	// Reversed order: "short" now wins on the same bytes.
	d2 := New([]xprotocol.Protocol{short, long}, 16)
	p, res := d2.Detect([]byte("ABCDEF"))
	require.Equal(t, xprotocol.MatchYes, res)
	assert.Equal(t, "short", p.Name())
}

func TestDetectPeekBound(t *testing.T) {
	d := New([]xprotocol.Protocol{neverSure{magicProto{name: "n"}}}, 8)
	_, res := d.Detect(make([]byte, 7))
	assert.Equal(t, xprotocol.MatchNeedMore, res)
	// Once the peek bound is reached an undecided matcher counts as no.
	_, res = d.Detect(make([]byte, 8))
	assert.Equal(t, xprotocol.MatchNo, res)
	_, res = d.Detect(make([]byte, 1000))
	assert.Equal(t, xprotocol.MatchNo, res)
	assert.Equal(t, DefaultPeekBytes, New(nil, 0).PeekBytes())
}

func TestDetectSplitInvariance(t *testing.T) {
	// Whatever the read sizes, the first definite answer is the same.
	protos := []xprotocol.Protocol{
		magicProto{name: "long", magic: []byte("ABCDEF")},
		magicProto{name: "short", magic: []byte("AB")},
	}
	d := New(protos, 64)
	for _, in := range []string{"ABCDEFG", "ABCDXX", "ABQ", "ZZZ"} {
		var first string
		var firstRes xprotocol.MatchResult
		for i := 0; i <= len(in); i++ {
			p, res := d.Detect([]byte(in[:i]))
			if res == xprotocol.MatchNeedMore {
				continue
			}
			firstRes = res
			if p != nil {
				first = p.Name()
			}
			break
		}
		p, res := d.Detect([]byte(in))
		assert.Equal(t, firstRes, res, in)
		if p != nil {
			assert.Equal(t, first, p.Name(), in)
		}
	}
}

func TestDetectAllocatesNothing(t *testing.T) {
	d := New([]xprotocol.Protocol{magicProto{name: "m", magic: []byte("MAGIC")}}, 64)
	in := []byte("MAGIC and more")
	allocs := testing.AllocsPerRun(100, func() { d.Detect(in) })
	assert.Zero(t, allocs)
}
