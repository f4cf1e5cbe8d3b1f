package proxy

// Differential test: proxy/route (the router that replaces router.go)
// must pick the same route as router.go for every configuration that uses
// only the keys router.go knows. Delete this file with router.go.

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/xgate/xgate/proxy/config"
	routepkg "github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

type compatFrame struct {
	proto string
	keys  [xprotocol.KeyHost + 1][]byte
	hdr   compatHeader
}

func (f *compatFrame) Protocol() string              { return f.proto }
func (f *compatFrame) Kind() xprotocol.Kind          { return xprotocol.KindRequest }
func (f *compatFrame) Heartbeat() bool               { return false }
func (f *compatFrame) StreamID() uint64              { return 1 }
func (f *compatFrame) SetStreamID(uint64)            {}
func (f *compatFrame) Key(k xprotocol.Key) []byte    { return f.keys[k] }
func (f *compatFrame) Header() xprotocol.Header      { return &f.hdr }
func (f *compatFrame) Body() []byte                  { return nil }
func (f *compatFrame) Status() xprotocol.Status      { return xprotocol.StatusOK }
func (f *compatFrame) Timeout() time.Duration        { return 0 }
func (f *compatFrame) EndStream() bool               { return true }
func (f *compatFrame) Size() int                     { return 0 }
func (f *compatFrame) Release()                      {}
func (h *compatHeader) Range(func(k, v []byte) bool) {}
func (h *compatHeader) Set(string, string)           {}
func (h *compatHeader) Del(string)                   {}

type compatHeader map[string]string

func (h *compatHeader) Get(key string) ([]byte, bool) {
	v, ok := (*h)[key]
	return []byte(v), ok
}

type compatProto struct {
	xprotocol.Protocol
	name, family, aliasOf string
}

func (p compatProto) Name() string { return p.name }

type compatFamily struct{ compatProto }

func (p compatFamily) Family() string { return p.family }

type compatAlias struct{ compatFamily }

func (p compatAlias) AliasOf() string { return p.aliasOf }

// routeClusterAdapter gives the engine's cluster the routepkg.Cluster methods.
type routeClusterAdapter struct{ c *cluster }

func (a routeClusterAdapter) Name() string     { return a.c.name }
func (a routeClusterAdapter) Protocol() string { return a.c.protocol }

func TestRouteTableMatchesRouter(t *testing.T) {
	reg := xprotocol.NewRegistry()
	for _, p := range []xprotocol.Protocol{
		compatProto{name: "rpc"},
		compatProto{name: "rpc2"},
		compatFamily{compatProto{name: "web1", family: "web"}},
		compatFamily{compatProto{name: "web2", family: "web"}},
		compatAlias{compatFamily{compatProto{name: "webrpc", family: "web", aliasOf: "web2"}}},
	} {
		if err := reg.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	m := newMetrics()
	clusters := map[string]*cluster{}
	for i, proto := range []string{"", "rpc", "rpc2", "web1", "web2", "webrpc"} {
		cc := config.DefaultCluster()
		cc.Name, cc.Protocol, cc.Endpoints = fmt.Sprintf("c%d", i), proto, []string{"127.0.0.1:1"}
		clusters[cc.Name] = newCluster(i, cc, m)
	}
	lookup := func(name string) (routepkg.Cluster, bool) {
		c, ok := clusters[name]
		if !ok {
			return nil, false
		}
		return routeClusterAdapter{c}, true
	}

	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[rnd.IntN(len(vs))] }
	protos := []string{"rpc", "rpc2", "web1", "web2", "webrpc"}
	matched := 0
	for iter := range 300 {
		var routes []config.Route
		for range 1 + rnd.IntN(6) {
			r := config.Route{Cluster: fmt.Sprintf("c%d", rnd.IntN(len(clusters)))}
			r.Match.Protocol = pick("", "", "", "rpc", "web2", "webrpc", "web1")
			r.Match.Service = pick("", "", "s1", "s2")
			r.Match.Method = pick("", "", "m1")
			r.Match.PathPrefix = pick("", "", "/a", "/a/b")
			if rnd.IntN(3) == 0 {
				r.Match.Headers = map[string]string{"h1": pick("v1", "v2")}
				if rnd.IntN(2) == 0 {
					r.Match.Headers["h2"] = "v"
				}
			}
			routes = append(routes, r)
		}
		old := newRouter("edge", routes, clusters, reg, m)
		l := config.Listener{Name: "edge", Routes: routes}
		tbl, err := routepkg.Compile(&l, lookup, reg, routepkg.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		for range 50 {
			f := &compatFrame{proto: pick(protos...), hdr: compatHeader{}}
			for k, v := range map[xprotocol.Key]string{
				xprotocol.KeyService: pick("", "s1", "s2", "s3"),
				xprotocol.KeyMethod:  pick("", "m1", "m2"),
				xprotocol.KeyPath:    pick("", "/", "/a", "/a/b/c", "/b"),
			} {
				if v != "" {
					f.keys[k] = []byte(v)
				}
			}
			for _, h := range []string{"h1", "h2"} {
				if v := pick("", "v", "v1", "v2"); v != "" {
					f.hdr[h] = v
				}
			}
			want, got := -1, -1
			if rt := old.match(f); rt != nil {
				for i, r := range old.routes {
					if r == rt {
						want = i
					}
				}
			}
			if r := tbl.Match(f); r != nil {
				got = r.ID
				matched++
			}
			if got != want {
				t.Fatalf("iteration %d: routes %+v, frame %s %q %v: router.go picks %d, route.Table %d", iter, routes, f.proto, f.keys, f.hdr, want, got)
			}
		}
	}
	if matched < 3000 {
		t.Fatalf("only %d of 15000 frames matched a route: the comparison says little", matched)
	}
}
