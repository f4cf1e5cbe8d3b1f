package breaker

import "sync/atomic"

// Limits are a cluster's circuit breaker thresholds
// (config.CircuitBreakers).
type Limits struct {
	MaxConnections     int
	MaxPendingRequests int
	MaxRequests        int
	MaxRetries         int
}

// Breakers are one cluster's circuit breakers. They are safe for concurrent
// use.
type Breakers struct {
	Connections Limit
	Pending     Limit
	Requests    Limit
	Retries     Limit
}

// New returns breakers with the given thresholds.
func New(l Limits) *Breakers {
	b := &Breakers{}
	b.Set(l)
	return b
}

// Set changes the thresholds (a configuration reload); units already held
// stay held, and a lowered limit refuses new ones until enough are released.
func (b *Breakers) Set(l Limits) {
	b.Connections.SetMax(l.MaxConnections)
	b.Pending.SetMax(l.MaxPendingRequests)
	b.Requests.SetMax(l.MaxRequests)
	b.Retries.SetMax(l.MaxRetries)
}

// Limit is one circuit breaker: a counter of units in use and its maximum.
// The zero Limit has maximum 0 and refuses everything.
type Limit struct {
	active   atomic.Int64
	max      atomic.Int64
	overflow atomic.Uint64
	_        [40]byte // keep limits that are used together off one cache line
}

// SetMax sets the maximum (negative counts as 0).
func (l *Limit) SetMax(n int) { l.max.Store(int64(max(n, 0))) }

// Max returns the maximum.
func (l *Limit) Max() int64 { return l.max.Load() }

// Active returns the units in use.
func (l *Limit) Active() int64 { return l.active.Load() }

// Overflow returns how many TryAcquire calls the breaker refused.
func (l *Limit) Overflow() uint64 { return l.overflow.Load() }

// Open reports whether the limit is reached, so TryAcquire would fail.
func (l *Limit) Open() bool { return l.active.Load() >= l.max.Load() }

// TryAcquire takes one unit and reports true, or counts an overflow and
// reports false when the limit is reached. It never takes more than the
// maximum, however many goroutines race.
func (l *Limit) TryAcquire() bool {
	for {
		cur := l.active.Load()
		if cur >= l.max.Load() {
			l.overflow.Add(1)
			return false
		}
		if l.active.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// Release gives back a unit taken by TryAcquire. A Release without a
// matching TryAcquire is ignored rather than letting the count go negative.
func (l *Limit) Release() {
	if l.active.Add(-1) < 0 {
		l.active.Add(1)
	}
}
