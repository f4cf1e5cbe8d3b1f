package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// Load balancing end to end (proxy/lb through the real xgate process), for
// a multiplexed cluster (Bolt) and a ping-pong one (HTTP/1.1). The
// round-robin, weighted and random tests send requests one at a time on
// one client connection, which the gateway serves on one event loop, i.e.
// by one picker: the sequences they check are that picker's. (The hash
// tests need no such care: ring and table are shared by every loop.)

// sequence sends n requests one after another and returns who answered
// each.
func sequence(n int, served func() string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = served()
	}
	return out
}

func tally(seq []string) map[string]int {
	m := map[string]int{}
	for _, s := range seq {
		m[s]++
	}
	return m
}

func weightedEndpoints(addrs []string, weights []int) string {
	items := make([]string, len(addrs))
	for i, a := range addrs {
		items[i] = fmt.Sprintf("{address: %s, weight: %d}", a, weights[i])
	}
	return strings.Join(items, ", ")
}

// TestLBPolicies: round_robin splits evenly in strict rotation;
// weighted_round_robin follows endpoint weights, interleaved; random
// reaches every host about equally, not in rotation.
func TestLBPolicies(t *testing.T) {
	names := []string{"a", "b", "c"}
	bb := boltBackends(t, names...)
	hb := httpBackends(t, names...)
	baddrs := []string{bb["a"].Addr(), bb["b"].Addr(), bb["c"].Addr()}
	haddrs := []string{hb["a"].Addr(), hb["b"].Addr(), hb["c"].Addr()}
	weights := []int{1, 2, 5}
	g := startGateway(t, `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - {match: {service: rr.svc}, cluster: b-rr}
      - {match: {service: wrr.svc}, cluster: b-wrr}
      - {match: {service: rand.svc}, cluster: b-rand}
      - {match: {service: rr.local}, cluster: h-rr}
      - {match: {service: wrr.local}, cluster: h-wrr}
      - {match: {service: rand.local}, cluster: h-rand}
clusters:
`+clusterYAML("b-rr", "bolt", "lb: round_robin", baddrs...)+
		fmt.Sprintf("  - {name: b-wrr, protocol: bolt, lb: weighted_round_robin, endpoints: [%s]}\n", weightedEndpoints(baddrs, weights))+
		clusterYAML("b-rand", "bolt", "lb: random", baddrs...)+
		clusterYAML("h-rr", "http1", "lb: round_robin", haddrs...)+
		fmt.Sprintf("  - {name: h-wrr, protocol: http1, lb: weighted_round_robin, endpoints: [%s]}\n", weightedEndpoints(haddrs, weights))+
		clusterYAML("h-rand", "http1", "lb: random", haddrs...))
	bc := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)
	boltVia := func(svc string) func() string {
		return func() string { return boltServedBy(t, bc, svc, "echo") }
	}
	httpVia := func(host string) func() string {
		return func() string { return httpServedBy(t, hc, g, host, "/whoami") }
	}
	protos := []struct {
		name string
		via  func(string) func() string
		rr   string
		wrr  string
		rand string
	}{
		{"bolt", boltVia, "rr.svc", "wrr.svc", "rand.svc"},
		{"http1", httpVia, "rr.local", "wrr.local", "rand.local"},
	}

	for _, p := range protos {
		t.Run("round_robin/"+p.name, func(t *testing.T) {
			const n = 300
			seq := sequence(n, p.via(p.rr))
			assert.Equal(t, map[string]int{"a": n / 3, "b": n / 3, "c": n / 3}, tally(seq))
			for i := 3; i < n; i++ {
				if seq[i] != seq[i-3] || seq[i] == seq[i-1] {
					t.Fatalf("not a strict rotation at %d: %v", i, seq[i-3:i+1])
				}
			}
		})

		t.Run("weighted_round_robin/"+p.name, func(t *testing.T) {
			const n = 400 // 50 rounds of sum(weights) = 8
			seq := sequence(n, p.via(p.wrr))
			got := tally(seq)
			// EDF is deterministic: each host's count is within a pick or
			// two of n·w/8 (a random split would stray by ±20 and more).
			for i, name := range names {
				want := float64(n * weights[i] / 8)
				assert.InDelta(t, want, float64(got[name]), 3, "host %s (weight %d): %v", name, weights[i], got)
			}
			// Interleaved, not in bursts: every window of 8 picks holds each
			// host about its weight times.
			for s := 0; s+8 <= n; s++ {
				win := tally(seq[s : s+8])
				for i, name := range names {
					if d := win[name] - weights[i]; d > 2 || d < -2 {
						t.Fatalf("window at %d: %s picked %d times, weight %d: %v", s, name, win[name], weights[i], seq[s:s+8])
					}
				}
			}
		})

		t.Run("random/"+p.name, func(t *testing.T) {
			const n = 600
			seq := sequence(n, p.via(p.rand))
			got := tally(seq)
			tol := binomialTolerance(n, 1.0/3, 5) // ±58
			for _, name := range names {
				assert.InDelta(t, n/3, got[name], tol, "host %s: %v", name, got)
			}
			// Unlike round robin, the same host comes up twice in a row
			// (each step with probability 1/3).
			repeats := 0
			for i := 1; i < n; i++ {
				if seq[i] == seq[i-1] {
					repeats++
				}
			}
			assert.Positive(t, repeats, "random picks look like a rotation")
			t.Logf("random over %d: %v, %d immediate repeats", n, got, repeats)
		})
	}
}

