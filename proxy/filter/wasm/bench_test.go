package wasm

import (
	"runtime"
	"testing"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// benchRoundTrip runs one request (and its response) through the chain
// per iteration: on_request and on_response of the example filter.
func benchRoundTrip(b *testing.B, c *filter.Chain, key string) {
	e := newEngine(c)
	req := request("http1", map[xprotocol.Key]string{xprotocol.KeyMethod: "GET"}, "x-api-key", key)
	resp := response(xprotocol.StatusOK, "")
	b.ReportAllocs()
	for b.Loop() {
		req.hdr.Set("x-api-key", key)
		e.roundTrip(req, resp)
	}
}

// BenchmarkAPIKey is the per-request cost of the example filter with a
// pooled instance (pool_size 1, one loop): two calls when accepted
// (on_request, on_response), one when denied.
func BenchmarkAPIKey(b *testing.B) {
	c := apikeyChain(b, map[string]any{"pool_size": 1})
	b.Run("accepted", func(b *testing.B) { benchRoundTrip(b, c, "k1") })
	b.Run("denied", func(b *testing.B) { benchRoundTrip(b, c, "nope") })
}

// BenchmarkAPIKeyPerCallInstance is the same with an instance made for
// every call (pool_size 0): the price of full isolation.
func BenchmarkAPIKeyPerCallInstance(b *testing.B) {
	c := apikeyChain(b, map[string]any{"pool_size": 0, "timeout": "10s"})
	b.Run("denied", func(b *testing.B) { benchRoundTrip(b, c, "nope") })
}

// BenchmarkAPIKeyParallel is every P running requests through one
// listener's filter (the pool's lock shared), pool_size GOMAXPROCS.
func BenchmarkAPIKeyParallel(b *testing.B) {
	c := apikeyChain(b, map[string]any{"pool_size": runtime.GOMAXPROCS(0)})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		e := newEngine(c)
		req := request("http1", map[xprotocol.Key]string{xprotocol.KeyMethod: "GET"}, "x-api-key", "k1")
		resp := response(xprotocol.StatusOK, "")
		for pb.Next() {
			req.hdr.Set("x-api-key", "k1")
			e.roundTrip(req, resp)
		}
	})
}

// BenchmarkEmptyCall is the host's fixed cost of one call: a module
// whose on_request returns 0 at once.
func BenchmarkEmptyCall(b *testing.B) {
	c := mustChain(b, map[string]any{"path": writeModule(b, assemble(1, fn{"on_request", returnZero})), "pool_size": 1}, filter.Env{})
	e := newEngine(c)
	req := request("http1", nil)
	b.ReportAllocs()
	for b.Loop() {
		e.roundTrip(req, nil)
	}
}
