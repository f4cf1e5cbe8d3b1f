package proxy

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

// Observability series beyond the engine's event counters (metrics.go):
// per listener and protocol, per route and per upstream host. Every series
// a request touches is resolved to its label values once, when the
// listener, route table or host is built, so the forward path only adds
// to counters and observes histograms (no label lookup, no allocation),
// and its timestamps come from the loop's cached clock (Loop.Now).
//
// The series a request touches are not shared Prometheus counters (their
// atomic adds, contended by every event loop, cost ~13 % of the CPU): each
// label set is a shardSet, whose counters and histogram buckets every
// event loop keeps in a block of its own, added to with plain writes by
// that loop alone. The loop publishes its blocks (atomic stores, read by
// scrapes) when a scrape asks it to, so a scrape sees every request
// counted before it; obsCollector sums the published blocks. A loop finds
// its blocks through long-lived per-loop records: the loop's state
// (loopObs), its host pools (poolObs), its client connections (protoStats)
// and its requests in flight (reqObs).
//
// Per-host series are deleted when the host leaves its cluster (a DNS
// refresh or a reload), so their number follows the hosts configured now.
// Point-in-time host state (connections and requests in flight, health)
// is read at scrape time by clusterCollector from the live host sets.

// latencyBounds are the latency histograms' bucket bounds: 100µs to 10s,
// about three per decade; latencyBuckets are the same in seconds.
var latencyBounds = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

var latencyBuckets = func() []float64 {
	b := make([]float64, len(latencyBounds))
	for i, d := range latencyBounds {
		b[i] = d.Seconds()
	}
	return b
}()

// Block layouts: the counters of one label set, in one loop's block.
const (
	nStatus = int(xprotocol.StatusUnknown) + 1
	// A histogram: a count per bucket (the last one above every bound),
	// then the sum of the observations in nanoseconds.
	histBuckets = len(latencyBounds) + 1
	histWords   = histBuckets + 1

	// listener: requests in flight.
	lsActive = 0
	lsWords  = 1
	// listener and protocol.
	psRequests  = 0
	psRx        = 1
	psTx        = 2
	psResponses = 3
	psWords     = psResponses + nStatus
	// route sending to a cluster, and upstream host: requests, responses
	// by status, latency.
	rhRequests  = 0
	rhResponses = 1
	rhDuration  = rhResponses + nStatus
	rhWords     = rhDuration + histWords
	// cluster: bytes, responses by status.
	clRx        = 0
	clTx        = 1
	clResponses = 2
	clWords     = clResponses + nStatus
	// listener and cluster: requests routed.
	lcWords = 1
)

// status adds one to the counter of status s among those at off.
func (c cells) status(off int, s xprotocol.Status) {
	if int(s) >= nStatus {
		s = xprotocol.StatusUnknown
	}
	c[off+int(s)]++
}

// observe records d in the histogram at off.
func (c cells) observe(off int, d time.Duration) {
	d = max(d, 0)
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	c[off+i]++
	c[off+histBuckets] += uint64(d)
}

// obsSeries are the observability series' label sets, each a shardSet,
// with the descriptions obsCollector exports them under.
type obsSeries struct {
	listeners seriesIndex[string]    // listener
	protos    seriesIndex[[2]string] // listener, protocol
	lcs       seriesIndex[[2]string] // listener, cluster
	routes    seriesIndex[[3]string] // listener, route, cluster
	hosts     seriesIndex[[2]string] // cluster, host
	clusters  seriesIndex[string]    // cluster

	dsRequests, dsResponses, dsRx, dsTx, dsActive *prometheus.Desc
	requests                                      *prometheus.Desc
	routeRequests, routeResponses, routeDuration  *prometheus.Desc
	hostRequests, hostResponses, hostDuration     *prometheus.Desc
	upResponses, upRx, upTx                       *prometheus.Desc

	loopsMu sync.Mutex
	loops   map[*loopState]int // registered loops: scrapes they missed in a row
}

