package heartbeat

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1_000_000, 0)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func counter() func() uint64 {
	var n uint64
	return func() uint64 { n++; return n }
}

func newMonitor(k int) *Monitor {
	var m Monitor
	m.Init(Config{Interval: 10 * time.Second, MaxUnanswered: k}, t0, counter())
	return &m
}

func TestSendsAfterIdleInterval(t *testing.T) {
	m := newMonitor(3)
	assert.Equal(t, at(10), m.Deadline())
	act, _ := m.OnIdle(at(9.9))
	assert.Equal(t, Wait, act)
	act, id := m.OnIdle(at(10))
	assert.Equal(t, Send, act)
	assert.Equal(t, uint64(1), id)
	assert.True(t, m.Outstanding(1))
	assert.Equal(t, at(20), m.Deadline())
	act, _ = m.OnIdle(at(15))
	assert.Equal(t, Wait, act, "one heartbeat per interval")
}

func TestTrafficPostponesHeartbeat(t *testing.T) {
	m := newMonitor(3)
	m.OnTraffic(at(8))
	act, _ := m.OnIdle(at(10))
	assert.Equal(t, Wait, act)
	assert.Equal(t, at(18), m.Deadline())
	m.OnTraffic(at(5)) // an older time does not move the deadline back
	assert.Equal(t, at(18), m.Deadline())
	act, _ = m.OnIdle(at(18))
	assert.Equal(t, Send, act)
}

func TestReplyKeepsConnection(t *testing.T) {
	m := newMonitor(2)
	for i := 1; i <= 10; i++ {
		now := m.Deadline()
		act, id := m.OnIdle(now)
		require.Equal(t, Send, act, "round %d", i)
		m.OnTraffic(now.Add(time.Millisecond))
		assert.True(t, m.OnReply(id))
		assert.Zero(t, m.Unanswered())
	}
	assert.False(t, m.OnReply(999), "not ours: a client's heartbeat")
}

func TestCloseAfterKUnanswered(t *testing.T) {
	m := newMonitor(3)
	var acts []Action
	var ids []uint64
	for s := 10.0; s <= 40; s += 10 {
		act, id := m.OnIdle(at(s))
		acts = append(acts, act)
		ids = append(ids, id)
	}
	assert.Equal(t, []Action{Send, Send, Send, Close}, acts, "the third gets a whole interval before the close")
	assert.Equal(t, []uint64{1, 2, 3, 0}, ids)
	assert.Equal(t, 3, m.Unanswered())
}

func TestLateReplyAndTrafficReset(t *testing.T) {
	m := newMonitor(2)
	_, id1 := m.OnIdle(at(10))
	_, id2 := m.OnIdle(at(20))
	assert.Equal(t, 2, m.Unanswered())
	// A reply to the first, late: the connection is alive.
	m.OnTraffic(at(25))
	assert.True(t, m.OnReply(id1))
	assert.Zero(t, m.Unanswered())
	assert.True(t, m.Outstanding(id2))
	act, id3 := m.OnIdle(at(35))
	assert.Equal(t, Send, act)
	act, id4 := m.OnIdle(at(45))
	assert.Equal(t, Send, act)
	assert.False(t, m.Outstanding(id2), "only the last MaxUnanswered ids are kept")
	assert.True(t, m.Outstanding(id3))
	assert.True(t, m.Outstanding(id4))
	act, _ = m.OnIdle(at(55))
	assert.Equal(t, Close, act)
}

func TestTrafficWithoutReplyResetsCount(t *testing.T) {
	m := newMonitor(1)
	act, _ := m.OnIdle(at(10))
	require.Equal(t, Send, act)
	m.OnTraffic(at(12)) // a response to a request: alive, though the heartbeat is unanswered
	act, _ = m.OnIdle(at(22))
	assert.Equal(t, Send, act, "not closed")
}

func TestOff(t *testing.T) {
	var m Monitor
	assert.False(t, m.Enabled())
	act, _ := m.OnIdle(at(1e6))
	assert.Equal(t, Wait, act)
	assert.True(t, m.Deadline().IsZero())

	m.Init(Config{Interval: 0, MaxUnanswered: 3}, t0, counter())
	act, _ = m.OnIdle(at(1e6))
	assert.Equal(t, Wait, act)

	m.Init(Config{Interval: time.Second}, t0, counter()) // MaxUnanswered 0 counts as 1
	act, _ = m.OnIdle(at(1))
	assert.Equal(t, Send, act)
	act, _ = m.OnIdle(at(2))
	assert.Equal(t, Close, act)
	assert.Equal(t, "close", act.String())
}

func TestInitReuses(t *testing.T) {
	m := newMonitor(2)
	m.OnIdle(at(10))
	m.Init(Config{Interval: 10 * time.Second, MaxUnanswered: 2}, at(100), counter())
	assert.False(t, m.Outstanding(1), "a new connection starts clean")
	assert.Zero(t, m.Unanswered())
	assert.Equal(t, at(110), m.Deadline())
}
