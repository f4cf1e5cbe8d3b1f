package proxy

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/transport"
)

// Per-connection limits of a listener beyond the codecs' own (frame size,
// header bytes and count, concurrent streams): the request header timeout
// (slowloris), the write timeout (a client that stopped reading) and the
// idle timeout, each counted in xgate_downstream_timeouts_total{kind}.

var errRequestHeaderTimeout = errors.New("request head not received within request_header_timeout")

// timeoutCounters count client connections closed by a timeout.
type timeoutCounters struct {
	idle, requestHeader, write prometheus.Counter
}

func newTimeoutCounters(m *metrics, listener string) timeoutCounters {
	c := func(kind string) prometheus.Counter { return m.timeouts.WithLabelValues(listener, kind) }
	return timeoutCounters{c("idle"), c("request_header"), c("write")}
}

// openLimits arms a new client connection's connection-wide timeouts.
func (ds *downstream) openLimits(c *transport.Conn) {
	if d := ds.l.cfg.IdleTimeout; d > 0 {
		c.SetIdleTimeout(d)
	}
	if d := ds.l.cfg.WriteTimeout; d > 0 {
		c.SetWriteTimeout(d)
		c.SetHeld(func() int { // DATA held for the client's flow-control window
			if ds.flusher == nil {
				return 0
			}
			return ds.flusher.Held()
		})
	}
	ds.headT.Fire = ds.headExpired
}

// headPender is implemented by sessions that can be in the middle of a
// head although every frame they read was complete (HTTP/2: a header block
// awaiting its CONTINUATION frames).
type headPender interface {
	HeadPending() bool
}

// watchHead runs after each decode pass. incomplete: the pass stopped on a
// partly received frame; progressed: it produced at least one frame. The
// request header clock runs from the first byte of a frame (or of a head
// spread over several, see headPender) until it is decoded: it starts on a
// partial one and restarts when frames come out (the bytes left over begin
// the next one).
func (ds *downstream) watchHead(incomplete, progressed bool) {
	d := ds.l.cfg.RequestHeaderTimeout
	if d <= 0 {
		return
	}
	if ds.waitConn || ds.blockedOn != nil {
		incomplete = false // not read because of the gateway's own back-pressure
	} else if hp, ok := ds.sess.(headPender); ok && !incomplete {
		incomplete = hp.HeadPending()
	}
	loop := ds.conn.Loop()
	switch {
	case !incomplete:
		loop.Stop(&ds.headT)
	case progressed || !ds.headT.Armed():
		loop.AfterFunc(&ds.headT, d)
	}
}

// requestTimeouter is implemented by sessions that answer a request head
// that never completed (HTTP/1.1: 408 Request Timeout).
type requestTimeouter interface {
	AppendRequestTimeout(dst []byte) []byte
}

func (ds *downstream) headExpired() {
	if ds.closed || ds.conn.Closed() {
		return
	}
	ds.l.timeouts.requestHeader.Inc()
	if rt, ok := ds.sess.(requestTimeouter); ok && ds.inflight == 0 {
		ds.conn.SetBuffer(rt.AppendRequestTimeout(ds.conn.Buffer()))
	}
	ds.conn.Close(errRequestHeaderTimeout)
}

// closeLimits stops the connection's limit timers and counts the
// transport's timeouts.
func (ds *downstream) closeLimits(err error) {
	ds.conn.Loop().Stop(&ds.headT)
	switch {
	case errors.Is(err, transport.ErrIdleTimeout):
		ds.l.timeouts.idle.Inc()
	case errors.Is(err, transport.ErrWriteTimeout):
		ds.l.timeouts.write.Inc()
	}
}

// streamPauser is implemented by sessions of multiplexed protocols with
// per-stream flow control (HTTP/2): a paused stream is granted no more
// window, so its server holds what it has not sent.
type streamPauser interface {
	PauseStream(id uint64)
	ResumeStream(id uint64)
}

// pausedStream is a response stream of a multiplexed upstream paused for
// its client.
type pausedStream struct {
	id uint64
	ds *downstream
}

// pauseStream pauses response stream id on u while its client ds holds
// more than the high watermark, and rechecks until it is down to the low
// one: the multiplexed counterpart of pausing a ping-pong upstream.
func (u *upstream) pauseStream(ds *downstream, id uint64) {
	sp, ok := u.sess.(streamPauser)
	if !ok || backlog(ds.conn, ds.flusher) <= ds.l.highWater {
		return
	}
	for _, ps := range u.paused {
		if ps.id == id {
			return
		}
	}
	sp.PauseStream(id)
	u.paused = append(u.paused, pausedStream{id: id, ds: ds})
	if !u.pressT.Armed() {
		u.pressT.Fire = u.recheckStreams
		u.hp.ls.loop.AfterFunc(&u.pressT, pressureRecheck)
	}
}

func (u *upstream) recheckStreams() {
	if u.conn.Closed() {
		u.paused = nil
		return
	}
	sp := u.sess.(streamPauser)
	kept := u.paused[:0]
	for _, ps := range u.paused {
		if !ps.ds.closed && backlog(ps.ds.conn, ps.ds.flusher) > ps.ds.l.lowWater {
			kept = append(kept, ps)
			continue
		}
		sp.ResumeStream(ps.id) // a stream that ended meanwhile is ignored
	}
	clear(u.paused[len(kept):])
	u.paused = kept
	u.flush()
	if len(kept) > 0 {
		u.hp.ls.loop.AfterFunc(&u.pressT, pressureRecheck)
	}
}
