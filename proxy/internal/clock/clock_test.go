package clock

import (
	"testing"
	"time"
)

func TestFakeTicker(t *testing.T) {
	start := time.Unix(1000, 0)
	f := NewFake(start)
	tk := f.NewTicker(time.Second)
	if !f.WaitTickers(1, nil) {
		t.Fatal("ticker not registered")
	}
	f.Advance(500 * time.Millisecond)
	select {
	case <-tk.C():
		t.Fatal("ticked early")
	default:
	}
	f.Advance(500 * time.Millisecond)
	if got := <-tk.C(); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("tick at %v", got)
	}
	// Two periods at once give one tick (the channel holds one), like time.Ticker.
	f.Advance(2 * time.Second)
	<-tk.C()
	select {
	case <-tk.C():
		t.Fatal("dropped tick delivered")
	default:
	}
	tk.Stop()
	if f.Tickers() != 0 {
		t.Fatal("ticker not removed")
	}
	if !f.Now().Equal(start.Add(3 * time.Second)) {
		t.Fatalf("now = %v", f.Now())
	}
}

func TestWaitTickersGivesUp(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan struct{})
	close(done)
	if f.WaitTickers(1, done) {
		t.Fatal("reported a ticker that does not exist")
	}
}
