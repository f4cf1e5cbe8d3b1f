package zoneaffinity_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/route/internal/fake"
	"github.com/xgate/xgate/proxy/route/zoneaffinity"
)

func host(addr, zone string, up bool) *fake.Host {
	meta := map[string]string{}
	if zone != "" {
		meta["zone"] = zone
	}
	return &fake.Host{Addr: addr, Meta: meta, Up: up}
}

func addrs(hs []route.Host) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, h.Address())
	}
	return out
}

func run(t *testing.T, h route.Handler, f *fake.Frame, hosts []route.Host) ([]string, string) {
	t.Helper()
	var md route.Metadata
	got := h.Handle(f, hosts, nil, &md)
	outcome, _ := md.Get(zoneaffinity.Name)
	return addrs(got), outcome
}

func TestHandle(t *testing.T) {
	hosts := []route.Host{
		host("a1:1", "az1", true),
		host("a2:1", "az1", false),
		host("b1:1", "az2", true),
		host("c1:1", "", true),
		host("a3:1", "az1", true),
	}
	down := []route.Host{host("a1:1", "az1", false), host("b1:1", "az2", false)}
	tests := []struct {
		name    string
		config  string
		frame   *fake.Frame
		hosts   []route.Host
		want    []string
		outcome string
	}{
		{"header zone", "", &fake.Frame{Headers: fake.H("x-zone", "az2")}, hosts, []string{"b1:1"}, zoneaffinity.OutcomeZone},
		{"header zone skips unhealthy hosts", "", &fake.Frame{Headers: fake.H("x-zone", "az1")}, hosts, []string{"a1:1", "a3:1"}, zoneaffinity.OutcomeZone},
		{"header wins over local zone", `{"local_zone": "az1"}`, &fake.Frame{Headers: fake.H("x-zone", "az2")}, hosts, []string{"b1:1"}, zoneaffinity.OutcomeZone},
		{"local zone without header", `{"local_zone": "az1"}`, &fake.Frame{}, hosts, []string{"a1:1", "a3:1"}, zoneaffinity.OutcomeZone},
		{"empty header: local zone", `{"local_zone": "az2"}`, &fake.Frame{Headers: fake.H("x-zone", "")}, hosts, []string{"b1:1"}, zoneaffinity.OutcomeZone},
		{"no zone known: all hosts", "", &fake.Frame{}, hosts, []string{"a1:1", "a2:1", "b1:1", "c1:1", "a3:1"}, zoneaffinity.OutcomeOff},
		{"zone without hosts: all healthy", "", &fake.Frame{Headers: fake.H("x-zone", "az9")}, hosts, []string{"a1:1", "b1:1", "c1:1", "a3:1"}, zoneaffinity.OutcomeFallback},
		{"none healthy: all hosts", "", &fake.Frame{Headers: fake.H("x-zone", "az1")}, down, []string{"a1:1", "b1:1"}, zoneaffinity.OutcomeFallback},
		{"custom header and metadata key", `{"header": "zone-hint", "metadata_key": "rack"}`,
			&fake.Frame{Headers: fake.H("zone-hint", "r2", "x-zone", "az1")},
			[]route.Host{&fake.Host{Addr: "r1:1", Meta: map[string]string{"rack": "r1"}, Up: true}, &fake.Host{Addr: "r2:1", Meta: map[string]string{"rack": "r2"}, Up: true}},
			[]string{"r2:1"}, zoneaffinity.OutcomeZone},
		{"no hosts", "", &fake.Frame{Headers: fake.H("x-zone", "az1")}, nil, []string{}, zoneaffinity.OutcomeFallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := zoneaffinity.New().NewHandler([]byte(tt.config))
			require.NoError(t, err)
			got, outcome := run(t, h, tt.frame, tt.hosts)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.outcome, outcome)
		})
	}
}

