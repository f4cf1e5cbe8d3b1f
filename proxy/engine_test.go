package proxy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/lb"
	"github.com/xgate/xgate/xprotocol"
)

// narrowProto is Bolt with a 3-bit stream id, to exercise wrap-around.
type narrowProto struct{ bolt.Protocol }

func (narrowProto) MaxStreamID() uint64 { return 7 }

func TestStreamIDsWrapWithinProtocolWidth(t *testing.T) {
	u := &upstream{hp: &hostPool{proto: narrowProto{}}, inflight: map[uint64]*pending{}}
	var got []uint64
	for range 7 {
		id := u.allocID()
		got = append(got, id)
		u.inflight[id] = &pending{}
	}
	assert.Equal(t, []uint64{1, 2, 3, 4, 5, 6, 7}, got)
	assert.Zero(t, u.allocID(), "every id is in flight: none may be handed out twice")

	// Free 2 and 5: allocation wraps past the maximum and skips busy ids,
	// never producing 0 or an id above the protocol's width.
	delete(u.inflight, 2)
	delete(u.inflight, 5)
	a := u.allocID()
	u.inflight[a] = &pending{}
	b := u.allocID()
	u.inflight[b] = &pending{}
	assert.Equal(t, []uint64{2, 5}, []uint64{a, b})
	assert.Zero(t, u.allocID())
}

func TestStreamIDsBoltWidth(t *testing.T) {
	// MOSN #2403: a 64-bit counter truncated to Bolt's 32 bits stopped
	// matching after wrap-around. Ours wraps inside 32 bits.
	u := &upstream{hp: &hostPool{proto: bolt.Proto}, inflight: map[uint64]*pending{}}
	u.nextID = 1<<32 - 2
	assert.EqualValues(t, 1<<32-1, u.allocID())
	assert.EqualValues(t, 1, u.allocID())
	f := bolt.NewRequest(1, "c", nil, nil, 0)
	defer f.Release()
	f.SetStreamID(1<<32 - 1)
	assert.EqualValues(t, uint32(1<<32-1), f.RequestID())
}

func newTestMetrics() *metrics { return newMetrics() }

// pickN picks n hosts of cl the way a request does, through a loop's
// load-balancing state, and counts them by address.
func pickN(t *testing.T, cl *cluster, n int, now int64) map[string]int {
	t.Helper()
	set := cl.set.Load()
	pk := set.table.NewPicker(1)
	count := map[string]int{}
	for range n {
		i := pk.Pick(lb.Context{Now: now})
		require.GreaterOrEqual(t, i, 0)
		count[set.hosts[i].addr]++
	}
	return count
}

func TestClusterPickSkipsEjectedHosts(t *testing.T) {
	cc := config.DefaultCluster()
	cc.Name, cc.Endpoints = "c", []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}
	cl, err := newCluster(0, cc, newTestMetrics())
	require.NoError(t, err)
	now := time.Now().UnixNano()
	count := pickN(t, cl, 30, now)
	assert.Equal(t, map[string]int{"127.0.0.1:1": 10, "127.0.0.1:2": 10, "127.0.0.1:3": 10}, count)

	cl.set.Load().hosts[1].markFailure(now)
	count = pickN(t, cl, 30, now)
	assert.Zero(t, count["127.0.0.1:2"], "ejected host was picked")
	assert.Equal(t, 30, count["127.0.0.1:1"]+count["127.0.0.1:3"])

	// The ejection lasts a backoff that doubles per consecutive failure.
	assert.True(t, cl.set.Load().hosts[1].healthy(now+int64(ejectBase)))
	cl.set.Load().hosts[1].markFailure(now)
	assert.False(t, cl.set.Load().hosts[1].healthy(now+int64(ejectBase)))
	assert.True(t, cl.set.Load().hosts[1].healthy(now+int64(2*ejectBase)))
	for range 40 {
		cl.set.Load().hosts[1].markFailure(now)
	}
	assert.False(t, cl.set.Load().hosts[1].healthy(now+int64(ejectMax)-1))
	assert.True(t, cl.set.Load().hosts[1].healthy(now+int64(ejectMax)))
	cl.set.Load().hosts[1].markSuccess()
	assert.True(t, cl.set.Load().hosts[1].healthy(now))

	// Every host ejected: still pick one (the dial reports the failure).
	for _, h := range cl.set.Load().hosts {
		h.markFailure(now)
	}
	assert.Len(t, pickN(t, cl, 3, now), 3)
}

func TestClusterRandomCoversHosts(t *testing.T) {
	cc := config.DefaultCluster()
	cc.Name, cc.LB, cc.Endpoints = "c", config.LBRandom, []string{"a:1", "b:1", "c:1", "d:1"}
	cl, err := newCluster(0, cc, newTestMetrics())
	require.NoError(t, err)
	count := pickN(t, cl, 4000, 0)
	require.Len(t, count, 4)
	for addr, n := range count {
		// Binomial(4000, 1/4): mean 1000, sd ~27; 800..1200 is > 7 sd.
		assert.InDelta(t, 1000, n, 200, addr)
	}
}

var _ xprotocol.Protocol = narrowProto{}
