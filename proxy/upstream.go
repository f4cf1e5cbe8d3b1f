package proxy

import (
	"fmt"

	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

// loopState is a listener's state on one event loop: its upstream pools and
// a free list of pending-request records. Only that loop touches it, so the
// forward path takes no locks and, once warm, allocates nothing.
type loopState struct {
	l     *listener
	loop  *transport.Loop
	pools map[poolKey]*hostPool
	free  []*pending
}

type poolKey struct {
	cluster, host int
	proto         xprotocol.Protocol
}

func loopStateOf(l *listener, loop *transport.Loop) *loopState {
	if ls, ok := loop.Value.(*loopState); ok {
		return ls
	}
	ls := &loopState{l: l, loop: loop, pools: make(map[poolKey]*hostPool)}
	loop.Value = ls
	return ls
}

func (ls *loopState) pool(cl *cluster, hostIdx int, h *host, p xprotocol.Protocol) *hostPool {
	k := poolKey{cluster: cl.idx, host: hostIdx, proto: p}
	hp, ok := ls.pools[k]
	if !ok {
		hp = &hostPool{ls: ls, cl: cl, h: h, proto: p}
		ls.pools[k] = hp
	}
	return hp
}

// pending is one forwarded two-way request waiting for its response.
type pending struct {
	ls     *loopState
	ds     *downstream
	up     *upstream
	req    xprotocol.Frame // kept for the error reply; its stream id is upID while in flight
	origID uint64
	upID   uint64
	timer  transport.Timer
}

func (ls *loopState) newPending() *pending {
	if n := len(ls.free); n > 0 {
		p := ls.free[n-1]
		ls.free[n-1] = nil
		ls.free = ls.free[:n-1]
		return p
	}
	p := &pending{ls: ls}
	p.timer.Fire = p.expire
	return p
}

func (ls *loopState) freePending(p *pending) {
	*p = pending{ls: ls, timer: transport.Timer{Fire: p.timer.Fire}}
	ls.free = append(ls.free, p)
}

// expire answers a request its upstream did not answer in time. A response
// arriving later finds no pending entry and is counted as unmatched.
func (p *pending) expire() {
	delete(p.up.inflight, p.upID)
	p.fail(xprotocol.StatusTimeout, "upstream request timeout")
}

// fail answers the client with an error reply in its protocol's terms.
func (p *pending) fail(st xprotocol.Status, msg string) {
	p.ls.loop.Stop(&p.timer)
	p.req.SetStreamID(p.origID)
	p.ds.finish(p.req, nil, st, msg)
	p.ls.freePending(p)
}

// complete relays resp to the client under its original stream id.
func (p *pending) complete(resp xprotocol.Frame) {
	p.ls.loop.Stop(&p.timer)
	resp.SetStreamID(p.origID)
	p.ds.finish(p.req, resp, resp.Status(), "")
	p.ls.freePending(p)
}

// hostPool holds a loop's connections to one host for one protocol.
type hostPool struct {
	ls    *loopState
	cl    *cluster
	h     *host
	proto xprotocol.Protocol
	conns []*upstream
	next  int
}

// get returns a connection to send on, dialling while the pool is below its
// size. A dialling connection queues writes until it opens.
func (hp *hostPool) get() *upstream {
	if len(hp.conns) < hp.cl.connsPerHost {
		u := &upstream{hp: hp, inflight: make(map[uint64]*pending)}
		u.sess = hp.proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, MaxFrameSize: hp.ls.l.cfg.MaxFrameSize})
		u.conn = hp.ls.loop.Dial(hp.h.addr, hp.cl.connectTimeout, u)
		u.conn.Value = u
		hp.conns = append(hp.conns, u)
		return u
	}
	u := hp.conns[hp.next%len(hp.conns)]
	hp.next++
	return u
}

func (hp *hostPool) remove(u *upstream) {
	for i, c := range hp.conns {
		if c == u {
			hp.conns = append(hp.conns[:i], hp.conns[i+1:]...)
			return
		}
	}
}

// upstream is one connection to a host, multiplexing requests by stream id.
// Ids are allocated per connection in the protocol's own width, wrapping
// around and skipping ids still in flight, so they never collide.
type upstream struct {
	hp       *hostPool
	conn     *transport.Conn
	sess     xprotocol.Session
	inflight map[uint64]*pending
	nextID   uint64
	opened   bool
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

// send encodes f onto the connection's write buffer.
func (u *upstream) send(f xprotocol.Frame) error {
	buf, err := u.sess.Encode(u.conn.Buffer(), f)
	if err != nil {
		return fmt.Errorf("encode to upstream %s: %w", u.hp.h.addr, err)
	}
	u.conn.SetBuffer(buf)
	return nil
}

// OnOpen implements transport.Handler.
func (u *upstream) OnOpen(*transport.Conn) {
	u.opened = true
	u.hp.h.markSuccess()
	u.hp.cl.upConns.Inc()
}

// OnData implements transport.Handler: it matches responses to pending
// requests by stream id.
func (u *upstream) OnData(c *transport.Conn, data []byte) int {
	off := 0
	for off < len(data) && !c.Closed() {
		f, n, err := u.sess.Decode(data[off:])
		if err == xprotocol.ErrIncomplete {
			break
		}
		if err != nil {
			u.hp.ls.l.decodeError(u.hp.proto.Name(), "upstream", err)
			c.Close(fmt.Errorf("decode from upstream %s: %w", u.hp.h.addr, err))
			return len(data)
		}
		off += n
		if f != nil {
			u.dispatch(f)
		}
	}
	return off
}

func (u *upstream) dispatch(f xprotocol.Frame) {
	switch f.Kind() {
	case xprotocol.KindResponse:
		p, ok := u.inflight[f.StreamID()]
		if !ok {
			u.hp.cl.unmatched.Inc()
			f.Release()
			return
		}
		delete(u.inflight, f.StreamID())
		u.hp.cl.responses.inc(f.Status())
		p.complete(f)
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

// OnClose implements transport.Handler: every request in flight on the
// connection is answered as unavailable, and the host is ejected for a
// while unless this side closed the connection.
func (u *upstream) OnClose(_ *transport.Conn, err error) {
	u.hp.remove(u)
	if err != transport.ErrClosed {
		if !u.opened {
			u.hp.cl.connectFail.Inc()
		}
		u.hp.h.markFailure(u.hp.ls.loop.Now().UnixNano())
	}
	msg := "upstream connection closed"
	if !u.opened {
		msg = "upstream connect failed"
	}
	for id, p := range u.inflight {
		delete(u.inflight, id)
		p.fail(xprotocol.StatusUnavailable, msg)
	}
}