// publishWait bounds how long a scrape waits for the loops to publish.
const publishWait = time.Second

// maxMissed is how many scrapes in a row a loop may miss before it is
// taken for stopped and forgotten.
const maxMissed = 3

func (o *obsSeries) addLoop(ls *loopState) {
	o.loopsMu.Lock()
	defer o.loopsMu.Unlock()
	if o.loops == nil {
		o.loops = make(map[*loopState]int)
	}
	o.loops[ls] = 0
}

// publishLoops has every registered loop publish its counters and waits
// (at most wait) for them. Loops that are gone (their server stopped) are
// forgotten; what they published last stays counted.
func (o *obsSeries) publishLoops(wait time.Duration) {
	type asked struct {
		ls   *loopState
		done chan struct{}
		gone bool // its loop stopped
	}
	o.loopsMu.Lock()
	list := make([]asked, 0, len(o.loops))
	for ls := range o.loops {
		list = append(list, asked{ls: ls, done: make(chan struct{})})
	}
	o.loopsMu.Unlock()
	// Not waited for under loopsMu: a loop may be registering.
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for i := range list {
		a := &list[i]
		a.gone = !a.ls.loop.Execute(func() { a.ls.obs.publish(); close(a.done) })
	}
	expired := false
	for _, a := range list {
		if expired || a.gone {
			continue
		}
		select {
		case <-a.done:
		case <-timeout.C:
			expired = true
		}
	}
	o.loopsMu.Lock()
	defer o.loopsMu.Unlock()
	for _, a := range list {
		if _, ok := o.loops[a.ls]; !ok {
			continue
		}
		if a.gone {
			delete(o.loops, a.ls)
			continue
		}
		select {
		case <-a.done:
			o.loops[a.ls] = 0
		default:
			if o.loops[a.ls]++; o.loops[a.ls] >= maxMissed {
				delete(o.loops, a.ls)
			}
		}
	}
}

// registerObservability creates the observability series' descriptions
// and registers their collector.
func (m *metrics) registerObservability() {
	o := &m.obs
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("xgate_"+name, help, labels, nil)
	}
	o.dsRequests = d("downstream_requests_total", "Requests received from clients (heartbeats excluded), by protocol.", "listener", "protocol")
	o.dsResponses = d("downstream_responses_total", "Responses to clients (relayed or generated by the gateway), by generic status.", "listener", "protocol", "status")
	o.dsRx = d("downstream_received_bytes_total", "Bytes decoded from clients, by protocol.", "listener", "protocol")
	o.dsTx = d("downstream_sent_bytes_total", "Bytes written to clients, by protocol.", "listener", "protocol")
	o.dsActive = d("downstream_requests_active", "Requests in flight: received and not yet answered in full (streams included).", "listener")
	o.requests = d("requests_total", "Requests routed to a cluster.", "listener", "cluster")
	o.routeRequests = d("route_requests_total", "Requests a route sent to a cluster (route: its name, else its place in the listener, e.g. routes[0]).", "listener", "route", "cluster")
	o.routeResponses = d("route_responses_total", "Responses to routed requests as the client got them, by generic status.", "listener", "route", "cluster", "status")
	o.routeDuration = d("route_request_duration_seconds",
		"Routed requests from the request head arriving to the response ending (all tries; error replies included; requests the client cancelled are not observed).",
		"listener", "route", "cluster")
	o.hostRequests = d("upstream_host_requests_total", "Requests sent to an upstream host (every try).", "cluster", "host")
	o.hostResponses = d("upstream_host_responses_total", "Response heads from an upstream host, by generic status.", "cluster", "host", "status")
	o.hostDuration = d("upstream_request_duration_seconds", "Time from a request being sent to an upstream host to its response head.", "cluster", "host")
	o.upResponses = d("upstream_responses_total", "Upstream responses, by generic status.", "cluster", "status")
	o.upRx = d("upstream_received_bytes_total", "Bytes decoded from upstream hosts.", "cluster")
	o.upTx = d("upstream_sent_bytes_total", "Bytes written to upstream hosts.", "cluster")
	m.reg.MustRegister(obsCollector{o})
}

