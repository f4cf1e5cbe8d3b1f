package proxy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/heartbeat"
	"github.com/xgate/xgate/proxy/lb"
	"github.com/xgate/xgate/proxy/retry"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/tracing"
	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

// loopState is a listener's state on one event loop: its upstream pools and
// a free list of pending-request records. Only that loop touches it, so the
// forward path takes no locks and, once warm, allocates nothing.
type loopState struct {
	l       *listener
	loop    *transport.Loop
	pools   map[poolKey]*hostPool
	free    []*pending
	pickers map[*lb.Table]*lb.Picker
	rand    *rand.Rand      // weighted clusters, mirror sampling
	rr      uint64          // round robin among hosts route plugins leave
	sel     route.Selection // route plugin scratch
	subset  []string        // subset load-balancing values scratch
	obs     loopObs         // the loop's blocks of the metrics (observe.go)
}

// picker returns the loop's load-balancing state for a cluster's table.
// A table replaced by a DNS refresh or a reload leaves its picker behind;
// the map is cleared when it grows past a bound.
func (ls *loopState) picker(t *lb.Table) *lb.Picker {
	pk, ok := ls.pickers[t]
	if !ok {
		if len(ls.pickers) >= maxPickers {
			clear(ls.pickers)
		}
		pk = t.NewPicker(ls.rand.Uint64())
		ls.pickers[t] = pk
	}
	return pk
}

// maxPickers bounds the per-loop picker cache.
const maxPickers = 1024

// poolKey names one pool: connections to one host of one cluster speaking
// one protocol variant.
type poolKey struct {
	cluster *cluster
	host    *host
	proto   xprotocol.Protocol
	variant uint8
}

