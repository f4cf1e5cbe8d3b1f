package zoneaffinity_test

import (
	"fmt"
	"testing"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/route/internal/fake"
	"github.com/xgate/xgate/proxy/route/zoneaffinity"
)

// BenchmarkHandle is the per-request cost of a route plugin: zone_affinity
// narrowing 12 hosts in 3 zones to the request's zone, with buffers reused
// as the engine reuses its per-loop Selection.
func BenchmarkHandle(b *testing.B) {
	h, err := zoneaffinity.New().NewHandler([]byte(`{"local_zone": "az1"}`))
	if err != nil {
		b.Fatal(err)
	}
	var hosts []route.Host
	for i := range 12 {
		hosts = append(hosts, host(fmt.Sprintf("h%d:1", i), fmt.Sprintf("az%d", i%3), true))
	}
	f := &fake.Frame{Headers: fake.H("x-zone", "az2")}
	dst := make([]route.Host, 0, len(hosts))
	var md route.Metadata
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		md.Reset()
		if got := h.Handle(f, hosts, dst[:0], &md); len(got) != 4 {
			b.Fatalf("got %d hosts, want 4", len(got))
		}
	}
}