// obsCollector exports the observability series, summing every loop's
// block of each label set.
type obsCollector struct{ o *obsSeries }

// Describe implements prometheus.Collector.
func (c obsCollector) Describe(ch chan<- *prometheus.Desc) {
	o := c.o
	for _, d := range []*prometheus.Desc{o.dsRequests, o.dsResponses, o.dsRx, o.dsTx, o.dsActive, o.requests,
		o.routeRequests, o.routeResponses, o.routeDuration, o.hostRequests, o.hostResponses, o.hostDuration,
		o.upResponses, o.upRx, o.upTx} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c obsCollector) Collect(ch chan<- prometheus.Metric) {
	o := c.o
	o.publishLoops(publishWait)
	var buf [64]uint64
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	statuses := func(d *prometheus.Desc, v []uint64, labels ...string) {
		labels = append(labels, "")
		for s := range nStatus {
			labels[len(labels)-1] = xprotocol.Status(s).String()
			counter(d, v[s], labels...)
		}
	}
	histogram := func(d *prometheus.Desc, v []uint64, labels ...string) {
		buckets := make(map[float64]uint64, len(latencyBuckets))
		var n uint64
		for i, b := range latencyBuckets {
			n += v[i]
			buckets[b] = n
		}
		n += v[len(latencyBuckets)]
		ch <- prometheus.MustNewConstHistogram(d, n, float64(v[histBuckets])/1e9, buckets, labels...)
	}
	o.listeners.each(func(k string, s *shardSet) {
		v := s.sum(buf[:lsWords])
		ch <- prometheus.MustNewConstMetric(o.dsActive, prometheus.GaugeValue, float64(int64(v[lsActive])), k)
	})
	o.protos.each(func(k [2]string, s *shardSet) {
		v := s.sum(buf[:psWords])
		counter(o.dsRequests, v[psRequests], k[:]...)
		counter(o.dsRx, v[psRx], k[:]...)
		counter(o.dsTx, v[psTx], k[:]...)
		statuses(o.dsResponses, v[psResponses:], k[:]...)
	})
	o.lcs.each(func(k [2]string, s *shardSet) {
		counter(o.requests, s.sum(buf[:lcWords])[0], k[:]...)
	})
	o.routes.each(func(k [3]string, s *shardSet) {
		v := s.sum(buf[:rhWords])
		counter(o.routeRequests, v[rhRequests], k[:]...)
		statuses(o.routeResponses, v[rhResponses:], k[:]...)
		histogram(o.routeDuration, v[rhDuration:], k[:]...)
	})
	o.hosts.each(func(k [2]string, s *shardSet) {
		v := s.sum(buf[:rhWords])
		counter(o.hostRequests, v[rhRequests], k[:]...)
		statuses(o.hostResponses, v[rhResponses:], k[:]...)
		histogram(o.hostDuration, v[rhDuration:], k[:]...)
	})
	o.clusters.each(func(k string, s *shardSet) {
		v := s.sum(buf[:clWords])
		counter(o.upRx, v[clRx], k)
		counter(o.upTx, v[clTx], k)
		statuses(o.upResponses, v[clResponses:], k)
	})
}

// listenerStats are a listener's observability series: requests in flight
// and, per protocol (read-only after construction), requests, responses
// and bytes.
type listenerStats struct {
	active *shardSet
	protos map[string]*shardSet
}

