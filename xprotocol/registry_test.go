package xprotocol

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type named string

func (n named) Name() string                         { return string(n) }
func (named) Match([]byte) MatchResult               { return MatchNo }
func (named) PoolMode() PoolMode                     { return PoolMultiplex }
func (named) MaxStreamID() uint64                    { return 1 }
func (named) NewSession(SessionOptions) Session      { return nil }
func (named) NewHeartbeat(uint64) Frame              { return nil }
func (named) HeartbeatReply(Frame) Frame             { return nil }
func (named) ErrorReply(Frame, Status, string) Frame { return nil }

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	for _, n := range []string{"zeta", "alpha", "mid"} {
		require.NoError(t, r.Register(named(n)))
	}
	assert.Equal(t, []string{"zeta", "alpha", "mid"}, r.Names(), "registration order, not map order")
	p, ok := r.Lookup("alpha")
	require.True(t, ok)
	assert.Equal(t, "alpha", p.Name())
	_, ok = r.Lookup("nope")
	assert.False(t, ok)

	err := r.Register(named("alpha"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"alpha" is already registered`)
	assert.Error(t, r.Register(named("")))
	assert.Error(t, r.Register(named("auto")), `"auto" is reserved for detection`)
	assert.Len(t, r.List(), 3)
}

func TestFrameErrorClasses(t *testing.T) {
	tl := TooLarge("bolt", "contentLen", 1<<31, 16<<20)
	assert.True(t, errors.Is(tl, ErrFrameTooLarge))
	assert.Equal(t, "too_large", ErrorKind(tl))
	assert.Contains(t, tl.Error(), "contentLen")
	m := Malformed("bolt", "type", "0x07 is not a defined type")
	assert.True(t, errors.Is(m, ErrMalformed))
	assert.Equal(t, "malformed", ErrorKind(m))
	assert.Equal(t, "other", ErrorKind(errors.New("x")))
	assert.Equal(t, "timeout", StatusTimeout.String())
	assert.Equal(t, "unknown", Status(200).String())
}
