package filter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/xprotocol"
)

// rec is a test filter that records its calls in a shared trace and does
// what its fields say in each phase.
type rec struct {
	name  string
	trace *[]string
	// per phase: Continue, Stop, StopAndWait; replyIn replies with
	// StatusOverload before returning; sync resumes at once; delay arms
	// ResumeAfter.
	onRequest, onRouted, onResponse Result
	replyIn                         Phase
	delay                           time.Duration
	syncResume                      bool
	released                        int
	logged                          *Info
	sawRoute                        []bool
}

func (r *rec) do(h *Handle, ph Phase, res Result) Result {
	*r.trace = append(*r.trace, ph.String()+":"+r.name)
	_, _, ok := h.Route()
	r.sawRoute = append(r.sawRoute, ok)
	if r.replyIn == ph {
		h.Reply(xprotocol.StatusOverload, "no thanks from "+r.name)
	}
	if res == StopAndWait {
		if r.syncResume {
			h.Resume()
		} else if r.delay > 0 {
			h.ResumeAfter(r.delay)
		}
	}
	return res
}

func (r *rec) OnRequest(h *Handle, _ xprotocol.Frame) Result {
	return r.do(h, PhaseRequest, r.onRequest)
}
func (r *rec) OnRouted(h *Handle, _ xprotocol.Frame) Result { return r.do(h, PhaseRouted, r.onRouted) }
func (r *rec) OnResponse(h *Handle, _, _ xprotocol.Frame) Result {
	return r.do(h, PhaseResponse, r.onResponse)
}
func (r *rec) OnLog(_ *Handle, info *Info) {
	*r.trace = append(*r.trace, "log:"+r.name)
	cp := *info
	r.logged = &cp
}
func (r *rec) Release() { r.released++ }

// chainOf builds a Chain of shared instances, bypassing the registry.
func chainOf(fs ...*rec) *Chain {
	c := &Chain{listener: "edge"}
	for _, f := range fs {
		c.entries = append(c.entries, entry{name: f.name, factory: Shared(f), stopMsg: "request stopped by filter " + f.name})
	}
	return c
}

func recs(trace *[]string, names ...string) []*rec {
	out := make([]*rec, len(names))
	for i, n := range names {
		out[i] = &rec{name: n, trace: trace}
	}
	return out
}

func req() *fakeFrame {
	return newRequest("http1", map[xprotocol.Key]string{xprotocol.KeyService: "svc", xprotocol.KeyMethod: "GET", xprotocol.KeyPath: "/x"})
}

func TestChainOrderAndPhases(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b", "c")
	e := newEngine(chainOf(fs...))

	require.Equal(t, Continue, e.request(req()))
	assert.True(t, e.forwarded)
	require.Equal(t, Continue, e.respond(&fakeFrame{proto: "http1", kind: xprotocol.KindResponse}))
	assert.NotNil(t, e.written)
	assert.Equal(t, []string{
		"request:a", "request:b", "request:c",
		"routed:a", "routed:b", "routed:c",
		"response:c", "response:b", "response:a", // reverse: the first filter sees the response last
		"log:a", "log:b", "log:c",
	}, trace)
	assert.Equal(t, []bool{false, true, true}, fs[0].sawRoute, "the route is known from PhaseRouted on")
	assert.Equal(t, 1, e.ended)
	assert.Empty(t, e.replies)
	for _, f := range fs {
		assert.Equal(t, 1, f.released)
	}
	info := fs[0].logged
	assert.Equal(t, "backend", info.Cluster)
	assert.Equal(t, "10.0.0.1:8080", info.UpstreamHost)
	assert.Equal(t, "192.0.2.7:5555", info.RemoteAddr)
	assert.Equal(t, "http1", info.Protocol)
	assert.Equal(t, xprotocol.StatusOK, info.Status)
}

func TestStopWithReplyEndsTheChain(t *testing.T) {
	for _, ph := range []Phase{PhaseRequest, PhaseRouted} {
		t.Run(ph.String(), func(t *testing.T) {
			var trace []string
			fs := recs(&trace, "a", "b", "c")
			fs[1].replyIn = ph
			if ph == PhaseRequest {
				fs[1].onRequest = Stop
			} else {
				fs[1].onRouted = Stop
			}
			e := newEngine(chainOf(fs...))
			assert.Equal(t, Stop, e.request(req()))
			assert.False(t, e.forwarded)
			require.Len(t, e.replies, 1)
			assert.Equal(t, reply{xprotocol.StatusOverload, "no thanks from b", ph}, e.replies[0])
			assert.NotContains(t, trace, ph.String()+":c")
			assert.Equal(t, 1, e.ended)
			assert.Equal(t, "b", fs[0].logged.StoppedBy)
			assert.Equal(t, xprotocol.StatusOverload, fs[0].logged.Status)
			assert.Equal(t, "no thanks from b", fs[0].logged.Details)
		})
	}
}