// TestLBLeastRequest: with one host busy (a request held on it) and the
// other idle, least_request sends new requests to the idle host.
//
// proxy/lb's power of two choices draws the second host at most lrTries =
// 4 times looking for one distinct from the first; with two equal hosts
// all four draws repeat the first with probability 1/16, and that single
// host is then picked whatever its load. So the busy host may take a new
// request with probability 1/32 (not 0); the bound below allows that and
// nothing near round robin's or random's 1/2.
func TestLBLeastRequest(t *testing.T) {
	held := make(chan string, 2)
	holder := func(name string) boltpeer.ServerOptions {
		return boltpeer.ServerOptions{Name: name, Hold: func(content []byte) bool {
			if string(content) == "hold" {
				held <- name
				return true // never answered: the host stays busy
			}
			return false
		}}
	}
	bolts := map[string]*boltpeer.Server{"a": echoServer(t, holder("a")), "b": echoServer(t, holder("b"))}
	hb := httpBackends(t, "a", "b")
	g := startGateway(t, `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - {match: {service: lr.svc}, cluster: b-lr}
      - {match: {service: lr.local}, cluster: h-lr}
clusters:
`+clusterYAML("b-lr", "bolt", "lb: least_request", bolts["a"].Addr(), bolts["b"].Addr())+
		clusterYAML("h-lr", "http1", "lb: least_request", hb["a"].Addr(), hb["b"].Addr()))
	const n = 100
	const pBusy = 1.0 / 32
	maxBusy := int(n*pBusy + binomialTolerance(n, pBusy, 5)) // 11; round robin: 50
	other := map[string]string{"a": "b", "b": "a"}

	t.Run("bolt", func(t *testing.T) {
		c := dialBolt(t, g.addr)
		// Held by the backend, and by the gateway until the cluster's
		// request_timeout (10s): longer than this subtest.
		go func() { _, _ = c.Call(ctxTimeout(t, 30*time.Second), "lr.svc", "echo", []byte("hold")) }()
		var busy string
		select {
		case busy = <-held:
		case <-time.After(10 * time.Second):
			t.Fatal("the held request never reached a backend")
		}
		idle := other[busy]
		before := bolts[busy].Requests()
		seq := sequence(n, func() string { return boltServedBy(t, c, "lr.svc", "echo") })
		got := tally(seq)
		assert.Equal(t, n, got[idle]+got[busy], "%v", got)
		assert.LessOrEqual(t, got[busy], maxBusy, "the busy host %s kept getting requests: %v", busy, got)
		assert.EqualValues(t, got[busy], bolts[busy].Requests()-before)
		t.Logf("least_request, %s busy: %v", busy, got)
	})

	t.Run("http1", func(t *testing.T) {
		// /slow without a delay lasts until its request is cancelled or the
		// gateway gives up (request_timeout 10s), longer than this subtest.
		ctx, cancel := context.WithCancel(context.Background())
		slowDone := make(chan struct{})
		defer func() { cancel(); <-slowDone }()
		go func() {
			defer close(slowDone)
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+g.addr+"/slow", nil)
			req.Host = "lr.local"
			if resp, err := newHTTPClient(t, false).Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}()
		require.Eventually(t, func() bool { return hb["a"].Requests()+hb["b"].Requests() == 1 },
			10*time.Second, 2*time.Millisecond, "the slow request never reached a backend")
		busy := "a"
		if hb["b"].Requests() == 1 {
			busy = "b"
		}
		idle := other[busy]
		c := newHTTPClient(t, false)
		got := tally(sequence(n, func() string { return httpServedBy(t, c, g, "lr.local", "/whoami") }))
		assert.Equal(t, n, got[idle]+got[busy], "%v", got)
		assert.LessOrEqual(t, got[busy], maxBusy, "the busy host %s kept getting requests: %v", busy, got)
		assert.EqualValues(t, 1+got[busy], hb[busy].Requests())
		t.Logf("least_request, %s busy: %v", busy, got)
	})
}