func loopStateOf(l *listener, loop *transport.Loop) *loopState {
	if ls, ok := loop.Value.(*loopState); ok {
		return ls
	}
	ls := &loopState{l: l, loop: loop, pools: make(map[poolKey]*hostPool), pickers: make(map[*lb.Table]*lb.Picker),
		rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	loop.Value = ls
	ls.registerLoop() // observe.go
	return ls
}

func (ls *loopState) pool(cl *cluster, hostIdx int, h *host, p xprotocol.Protocol, variant uint8) *hostPool {
	k := poolKey{cluster: cl, host: h, proto: p, variant: variant}
	hp, ok := ls.pools[k]
	if !ok {
		hp = &hostPool{ls: ls, cl: cl, h: h, proto: p, variant: variant, mode: xprotocol.PoolModeOf(p, variant)}
		ls.pools[k] = hp
	}
	return hp
}

// pending is one forwarded request waiting for its response (or, in a
// ping-pong pool, for a free connection).
type pending struct {
	ls     *loopState
	ds     *downstream
	hp     *hostPool
	up     *upstream       // nil while waiting for a ping-pong connection
	req    xprotocol.Frame // kept for the error reply; its stream id is upID while in flight
	origID uint64
	upID   uint64
	seq    uint64 // the request's number on its downstream connection
	// detached: presumed oneway, the client no longer waits (ImplicitOneway).
	detached bool
	// reqOpen: more of the request body is to come from the client;
	// respOpen: the response head was relayed and its body is flowing;
	// tracked: registered in the client's stream table (stream.go).
	reqOpen, respOpen, tracked bool
	// bodySent: request body frames went upstream (the request can no
	// longer be sent again); resends counts sends after a refusal.
	bodySent bool
	resends  int
	// Circuit breaker units held: a request (Requests) and, while queued
	// for a ping-pong connection, a pending slot (Pending).
	holdsRequest, queued bool
	// Routing: the route, cluster, upstream protocol and variant chosen,
	// and the host of the current try (its active count is held).
	rt      *route.Route
	cl      *cluster
	upProto xprotocol.Protocol
	variant uint8
	host    *host
	// Retries: the overall deadline, tries made, the backoff timer, and
	// whether a retry unit (breaker and budget) is held.
	deadline  time.Time
	tries     int
	retryT    transport.Timer
	retryHeld bool
	budgeted  bool // counted in the cluster's retry budget
	// Stream filters (filters.go): the request's passage through the
	// listener's chain, its one filter timer, and a response head held
	// while a response filter is paused.
	fh       *filter.Handle
	filtered bool
	filterT  transport.Timer
	filterFn func()
	heldResp xprotocol.Frame
	// gen counts the requests this record served (see Poster).
	gen uint64
	// held: request body frames that arrived before a ping-pong connection
	// was free.
	held  []xprotocol.Frame
	timer transport.Timer
	obs   reqObs // observations (observe.go)
	// span is the request's trace span; zero while tracing is off.
	span tracing.Span
}

func (ls *loopState) newPending() *pending {
	ls.requestStarted() // observe.go
	if n := len(ls.free); n > 0 {
		p := ls.free[n-1]
		ls.free[n-1] = nil
		ls.free = ls.free[:n-1]
		return p
	}
	p := &pending{ls: ls, fh: new(filter.Handle)}
	p.timer.Fire = p.expire
	p.retryT.Fire = p.retry
	p.filterT.Fire = p.fireFilter
	return p
}

func (ls *loopState) freePending(p *pending) {
	ls.requestEnded()
	p.span.End(p.tries)
	for _, f := range p.held {
		f.Release()
	}
	ls.loop.Stop(&p.retryT)
	ls.loop.Stop(&p.filterT)
	if p.heldResp != nil {
		p.heldResp.Release()
	}
	if p.hp != nil {
		p.hp.leaveQueue(p)
	}
	if p.host != nil {
		p.host.active.Add(-1)
	}
	if cl := p.cl; cl != nil {
		if p.holdsRequest {
			cl.breakers.Requests.Release()
		}
		if p.retryHeld {
			cl.breakers.Retries.Release()
			cl.budget.EndRetry()
		}
		if p.budgeted {
			cl.budget.EndRequest()
		}
	}
	*p = pending{ls: ls, fh: p.fh, gen: p.gen + 1, timer: transport.Timer{Fire: p.timer.Fire}, retryT: transport.Timer{Fire: p.retryT.Fire},
		filterT: transport.Timer{Fire: p.filterT.Fire}}
	ls.free = append(ls.free, p)
}

var errRequestTimeout = errors.New("upstream request timeout")

// expire answers a request its upstream did not answer in time.
func (p *pending) expire() {
	switch {
	case p.up == nil: // still queued for a ping-pong connection
		p.hp.dequeue(p)
	case p.hp.mode == xprotocol.PoolPingPong:
		// The connection owes a response nobody waits for any more: it
		// cannot carry another request.
		u := p.up
		u.current = nil
		u.conn.Close(nil)
	default:
		// A late response finds no entry and is counted as unmatched.
		delete(p.up.inflight, p.upID)
	}
	if p.host != nil {
		p.host.od.Result(xprotocol.StatusTimeout, p.ls.loop.Now().UnixNano())
	}
	p.failWith(retry.CauseTimeout, retry.PhaseSent, xprotocol.StatusTimeout, errRequestTimeout.Error())
}

// failWith is fail after a failure the route's retry policy may retry.
func (p *pending) failWith(cause retry.Cause, phase retry.Phase, st xprotocol.Status, msg string) {
	if p.maybeRetry(retry.Outcome{Cause: cause, Status: st, Phase: phase}) {
		return
	}
	p.fail(st, msg)
}

// maybeRetry schedules another try of p when its route's retry policy,
// the cluster's retry breaker and budget allow it and the engine still
// holds the whole request. The caller has taken p off its upstream.
func (p *pending) maybeRetry(o retry.Outcome) bool {
	rt, cl := p.rt, p.cl
	if rt == nil || rt.Retry == nil || p.respOpen || p.reqOpen || p.bodySent || p.detached || p.ds.closed {
		return false
	}
	if p.tries >= rt.Retry.NumRetries || !rt.Retry.Policy.ShouldRetry(o) {
		return false
	}
	if !p.retryHeld {
		if !cl.breakers.Retries.TryAcquire() {
			cl.overflow.Inc()
			return false
		}
		if !cl.budget.TryStartRetry() {
			cl.breakers.Retries.Release()
			return false
		}
		p.retryHeld = true
	}
	p.tries++
	cl.retries.Inc()
	if p.hp != nil {
		p.hp.leaveQueue(p)
	}
	if p.host != nil {
		p.host.active.Add(-1)
		p.host = nil
	}
	p.up, p.hp = nil, nil
	p.req.SetStreamID(p.origID)
	p.ls.loop.Stop(&p.timer)
	p.ls.loop.AfterFunc(&p.retryT, rt.Retry.Backoff.Delay(p.tries, nil))
	return true
}

// retry sends p again after its backoff.
func (p *pending) retry() {
	if p.ls.loop.Now().After(p.deadline) {
		p.fail(xprotocol.StatusTimeout, errRequestTimeout.Error())
		return
	}
	p.ls.loop.AfterFunc(&p.timer, p.tryTimeout())
	if ok, st, msg := p.send(); !ok {
		p.fail(st, msg)
	}
}

// tryTimeout is how long the current try may take: the route's per-try
// timeout, within what is left of the request's deadline.
func (p *pending) tryTimeout() time.Duration {
	left := p.deadline.Sub(p.ls.loop.Now())
	if rt := p.rt; rt != nil && rt.Retry != nil && rt.Retry.PerTryTimeout > 0 && rt.Retry.PerTryTimeout < left {
		return rt.Retry.PerTryTimeout
	}
	return max(left, time.Millisecond)
}

// fail answers the client with an error reply in its protocol's terms.
func (p *pending) fail(st xprotocol.Status, msg string) {
	p.ls.loop.Stop(&p.timer)
	p.req.SetStreamID(p.origID)
	p.ds.finish(p, nil, st, msg)
	p.ls.freePending(p)
}

// maxResends bounds how often a request the upstream refused unprocessed
// is sent again.
const maxResends = 2

// resend sends a request its upstream refused without processing it on
// another connection of the pool. It reports false when it cannot: the
// request body already went (the engine no longer holds it), the response
// started, or it was resent enough.
func (p *pending) resend() bool {
	if p.respOpen || p.reqOpen || p.bodySent || p.resends >= maxResends || p.hp.mode == xprotocol.PoolPingPong {
		return false
	}
	p.resends++
	p.hp.cl.resends.Inc()
	for tries := 0; ; tries++ {
		u := p.hp.another(p.up, tries)
		if u == nil {
			return false
		}
		id := u.allocID()
		if id == 0 {
			continue
		}
		p.req.SetStreamID(id)
		if err := u.send(p.req); err != nil {
			if errors.Is(err, xprotocol.ErrConnectionFull) {
				continue
			}
			return false
		}
		p.up, p.upID = u, id
		u.inflight[id] = p
		return true
	}
}

// streamEnded finishes a request whose streamed response was relayed to
// its end.
func (p *pending) streamEnded() {
	p.observeEnd(p.obs.status)
	p.ls.loop.Stop(&p.timer)
	p.releaseReq()
	p.ds.done(p)
	p.ls.freePending(p)
}

// complete relays resp to the client under its original stream id, or
// drops it for another try when the route retries its status.
func (p *pending) complete(resp xprotocol.Frame) {
	if st := resp.Status(); st != xprotocol.StatusOK && p.maybeRetry(retry.Outcome{Cause: retry.CauseResponse, Status: st, Phase: retry.PhaseAnswered}) {
		resp.Release()
		return
	}
	p.ls.loop.Stop(&p.timer)
	if p.rt != nil {
		p.rt.ApplyResponse(resp)
	}
	if p.filtered {
		switch p.fh.RunResponse(resp) {
		case filter.Stop:
			return // Reply replaced it and finished the request
		case filter.StopAndWait:
			p.heldResp = resp // Proceed(PhaseResponse) delivers it
			return
		}
	}
	p.deliver(resp)
}

// deliver relays a complete response to the client.
func (p *pending) deliver(resp xprotocol.Frame) {
	if p.filtered {
		p.fh.Info().BytesSent = int64(resp.Size())
	}
	resp.SetStreamID(p.origID)
	p.ds.finish(p, resp, resp.Status(), "")
	p.ls.freePending(p)
}

// hostPool holds a loop's connections to one host for one protocol variant.
// Multiplexed pools spread requests over up to connsPerHost connections by
// stream id; ping-pong pools give each request a connection of its own,
// keep finished ones idle for reuse, and queue requests (bounded) while
// every allowed connection is busy.
type hostPool struct {
	ls      *loopState
	cl      *cluster
	h       *host
	proto   xprotocol.Protocol
	variant uint8
	mode    xprotocol.PoolMode
	conns   []*upstream
	next    int
	idle    []*upstream // ping-pong: open connections with no request
	waiting []*pending  // ping-pong: FIFO of requests waiting for a connection
	obs     poolObs     // the loop's blocks of the host's and cluster's metrics (observe.go)
}

func (hp *hostPool) dial() *upstream {
	u := &upstream{hp: hp}
	// The cluster's max_connections breaker: a pool's first connection is
	// always opened (requests would fail otherwise); growth beyond it is
	// refused while the breaker is open (see canGrow).
	u.counted = hp.cl.breakers.Connections.TryAcquire()
	if hp.mode != xprotocol.PoolPingPong {
		u.inflight = make(map[uint64]*pending)
	}
	u.sess = hp.proto.NewSession(xprotocol.SessionOptions{
		Role: xprotocol.RoleClient, Variant: hp.variant, MaxFrameSize: hp.ls.l.cfg.MaxFrameSize,
		MaxHeaderBytes: hp.ls.l.cfg.MaxHeaderBytes,
	})
	u.flusher, _ = u.sess.(xprotocol.Flusher)
	u.closing, _ = u.sess.(xprotocol.Closing)
	u.eoi, _ = u.sess.(xprotocol.EndOfInput)
	u.conn = hp.dialConn(u) // tlsconfig.go: TLS when the cluster says so
	u.conn.Value = u
	hp.conns = append(hp.conns, u)
	u.flush() // a client preface (HTTP/2), sent once connected
	return u
}

// multiplexed returns a connection to send on, dialling while the pool is
// below its size. A dialling connection queues writes until it opens.
func (hp *hostPool) multiplexed() *upstream {
	if len(hp.conns) < hp.cl.connsPerHost {
		return hp.dial()
	}
	u := hp.conns[hp.next%len(hp.conns)]
	hp.next++
	return u
}

// another returns a connection to retry a request on after full could not
// open a stream (or refused it): full is marked as such until one of its
// streams ends; a connection of the pool not marked full is chosen, else a
// new one while the pool is below its connection limit; nil when there is
// none.
func (hp *hostPool) another(full *upstream, tries int) *upstream {
	full.full = true
	if tries > len(hp.conns) {
		return nil
	}
	for i := range hp.conns {
		u := hp.conns[(hp.next+i)%len(hp.conns)]
		if !u.full && !u.goingAway {
			hp.next += i + 1
			return u
		}
	}
	if len(hp.conns) < max(hp.cl.connsPerHost, hp.cl.maxConnsPerHost) && hp.canGrow() {
		return hp.dial()
	}
	return nil
}

// canGrow reports whether the pool may open another connection: always
// when it has none, else while the cluster's connection breaker is closed.
func (hp *hostPool) canGrow() bool {
	if len(hp.conns) == 0 || !hp.cl.breakers.Connections.Open() {
		return true
	}
	hp.cl.overflow.Inc()
	return false
}

// submit hands a two-way request to a ping-pong connection, or queues it.
// It reports false when the queue is full.
func (hp *hostPool) submit(p *pending) bool {
	p.hp = hp
	if u := hp.popIdle(); u != nil {
		u.start(p)
		return true
	}
	if len(hp.conns) < hp.cl.maxConnsPerHost && hp.canGrow() {
		hp.dial().start(p)
		return true
	}
	if len(hp.waiting) >= hp.cl.maxPending || !hp.cl.breakers.Pending.TryAcquire() {
		if len(hp.waiting) < hp.cl.maxPending {
			hp.cl.overflow.Inc()
		}
		return false
	}
	p.queued = true
	hp.waiting = append(hp.waiting, p)
	return true
}

// popIdle takes an open idle connection, or returns nil.
func (hp *hostPool) popIdle() *upstream {
	for n := len(hp.idle); n > 0; n = len(hp.idle) {
		u := hp.idle[n-1]
		hp.idle[n-1] = nil
		hp.idle = hp.idle[:n-1]
		if !u.conn.Closed() {
			return u
		}
	}
	return nil
}

// sendOneway writes a oneway request on a free ping-pong connection (it
// stays free: nothing will answer).
func (hp *hostPool) sendOneway(f xprotocol.Frame) error {
	var u *upstream
	if u = hp.popIdle(); u != nil {
		hp.idle = append(hp.idle, u)
	} else if len(hp.conns) < hp.cl.maxConnsPerHost {
		u = hp.dial()
		hp.idle = append(hp.idle, u)
	} else {
		return errors.New("no free upstream connection for a oneway request")
	}
	return u.send(f)
}

// release returns a ping-pong connection whose request finished: the next
// waiting request takes it, or it goes idle.
func (hp *hostPool) release(u *upstream) {
	if u.conn.Closed() {
		return
	}
	if hp.cl.retired.Load() && len(hp.waiting) == 0 {
		u.maybeRetire()
		return
	}
	if len(hp.waiting) > 0 {
		p := hp.waiting[0]
		copy(hp.waiting, hp.waiting[1:])
		hp.waiting[len(hp.waiting)-1] = nil
		hp.waiting = hp.waiting[:len(hp.waiting)-1]
		u.start(p)
		return
	}
	hp.idle = append(hp.idle, u)
}

// leaveQueue gives back the pending slot of a request that leaves the
// wait queue (to be sent, or failed).
func (hp *hostPool) leaveQueue(p *pending) {
	if p.queued {
		p.queued = false
		hp.cl.breakers.Pending.Release()
	}
}

func (hp *hostPool) dequeue(p *pending) {
	hp.leaveQueue(p)
	for i, w := range hp.waiting {
		if w == p {
			hp.waiting = append(hp.waiting[:i], hp.waiting[i+1:]...)
			return
		}
	}
}

func (hp *hostPool) remove(u *upstream) {
	hp.conns = removeConn(hp.conns, u)
	hp.idle = removeConn(hp.idle, u)
}

func removeConn(list []*upstream, u *upstream) []*upstream {
	for i, c := range list {
		if c == u {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// upstream is one connection to a host. Multiplexed connections keep
// requests in flight by stream id: ids are allocated per connection in the
// protocol's own width, wrapping around and skipping ids still in flight,
// so they never collide. Ping-pong connections carry one request at a time
// and keep its id.
type upstream struct {
	hp       *hostPool
	conn     *transport.Conn
	sess     xprotocol.Session
	inflight map[uint64]*pending // multiplexed
	current  *pending            // ping-pong
	nextID   uint64
	opened   bool
	// goingAway: the server sent GOAWAY; no new stream goes here and the
	// connection closes once its streams are done.
	goingAway bool
	// full: the last stream it was given was refused for its stream limit;
	// cleared when one of its streams ends.
	full bool
	// counted: holds a unit of the cluster's connection breaker.
	counted bool
	flusher xprotocol.Flusher
	closing xprotocol.Closing
	eoi     xprotocol.EndOfInput
	// blockedOn: decoding paused while this client takes the response.
	blockedOn *downstream
	pressT    transport.Timer
	paused    []pausedStream // multiplexed: response streams paused (limits.go)
	// Upstream heartbeats (the cluster's heartbeat interval): sent when
	// the connection is idle; unanswered ones close it and eject the host.
	hbm heartbeat.Monitor
	hbT transport.Timer
}

// heartbeatInFlight marks a multiplexed stream id taken by a heartbeat;
// mirrorInFlight one taken by a mirrored copy of a request, whose reply is
// dropped.
var heartbeatInFlight, mirrorInFlight = &pending{}, &pending{}

var errHeartbeat = errors.New("upstream did not answer its heartbeats")

// startHeartbeats arms the connection's heartbeat timer when the cluster
// asks for heartbeats and the protocol has them.
func (u *upstream) startHeartbeats() {
	hp := u.hp
	if hp.cl.hb.Interval <= 0 {
		return
	}
	if probe := hp.proto.NewHeartbeat(1); probe == nil {
		return
	} else {
		probe.Release()
	}
	now := hp.ls.loop.Now()
	u.hbm.Init(hp.cl.hb, now, u.heartbeatID)
	u.hbT.Fire = u.heartbeatDue
	hp.ls.loop.AfterFunc(&u.hbT, u.hbm.Deadline().Sub(now))
}

// heartbeatID takes a stream id for a heartbeat: multiplexed ids are
// reserved in the in-flight table so no request gets the same one.
func (u *upstream) heartbeatID() uint64 {
	if u.inflight == nil {
		u.nextID++
		if u.nextID > u.hp.proto.MaxStreamID() || u.nextID == 0 {
			u.nextID = 1
		}
		return u.nextID
	}
	id := u.allocID()
	if id != 0 {
		u.inflight[id] = heartbeatInFlight
	}
	return id
}

func (u *upstream) heartbeatDue() {
	if u.conn.Closed() {
		return
	}
	hp := u.hp
	now := hp.ls.loop.Now()
	if u.current != nil {
		// A ping-pong connection carrying a request is not idle.
		u.hbm.OnTraffic(now)
	} else {
		switch act, id := u.hbm.OnIdle(now); act {
		case heartbeat.Send:
			if id != 0 {
				f := hp.proto.NewHeartbeat(id)
				_ = u.send(f)
				f.Release()
				hp.cl.hbSent.Inc()
			}
		case heartbeat.Close:
			hp.cl.hbFailures.Inc()
			t := now.UnixNano()
			hp.h.od.Eject(t)
			hp.h.markFailure(t)
			u.conn.Close(errHeartbeat)
			return
		}
	}
	hp.ls.loop.AfterFunc(&u.hbT, max(u.hbm.Deadline().Sub(now), time.Millisecond))
}

// allocID returns a free stream id, or 0 when every id is in flight.
func (u *upstream) allocID() uint64 {
	limit := u.hp.proto.MaxStreamID()
	if uint64(len(u.inflight)) >= limit {
		return 0
	}
	for {
		u.nextID++
		if u.nextID > limit || u.nextID == 0 {
			u.nextID = 1
		}
		if _, busy := u.inflight[u.nextID]; !busy {
			return u.nextID
		}
	}
}

// start sends p's request on a free ping-pong connection.
func (u *upstream) start(p *pending) {
	u.hp.leaveQueue(p)
	u.current = p
	p.up = u
	p.upID = p.origID
	p.obs.sent = u.hp.ls.loop.Now() // sent now, not when it was queued
	if err := u.send(p.req); err != nil {
		u.current = nil
		u.hp.ls.l.log.Warn("forward request", "err", err)
		p.fail(xprotocol.StatusServerError, "gateway could not encode the request")
		u.hp.release(u)
		return
	}
	if len(p.held) > 0 || p.ds.waitConn {
		// Body frames that came while the request waited for this connection.
		gen := p.gen
		p.sendHeld()
		if p.gen != gen {
			return // a send failed and ended the request
		}
	}
	if p.detached {
		// Presumed oneway while it waited for a connection: nothing will
		// answer it, so the connection is free again at once (as in
		// downstream.presumeOneway).
		u.current = nil
		p.ls.loop.Stop(&p.timer)
		p.releaseReq()
		p.ls.freePending(p)
		u.hp.release(u)
	}
}

// send encodes f onto the connection's write buffer.
func (u *upstream) send(f xprotocol.Frame) error {
	buf, err := u.sess.Encode(u.conn.Buffer(), f)
	if err != nil {
		return fmt.Errorf("encode to upstream %s: %w", u.hp.h.addr, err)
	}
	u.setBuffer(buf)
	u.flush()
	return nil
}

// flush writes the session's own pending output and closes the connection
// when the session says it is finished.
func (u *upstream) flush() {
	if u.flusher != nil {
		u.setBuffer(u.flusher.AppendPending(u.conn.Buffer()))
	}
	if u.closing != nil && u.closing.ShouldClose() {
		u.conn.Close(nil)
	}
}

// maybeRetire closes a connection the server is going away from, or of a
// cluster a reload retired, once nothing is left on it.
func (u *upstream) maybeRetire() {
	if (u.goingAway || u.hp.cl.retired.Load()) && len(u.inflight) == 0 && u.current == nil {
		u.hp.remove(u)
		u.conn.Close(nil)
	}
}

// OnOpen implements transport.Handler.
func (u *upstream) OnOpen(*transport.Conn) {
	u.opened = true
	u.hp.h.stats.connOpened()
	u.hp.h.markSuccess()
	u.hp.cl.upConns.Inc()
	if d := u.hp.cl.idleTimeout; d > 0 {
		u.conn.SetIdleTimeout(d)
	}
	u.startHeartbeats()
}

// OnData implements transport.Handler: it matches responses to pending
// requests.
func (u *upstream) OnData(c *transport.Conn, data []byte) int {
	if u.hbm.Enabled() {
		u.hbm.OnTraffic(u.hp.ls.loop.Now())
	}
	off := 0
	for off < len(data) && !c.Closed() && u.blockedOn == nil {
		f, n, err := u.sess.Decode(data[off:])
		if err == xprotocol.ErrIncomplete {
			break
		}
		if err != nil {
			u.hp.ls.l.decodeError(u.hp.proto.Name(), "upstream", err)
			u.flush()
			c.Close(fmt.Errorf("decode from upstream %s: %w", u.hp.h.addr, err))
			return len(data)
		}
		off += n
		if f != nil {
			u.dispatch(f)
		}
	}
	u.received(off)
	u.flush()
	return off
}

func (u *upstream) dispatch(f xprotocol.Frame) {
	switch f.Kind() {
	case xprotocol.KindResponse:
		id := f.StreamID()
		if f.Heartbeat() && u.hbm.Enabled() {
			ours := u.hbm.OnReply(id)
			if u.inflight != nil && u.inflight[id] == heartbeatInFlight {
				delete(u.inflight, id)
				ours = true
			}
			if ours {
				f.Release()
				return
			}
		}
		if u.inflight != nil && u.inflight[id] == mirrorInFlight {
			if f.EndStream() {
				delete(u.inflight, id) // a mirrored request's reply: dropped
			}
			f.Release()
			return
		}
		p := u.peek(id)
		if p == nil || p.respOpen {
			u.hp.cl.unmatched.Inc()
			f.Release()
			return
		}
		u.observeResponse(p, f.Status()) // observe.go
		u.hp.h.od.Result(f.Status(), u.hp.ls.loop.Now().UnixNano())
		if !f.EndStream() {
			// A streamed response: relay the head, keep the stream.
			p.ls.loop.Stop(&p.timer)
			p.respOpen = true
			p.span.Respond(f, f.Status(), "")
			p.ds.track(p)
			p.ds.relay(p, f)
			u.checkPressure(p.ds, id)
			return
		}
		u.take(id)
		reqOpen := p.reqOpen
		p.complete(f)
		u.exchangeDone(id, reqOpen)
	case xprotocol.KindData:
		id := f.StreamID()
		if u.inflight != nil && u.inflight[id] == mirrorInFlight {
			if f.EndStream() {
				delete(u.inflight, id)
			}
			f.Release()
			return
		}
		p := u.peek(id)
		if p == nil || !p.respOpen {
			u.hp.cl.unmatched.Inc()
			f.Release()
			return
		}
		ds := p.ds
		end := f.EndStream()
		if end {
			p.span.Trailers(f) // gRPC: the call's status is in the trailers
		}
		ds.relay(p, f)
		if !end {
			u.checkPressure(ds, id)
			return
		}
		u.take(id)
		reqOpen := p.reqOpen
		p.streamEnded()
		u.exchangeDone(id, reqOpen)
	case xprotocol.KindReset:
		id := f.StreamID()
		st := f.Status()
		un, _ := f.(xprotocol.Unprocessed)
		refused := un != nil && un.Unprocessed()
		f.Release()
		p := u.take(id)
		if p == nil {
			return
		}
		if refused && p.resend() {
			return
		}
		u.hp.cl.resets.Inc()
		if st == xprotocol.StatusOK {
			st = xprotocol.StatusUnavailable
		}
		cause := retry.CauseReset
		if refused {
			cause = retry.CauseRefusedStream
		}
		p.failWith(cause, retry.PhaseSent, st, "upstream reset the stream")
		u.maybeRetire()
	case xprotocol.KindGoAway:
		f.Release()
		if !u.goingAway {
			u.goingAway = true
			u.hp.remove(u)
			u.maybeRetire()
		}
	case xprotocol.KindRequest:
		if f.Heartbeat() { // the server checks we are alive
			if r := u.hp.proto.HeartbeatReply(f); r != nil {
				_ = u.send(r)
				r.Release()
			}
		}
		f.Release()
	default:
		f.Release()
	}
}

// exchangeDone frees the connection after a response ended. A request
// whose body was still flowing is cut off: a ping-pong connection cannot
// be reused mid-request and is closed; a multiplexed stream is reset.
func (u *upstream) exchangeDone(id uint64, reqOpen bool) {
	if u.hp.mode == xprotocol.PoolPingPong {
		if reqOpen {
			u.conn.Close(nil)
		} else {
			u.hp.release(u)
		}
		return
	}
	if reqOpen {
		if r, ok := u.hp.proto.(xprotocol.Resetter); ok {
			rf := r.NewReset(id, xprotocol.StatusOK)
			_ = u.send(rf)
			rf.Release()
		}
	}
	u.maybeRetire()
}

// peek returns the request a frame with id belongs to, leaving it in place.
func (u *upstream) peek(id uint64) *pending {
	if u.inflight == nil {
		if p := u.current; p != nil && p.upID == id {
			return p
		}
		return nil
	}
	if p := u.inflight[id]; p != heartbeatInFlight && p != mirrorInFlight {
		return p
	}
	return nil
}

// take removes and returns the request a response with id answers.
func (u *upstream) take(id uint64) *pending {
	if u.inflight == nil {
		p := u.current
		if p == nil || p.upID != id {
			return nil // not the reply to the request on this connection
		}
		u.current = nil
		return p
	}
	p, ok := u.inflight[id]
	if !ok || p == heartbeatInFlight || p == mirrorInFlight {
		return nil
	}
	delete(u.inflight, id)
	u.full = false
	return p
}

// OnClose implements transport.Handler: every request in flight on the
// connection is answered as unavailable, and the host is ejected for a
// while unless this side closed the connection.
func (u *upstream) OnClose(_ *transport.Conn, err error) {
	hp := u.hp
	hp.remove(u)
	if u.counted {
		u.counted = false
		hp.cl.breakers.Connections.Release()
	}
	hp.cl.upCloses.inc(u.opened, err)
	hp.h.stats.connClosed(u.opened)
	local := err == nil || errors.Is(err, transport.ErrClosed) || errors.Is(err, transport.ErrStopping) || errors.Is(err, transport.ErrIdleTimeout)
	if !local {
		hp.cl.noteTLSFailure(hp.h.addr, err)
		if !u.opened {
			hp.cl.connectFail.Inc()
		}
		hp.h.markFailure(hp.ls.loop.Now().UnixNano())
		hp.h.od.Failure(hp.ls.loop.Now().UnixNano())
	}
	u.hp.ls.loop.Stop(&u.pressT)
	u.hp.ls.loop.Stop(&u.hbT)
	msg := "upstream connection closed"
	if !u.opened {
		msg = "upstream connect failed"
	}
	if p := u.current; p != nil && p.respOpen && u.eoi != nil {
		// A response delimited by the end of the connection is complete.
		if f := u.eoi.EndOfInput(); f != nil {
			u.current = nil
			p.ds.relay(p, f)
			p.streamEnded()
		}
	}
	cause, phase := retry.CauseReset, retry.PhaseSent
	if !u.opened {
		cause, phase = retry.CauseConnectFailure, retry.PhaseNotSent
	}
	for id, p := range u.inflight {
		delete(u.inflight, id)
		if p != heartbeatInFlight && p != mirrorInFlight {
			p.failWith(cause, phase, xprotocol.StatusUnavailable, msg)
		}
	}
	if p := u.current; p != nil {
		u.current = nil
		p.failWith(cause, phase, xprotocol.StatusUnavailable, msg)
	}
	if hp.mode != xprotocol.PoolPingPong || len(hp.waiting) == 0 {
		return
	}
	if (!u.opened && !local) || hp.ls.l.draining.Load() {
		// The host cannot be reached: do not keep the queue waiting for it.
		for len(hp.waiting) > 0 {
			p := hp.waiting[0]
			hp.waiting = hp.waiting[1:]
			p.failWith(retry.CauseConnectFailure, retry.PhaseNotSent, xprotocol.StatusUnavailable, msg)
		}
		hp.waiting = nil
		return
	}
	// A connection slot is free again: serve the next waiting request.
	p := hp.waiting[0]
	hp.waiting = hp.waiting[1:]
	hp.dial().start(p)
}