func TestStopWithoutReplyGetsServerError(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRequest = Stop
	e := newEngine(chainOf(fs...))
	assert.Equal(t, Stop, e.request(req()))
	require.Len(t, e.replies, 1)
	assert.Equal(t, xprotocol.StatusServerError, e.replies[0].status)
	assert.Equal(t, "request stopped by filter a", e.replies[0].msg)
	assert.Equal(t, []string{"request:a", "log:a", "log:b"}, trace)
}

func TestReplyThenContinueStillStops(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].replyIn = PhaseRequest // but returns Continue
	e := newEngine(chainOf(fs...))
	assert.Equal(t, Stop, e.request(req()))
	assert.Len(t, e.replies, 1)
	assert.NotContains(t, trace, "request:b")
}

func TestDelayResumesFromNextFilter(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b", "c")
	fs[1].onRequest, fs[1].delay = StopAndWait, 100*time.Millisecond
	e := newEngine(chainOf(fs...))

	assert.Equal(t, StopAndWait, e.request(req()))
	assert.True(t, e.h.Paused())
	assert.Equal(t, []string{"request:a", "request:b"}, trace)

	e.advance(99 * time.Millisecond)
	assert.Equal(t, []string{"request:a", "request:b"}, trace, "not before the delay")
	e.advance(time.Millisecond)
	assert.Equal(t, []string{"request:a", "request:b", "request:c", "routed:a", "routed:b", "routed:c"}, trace,
		"resumed with the next filter, then the lifecycle went on")
	assert.Equal(t, []Phase{PhaseRequest}, e.proceeds)
	assert.True(t, e.forwarded)
	assert.False(t, e.h.Paused())
}

func TestDelayInRoutedAndResponsePhases(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRouted, fs[0].delay = StopAndWait, time.Second
	fs[1].onResponse = StopAndWait
	e := newEngine(chainOf(fs...))

	assert.Equal(t, StopAndWait, e.request(req()))
	assert.True(t, e.routed)
	assert.False(t, e.forwarded)
	e.advance(time.Second)
	assert.True(t, e.forwarded)
	assert.Equal(t, []Phase{PhaseRouted}, e.proceeds)

	// Response: b (first in reverse order) pauses with its own delay.
	fs[1].delay = 50 * time.Millisecond
	assert.Equal(t, StopAndWait, e.respond(&fakeFrame{kind: xprotocol.KindResponse}))
	assert.Nil(t, e.written)
	e.advance(50 * time.Millisecond)
	assert.NotNil(t, e.written, "the held response is written once resumed")
	assert.Equal(t, []Phase{PhaseRouted, PhaseResponse}, e.proceeds)
	assert.Equal(t, 1, e.ended)
}

func TestSynchronousResumeContinues(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRequest, fs[0].syncResume = StopAndWait, true
	e := newEngine(chainOf(fs...))
	assert.Equal(t, Continue, e.request(req()))
	assert.True(t, e.forwarded)
	assert.Empty(t, e.proceeds, "a synchronous resume needs no Proceed")
}

func TestReplyFromTimerWhilePaused(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRequest = StopAndWait
	e := newEngine(chainOf(fs...))
	assert.Equal(t, StopAndWait, e.request(req()))
	e.h.AfterFunc(10*time.Millisecond, func() { e.h.Reply(xprotocol.StatusTimeout, "too slow") })
	e.advance(10 * time.Millisecond)
	require.Len(t, e.replies, 1)
	assert.Equal(t, reply{xprotocol.StatusTimeout, "too slow", PhaseRequest}, e.replies[0])
	assert.NotContains(t, trace, "request:b")
	assert.Equal(t, 1, e.ended)
	assert.Equal(t, "a", fs[1].logged.StoppedBy)
}

