package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// xgateFastBin is the gateway built without the race detector, for
// benchmarks (sync.Pool drops items at random under -race).
var (
	xgateFastOnce sync.Once
	xgateFastBin  string
	xgateFastErr  error
)

func fastGateway(b *testing.B, cfg string) *gateway {
	xgateFastOnce.Do(func() {
		xgateFastBin = filepath.Join(filepath.Dir(xgateBin), "xgate-fast")
		xgateFastErr = exec.Command("go", "build", "-o", xgateFastBin, ".").Run()
	})
	require.NoError(b, xgateFastErr)
	saved := xgateBin
	xgateBin = xgateFastBin
	defer func() { xgateBin = saved }()
	return startGateway(b, cfg)
}

// loadBolt sends n requests over conns connections with inflight calls in
// flight on each, and returns when all are answered.
func loadBolt(b *testing.B, addr string, n, conns, inflight int) {
	var left atomic.Int64
	left.Store(int64(n))
	payload := make([]byte, 128)
	var wg sync.WaitGroup
	for range conns {
		c, err := boltpeer.Dial(addr, 2*time.Second)
		require.NoError(b, err)
		defer c.Close()
		for range inflight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					if _, err := c.Call(context.Background(), "com.example.EchoService", "echo", payload); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
}

var loadShapes = []struct {
	name            string
	conns, inflight int
}{{"1x1", 1, 1}, {"8x64", 8, 64}}

// BenchmarkBoltDirect and BenchmarkBoltThroughGateway measure 128-byte Bolt
// echo calls (client, gateway and server on this machine) at 1 connection x
// 1 in flight and 8 connections x 64 in flight; ns/op is wall time per
// call. The gateway one also reports the gateway process's heap
// allocations per proxied request, from its own go_memstats_mallocs_total
// (which includes one /metrics scrape).
func BenchmarkBoltDirect(b *testing.B) {
	s := echoServer(b, boltpeer.ServerOptions{Name: "a"})
	for _, shape := range loadShapes {
		b.Run(shape.name, func(b *testing.B) {
			loadBolt(b, s.Addr(), b.N, shape.conns, shape.inflight)
		})
	}
}

func BenchmarkBoltThroughGateway(b *testing.B) {
	s := echoServer(b, boltpeer.ServerOptions{Name: "a"})
	g := fastGateway(b, boltConfig("5s", s.Addr()))
	loadBolt(b, g.addr, 10000, 8, 64) // warm the pools
	for _, shape := range loadShapes {
		b.Run(shape.name, func(b *testing.B) {
			before := g.metric("go_memstats_mallocs_total")
			b.ResetTimer()
			loadBolt(b, g.addr, b.N, shape.conns, shape.inflight)
			b.StopTimer()
			after := g.metric("go_memstats_mallocs_total")
			b.ReportMetric((after-before)/float64(b.N), "gw-allocs/op")
		})
	}
}
