package proxy

import (
	"fmt"
	"time"

	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

// Streams: a request or response whose head reports EndStream() == false
// is followed by KindData frames with the same stream id. The engine relays
// them one by one (never assembling a body), keeps the request's pending
// record until both directions have ended, and stops reading whichever
// side produces bytes faster than the other side takes them.

// pressureRecheck is how often a blocked connection looks again at the
// backlog of the one it feeds.
const pressureRecheck = 5 * time.Millisecond

// track registers p under its client stream id.
func (ds *downstream) track(p *pending) {
	if p.tracked {
		return
	}
	if ds.streams == nil {
		ds.streams = make(map[uint64]*pending)
	}
	ds.streams[p.origID] = p
	p.tracked = true
}

func (ds *downstream) untrack(p *pending) {
	if p.tracked {
		delete(ds.streams, p.origID)
		p.tracked = false
	}
}

// data forwards one piece of a request body to the request's upstream.
func (ds *downstream) data(f xprotocol.Frame) {
	p := ds.streams[f.StreamID()]
	if p == nil || !p.reqOpen {
		f.Release() // the stream was answered, rejected or reset: drop the rest
		return
	}
	if f.EndStream() {
		p.reqOpen = false
	}
	if p.up == nil {
		// Still waiting for a ping-pong connection: keep the frame and
		// read no further until the request is sent (upstream.start).
		p.held = append(p.held, f)
		ds.waitConn = true
		return
	}
	p.sendData(f)
}

// sendData writes a request body frame on p's upstream stream.
func (p *pending) sendData(f xprotocol.Frame) {
	p.bodySent = true
	f.SetStreamID(p.upID)
	err := p.up.send(f)
	f.Release()
	if err != nil {
		p.ds.l.log.Warn("forward request body", "err", err)
		p.abandon()
		p.fail(xprotocol.StatusServerError, "gateway could not encode the request body")
		return
	}
	p.ds.checkPressure(p.up)
}

// abandon takes p off its upstream connection: a multiplexed stream is
// reset (when the protocol can) and forgotten, a ping-pong connection whose
// exchange cannot complete is closed, a queued request leaves the queue.
func (p *pending) abandon() {
	u := p.up
	switch {
	case u == nil:
		if p.hp != nil {
			p.hp.dequeue(p)
		}
	case p.hp.mode == xprotocol.PoolPingPong:
		if u.current == p {
			u.current = nil
			u.conn.Close(nil)
		}
	default:
		if u.inflight[p.upID] == p {
			delete(u.inflight, p.upID)
			if r, ok := p.hp.proto.(xprotocol.Resetter); ok {
				rf := r.NewReset(p.upID, xprotocol.StatusOK)
				_ = u.send(rf)
				rf.Release()
			}
			u.maybeRetire()
		}
	}
}

// clientReset handles a client aborting one stream.
func (ds *downstream) clientReset(f xprotocol.Frame) {
	p := ds.streams[f.StreamID()]
	f.Release()
	if p != nil {
		ds.l.clientResets.Inc()
		ds.cancel(p)
	}
}

// cancel ends p because the client is gone or gave up: the upstream side
// is abandoned and nothing is written to the client.
func (ds *downstream) cancel(p *pending) {
	p.ls.loop.Stop(&p.timer)
	p.abandon()
	p.releaseReq()
	ds.done(p)
	p.ls.freePending(p)
}

// cancelStreams cancels every tracked stream of a closed connection.
func (ds *downstream) cancelStreams() {
	for _, p := range ds.streams {
		ds.cancel(p)
	}
}

// done is the bookkeeping of a request that ends without the engine
// writing a reply frame for it (streamed response complete, or aborted).
func (ds *downstream) done(p *pending) {
	ds.inflight--
	if ds.current == p {
		ds.current = nil
	}
	ds.untrack(p)
	if p.seq > ds.answered {
		ds.answered = p.seq
	}
	ds.afterFinish()
}

// abort ends a stream whose response head was already relayed: by a reset
// where the protocol has one, else by closing the connection.
func (ds *downstream) abort(p *pending, st xprotocol.Status, msg string) {
	if ds.closed {
		return
	}
	if ds.resetter != nil {
		if st == xprotocol.StatusUnavailable || st == xprotocol.StatusNoRoute {
			// Not "unavailable": the upstream has processed the request
			// (HTTP/2 would say REFUSED_STREAM, "safe to retry").
			st = xprotocol.StatusServerError
		}
		rf := ds.resetter.NewReset(p.origID, st)
		ds.write(rf)
		rf.Release()
		return
	}
	ds.conn.Close(fmt.Errorf("response to %s aborted: %s", ds.conn.RemoteAddr(), msg))
}

// relay writes a response head or body frame to the client.
func (ds *downstream) relay(p *pending, f xprotocol.Frame) {
	if ds.closed {
		f.Release()
		return
	}
	f.SetStreamID(p.origID)
	ds.write(f)
	f.Release()
}

// backlog is what a connection holds for its peer: unsent bytes and data
// its session holds back for flow control.
func backlog(c *transport.Conn, fl xprotocol.Flusher) int {
	n := c.Outbound()
	if fl != nil {
		n += fl.Held()
	}
	return n
}

// checkPressure stops decoding the client while u cannot keep up.
func (ds *downstream) checkPressure(u *upstream) {
	if ds.blockedOn != nil || backlog(u.conn, u.flusher) <= ds.l.highWater {
		return
	}
	ds.blockedOn = u
	ds.conn.PauseReading() // until resume
	ds.l.pressurePauses.Inc()
	ds.conn.Loop().AfterFunc(&ds.pressT, pressureRecheck)
}

func (ds *downstream) recheckPressure() {
	u := ds.blockedOn
	if u == nil || ds.closed {
		return
	}
	if !u.conn.Closed() && backlog(u.conn, u.flusher) > ds.l.lowWater {
		ds.conn.Loop().AfterFunc(&ds.pressT, pressureRecheck)
		return
	}
	ds.blockedOn = nil
	ds.resume()
}

// resume lets a blocked client connection be decoded again.
func (ds *downstream) resume() {
	if !ds.waitConn && ds.blockedOn == nil && !ds.closed {
		ds.conn.ResumeReading()
	}
}

// checkPressure stops decoding a ping-pong upstream while the client it
// answers is not taking the response. A multiplexed upstream serves many
// clients and is not stopped for one: where its protocol has per-stream
// flow control (HTTP/2) the response stream id alone is paused
// (pauseStream, limits.go); elsewhere the client's own write limit bounds
// what piles up for it.
func (u *upstream) checkPressure(ds *downstream, id uint64) {
	if u.hp.mode != xprotocol.PoolPingPong {
		u.pauseStream(ds, id)
		return
	}
	if u.blockedOn != nil || backlog(ds.conn, ds.flusher) <= ds.l.highWater {
		return
	}
	u.blockedOn = ds
	u.conn.PauseReading() // until recheckPressure resumes it
	u.pressT.Fire = u.recheckPressure
	u.hp.ls.loop.AfterFunc(&u.pressT, pressureRecheck)
}

func (u *upstream) recheckPressure() {
	ds := u.blockedOn
	if ds == nil || u.conn.Closed() {
		return
	}
	if !ds.closed && backlog(ds.conn, ds.flusher) > ds.l.lowWater {
		u.hp.ls.loop.AfterFunc(&u.pressT, pressureRecheck)
		return
	}
	u.blockedOn = nil
	u.conn.ResumeReading()
}

// mirror sends a copy of f, a whole request, to a host of cl and forgets
// it: the reply is dropped and a failure never touches the original. Only
// multiplexed pools carry mirrors (a ping-pong connection would be held
// for a reply nobody waits for); other copies are counted as skipped.
func (ds *downstream) mirror(cl *cluster, f xprotocol.Frame, up xprotocol.Protocol, variant uint8) {
	if cl.proto != nil && cl.proto != up {
		up, variant = cl.proto, 0
	}
	h, hi := ds.pickHost(f, cl, nil)
	if h == nil || xprotocol.PoolModeOf(up, variant) != xprotocol.PoolMultiplex {
		cl.mirrorSkipped.Inc()
		return
	}
	u := ds.ls.pool(cl, hi, h, up, variant).multiplexed()
	id := u.allocID()
	if id == 0 {
		cl.mirrorSkipped.Inc()
		return
	}
	orig := f.StreamID()
	f.SetStreamID(id)
	if err := u.send(f); err == nil {
		u.inflight[id] = mirrorInFlight
		cl.mirrored.Inc()
	} else {
		cl.mirrorSkipped.Inc()
	}
	f.SetStreamID(orig)
}