func TestEndWhilePausedDisarmsAndIgnoresLateCalls(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRequest, fs[0].delay = StopAndWait, time.Second
	e := newEngine(chainOf(fs...))
	assert.Equal(t, StopAndWait, e.request(req()))
	e.h.Info().Status, e.h.Info().Details = xprotocol.StatusUnavailable, "client went away"
	e.h.End() // the client closed the connection
	assert.Equal(t, 1, e.timerStop, "the filter timer is disarmed")
	assert.False(t, e.timerSet)
	assert.Equal(t, []string{"request:a", "log:a", "log:b"}, trace)
	assert.Equal(t, 1, fs[0].released)

	e.h.Resume()
	e.h.Reply(xprotocol.StatusOverload, "late")
	assert.Empty(t, e.replies)
	assert.Empty(t, e.proceeds)
	assert.Equal(t, "client went away", fs[0].logged.Details)
}

func TestResponseFilterReplaces(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onResponse, fs[0].replyIn = Stop, PhaseResponse
	e := newEngine(chainOf(fs...))
	require.Equal(t, Continue, e.request(req()))
	assert.Equal(t, Stop, e.respond(&fakeFrame{kind: xprotocol.KindResponse}))
	assert.Nil(t, e.written)
	require.Len(t, e.replies, 1)
	assert.Equal(t, PhaseResponse, e.replies[0].phase)
	assert.Equal(t, []string{"request:a", "request:b", "routed:a", "routed:b", "response:b", "response:a", "log:a", "log:b"}, trace)
}

func TestReplyOutsideAPhaseIsIgnored(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a")
	e := newEngine(chainOf(fs...))
	require.Equal(t, Continue, e.request(req()))
	e.h.Reply(xprotocol.StatusOverload, "after forwarding") // nothing is running or paused
	assert.Empty(t, e.replies)
	assert.False(t, e.h.Replied())
}

func TestNilChainAndReuse(t *testing.T) {
	e := newEngine(nil)
	for range 3 {
		assert.Equal(t, Continue, e.request(req()))
		assert.Equal(t, Continue, e.respond(&fakeFrame{kind: xprotocol.KindResponse}))
	}
	assert.Equal(t, 3, e.ended)
	assert.Zero(t, (*Chain)(nil).Len())
	assert.NoError(t, (*Chain)(nil).Close())

	// A Handle is reused after End (the engine pools it).
	var trace []string
	fs := recs(&trace, "a")
	fs[0].onRequest, fs[0].delay = StopAndWait, time.Millisecond
	e = newEngine(chainOf(fs...))
	for range 3 {
		assert.Equal(t, StopAndWait, e.request(req()))
		e.advance(time.Millisecond)
		assert.True(t, e.forwarded)
		e.respond(&fakeFrame{kind: xprotocol.KindResponse})
	}
	assert.Equal(t, 3, fs[0].released)
	assert.Equal(t, 3, e.ended)
}

func TestResultAndPhaseNames(t *testing.T) {
	assert.Equal(t, "continue", Continue.String())
	assert.Equal(t, "stop", Stop.String())
	assert.Equal(t, "stop_and_wait", StopAndWait.String())
	assert.Equal(t, "unknown", Result(9).String())
	assert.Equal(t, "routed", PhaseRouted.String())
	assert.Equal(t, "unknown", Phase(0).String())
}

func TestResponseStopWithoutReply(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a")
	fs[0].onResponse = Stop
	e := newEngine(chainOf(fs...))
	require.Equal(t, Continue, e.request(req()))
	assert.Equal(t, Stop, e.respond(&fakeFrame{kind: xprotocol.KindResponse}))
	require.Len(t, e.replies, 1)
	assert.Equal(t, reply{xprotocol.StatusServerError, "request stopped by filter a", PhaseResponse}, e.replies[0])
	assert.Nil(t, e.written)
}

func TestResumeEndingInStopDoesNotProceed(t *testing.T) {
	var trace []string
	fs := recs(&trace, "a", "b")
	fs[0].onRequest, fs[0].delay = StopAndWait, time.Millisecond
	fs[1].onRequest, fs[1].replyIn = Stop, PhaseRequest
	e := newEngine(chainOf(fs...))
	assert.Equal(t, StopAndWait, e.request(req()))
	e.advance(time.Millisecond)
	assert.Empty(t, e.proceeds)
	require.Len(t, e.replies, 1)
	assert.Equal(t, "no thanks from b", e.replies[0].msg)
	assert.Equal(t, 1, e.ended)
}
