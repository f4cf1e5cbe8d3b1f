package lb

import (
	"testing"
)

// BenchmarkPick measures one pick per policy over 100 hosts of mixed
// weights, all healthy, with and without a subset.
func BenchmarkPick(b *testing.B) {
	weights := make([]uint32, 100)
	for i := range weights {
		weights[i] = uint32(1 + i%4)
	}
	for _, pol := range allPolicies {
		ths, hs := newHosts(0, weights...)
		for i, h := range ths {
			h.md = map[string]string{"zone": []string{"a", "b", "c"}[i%3]}
		}
		tb := mustBuild(b, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}}, nil)
		for _, sub := range []struct {
			name string
			vals []string
		}{{"all", nil}, {"subset", []string{"b"}}} {
			b.Run(pol.String()+"/"+sub.name, func(b *testing.B) {
				p := tb.NewPicker(1)
				h := uint64(0)
				b.ReportAllocs()
				for b.Loop() {
					h += 0x9e3779b97f4a7c15
					p.Pick(Context{Hash: h, HasHash: true, Subset: sub.vals})
				}
			})
		}
	}
}

// BenchmarkPickUnhealthy: a tenth of the hosts unhealthy.
func BenchmarkPickUnhealthy(b *testing.B) {
	for _, pol := range allPolicies {
		ths, hs := newHosts(100)
		for i := 0; i < 100; i += 10 {
			ths[i].down.Store(true)
		}
		tb := mustBuild(b, hs, Config{Policy: pol}, nil)
		b.Run(pol.String(), func(b *testing.B) {
			p := tb.NewPicker(1)
			h := uint64(0)
			b.ReportAllocs()
			for b.Loop() {
				h += 0x9e3779b97f4a7c15
				p.Pick(Context{Hash: h, HasHash: true})
			}
		})
	}
}

// BenchmarkBuild measures building a table of 100 hosts.
func BenchmarkBuild(b *testing.B) {
	_, hs := newHosts(100)
	for _, pol := range allPolicies {
		b.Run(pol.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(hs, Config{Policy: pol}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
