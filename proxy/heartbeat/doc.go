// Package heartbeat is the upstream keep-alive state machine: per upstream
// connection, it says when to send the protocol's heartbeat (after Interval
// with nothing received), recognises the replies, and says when to give up
// on the connection (MaxUnanswered heartbeats in a row, each given an
// Interval to be answered).
//
// It only holds state; the engine drives it from the connection's event
// loop, so a Monitor needs no locks:
//
//	on connect:      m.Init(cfg, now, allocID)   arm the loop timer at m.Deadline()
//	on every read:   m.OnTraffic(now)
//	a frame f with f.Heartbeat() && f.Kind() == KindResponse:
//	                 if m.OnReply(f.StreamID()) { consume it (not a client's) }
//	timer fires:     switch act, id := m.OnIdle(now); act {
//	                 case Send:  encode proto.NewHeartbeat(id) on the connection
//	                 case Close: close it; eject its host (outlier.Host.Eject)
//	                 }
//	                 re-arm the timer at m.Deadline()
//
// allocID is the connection's stream id allocator, so heartbeat ids never
// collide with requests in flight; the engine must not free a heartbeat's
// id while it is outstanding (Outstanding reports it). A ping-pong
// connection may only be sent a heartbeat while it carries no request: the
// engine calls OnIdle only for connections that sit idle in the pool.
package heartbeat
