package proxy

import (
	"errors"
	"fmt"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/lb"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

var (
	errNoProtocol    = errors.New("no protocol matched the first bytes")
	errDetectTimeout = errors.New("protocol detection timed out")
	errSlowClient    = errors.New("client is not reading its replies")
)

// downstream is one client connection: detection, then its protocol
// session, then requests dispatched to upstream pools on the same loop.
type downstream struct {
	l        *listener
	ls       *loopState
	conn     *transport.Conn
	proto    xprotocol.Protocol
	sess     xprotocol.Session
	detectT  transport.Timer
	inflight int
	closed   bool
	// partial: input was left unconsumed (part of a frame, or requests
	// not read yet), so a close now drops a request.
	partial  bool
	goneAway bool // a GOAWAY (or its protocol's equivalent) was sent
	// serial is set for protocol variants that carry one request at a time
	// (ping-pong): the next request is read only after the previous one is
	// answered, so responses go back in request order.
	serial bool
	// variants is the protocol's Variants view, when it has one.
	variants xprotocol.Variants
	// implicitOneway: the protocol's clients may send oneway calls as
	// requests (xprotocol.ImplicitOneway); requests are numbered (reqSeq)
	// and the newest answered one remembered (answered) to infer them.
	implicitOneway bool
	reqSeq         uint64
	answered       uint64
	current        *pending // the newest request in flight

	// Streaming (see stream.go). streams holds the requests whose request
	// or response body is still flowing, and every request of a protocol
	// that can reset streams, by the client's stream id.
	streams  map[uint64]*pending
	flusher  xprotocol.Flusher
	closing  xprotocol.Closing
	resetter xprotocol.Resetter
	// Decoding stops while a request body waits for an upstream connection
	// (waitConn) or the upstream it flows to is not keeping up (blockedOn).
	waitConn  bool
	blockedOn *upstream
	pressT    transport.Timer
	ps        *protoStats     // the protocol's series, once detected (observe.go)
	headT     transport.Timer // request_header_timeout (limits.go)
}

// OnOpen implements transport.Handler.
func (ds *downstream) OnOpen(c *transport.Conn) {
	ds.ls = loopStateOf(ds.l, c.Loop())
	ds.l.connsActive.Inc()
	ds.detectT.Fire = ds.detectExpired
	c.Loop().AfterFunc(&ds.detectT, ds.l.cfg.DetectTimeout)
	ds.openLimits(c)
}

func (ds *downstream) detectExpired() {
	if ds.proto == nil && !ds.conn.Closed() {
		ds.l.detectTimeout.Inc()
		ds.conn.Close(errDetectTimeout)
	}
}

// OnData implements transport.Handler.
func (ds *downstream) OnData(c *transport.Conn, data []byte) int {
	if ds.proto == nil && !ds.detect(data) {
		if c.Closed() {
			return len(data)
		}
		return 0
	}
	off, incomplete, framed := 0, false, false
	for off < len(data) && !c.Closed() {
		if ds.waitConn || ds.blockedOn != nil {
			break // resumed by resume (stream.go)
		}
		if ds.serial && ds.inflight > 0 && !ds.implicitOneway && (ds.current == nil || !ds.current.reqOpen) {
			break // resumed when the request in flight is answered
		}
		f, n, err := ds.sess.Decode(data[off:])
		if err == xprotocol.ErrIncomplete {
			incomplete = true
			break
		}
		if err != nil {
			// No request id can be trusted in a broken frame, so there is
			// nothing to address a reply to: count it and close. A codec
			// with an error reply of its own (HTTP 400, HTTP/2 GOAWAY) has
			// queued it as pending output.
			ds.l.decodeError(ds.proto.Name(), "downstream", err)
			ds.flush()
			c.Close(fmt.Errorf("decode from client %s: %w", c.RemoteAddr(), err))
			return len(data)
		}
		off += n
		if f != nil {
			framed = true
			ds.handle(f)
		}
	}
	ds.partial = off < len(data)
	ds.watchHead(incomplete, framed)
	ds.ps.received(off)
	ds.flush()
	return off
}

// flush writes the session's own pending output and closes the connection
// when the session says it is finished.
func (ds *downstream) flush() {
	if ds.flusher != nil {
		ds.setBuffer(ds.flusher.AppendPending(ds.conn.Buffer()))
	}
	if ds.closing != nil && ds.closing.ShouldClose() {
		ds.conn.Close(nil)
	}
}

// detect picks the protocol from the first bytes; it reports whether the
// session is ready.
func (ds *downstream) detect(data []byte) bool {
	p, res := ds.l.detector.Detect(data)
	switch res {
	case xprotocol.MatchNeedMore:
		return false
	case xprotocol.MatchNo:
		ds.l.detectNoMatch.Inc()
		ds.conn.Close(errNoProtocol)
		return false
	}
	ds.conn.Loop().Stop(&ds.detectT)
	ds.l.detectMatched[p.Name()].Inc()
	ds.proto = p
	ds.ps = ds.ls.protoStats(p.Name()) // observe.go
	ds.variants, _ = p.(xprotocol.Variants)
	if io, ok := p.(xprotocol.ImplicitOneway); ok {
		ds.implicitOneway = io.ImplicitOneway()
	}
	ds.sess = p.NewSession(xprotocol.SessionOptions{
		Role: xprotocol.RoleServer, MaxFrameSize: ds.l.cfg.MaxFrameSize,
		MaxHeaderBytes: ds.l.cfg.MaxHeaderBytes,
		MaxHeaderCount: ds.l.cfg.MaxHeaderCount, MaxStreams: ds.l.cfg.MaxConcurrentStreams,
		RemoteAddr: ds.conn.RemoteAddr(), Secure: ds.l.secure,
	})
	ds.flusher, _ = ds.sess.(xprotocol.Flusher)
	ds.closing, _ = ds.sess.(xprotocol.Closing)
	ds.resetter, _ = p.(xprotocol.Resetter)
	ds.pressT.Fire = ds.recheckPressure
	ds.flush() // a server preface (HTTP/2 SETTINGS)
	return true
}

// handle routes one decoded frame.
func (ds *downstream) handle(f xprotocol.Frame) {
	switch f.Kind() {
	case xprotocol.KindRequest, xprotocol.KindOneway:
	case xprotocol.KindData:
		ds.data(f)
		return
	case xprotocol.KindReset:
		ds.clientReset(f)
		return
	default:
		f.Release() // clients do not send responses; nothing waits for one
		return
	}
	var variant uint8
	if ds.variants != nil {
		variant = ds.variants.FrameVariant(f)
		ds.serial = ds.variants.VariantPoolMode(variant) == xprotocol.PoolPingPong
	} else {
		ds.serial = ds.proto.PoolMode() == xprotocol.PoolPingPong
	}
	if ds.serial && ds.current != nil {
		// Only reachable with implicit oneways: a one-at-a-time client
		// sent this before the previous request was answered.
		ds.presumeOneway(ds.current)
	}
	if f.Heartbeat() {
		ds.heartbeat(f, variant)
		return
	}
	ds.ps.request()
	if f.Kind() == xprotocol.KindRequest && ds.inflight >= ds.l.cfg.MaxRequestsPerConnection {
		ds.reject(f, xprotocol.StatusOverload, "too many requests in flight on this connection")
		return
	}
	if ds.l.filters.Len() == 0 {
		rt := ds.l.routing.Load().table.Match(f)
		if rt == nil {
			ds.reject(f, xprotocol.StatusNoRoute, noRouteMessage(f))
			return
		}
		ds.routeTo(f, rt, variant, nil)
		return
	}
	// With stream filters, the request is tracked from its head on: the
	// chain may answer it, pause it (its body frames are held meanwhile)
	// or let it be routed and forwarded.
	p := ds.ls.newPending()
	ds.admit(p, f)
	p.variant = variant
	p.filtered = true
	p.fh.Begin(ds.l.filters, p, f)
	if p.fh.Run(filter.PhaseRequest) == filter.Continue {
		p.Proceed(filter.PhaseRequest)
	}
}

// heartbeat answers a client heartbeat, or forwards it to the catch-all
// route's cluster when the listener says so.
func (ds *downstream) heartbeat(f xprotocol.Frame, variant uint8) {
	if ds.l.cfg.Heartbeat == config.HeartbeatForward {
		// A heartbeat has no keys: only a catch-all takes it.
		if rt := ds.l.routing.Load().table.Match(f); rt != nil && rt.Action != route.ActionDirect {
			ds.routeTo(f, rt, variant, nil)
			return
		}
	}
	if r := ds.proto.HeartbeatReply(f); r != nil {
		ds.write(r)
		r.Release()
	}
	f.Release()
}

// admit registers p as the connection's newest request in flight.
func (ds *downstream) admit(p *pending, f xprotocol.Frame) {
	p.ds, p.req, p.origID = ds, f, f.StreamID()
	p.reqOpen = !f.EndStream()
	ds.reqSeq++
	p.obs.start = ds.conn.Loop().Now()
	p.seq = ds.reqSeq
	ds.current = p
	ds.inflight++
	// Tracked requests are cancelled upstream when the client goes away:
	// those with a body still flowing, those of protocols that reset
	// streams, and those of one-at-a-time protocols (HTTP/1.1), whose
	// upstream connection is then closed, the only cancel they have.
	if p.reqOpen || ds.resetter != nil || ds.serial {
		ds.track(p)
	}
}

// routeTo carries out route rt for f: a direct response, or the cluster
// chosen, its circuit breaker, header changes, mirroring, and forwarding.
// p is the request's record when stream filters made it already, else nil.
func (ds *downstream) routeTo(f xprotocol.Frame, rt *route.Route, variant uint8, p *pending) {
	if rt.Action == route.ActionDirect {
		if p != nil {
			p.span = ds.l.tracer.Local(f, ds.l.cfg.Name, rt, "")
			p.Reply(rt.Direct.Status, rt.Direct.Body)
			return
		}
		ds.rejectRoute(f, rt, "", rt.Direct.Status, rt.Direct.Body)
		return
	}
	rtg := ds.l.routing.Load()
	cl := rt.PickCluster(ds.ls.rand.Uint64()).(*cluster)
	up := ds.proto // routes only pick clusters that speak it or translate it (see route.Compile)
	if cl.proto != nil && cl.proto != up {
		up, variant = cl.proto, 0
	}
	oneway := f.Kind() == xprotocol.KindOneway
	if !oneway && !cl.breakers.Requests.TryAcquire() {
		cl.overflow.Inc()
		msg := "circuit breaker open: too many requests to cluster " + cl.name
		if p != nil {
			p.span = ds.l.tracer.Local(f, ds.l.cfg.Name, rt, cl.name)
			p.Reply(xprotocol.StatusOverload, msg)
			return
		}
		ds.rejectRoute(f, rt, cl.name, xprotocol.StatusOverload, msg)
		return
	}
	rs := rtg.count(ds.ls, rt, cl) // observe.go
	rt.ApplyRequest(f)
	if m := rt.Mirror; m != nil && f.EndStream() && m.Sample(ds.ls.rand.Uint64()) && m.Accepts(f.Protocol()) {
		ds.mirror(m.Cluster.(*cluster), f, up, variant)
	}
	if oneway {
		if p != nil {
			p.endFilters() // logged now: the frame goes with the send
			p.req = nil    // nothing will answer it
			ds.done(p)
			ds.ls.freePending(p)
		}
		ds.forwardOneway(f, cl, rt, up, variant)
		return
	}
	if p == nil {
		p = ds.ls.newPending()
		ds.admit(p, f)
	}
	p.rt, p.cl, p.upProto, p.variant = rt, cl, up, variant
	p.obs.rs = rs
	p.span = ds.l.tracer.Start(f, ds.l.cfg.Name, rt, cl.name)
	p.holdsRequest = true
	cl.budget.StartRequest()
	p.budgeted = true
	// Armed before sending: a send that fails at once answers (and frees) p.
	timeout := cl.requestTimeout
	if rt.Timeout > 0 {
		timeout = rt.Timeout
	}
	if t := f.Timeout(); t > 0 && t < timeout {
		timeout = t // the caller gives up sooner: so do we
	}
	p.deadline = ds.conn.Loop().Now().Add(timeout)
	ds.conn.Loop().AfterFunc(&p.timer, p.tryTimeout())
	if p.filtered {
		switch p.fh.Run(filter.PhaseRouted) {
		case filter.Stop, filter.StopAndWait:
			return // answered, or Proceed(PhaseRouted) forwards later
		}
	}
	p.forward()
}

// forward sends p's request on its first try.
func (p *pending) forward() {
	if ok, st, msg := p.send(); !ok {
		p.fail(st, msg)
	}
}

// forwardOneway sends a request nobody waits an answer for.
func (ds *downstream) forwardOneway(f xprotocol.Frame, cl *cluster, rt *route.Route, up xprotocol.Protocol, variant uint8) {
	sp := ds.l.tracer.Start(f, ds.l.cfg.Name, rt, cl.name)
	defer sp.End(0)
	defer f.Release()
	h, hi := ds.pickHost(f, cl, rt)
	if h == nil {
		sp.Respond(nil, xprotocol.StatusUnavailable, "no healthy host")
		return
	}
	sp.Upstream(h.addr)
	sp.Respond(nil, xprotocol.StatusOK, "") // nothing answers a oneway call
	hp := ds.ls.pool(cl, hi, h, up, variant)
	var err error
	if hp.mode == xprotocol.PoolPingPong {
		err = hp.sendOneway(f)
	} else {
		err = hp.multiplexed().send(f)
	}
	if err != nil {
		ds.l.log.Warn("forward oneway", "err", err)
	}
}

// pickHost chooses the host of cl for f: the route's plugins narrow the
// cluster's hosts first (round robin among what they leave), else the
// cluster's load balancer picks. It returns nil when no host is left.
func (ds *downstream) pickHost(f xprotocol.Frame, cl *cluster, rt *route.Route) (*host, int) {
	now := ds.conn.Loop().Now().UnixNano()
	set := cl.set.Load()
	if rt != nil && rt.Plugins != nil {
		hosts := rt.Plugins.Run(f, set.pluginHosts, &ds.ls.sel)
		if len(hosts) == 0 {
			return nil, -1
		}
		if len(hosts) < len(set.pluginHosts) {
			ds.ls.rr++
			h := hosts[int(ds.ls.rr%uint64(len(hosts)))].(pluginHost)
			return h.host, h.idx
		}
	}
	ctx := lb.Context{Now: now}
	ctx.Hash, ctx.HasHash = cl.requestHash(f)
	if keys := cl.lbConfig.SubsetKeys; len(keys) > 0 {
		ctx.Subset = ds.subsetValues(f, keys, rt != nil && rt.Plugins != nil)
	}
	i := ds.ls.picker(set.table).Pick(ctx)
	if i < 0 {
		return nil, -1
	}
	return set.hosts[i], i
}

// subsetValues returns the metadata values a request asks for, one per
// subset key: what a route plugin recorded under the key, else the request
// header of the same name. nil (the whole cluster) when it names none.
func (ds *downstream) subsetValues(f xprotocol.Frame, keys []string, plugins bool) []string {
	vals := ds.ls.subset[:0]
	named := false
	for _, k := range keys {
		v, ok := "", false
		if plugins {
			v, ok = ds.ls.sel.Metadata.Get(k)
		}
		if !ok {
			if b, has := f.Header().Get(k); has {
				v, ok = string(b), true
			}
		}
		named = named || ok
		vals = append(vals, v)
	}
	ds.ls.subset = vals
	if !named {
		return nil
	}
	return vals
}

// send forwards p's request to a host of its cluster: a ping-pong pool
// takes it or queues it, a multiplexed connection gets it under a fresh
// stream id. It reports false with the reason when it could not.
func (p *pending) send() (bool, xprotocol.Status, string) {
	ds, cl, f := p.ds, p.cl, p.req
	h, hi := ds.pickHost(f, cl, p.rt)
	if h == nil {
		return false, xprotocol.StatusUnavailable, "no healthy host in cluster " + cl.name
	}
	hp := ds.ls.pool(cl, hi, h, p.upProto, p.variant)
	p.hp, p.host = hp, h
	p.span.Upstream(h.addr)
	h.active.Add(1)
	p.sentTo(h)
	if p.filtered {
		in := p.fh.Info()
		in.UpstreamHost, in.BytesReceived = h.addr, int64(f.Size())
	}
	if hp.mode == xprotocol.PoolPingPong {
		if !hp.submit(p) {
			return false, xprotocol.StatusOverload, "too many requests waiting for an upstream connection"
		}
		return true, 0, ""
	}
	u := hp.multiplexed()
	for tries := 0; ; tries++ {
		id := u.allocID()
		if id == 0 {
			p.up = nil
			return false, xprotocol.StatusOverload, "upstream connection has no free stream id"
		}
		p.up, p.upID = u, id
		f.SetStreamID(id)
		err := u.send(f)
		if err == nil {
			break
		}
		if errors.Is(err, xprotocol.ErrConnectionFull) {
			// The peer's stream limit (or GOAWAY): try the pool's other
			// connections, opening one more while the pool may grow.
			if u = hp.another(u, tries); u != nil {
				continue
			}
			p.up = nil
			return false, xprotocol.StatusOverload, "every upstream connection is at its stream limit"
		}
		ds.l.log.Warn("forward request", "err", err)
		p.up = nil
		return false, xprotocol.StatusServerError, "gateway could not encode the request"
	}
	u.inflight[p.upID] = p
	p.sendHeld()
	if p.reqOpen {
		ds.checkPressure(u)
	}
	return true, 0, ""
}

// presumeOneway stops waiting for p on behalf of the client. On a
// ping-pong connection the server will not answer a oneway call, so the
// connection is free at once; elsewhere p stays with its pool until it is
// answered or times out, silently.
func (ds *downstream) presumeOneway(p *pending) {
	ds.l.implicitOneway.Inc()
	ds.untrack(p)
	ds.inflight--
	ds.current = nil
	if u := p.up; u != nil && p.hp.mode == xprotocol.PoolPingPong {
		u.current = nil
		p.ls.loop.Stop(&p.timer)
		p.releaseReq()
		p.ls.freePending(p)
		u.hp.release(u)
		return
	}
	p.detached = true
}

// finish ends one forwarded request: it relays resp, or builds an error
// reply with status st when resp is nil, and releases both frames.
func (ds *downstream) finish(p *pending, resp xprotocol.Frame, st xprotocol.Status, msg string) {
	req := p.req
	if ds.l.tracer != nil && !p.span.Started() && req != nil {
		// Answered before routing: a stream filter's reply or timeout.
		p.span = ds.l.tracer.Local(req, ds.l.cfg.Name, nil, "")
	}
	p.span.Respond(resp, st, msg)
	if p.detached {
		// Presumed oneway: the client stopped waiting for it long ago.
		if resp != nil {
			resp.Release()
		}
		p.releaseReq()
		return
	}
	p.observeEnd(st)
	if p.filtered && resp == nil {
		in := p.fh.Info()
		in.Status, in.Details = st, msg
	}
	if resp == nil && p.respOpen {
		// The response head is with the client already: the stream can
		// only be aborted.
		ds.l.replies.inc(st)
		ds.abort(p, st, msg)
		p.releaseReq()
		ds.done(p)
		return
	}
	ds.inflight--
	if ds.current == p {
		ds.current = nil
	}
	ds.untrack(p)
	if resp != nil && p.seq > ds.answered {
		ds.answered = p.seq
	}
	if resp == nil && st == xprotocol.StatusTimeout && ds.implicitOneway && ds.answered > p.seq {
		// A later request was answered while this one never was: it was a
		// oneway call sent as a request, and nobody waits for a reply.
		ds.l.implicitOneway.Inc()
		p.releaseReq()
		ds.afterFinish()
		return
	}
	if resp == nil && !ds.closed {
		ds.l.replies.inc(st)
		resp = ds.proto.ErrorReply(req, st, msg)
	}
	if resp != nil {
		if !ds.closed {
			ds.write(resp)
		}
		resp.Release()
	}
	p.releaseReq()
	ds.afterFinish()
}

// afterFinish closes a draining connection once idle, and lets a serial
// connection read its next request.
func (ds *downstream) afterFinish() {
	if ds.inflight == 0 {
		if ds.l.draining.Load() {
			ds.conn.Close(nil)
		} else if ds.serial {
			ds.conn.ResumeReading() // the next request may be buffered already
		}
	}
}

// goAway tells the client to open no new stream on this connection, when
// its protocol can say so.
func (ds *downstream) goAway() {
	if ds.goneAway || ds.closed || ds.proto == nil {
		return
	}
	if ga, ok := ds.proto.(xprotocol.GoAwayer); ok {
		ds.goneAway = true
		f := ga.NewGoAway(xprotocol.StatusUnavailable)
		ds.write(f)
		f.Release()
	}
}

// reject answers a request the gateway will not forward.
func (ds *downstream) reject(req xprotocol.Frame, st xprotocol.Status, msg string) {
	ds.rejectRoute(req, nil, "", st, msg)
}

// rejectRoute is reject for a request of route rt (nil for none) and
// cluster (or ""), which its span (when traced) names.
func (ds *downstream) rejectRoute(req xprotocol.Frame, rt *route.Route, cluster string, st xprotocol.Status, msg string) {
	sp := ds.l.tracer.Local(req, ds.l.cfg.Name, rt, cluster)
	r := ds.proto.ErrorReply(req, st, msg)
	sp.Respond(r, st, msg)
	sp.End(0)
	if r != nil {
		ds.l.replies.inc(st)
		ds.ps.response(st)
		ds.write(r)
		r.Release()
	}
	req.Release()
	ds.afterFinish() // a draining connection may now be idle
}

func (ds *downstream) write(f xprotocol.Frame) {
	buf, err := ds.sess.Encode(ds.conn.Buffer(), f)
	if err != nil {
		ds.l.log.Warn("encode to client", "remote", ds.conn.RemoteAddr(), "err", err)
		return
	}
	ds.setBuffer(buf)
	ds.flush()
	if backlog(ds.conn, ds.flusher) > ds.l.writeLimit {
		// A client that does not read what it asked for: its replies
		// would pile up here without bound.
		ds.l.slowClients.Inc()
		ds.conn.Close(errSlowClient)
	}
}

// OnClose implements transport.Handler. Streams the client can no longer
// take part in are cancelled upstream; other requests still in flight stay
// in their upstream's table until answered or timed out, and their replies
// are then dropped.
func (ds *downstream) OnClose(c *transport.Conn, err error) {
	if ds.inflight > 0 || (ds.partial && ds.proto != nil) {
		ds.l.abandoned.Inc()
	}
	ds.closed = true
	ds.conn.Loop().Stop(&ds.detectT)
	ds.conn.Loop().Stop(&ds.pressT)
	ds.closeLimits(err)
	ds.cancelStreams()
	ds.l.connsActive.Dec()
	ds.ls.publishIfDraining() // observe.go
	if err != nil && err != transport.ErrClosed {
		ds.l.log.Debug("client connection closed", "remote", c.RemoteAddr(), "err", err)
	}
}

func noRouteMessage(f xprotocol.Frame) string {
	return fmt.Sprintf("no route for service=%q method=%q", f.Key(xprotocol.KeyService), f.Key(xprotocol.KeyMethod))
}
