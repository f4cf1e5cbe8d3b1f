package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWheelFiresInOrder(t *testing.T) {
	w := newWheel(10*time.Millisecond, 8)
	var fired []int
	timers := make([]Timer, 4)
	for i := range timers {
		timers[i].Fire = func() { fired = append(fired, i) }
	}
	w.add(&timers[0], 30*time.Millisecond)  // 3 ticks
	w.add(&timers[1], 10*time.Millisecond)  // 1 tick
	w.add(&timers[2], 200*time.Millisecond) // 20 ticks: more than one revolution
	w.add(&timers[3], 0)                    // rounds up to 1 tick
	for range 2 {
		w.advance()
	}
	assert.Equal(t, []int{1, 3}, fired)
	w.advance()
	assert.Equal(t, []int{1, 3, 0}, fired)
	for range 16 {
		w.advance()
	}
	assert.Equal(t, []int{1, 3, 0}, fired, "20-tick timer fired early")
	assert.True(t, timers[2].Armed())
	w.advance()
	assert.Equal(t, []int{1, 3, 0, 2}, fired)
	assert.False(t, timers[2].Armed())
}

func TestWheelRemoveAndRearm(t *testing.T) {
	w := newWheel(time.Millisecond, 4)
	n := 0
	var tm Timer
	tm.Fire = func() {
		n++
		if n < 3 {
			w.add(&tm, time.Millisecond) // re-arm from inside Fire
		}
	}
	w.add(&tm, time.Millisecond)
	w.remove(&tm)
	w.advance()
	assert.Equal(t, 0, n)
	w.add(&tm, time.Millisecond)
	for range 10 {
		w.advance()
	}
	assert.Equal(t, 3, n)
	// Re-adding an armed timer moves it rather than linking it twice.
	w.add(&tm, 2*time.Millisecond)
	w.add(&tm, 3*time.Millisecond)
	w.advance()
	w.advance()
	assert.Equal(t, 3, n)
	assert.True(t, tm.Armed())
}

func TestWheelArmAllocatesNothing(t *testing.T) {
	w := newWheel(time.Millisecond, 64)
	var tm Timer
	tm.Fire = func() {}
	allocs := testing.AllocsPerRun(1000, func() {
		w.add(&tm, 5*time.Millisecond)
		w.remove(&tm)
	})
	assert.Zero(t, allocs)
}

// A Fire that stops or re-arms another timer due in the same tick must be
// obeyed: the other timer must not fire now, and the wheel must stay intact.
func TestWheelFireStopsOrRearmsAnotherDueTimer(t *testing.T) {
	w := newWheel(time.Millisecond, 8)
	var fired []string
	var a, b, c, d Timer
	a.Fire = func() {
		fired = append(fired, "a")
		w.remove(&b)                  // b is due in this very tick
		w.add(&c, 3*time.Millisecond) // so is c: move it later
	}
	b.Fire = func() { fired = append(fired, "b") }
	c.Fire = func() { fired = append(fired, "c") }
	d.Fire = func() { fired = append(fired, "d") }
	w.add(&a, time.Millisecond)
	w.add(&b, time.Millisecond)
	w.add(&c, time.Millisecond)
	w.add(&d, time.Millisecond)
	w.advance()
	assert.Equal(t, []string{"a", "d"}, fired, "stopped or re-armed timers fired")
	assert.False(t, b.Armed())
	assert.True(t, c.Armed())
	w.advance()
	w.advance()
	assert.Equal(t, []string{"a", "d"}, fired)
	w.advance()
	assert.Equal(t, []string{"a", "d", "c"}, fired)
	assert.False(t, c.Armed())
	// The wheel is still usable everywhere.
	for i := range 16 {
		var x Timer
		n := 0
		x.Fire = func() { n++ }
		w.add(&x, time.Duration(i+1)*time.Millisecond)
		for range i + 1 {
			w.advance()
		}
		assert.Equal(t, 1, n, "timer %d", i)
	}
}
