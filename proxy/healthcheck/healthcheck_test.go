package healthcheck

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/internal/clock"
)

const wait = 5 * time.Second // bound on waiting for an event, never a delay

func newChecker(t *testing.T, cfg Config, targets ...*Target) *Checker {
	t.Helper()
	if cfg.Kind == 0 {
		cfg.Kind = TCP
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = wait
	}
	if cfg.UnhealthyThreshold == 0 {
		cfg.UnhealthyThreshold = 2
	}
	if cfg.HealthyThreshold == 0 {
		cfg.HealthyThreshold = 2
	}
	c, err := New(cfg, targets)
	require.NoError(t, err)
	t.Cleanup(c.Stop)
	return c
}

func TestTCPCheck(t *testing.T) {
	up := NewTarget(tcpServer(t))
	down := NewTarget(closedAddr(t))
	c := newChecker(t, Config{Kind: TCP}, up, down)
	assert.True(t, up.Healthy(), "not checked yet counts as healthy")
	assert.Equal(t, Unknown, up.State())
	c.Round(context.Background())
	assert.Equal(t, Healthy, up.State())
	assert.Equal(t, Unhealthy, down.State(), "the first check decides alone")
	assert.False(t, down.Healthy())
}

func TestThresholds(t *testing.T) {
	var tgt Target
	rec := func(pass bool) State { s, _ := tgt.record(pass, 2, 3); return s }
	assert.Equal(t, Healthy, rec(true))
	assert.Equal(t, Healthy, rec(false))
	assert.Equal(t, Healthy, rec(false))
	assert.Equal(t, Healthy, rec(true), "a pass breaks the streak")
	assert.Equal(t, Healthy, rec(false))
	assert.Equal(t, Healthy, rec(false))
	assert.Equal(t, Unhealthy, rec(false), "three failures in a row")
	assert.Equal(t, Unhealthy, rec(true))
	assert.Equal(t, Unhealthy, rec(false), "a failure breaks the streak")
	assert.Equal(t, Unhealthy, rec(true))
	assert.Equal(t, Healthy, rec(true), "two passes in a row")

	tgt.MarkUnhealthy()
	assert.Equal(t, Unhealthy, rec(true))
	assert.Equal(t, Healthy, rec(true))
}

func TestHeartbeatCheckBolt(t *testing.T) {
	srv := newSwitchable(t)
	tgt := NewTarget(srv.Addr().String())
	var changes []bool
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: boltProto, Timeout: 500 * time.Millisecond, UnhealthyThreshold: 2,
		OnChange: func(_ *Target, healthy bool, _ error) { changes = append(changes, healthy) }}, tgt)
	assert.Equal(t, Heartbeat, c.Kind())
	require.NoError(t, c.Probe(context.Background(), tgt.Addr))

	c.Round(context.Background())
	assert.Equal(t, Healthy, tgt.State())

	srv.mute.Store(true) // accepts, never answers: the heartbeat times out
	err := c.Probe(context.Background(), tgt.Addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no heartbeat reply")
	c.Round(context.Background())
	assert.Equal(t, Healthy, tgt.State(), "one failure is under unhealthy_threshold")
	c.Round(context.Background())
	assert.Equal(t, Unhealthy, tgt.State(), "the second failure in a row marks it")

	srv.mute.Store(false)
	c.Round(context.Background())
	assert.Equal(t, Unhealthy, tgt.State())
	c.Round(context.Background())
	assert.Equal(t, Healthy, tgt.State())
	assert.Equal(t, []bool{true, false, true}, changes)
}

func TestHeartbeatAgainstPlainTCPServerFails(t *testing.T) {
	// A server that closes at once is not a Bolt server.
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: boltProto})
	assert.Error(t, c.Probe(context.Background(), tcpServer(t)))
}

func TestHeartbeatSilentServerFirstCheck(t *testing.T) {
	tgt := NewTarget(serve(t, silent))
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: boltProto, Timeout: 100 * time.Millisecond}, tgt)
	c.Round(context.Background())
	assert.Equal(t, Unhealthy, tgt.State())
}