func hashConfig(bolts, https []string) string {
	const extra = "hash_key: {header: x-user}"
	return `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - {match: {service: ring.svc}, cluster: b-ring}
      - {match: {service: maglev.svc}, cluster: b-maglev}
      - {match: {service: ring.local}, cluster: h-ring}
      - {match: {service: maglev.local}, cluster: h-maglev}
clusters:
` + clusterYAML("b-ring", "bolt", "lb: ring_hash, "+extra, bolts...) +
		clusterYAML("b-maglev", "bolt", "lb: maglev, "+extra, bolts...) +
		clusterYAML("h-ring", "http1", "lb: ring_hash, "+extra, https...) +
		clusterYAML("h-maglev", "http1", "lb: maglev, "+extra, https...)
}

// TestLBConsistentHashing: ring_hash and maglev keyed on header x-user. A
// key always reaches the same backend; keys spread over every backend; when
// a backend is removed (reload), the keys of the others mostly stay where
// they were, and the removed one's keys move to them.
func TestLBConsistentHashing(t *testing.T) {
	names := []string{"a", "b", "c"}
	bb := boltBackends(t, names...)
	hb := httpBackends(t, names...)
	baddr := func(ns ...string) []string {
		var out []string
		for _, n := range ns {
			out = append(out, bb[n].Addr())
		}
		return out
	}
	haddr := func(ns ...string) []string {
		var out []string
		for _, n := range ns {
			out = append(out, hb[n].Addr())
		}
		return out
	}
	g := startGateway(t, hashConfig(baddr(names...), haddr(names...)))
	bc := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)

	const nKeys = 200
	keys := make([]string, nKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%03d", i)
	}
	// route sends one request per key (concurrently, in the given order of
	// submission) and returns key -> backend.
	route := func(t *testing.T, target string, order []string) map[string]string {
		isBolt := strings.HasSuffix(target, ".svc")
		out := make(map[string]string, len(order))
		var mu sync.Mutex
		var wg sync.WaitGroup
		jobs := make(chan string)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range jobs {
					var who string
					if isBolt {
						r, err := bc.Do(ctxTimeout(t, 10*time.Second),
							[][2]string{{"service", target}, {"sofa_head_method_name", "echo"}, {"x-user", k}}, []byte(k))
						switch {
						case err != nil:
							who = "error: " + err.Error()
						case r.Status != bolt.StatusSuccess:
							who = fmt.Sprintf("status:%v", r.Status)
						default:
							who = r.Headers["server"]
						}
					} else {
						req, _ := http.NewRequest("GET", "http://"+g.addr+"/whoami", nil)
						req.Host = target
						req.Header.Set("X-User", k)
						resp, err := hc.Do(req)
						if err != nil {
							who = "error: " + err.Error()
						} else {
							_, _ = io.Copy(io.Discard, resp.Body)
							_ = resp.Body.Close()
							who = resp.Header.Get("X-Backend")
							if resp.StatusCode != 200 {
								who = fmt.Sprintf("status:%d", resp.StatusCode)
							}
						}
					}
					mu.Lock()
					out[k] = who
					mu.Unlock()
				}
			}()
		}
		for _, k := range order {
			jobs <- k
		}
		close(jobs)
		wg.Wait()
		return out
	}
	reversed := make([]string, nKeys)
	for i, k := range keys {
		reversed[nKeys-1-i] = k
	}

	targets := []struct{ policy, proto, target string }{
		{"ring_hash", "bolt", "ring.svc"},
		{"maglev", "bolt", "maglev.svc"},
		{"ring_hash", "http1", "ring.local"},
		{"maglev", "http1", "maglev.local"},
	}
	before := map[string]map[string]string{}
	for _, tg := range targets {
		t.Run("sticky and spread/"+tg.policy+"/"+tg.proto, func(t *testing.T) {
			first := route(t, tg.target, keys)
			second := route(t, tg.target, reversed)
			third := route(t, tg.target, keys)
			for _, k := range keys {
				require.Contains(t, names, first[k], "key %s: %s", k, first[k])
				assert.Equal(t, first[k], second[k], "key %s moved between identical requests", k)
				assert.Equal(t, first[k], third[k], "key %s moved between identical requests", k)
			}
			share := map[string]int{}
			for _, k := range keys {
				share[first[k]]++
			}
			for _, n := range names {
				assert.GreaterOrEqual(t, share[n], nKeys/10, "backend %s owns too few keys: %v", n, share)
			}
			t.Logf("%s/%s: keys per backend %v", tg.policy, tg.proto, share)
			before[tg.target] = first
		})
	}
	require.Len(t, before, len(targets))

	// Remove backend c from every cluster and reload.
	g.rewrite(t, hashConfig(baddr("a", "b"), haddr("a", "b")))
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	g.waitLog(t, "configuration reloaded")

	moved := map[string]int{}
	for _, tg := range targets {
		t.Run("backend removed/"+tg.policy+"/"+tg.proto, func(t *testing.T) {
			after := route(t, tg.target, keys)
			again := route(t, tg.target, reversed)
			survivors, stayed := 0, 0
			var movedKeys []string
			for _, k := range keys {
				require.Contains(t, []string{"a", "b"}, after[k], "key %s after the reload", k)
				assert.Equal(t, after[k], again[k], "key %s is not sticky after the reload", k)
				if was := before[tg.target][k]; was != "c" {
					survivors++
					if after[k] == was {
						stayed++
					} else {
						movedKeys = append(movedKeys, k)
					}
				}
			}
			sort.Strings(movedKeys)
			moved[tg.target] = len(movedKeys)
			t.Logf("%s/%s: %d of %d keys of the remaining backends moved (%.1f%%)", tg.policy, tg.proto,
				len(movedKeys), survivors, 100*float64(len(movedKeys))/float64(survivors))
			// Bounds, from simulating proxy/lb with these 200 keys over 10000
			// random port triples: maglev moves at most 6.9% of the
			// survivors' keys (median 0); ring_hash rebuilt without the
			// previous table (what a reload does, see the subtest below)
			// at most 28% (median 12%). Hashing modulo the host count would
			// move half of them. (Fewest keys on one host: 39, so the
			// spread bound above, 20, holds as well.)
			limit := 0.10
			if tg.policy == "ring_hash" {
				limit = 0.35
			}
			assert.LessOrEqual(t, float64(len(movedKeys)), limit*float64(survivors),
				"too many keys of the remaining backends moved: %v", movedKeys)
		})
	}

	// proxy/config (RingHash: "keeps its scale across host changes while it
	// stays within the bounds, so a host leaving moves only its own keys"):
	// a reload builds the cluster anew from the table it replaces.
	t.Run("ring_hash: a host leaving moves only its own keys", func(t *testing.T) {
		assert.Zero(t, moved["ring.svc"])
		assert.Zero(t, moved["ring.local"])
	})
}
