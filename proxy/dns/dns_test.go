package dns

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/internal/clock"
)

const wait = 5 * time.Second // bound on waiting for an event, never a delay

// fakeResolver answers from a table; no DNS traffic.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	errs    map[string]error
	calls   map[string]int
	block   chan struct{} // when set, lookups wait for it or ctx
}

func newFake() *fakeResolver {
	return &fakeResolver{answers: map[string][]string{}, errs: map[string]error{}, calls: map[string]int{}}
}

func (f *fakeResolver) set(host string, ips ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[host] = ips
	delete(f.errs, host)
}

func (f *fakeResolver) fail(host string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[host] = err
}

func (f *fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	f.mu.Lock()
	f.calls[host]++
	block := f.block
	ips, err := f.answers[host], f.errs[host]
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	if ips == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return ips, nil
}

func TestRefresh(t *testing.T) {
	r := newFake()
	r.set("api.internal", "10.0.0.2", "10.0.0.1", "10.0.0.2")
	r.set("v6.internal", "fd00::1")
	var changes [][]string
	w, err := New(Config{
		Endpoints:   []string{"api.internal:8080", "v6.internal:8080", "192.0.2.7:9000", "api.internal:8081"},
		RefreshRate: time.Second, Resolver: r,
		OnChange: func(a []string) { changes = append(changes, a) },
	})
	require.NoError(t, err)
	assert.Empty(t, w.Addresses())
	require.NoError(t, w.Refresh(context.Background()))
	want := []string{"10.0.0.1:8080", "10.0.0.1:8081", "10.0.0.2:8080", "10.0.0.2:8081", "192.0.2.7:9000", "[fd00::1]:8080"}
	assert.Equal(t, want, w.Addresses())
	assert.Equal(t, 1, r.calls["api.internal"], "a name used twice is resolved once per round")
	assert.Zero(t, r.calls["192.0.2.7"], "IP literals are not resolved")

	require.NoError(t, w.Refresh(context.Background()))
	assert.Len(t, changes, 1, "no change, no callback")

	r.set("api.internal", "10.0.0.3")
	require.NoError(t, w.Refresh(context.Background()))
	assert.Equal(t, []string{"10.0.0.3:8080", "10.0.0.3:8081", "192.0.2.7:9000", "[fd00::1]:8080"}, w.Addresses())
	require.Len(t, changes, 2)
	assert.Equal(t, w.Addresses(), changes[1])
}

func TestErrorsKeepLastGoodSet(t *testing.T) {
	r := newFake()
	r.set("a.internal", "10.0.0.1")
	r.set("b.internal", "10.0.1.1")
	var failed []string
	w, err := New(Config{Endpoints: []string{"a.internal:1", "b.internal:2"}, RefreshRate: time.Second, Resolver: r,
		OnError: func(host string, _ error) { failed = append(failed, host) }})
	require.NoError(t, err)
	require.NoError(t, w.Refresh(context.Background()))

	r.fail("a.internal", errors.New("SERVFAIL"))
	r.set("b.internal", "10.0.1.2")
	err = w.Refresh(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "resolving a.internal: SERVFAIL")
	assert.Equal(t, []string{"10.0.0.1:1", "10.0.1.2:2"}, w.Addresses(), "a keeps its last answer, b moves on")
	assert.Equal(t, []string{"a.internal"}, failed)

	r.set("a.internal") // an empty answer is not trusted either
	assert.ErrorContains(t, w.Refresh(context.Background()), "no such host")
	r.mu.Lock()
	r.answers["a.internal"] = []string{"not-an-ip"}
	r.mu.Unlock()
	assert.ErrorContains(t, w.Refresh(context.Background()), "no addresses")
	assert.Equal(t, []string{"10.0.0.1:1", "10.0.1.2:2"}, w.Addresses())

	r.set("a.internal", "10.0.0.9")
	require.NoError(t, w.Refresh(context.Background()))
	assert.Equal(t, []string{"10.0.0.9:1", "10.0.1.2:2"}, w.Addresses())
}

func TestFirstResolutionFails(t *testing.T) {
	r := newFake()
	w, err := New(Config{Endpoints: []string{"nowhere.internal:1"}, RefreshRate: time.Second, Resolver: r})
	require.NoError(t, err)
	assert.Error(t, w.Refresh(context.Background()))
	assert.Empty(t, w.Addresses(), "nothing good yet")
}

func TestNewRejects(t *testing.T) {
	_, err := New(Config{Endpoints: []string{"a:1"}})
	assert.Error(t, err)
	_, err = New(Config{Endpoints: []string{"no-port"}, RefreshRate: time.Second})
	assert.Error(t, err)
	w, err := New(Config{Endpoints: []string{"a:1"}, RefreshRate: time.Second})
	require.NoError(t, err)
	assert.Equal(t, net.DefaultResolver, w.cfg.Resolver, "the default resolver (not used here)")
}

func TestLoopOnFakeClock(t *testing.T) {
	r := newFake()
	r.set("svc.internal", "10.0.0.1")
	fake := clock.NewFake(time.Unix(0, 0))
	changes := make(chan []string, 4)
	w, err := New(Config{Endpoints: []string{"svc.internal:80"}, RefreshRate: 30 * time.Second, Resolver: r, Clock: fake,
		OnChange: func(a []string) { changes <- a }})
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	next := func() []string {
		t.Helper()
		select {
		case a := <-changes:
			return a
		case <-time.After(wait):
			t.Fatal("no change published")
			return nil
		}
	}
	w.Start()
	assert.Equal(t, []string{"10.0.0.1:80"}, next(), "resolved at Start")
	require.True(t, fake.WaitTickers(1, nil))

	r.set("svc.internal", "10.0.0.1", "10.0.0.2")
	fake.Advance(30 * time.Second)
	assert.Equal(t, []string{"10.0.0.1:80", "10.0.0.2:80"}, next())
	assert.Equal(t, []string{"10.0.0.1:80", "10.0.0.2:80"}, w.Addresses())

	w.Stop()
	w.Stop()
	assert.Zero(t, fake.Tickers())
}

func TestStopCancelsLookup(t *testing.T) {
	r := newFake()
	r.block = make(chan struct{}) // never released: lookups hang until cancelled
	var errs int
	w, err := New(Config{Endpoints: []string{"slow.internal:80"}, RefreshRate: time.Hour, Resolver: r,
		OnError: func(string, error) { errs++ }})
	require.NoError(t, err)
	w.Start()
	stopped := make(chan struct{})
	go func() { w.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(wait):
		t.Fatal("Stop did not cancel the lookup")
	}
	assert.Zero(t, errs, "a cancelled lookup is not reported as a DNS error")
}

func TestStopWithoutStart(t *testing.T) {
	w, err := New(Config{Endpoints: []string{"a:1"}, RefreshRate: time.Second, Resolver: newFake()})
	require.NoError(t, err)
	w.Stop()
	w.Start()
	w.Stop()
}