func TestHeartbeatFlushesSessionOutputFirst(t *testing.T) {
	var bad atomic.Value
	noisy := func(id string) string { return "DATA 0\nPONG 999\nPONG " + id + "\n" }
	addr := lineServer(t, noisy, &bad)
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: lineProto{}})
	require.NoError(t, c.Probe(context.Background(), addr), "other frames and other ids are skipped")
	require.NoError(t, c.Probe(context.Background(), addr))
	assert.Nil(t, bad.Load())
}

func TestHeartbeatReplyStatus(t *testing.T) {
	var bad atomic.Value
	addr := lineServer(t, func(id string) string { return "SICK " + id + "\n" }, &bad)
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: lineProto{}})
	err := c.Probe(context.Background(), addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status server_error")
}

func TestHeartbeatMalformedReply(t *testing.T) {
	var bad atomic.Value
	addr := lineServer(t, func(string) string { return "PONG x\n" }, &bad)
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: lineProto{}})
	assert.ErrorContains(t, c.Probe(context.Background(), addr), "malformed")
}

func TestNoHeartbeatFallsBackToTCP(t *testing.T) {
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: lineProto{noHeartbeat: true}})
	assert.Equal(t, TCP, c.Kind())
	assert.NoError(t, c.Probe(context.Background(), serve(t, silent)), "connected is enough")
	assert.Error(t, c.Probe(context.Background(), closedAddr(t)))
}

func TestNewRejects(t *testing.T) {
	_, err := New(Config{Kind: TCP}, nil)
	assert.Error(t, err)
	_, err = New(Config{Kind: 9, Interval: time.Second, Timeout: time.Second}, nil)
	assert.Error(t, err)
	_, err = New(Config{Kind: Heartbeat, Interval: time.Second, Timeout: time.Second}, nil)
	assert.Error(t, err)
}

func TestLoopOnFakeClock(t *testing.T) {
	srv := newSwitchable(t)
	tgt := NewTarget(srv.Addr().String())
	fake := clock.NewFake(time.Unix(0, 0))
	changed := make(chan bool, 8)
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: boltProto, Clock: fake, Timeout: 500 * time.Millisecond,
		UnhealthyThreshold: 1, HealthyThreshold: 1,
		OnChange: func(_ *Target, healthy bool, _ error) { changed <- healthy }}, tgt)
	c.Start()
	c.Start() // twice is harmless

	next := func() bool {
		t.Helper()
		select {
		case h := <-changed:
			return h
		case <-time.After(wait):
			t.Fatal("no state change")
			return false
		}
	}
	assert.True(t, next(), "the first round runs at Start")
	require.True(t, fake.WaitTickers(1, nil))

	srv.mute.Store(true)
	fake.Advance(time.Second)
	assert.False(t, next(), "the next tick's round")

	// New targets are picked up by the next round.
	other := NewTarget(closedAddr(t))
	c.SetTargets([]*Target{tgt, other})
	srv.mute.Store(false)
	fake.Advance(time.Second)
	got := map[bool]int{}
	got[next()]++
	got[next()]++
	assert.Equal(t, map[bool]int{true: 1, false: 1}, got)
	assert.Len(t, c.Targets(), 2)

	c.Stop()
	assert.Zero(t, fake.Tickers(), "the ticker is stopped")
}

func TestStopCancelsRoundInFlight(t *testing.T) {
	tgt := NewTarget(serve(t, silent))
	c := newChecker(t, Config{Kind: Heartbeat, Protocol: boltProto, Timeout: time.Hour, Interval: time.Hour,
		OnChange: func(*Target, bool, error) { t.Error("a cancelled check must not count") }}, tgt)
	c.Start()
	// The first round is now blocked reading a reply that never comes.
	stopped := make(chan struct{})
	go func() { c.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(wait):
		t.Fatal("Stop did not cancel the round")
	}
	assert.Equal(t, Unknown, tgt.State())
}

func TestStopWithoutStart(t *testing.T) {
	c := newChecker(t, Config{})
	c.Stop()
	c.Stop()
	c.Start() // after Stop: does nothing
}