// initStats resolves the listener's series for each protocol it accepts.
func (l *listener) initStats(protos []xprotocol.Protocol) {
	o, name := &l.m.obs, l.cfg.Name
	l.stats = listenerStats{active: o.listeners.get(name, lsWords), protos: make(map[string]*shardSet, len(protos))}
	for _, p := range protos {
		l.stats.protos[p.Name()] = o.protos.get([2]string{name, p.Name()}, psWords)
	}
}

// protoStats are one loop's block of a listener's series for one protocol.
type protoStats struct{ c cells }

// protoStats returns the loop's block of the listener's series for
// protocol name, or nil.
func (ls *loopState) protoStats(name string) *protoStats {
	s := ls.l.stats.protos[name]
	if s == nil {
		return nil
	}
	ps := ls.obs.protos[s]
	if ps == nil {
		if ls.obs.protos == nil {
			ls.obs.protos = make(map[*shardSet]*protoStats)
		}
		ps = &protoStats{c: ls.obs.block(s)}
		ls.obs.protos[s] = ps
	}
	return ps
}

// request counts a request received; nil-safe (before detection).
func (ps *protoStats) request() {
	if ps != nil {
		ps.c[psRequests]++
	}
}

// response counts a response to a client.
func (ps *protoStats) response(st xprotocol.Status) {
	if ps != nil {
		ps.c.status(psResponses, st)
	}
}

// received counts n bytes decoded from a client.
func (ps *protoStats) received(n int) {
	if ps != nil && n > 0 {
		ps.c[psRx] += uint64(n)
	}
}

// setBuffer is Conn.SetBuffer counting the bytes appended to the client's
// write buffer.
func (ds *downstream) setBuffer(b []byte) {
	if n := len(b) - len(ds.conn.Buffer()); n > 0 && ds.ps != nil && !ds.conn.Closed() {
		ds.ps.c[psTx] += uint64(n)
	}
	ds.conn.SetBuffer(b)
}

// loopObs is a loop's side of the observability series (loopState.obs):
// its block of each label set it wrote to. The loop adds to its blocks
// with plain (non-atomic) writes and publishes them (publish) for scrapes
// to read: when a scrape asks (obsSeries.publishLoops), every
// publishEvery, and as its client connections close while the listener
// drains.
type loopObs struct {
	blocks map[*shardSet]*block
	all    []*block                  // every block the loop writes to
	active cells                     // the listener's requests in flight
	protos map[*shardSet]*protoStats // by protocol series
	// rtg is the route table routes caches the blocks of, by
	// routeStats.idx.
	rtg    *routing
	routes []*routeShard
	tick   transport.Timer // periodic publish (registered loops)
}

// maxLoopBlocks bounds a loop's block map: series that left (hosts, routes)
// leave their block behind until the map is cleared.
const maxLoopBlocks = 4096

// block returns the loop's counters of s, making its block on the loop's
// first write.
func (lo *loopObs) block(s *shardSet) cells {
	b, ok := lo.blocks[s]
	if !ok {
		if lo.blocks == nil {
			lo.blocks = make(map[*shardSet]*block)
		}
		if len(lo.blocks) >= maxLoopBlocks {
			clear(lo.blocks) // the blocks stay in all (and in caches)
		}
		b = s.newBlock()
		lo.blocks[s] = b
		lo.all = append(lo.all, b)
	}
	return b.live
}

// publish copies the loop's counters to their published side, dropping
// the blocks of series that were deleted. It runs on the loop.
func (lo *loopObs) publish() {
	all := lo.all[:0]
	for _, b := range lo.all {
		if b.set.deleted.Load() {
			if lo.blocks[b.set] == b {
				delete(lo.blocks, b.set)
			}
			continue
		}
		b.publish()
		all = append(all, b)
	}
	clear(lo.all[len(all):])
	lo.all = all
}

// publishEvery bounds how stale a loop's published counters get when no
// scrape asks (a loop that stops is not asked).
const publishEvery = time.Second

