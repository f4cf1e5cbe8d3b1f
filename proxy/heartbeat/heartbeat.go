package heartbeat

import "time"

// Config is a cluster's upstream heartbeat setting (config.UpstreamHeartbeat).
type Config struct {
	// Interval is the idle time before a heartbeat, and the time each one
	// is given to be answered; 0 turns heartbeats off.
	Interval time.Duration
	// MaxUnanswered is how many heartbeats in a row may go unanswered
	// before the connection is given up (at least 1).
	MaxUnanswered int
}

// Action is what OnIdle asks the engine to do.
type Action uint8

// Actions.
const (
	// Wait: nothing to do before Deadline.
	Wait Action = iota
	// Send a heartbeat with the returned id.
	Send
	// Close the connection and mark its host unhealthy.
	Close
)

// String names the action.
func (a Action) String() string {
	switch a {
	case Wait:
		return "wait"
	case Send:
		return "send"
	case Close:
		return "close"
	}
	return "unknown"
}

// Monitor is one upstream connection's heartbeat state. The zero Monitor
// is off (OnIdle always waits); Init turns it on. It is used by one
// goroutine, the connection's event loop.
type Monitor struct {
	cfg         Config
	allocID     func() uint64
	lastTraffic time.Time
	lastSent    time.Time
	unanswered  int      // heartbeats in a row with no reply and no traffic since
	ids         []uint64 // outstanding heartbeat ids, oldest first; at most MaxUnanswered
}

// Init starts monitoring a connection opened at now; allocID gives the
// stream id of each heartbeat.
func (m *Monitor) Init(cfg Config, now time.Time, allocID func() uint64) {
	if cfg.MaxUnanswered < 1 {
		cfg.MaxUnanswered = 1
	}
	*m = Monitor{cfg: cfg, allocID: allocID, lastTraffic: now, ids: m.ids[:0]}
}

// Enabled reports whether the monitor sends heartbeats.
func (m *Monitor) Enabled() bool { return m.cfg.Interval > 0 && m.allocID != nil }

// Deadline returns when OnIdle next has something to do (the zero time
// when the monitor is off).
func (m *Monitor) Deadline() time.Time {
	if !m.Enabled() {
		return time.Time{}
	}
	last := m.lastTraffic
	if m.lastSent.After(last) {
		last = m.lastSent
	}
	return last.Add(m.cfg.Interval)
}

// OnTraffic records bytes received at now: the connection is alive, so the
// idle time and the count of unanswered heartbeats start again.
// Heartbeats still outstanding keep their ids, so a late reply is
// recognised.
func (m *Monitor) OnTraffic(now time.Time) {
	if now.After(m.lastTraffic) {
		m.lastTraffic = now
	}
	m.unanswered = 0
}

// OnReply reports whether id is an outstanding heartbeat of this monitor,
// and if so forgets it and starts the count of unanswered heartbeats
// again. A reply it does not know (a client's forwarded heartbeat) is not
// the monitor's to consume.
func (m *Monitor) OnReply(id uint64) bool {
	for i, o := range m.ids {
		if o == id {
			m.ids = append(m.ids[:i], m.ids[i+1:]...)
			m.unanswered = 0
			return true
		}
	}
	return false
}

// Outstanding reports whether id is a heartbeat still waiting for its reply
// (its stream id must not be reused).
func (m *Monitor) Outstanding(id uint64) bool {
	for _, o := range m.ids {
		if o == id {
			return true
		}
	}
	return false
}

// Unanswered returns how many heartbeats in a row have gone unanswered.
func (m *Monitor) Unanswered() int { return m.unanswered }

// OnIdle is called when the loop timer armed at Deadline fires. It asks
// for a heartbeat after Interval with nothing received or sent, and for
// the connection to be closed once MaxUnanswered heartbeats in a row have
// each had Interval to be answered.
func (m *Monitor) OnIdle(now time.Time) (Action, uint64) {
	if !m.Enabled() || now.Before(m.Deadline()) {
		return Wait, 0
	}
	if m.unanswered >= m.cfg.MaxUnanswered {
		return Close, 0
	}
	id := m.allocID()
	if len(m.ids) == m.cfg.MaxUnanswered {
		m.ids = append(m.ids[:0], m.ids[1:]...) // forget the oldest
	}
	m.ids = append(m.ids, id)
	m.unanswered++
	m.lastSent = now
	return Send, id
}
