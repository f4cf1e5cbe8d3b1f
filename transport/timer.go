package transport

import "time"

// Timer is a one-shot timer on a Loop's wheel. Embed it in a longer-lived
// (e.g. pooled) struct and set Fire once, so arming it allocates nothing.
// A Timer is only touched on its loop's goroutine.
type Timer struct {
	// Fire runs on the loop when the timer expires.
	Fire       func()
	prev, next *Timer
	rounds     int
	armed      bool
}

// Armed reports whether the timer is scheduled.
func (t *Timer) Armed() bool { return t.armed }

// wheel is a hashed timing wheel: slots of one tick each; a timer further
// away than one revolution waits for its remaining rounds.
type wheel struct {
	tick  time.Duration
	slots []Timer // sentinel heads of circular lists
	pos   int
	due   Timer // sentinel of the timers firing in the current advance
}

func newWheel(tick time.Duration, nslots int) *wheel {
	w := &wheel{tick: tick, slots: make([]Timer, nslots)}
	for i := range w.slots {
		h := &w.slots[i]
		h.prev, h.next = h, h
	}
	return w
}

// add schedules t to fire after d (rounded up to a whole tick, at least one).
func (w *wheel) add(t *Timer, d time.Duration) {
	if t.armed {
		w.remove(t)
	}
	ticks := int((d + w.tick - 1) / w.tick)
	if ticks < 1 {
		ticks = 1
	}
	n := len(w.slots)
	t.rounds = (ticks - 1) / n
	h := &w.slots[(w.pos+ticks)%n]
	t.prev, t.next = h.prev, h
	h.prev.next = t
	h.prev = t
	t.armed = true
}

func (w *wheel) remove(t *Timer) {
	if !t.armed {
		return
	}
	t.prev.next = t.next
	t.next.prev = t.prev
	t.prev, t.next = nil, nil
	t.armed = false
}

// advance moves the wheel one tick and fires what expired.
func (w *wheel) advance() {
	w.pos = (w.pos + 1) % len(w.slots)
	h := &w.slots[w.pos]
	// Move the due timers to the due list first: a Fire may re-arm timers
	// into this slot. They stay armed there, so a Fire that stops or re-arms
	// another due timer takes it off the due list and it does not fire now.
	// They fire in the order they were armed.
	due := &w.due
	due.prev, due.next = due, due
	for t := h.next; t != h; {
		next := t.next
		if t.rounds > 0 {
			t.rounds--
		} else {
			t.prev.next = t.next
			t.next.prev = t.prev
			t.prev, t.next = due.prev, due
			due.prev.next = t
			due.prev = t
		}
		t = next
	}
	for due.next != due {
		t := due.next
		w.remove(t)
		if t.Fire != nil {
			t.Fire()
		}
	}
}
