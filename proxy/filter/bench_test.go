package filter

import (
	"testing"
	"time"

	"github.com/xgate/xgate/proxy/config"
)

// benchEngine drives requests through a chain with the fake engine.
func benchEngine(b *testing.B, c *Chain) *engine {
	e := newEngine(c)
	e.replies = make([]reply, 0, 1<<10)
	return e
}

func benchRoundTrip(b *testing.B, e *engine, r *fakeFrame) {
	b.ReportAllocs()
	for b.Loop() {
		e.now = e.now.Add(time.Microsecond)
		if roundTrip(e, r, okResponse) == StopAndWait {
			e.advance(time.Millisecond)
			if e.forwarded {
				e.respond(okResponse)
			}
		}
		e.replies = e.replies[:0]
	}
}

// BenchmarkNoFilters is the Handle's own cost for a listener without filters.
func BenchmarkNoFilters(b *testing.B) {
	benchRoundTrip(b, benchEngine(b, nil), req())
}

func BenchmarkRateLimit(b *testing.B) {
	c := mustChain(b, config.Filter{Name: LocalRateLimit, Config: js(`{"max_tokens": 1000, "tokens_per_fill": 1000, "fill_interval": "1ms"}`)})
	benchRoundTrip(b, benchEngine(b, c), req())
}

func BenchmarkRateLimitLimited(b *testing.B) {
	c := mustChain(b, config.Filter{Name: LocalRateLimit, Config: js(`{"max_tokens": 1, "fill_interval": "24h"}`)})
	benchRoundTrip(b, benchEngine(b, c), req())
}

// BenchmarkBucketParallel is every event loop taking from one listener's
// bucket at once: the cost of the shared, exact budget.
func BenchmarkBucketParallel(b *testing.B) {
	bk := newBucket(tokenMask, tokenMask, time.Millisecond)
	start := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bk.take(time.Now().Add(epoch.Sub(start)))
		}
	})
}

func BenchmarkHeaderAuth(b *testing.B) {
	c := mustChain(b, config.Filter{Name: HeaderAuth, Config: js(`{"values": ["Bearer t1", "Bearer t2", "Bearer t3"]}`)})
	b.Run("accepted", func(b *testing.B) { benchRoundTrip(b, benchEngine(b, c), authOK()) })
	b.Run("denied", func(b *testing.B) { benchRoundTrip(b, benchEngine(b, c), authBad()) })
}

func BenchmarkFaultNotDrawn(b *testing.B) {
	c := mustChain(b, config.Filter{Name: Fault, Config: js(`{"abort": "overload", "abort_percent": 0.001}`)})
	benchRoundTrip(b, benchEngine(b, c), req())
}

func BenchmarkAccessLogRecord(b *testing.B) {
	segs, err := compileFormat(DefaultLogFormat)
	if err != nil {
		b.Fatal(err)
	}
	info := sampleInfo()
	buf := make([]byte, 0, 1024)
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = appendTextRecord(buf[:0], segs, info)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = appendJSONRecord(buf[:0], info)
		}
	})
}

// BenchmarkFullChain: auth, rate limit, a 1% delay, access log to /dev/null.
func BenchmarkFullChain(b *testing.B) {
	benchRoundTrip(b, benchEngine(b, fullChain(b)), authOK())
}
