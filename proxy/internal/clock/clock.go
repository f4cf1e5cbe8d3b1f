package clock

import (
	"sync"
	"time"
)

// Clock tells the time and makes tickers.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks on C like time.Ticker.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Real is the system clock.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

// Fake is a Clock that moves only when told to. Its tickers behave like
// time.Ticker: a tick that finds the previous one unread is dropped.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
	changed chan struct{} // closed and replaced when tickers come or go
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTicker makes a ticker that fires every d of fake time.
func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive ticker interval")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTicker{f: f, d: d, next: f.now.Add(d), c: make(chan time.Time, 1)}
	f.tickers = append(f.tickers, t)
	f.notifyLocked()
	return t
}

// Advance moves the clock on by d and fires every ticker that came due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for _, t := range f.tickers {
		if f.now.Before(t.next) {
			continue
		}
		for !f.now.Before(t.next) {
			t.next = t.next.Add(t.d)
		}
		select {
		case t.c <- f.now:
		default:
		}
	}
}

// Tickers returns how many tickers are running.
func (f *Fake) Tickers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tickers)
}

// WaitTickers blocks until exactly n tickers are running, or done is
// closed; it reports whether the count was reached.
func (f *Fake) WaitTickers(n int, done <-chan struct{}) bool {
	for {
		f.mu.Lock()
		count, changed := len(f.tickers), f.changed
		f.mu.Unlock()
		if count == n {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

type fakeTicker struct {
	f    *Fake
	d    time.Duration
	next time.Time
	c    chan time.Time
}

func (t *fakeTicker) C() <-chan time.Time { return t.c }

func (t *fakeTicker) Stop() {
	f := t.f
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.tickers {
		if o == t {
			f.tickers = append(f.tickers[:i], f.tickers[i+1:]...)
			f.notifyLocked()
			return
		}
	}
}