func TestConfig(t *testing.T) {
	f := zoneaffinity.New()
	assert.Equal(t, zoneaffinity.Name, f.Name())
	assert.Equal(t, zoneaffinity.Order, f.Order())
	for _, ok := range []string{"", "null", " {} ", `{"local_zone": "az1", "header": "h", "metadata_key": "k"}`} {
		_, err := f.NewHandler([]byte(ok))
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"{", `{"zone": "az1"}`, `{"local_zone": 1}`, `{} {}`, "[]"} {
		_, err := f.NewHandler([]byte(bad))
		assert.Error(t, err, bad)
	}

	require.NoError(t, f.Configure([]byte(`{"local_zone": "az2"}`)))
	assert.Equal(t, zoneaffinity.Dynamic{LocalZone: "az2"}, f.Live())
	err := f.Configure([]byte(`{"local_zone": "az3", "typo": 1}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "zone_affinity: dynamic configuration")
	assert.Equal(t, zoneaffinity.Dynamic{LocalZone: "az2"}, f.Live(), "a refused configuration changes nothing")
	require.NoError(t, f.Configure(nil))
	assert.Equal(t, zoneaffinity.Dynamic{}, f.Live())
}

func TestDynamicConfiguration(t *testing.T) {
	f := zoneaffinity.New()
	h, err := f.NewHandler([]byte(`{"local_zone": "az1"}`))
	require.NoError(t, err)
	hosts := []route.Host{host("a:1", "az1", true), host("b:1", "az2", true)}
	frame := &fake.Frame{}

	got, _ := run(t, h, frame, hosts)
	assert.Equal(t, []string{"a:1"}, got, "static local zone")
	require.NoError(t, f.Configure([]byte(`{"local_zone": "az2"}`)))
	got, _ = run(t, h, frame, hosts)
	assert.Equal(t, []string{"b:1"}, got, "pushed local zone overrides the route's")
	require.NoError(t, f.Configure([]byte(`{"disabled": true}`)))
	got, outcome := run(t, h, &fake.Frame{Headers: fake.H("x-zone", "az1")}, hosts)
	assert.Equal(t, []string{"a:1", "b:1"}, got, "disabled")
	assert.Equal(t, zoneaffinity.OutcomeOff, outcome)
	require.NoError(t, f.Configure([]byte(`{}`)))
	got, _ = run(t, h, frame, hosts)
	assert.Equal(t, []string{"a:1"}, got, "back to the static configuration")
}

// TestConcurrentReconfiguration runs requests on several goroutines (event
// loops) while the local zone is pushed again and again: under -race this
// proves Configure and Handle share nothing unsynchronised, and every
// answer is one a whole configuration gives (never a mix).
func TestConcurrentReconfiguration(t *testing.T) {
	f := zoneaffinity.New()
	reg := route.NewRegistry()
	require.NoError(t, reg.Register(f))
	h, err := f.NewHandler(nil)
	require.NoError(t, err)

	const zones = 4
	var hosts []route.Host
	for z := range zones {
		for i := range 3 {
			hosts = append(hosts, host(fmt.Sprintf("z%d-%d:1", z, i), fmt.Sprintf("az%d", z), true))
		}
	}
	frame := (&fake.Frame{Proto: "rpc"}).Intern()

	var stop atomic.Bool
	var pushes atomic.Int64
	var pusher sync.WaitGroup
	pusher.Add(1)
	go func() {
		defer pusher.Done()
		for i := 0; !stop.Load(); i++ {
			raw := fmt.Sprintf(`{"local_zone": "az%d"}`, i%zones)
			if i%7 == 6 {
				raw = `{"disabled": true}`
			}
			if err := reg.Configure(zoneaffinity.Name, []byte(raw)); err != nil {
				t.Error(err)
				return
			}
			pushes.Add(1)
		}
	}()
	var wg sync.WaitGroup
	const workers, requests = 4, 3000
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s route.Selection
			dst := make([]route.Host, 0, len(hosts))
			// Run until both enough requests and enough pushes happened,
			// so that reconfiguration surely overlapped requests.
			for i := 0; i < requests || pushes.Load() < 100; i++ {
				s.Metadata.Reset()
				got := h.Handle(frame, hosts, dst[:0], &s.Metadata)
				outcome, _ := s.Metadata.Get(zoneaffinity.Name)
				switch outcome {
				case zoneaffinity.OutcomeOff:
					if len(got) != len(hosts) {
						t.Errorf("off: %d hosts", len(got))
						return
					}
				case zoneaffinity.OutcomeZone:
					zone := got[0].Metadata()["zone"]
					if len(got) != 3 {
						t.Errorf("zone %s: %d hosts", zone, len(got))
						return
					}
					for _, g := range got {
						if g.Metadata()["zone"] != zone {
							t.Errorf("mixed zones: %v", addrs(got))
							return
						}
					}
				default: // every zone has healthy hosts: never a fallback
					t.Errorf("outcome %q", outcome)
					return
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	pusher.Wait()
	assert.GreaterOrEqual(t, pushes.Load(), int64(100))
}