// registerLoop makes ls's counters visible to scrapes; it runs on ls's loop
// (loopStateOf).
func (ls *loopState) registerLoop() {
	ls.obs.tick.Fire = func() {
		ls.obs.publish()
		ls.loop.AfterFunc(&ls.obs.tick, publishEvery)
	}
	ls.loop.AfterFunc(&ls.obs.tick, publishEvery)
	ls.l.m.obs.addLoop(ls)
}

// publishIfDraining publishes the loop's counters while its listener
// drains (a client connection closing): the loop may stop soon.
func (ls *loopState) publishIfDraining() {
	if ls != nil && ls.l.draining.Load() {
		ls.obs.publish()
	}
}

// requestStarted and requestEnded count the listener's requests in
// flight (newPending, freePending).
func (ls *loopState) requestStarted() {
	if ls.obs.active == nil {
		ls.obs.active = ls.obs.block(ls.l.stats.active)
	}
	ls.obs.active[lsActive]++
}

func (ls *loopState) requestEnded() {
	if ls.obs.active == nil {
		ls.obs.active = ls.obs.block(ls.l.stats.active)
	}
	ls.obs.active[lsActive]--
}

// routeStats are the series of one route sending to one cluster.
type routeStats struct {
	rt   *route.Route
	cl   *cluster
	idx  int       // place among the table's routeStats
	set  *shardSet // the route's series
	reqs *shardSet // the listener's requests to the cluster
}

// routeShard is one loop's blocks of a routeStats.
type routeShard struct {
	c, reqs cells
}

// routeLabel names a route in metrics: its configured name, else its place
// in the listener's configuration.
func routeLabel(rt *route.Route) string {
	if rt.Name != "" {
		return rt.Name
	}
	return rt.Path
}

// initRouteStats resolves the series of every (route, cluster) pair of the
// table, indexed by route ID.
func (r *routing) initRouteStats(listener string, m *metrics) {
	routes := r.table.Routes()
	r.routes = make([][]*routeStats, len(routes))
	n := 0
	for _, rt := range routes {
		var cls []*cluster
		if rt.Cluster != nil {
			cls = append(cls, rt.Cluster.(*cluster))
		}
		for _, w := range rt.Weighted {
			cls = append(cls, w.Cluster.(*cluster))
		}
		name := routeLabel(rt)
		for _, cl := range cls {
			if rt.ID < 0 || rt.ID >= len(routes) || r.lookup(rt, cl) != nil {
				continue
			}
			r.routes[rt.ID] = append(r.routes[rt.ID], &routeStats{
				rt: rt, cl: cl, idx: n,
				set:  m.obs.routes.get([3]string{listener, name, cl.name}, rhWords),
				reqs: r.requests[cl],
			})
			n++
		}
	}
	r.nStats = n
}

// lookup returns the series of rt sending to cl, or nil (rt is of another
// table: a reload swapped them while the request was being routed).
func (r *routing) lookup(rt *route.Route, cl *cluster) *routeStats {
	if rt.ID < 0 || rt.ID >= len(r.routes) {
		return nil
	}
	for _, rs := range r.routes[rt.ID] {
		if rs.rt == rt && rs.cl == cl {
			return rs
		}
	}
	return nil
}

// count counts a request rt sends to cl on ls's loop (per listener and
// cluster, and per route) and returns the loop's blocks of the route's
// series, or nil.
func (r *routing) count(ls *loopState, rt *route.Route, cl *cluster) *routeShard {
	rs := r.lookup(rt, cl)
	if rs == nil {
		if s := r.requests[cl]; s != nil {
			s.shared[0].Add(1)
		}
		return nil
	}
	lo := &ls.obs
	if lo.rtg != r {
		lo.rtg, lo.routes = r, make([]*routeShard, r.nStats)
	}
	sh := lo.routes[rs.idx]
	if sh == nil {
		sh = &routeShard{c: lo.block(rs.set), reqs: lo.block(rs.reqs)}
		lo.routes[rs.idx] = sh
	}
	sh.reqs[0]++
	sh.c[rhRequests]++
	return sh
}

