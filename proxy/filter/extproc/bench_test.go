package extproc

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// BenchmarkRoundTrip is one request's whole passage through the external
// filter with the Go or Python example plugin: snapshot and queue on the
// loop, the gRPC call on a worker, the decision applied back on the loop.
// Sequential: the latency of one request.
func BenchmarkRoundTrip(b *testing.B) {
	for _, p := range plugins {
		b.Run(p.name, func(b *testing.B) {
			f := newFixture(b, p.cmd(b), `"timeout": "5s"`)
			f.l.fast = true
			b.ReportAllocs()
			for b.Loop() {
				if o := send(f.l, f.chain, allowReq()).wait(b); !o.proceeded {
					b.Fatalf("%+v", o)
				}
			}
		})
	}
}

// BenchmarkParallel is the throughput of one plugin with requests from
// four loops, 64 in flight at once.
func BenchmarkParallel(b *testing.B) {
	for _, p := range plugins {
		b.Run(p.name, func(b *testing.B) {
			f := newFixture(b, p.cmd(b), `"timeout": "5s"`)
			loops := []*loop{f.l, newLoop(b), newLoop(b), newLoop(b)}
			for _, l := range loops {
				l.fast = true
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(16) // with GOMAXPROCS 4: 64 goroutines
			b.RunParallel(func(pb *testing.PB) {
				l := loops[n.Add(1)%int64(len(loops))]
				for pb.Next() {
					if o := send(l, f.chain, allowReq()).wait(b); !o.proceeded {
						panic(fmt.Sprintf("%+v", o))
					}
				}
			})
		})
	}
}

// BenchmarkOnLoop is what the event loop spends on a request: OnRequest
// up to StopAndWait (snapshot, Poster, queue, timer), with a host that
// does nothing and no worker.
func BenchmarkOnLoop(b *testing.B) {
	x := &external{listener: "edge", cfg: settings{timeout: time.Second}, jobs: make(chan *call, 1)}
	x.calls, x.overflow = nopCounter{}, nopCounter{}
	x.sup = &supervisor{}
	x.sup.cur.Store(&proc{})
	var h filter.Handle
	host := nopHost{}
	req := allowReq()
	b.ReportAllocs()
	for b.Loop() {
		h.Begin(nil, host, req)
		if res := x.OnRequest(&h, req); res != filter.StopAndWait {
			b.Fatal(res)
		}
		<-x.jobs
		h.End()
	}
}

// nopHost is a filter.Host that does nothing.
type nopHost struct{}

func (nopHost) Reply(xprotocol.Status, string)  {}
func (nopHost) Proceed(filter.Phase)            {}
func (nopHost) AfterFunc(time.Duration, func()) {}
func (nopHost) StopTimer()                      {}
func (nopHost) Now() time.Time                  { return time.Time{} }
func (nopHost) Route() (int, string, bool)      { return 0, "", false }
func (nopHost) RemoteAddr() string              { return "192.0.2.7:5555" }
func (nopHost) Poster() func(func())            { return nopPost }
func nopPost(func())                            {}

type nopCounter struct{}

func (nopCounter) Inc() {}
