package filter

import (
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// LocalRateLimit is the name of the token-bucket rate limiter.
//
// Settings:
//
//	max_tokens: 1000       # required; bucket size and initial fill, 1..16777215
//	tokens_per_fill: 100   # tokens added per interval; default 1 (as Envoy), 1..max_tokens
//	fill_interval: 100ms   # required; 1ms..24h
//
// A request that finds the bucket empty gets the protocol's overload reply
// (HTTP 503 with Retry-After, gRPC RESOURCE_EXHAUSTED, Bolt/Dubbo server
// busy, Thrift TApplicationException) and counts event "limited". It runs
// before routing.
//
// The bucket is one per listener and filter, shared by all event loops
// without a lock: its state (fill tick and tokens) is one 64-bit word
// updated by compare-and-swap, so the listener's budget is exact whatever
// the number of loops. Tokens are added lazily, in whole intervals since
// the bucket was built, when a request looks at the bucket; each loop
// passes its own (cached) clock, and a clock a little behind another's
// simply adds nothing.
const LocalRateLimit = "local_rate_limit"

const (
	tokenBits   = 24
	tokenMask   = 1<<tokenBits - 1
	tickMask    = 1<<(64-tokenBits) - 1
	maxTokens   = tokenMask
	minInterval = time.Millisecond
	maxInterval = 24 * time.Hour
)

type rateLimitConfig struct {
	maxTokens, perFill int
	interval           time.Duration
}

func parseRateLimit(s *Settings) rateLimitConfig {
	c := rateLimitConfig{
		maxTokens: s.Int("max_tokens", 0, 1, maxTokens),
		interval:  s.Duration("fill_interval", 0, minInterval, maxInterval),
	}
	if !s.Has("max_tokens") {
		s.Fail("max_tokens", "is required (the bucket size, 1..%d)", maxTokens)
	}
	if !s.Has("fill_interval") {
		s.Fail("fill_interval", `is required (how often tokens_per_fill tokens are added, e.g. "1s")`)
	}
	hi := max(c.maxTokens, 1)
	c.perFill = s.Int("tokens_per_fill", 1, 1, hi)
	return c
}

func buildRateLimit(c rateLimitConfig, env Env) (Factory, error) {
	r := &rateLimit{limited: env.Counter("limited")}
	r.b.init(env.now(), c.interval, c.maxTokens, c.perFill)
	return Shared(r), nil
}

type rateLimit struct {
	b       bucket
	limited Counter
}

func (r *rateLimit) OnRequest(h *Handle, _ xprotocol.Frame) Result {
	if r.b.take(h.Now()) {
		return Continue
	}
	r.limited.Inc()
	h.Reply(xprotocol.StatusOverload, "local rate limit exceeded")
	return Stop
}

// bucket is a lock-free token bucket: state holds the tick (whole fill
// intervals since epoch, modulo 2^40) of the last fill in its high 40
// bits and the tokens left in its low 24.
type bucket struct {
	state    atomic.Uint64
	epoch    int64 // UnixNano
	interval int64
	max      uint64
	perFill  uint64
}

func (b *bucket) init(epoch time.Time, interval time.Duration, maxTok, perFill int) {
	b.epoch, b.interval = epoch.UnixNano(), int64(interval)
	b.max, b.perFill = uint64(maxTok), uint64(perFill)
	b.state.Store(b.max) // tick 0, full
}

// take removes one token at time now and reports whether there was one.
func (b *bucket) take(now time.Time) bool {
	var tick uint64
	if d := now.UnixNano() - b.epoch; d > 0 {
		tick = uint64(d/b.interval) & tickMask
	}
	for {
		old := b.state.Load()
		last, tokens := old>>tokenBits, old&tokenMask
		// delta is how many intervals passed since the last fill; a
		// "negative" one (this loop's clock is behind) adds nothing.
		if delta := (tick - last) & tickMask; delta != 0 && delta < tickMask/2 {
			if delta >= b.max {
				tokens = b.max
			} else {
				tokens = min(b.max, tokens+delta*b.perFill)
			}
			last = tick
		}
		if tokens == 0 {
			return false
		}
		if b.state.CompareAndSwap(old, last<<tokenBits|(tokens-1)) {
			return true
		}
	}
}