// forgetRoutes deletes the per-route series of every (listener, route,
// cluster) that the listeners now in use (next) no longer route by.
func (m *metrics) forgetRoutes(next []*listener) {
	keep := make(map[[3]string]bool)
	for _, l := range next {
		for _, list := range l.routing.Load().routes {
			for _, rs := range list {
				keep[[3]string{l.cfg.Name, routeLabel(rs.rt), rs.cl.name}] = true
			}
		}
	}
	m.obs.routes.deleteIf(func(k [3]string) bool { return !keep[k] })
}

// reqObs is what a request in flight carries for its observations.
type reqObs struct {
	rs    *routeShard // nil until routed to a cluster
	start time.Time   // the request head arrived (loop clock)
	sent  time.Time   // the current try was sent upstream
	// status is the response head's status (streamed responses end
	// later, in streamEnded).
	status xprotocol.Status
}

// observeEnd records how a request ended for its client: status st after
// the time since its head arrived. It runs once per request (finish or
// streamEnded); requests the client cancelled are not observed.
func (p *pending) observeEnd(st xprotocol.Status) {
	p.ds.ps.response(st)
	rs := p.obs.rs
	if rs == nil {
		return
	}
	p.obs.rs = nil
	rs.c.status(rhResponses, st)
	rs.c.observe(rhDuration, p.ls.loop.Now().Sub(p.obs.start))
}

// sentTo records a try of p going to host h.
func (p *pending) sentTo(h *host) {
	if hp := p.hp; hp != nil && hp.h == h {
		hp.blocks().host[rhRequests]++
	} else {
		p.ls.obs.block(h.stats.set)[rhRequests]++
	}
	p.obs.sent = p.ls.loop.Now()
}

// poolObs are a host pool's blocks (its loop's) of its host's and
// cluster's series (hostPool.obs).
type poolObs struct {
	host, cluster cells
}

func (hp *hostPool) blocks() *poolObs {
	if hp.obs.host == nil {
		hp.obs = poolObs{host: hp.ls.obs.block(hp.h.stats.set), cluster: hp.ls.obs.block(hp.cl.obs.set)}
	}
	return &hp.obs
}

// observeResponse records a response head with status st from u's host
// for p: the cluster and host status counters and the host's latency.
func (u *upstream) observeResponse(p *pending, st xprotocol.Status) {
	hp := u.hp
	b := hp.blocks()
	b.cluster.status(clResponses, st)
	b.host.status(rhResponses, st)
	b.host.observe(rhDuration, hp.ls.loop.Now().Sub(p.obs.sent))
	p.obs.status = st
}

// setBuffer is Conn.SetBuffer counting the bytes appended to the
// upstream connection's write buffer.
func (u *upstream) setBuffer(b []byte) {
	if n := len(b) - len(u.conn.Buffer()); n > 0 && !u.conn.Closed() {
		u.hp.blocks().cluster[clTx] += uint64(n)
	}
	u.conn.SetBuffer(b)
}

// received counts n bytes decoded from the upstream host.
func (u *upstream) received(n int) {
	if n > 0 {
		u.hp.blocks().cluster[clRx] += uint64(n)
	}
}

// clusterObs are a cluster's observability series.
type clusterObs struct {
	m   *metrics
	set *shardSet
}

func (m *metrics) clusterObs(cluster string) clusterObs {
	return clusterObs{m: m, set: m.obs.clusters.get(cluster, clWords)}
}

// hostStats are one upstream host's series and its open connections.
type hostStats struct {
	conns atomic.Int64 // open connections, every loop
	set   *shardSet
}

func (m *metrics) hostStats(cluster, addr string) *hostStats {
	return &hostStats{set: m.obs.hosts.get([2]string{cluster, addr}, rhWords)}
}

// connOpened and connClosed count the host's open connections; a
// connection that never opened was not counted.
func (hs *hostStats) connOpened() { hs.conns.Add(1) }

func (hs *hostStats) connClosed(opened bool) {
	if opened {
		hs.conns.Add(-1)
	}
}

// forgetHost deletes the per-host series of host addr of cluster.
func (m *metrics) forgetHost(cluster, addr string) {
	m.obs.hosts.delete([2]string{cluster, addr})
}

// forgetHost deletes the series of h, which left the cluster.
func (c *cluster) forgetHost(h *host) { c.obs.m.forgetHost(c.name, h.addr) }

// forgetHosts deletes the per-host series of the hosts of old that next
// (the clusters a reload put in their place) no longer has.
func (m *metrics) forgetHosts(old, next []*cluster) {
	keep := make(map[[2]string]bool)
	for _, cl := range next {
		for _, h := range cl.set.Load().hosts {
			keep[[2]string{cl.name, h.addr}] = true
		}
	}
	for _, cl := range old {
		for _, h := range cl.set.Load().hosts {
			if !keep[[2]string{cl.name, h.addr}] {
				m.forgetHost(cl.name, h.addr)
			}
		}
	}
}

// Host health as the admin API and metrics name it.
const (
	hostHealthy   = "healthy"
	hostUnhealthy = "unhealthy" // the active health check failed it
	hostEjected   = "ejected"   // passive health or outlier detection
)

// state returns the host's health at now (unix nanoseconds).
func (h *host) state(now int64) string {
	switch {
	case !h.hc.Healthy():
		return hostUnhealthy
	case now < h.ejectedUntil.Load() || !h.od.Available(now):
		return hostEjected
	}
	return hostHealthy
}

// clusterCollector reports, at scrape time, the state of the hosts of the
// clusters in use: connections and requests in flight per host, health,
// and outlier ejections per cluster. Hosts that left are not reported.
type clusterCollector struct {
	g                                   *Gateway
	conns, active, healthy, hosts, ejec *prometheus.Desc
}

func newClusterCollector(g *Gateway) *clusterCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("xgate_"+name, help, labels, nil)
	}
	return &clusterCollector{
		g:       g,
		conns:   d("upstream_connections_active", "Upstream connections open now.", "cluster", "host"),
		active:  d("upstream_requests_active", "Requests in flight to an upstream host.", "cluster", "host"),
		healthy: d("upstream_host_healthy", "1 when the host takes requests, 0 when ejected or unhealthy.", "cluster", "host"),
		hosts:   d("upstream_hosts", "Hosts of a cluster by health: healthy, unhealthy (active health check), ejected (passive health, outlier detection).", "cluster", "state"),
		ejec:    d("outlier_ejections_total", "Hosts ejected by outlier detection (counts restart when a reload rebuilds the cluster).", "cluster"),
	}
}

// Describe implements prometheus.Collector.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.active, c.healthy, c.hosts, c.ejec} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now().UnixNano()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, cl := range c.g.liveClusters() {
		count := map[string]int{hostHealthy: 0, hostUnhealthy: 0, hostEjected: 0}
		for _, h := range cl.set.Load().hosts {
			st := h.state(now)
			count[st]++
			up := 0.0
			if st == hostHealthy {
				up = 1
			}
			gauge(c.conns, float64(h.stats.conns.Load()), cl.name, h.addr)
			gauge(c.active, float64(h.active.Load()), cl.name, h.addr)
			gauge(c.healthy, up, cl.name, h.addr)
		}
		for st, n := range count {
			gauge(c.hosts, float64(n), cl.name, st)
		}
		ch <- prometheus.MustNewConstMetric(c.ejec, prometheus.CounterValue, float64(cl.outlier.Ejections()), cl.name)
	}
}

// liveClusters returns the clusters of the configuration in use.
func (g *Gateway) liveClusters() []*cluster {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	return append([]*cluster(nil), g.clusters...)
}
