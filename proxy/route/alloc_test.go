package route_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/route/internal/fake"
)

// benchListener has a realistic mix: virtual hosts by host and by service,
// and routes on exact, prefix and header conditions ahead of the catch-all.
const benchListener = `    routes:
      - {match: {service: com.example.OrderService, method: create}, cluster: rpc-c}
      - {match: {service: com.example.OrderService, headers: {x-env: canary}}, cluster: rpc-c}
      - {match: {path_prefix: /api/v1/, headers: [{name: x-env, prefix: can}]}, cluster: any}
      - {match: {protocol: rpc2}, cluster: any}
      - {name: catch-all, cluster: any}
    virtual_hosts:
      - name: api
        domains: [api.example.com, "*.api.example.com"]
        routes:
          - {match: {path: {prefix: /users/}, method: GET}, cluster: any}
          - {match: {path: {exact: /healthz}}, cluster: any}
          - {name: api-orders, match: {path: {prefix: /orders/}, headers: [{name: x-tenant, present: true}, {name: x-debug, present: true, invert: true}]}, cluster: any}
      - name: regex
        domains: [regex.example.com]
        routes:
          - {name: regex, match: {path: {regex: "/items/[0-9]+/detail"}}, cluster: any}
      - name: echo
        domains: [com.example.EchoService]
        routes:
          - {name: echo, match: {method: {exact: echo}}, cluster: rpc-c}
`

type benchCase struct {
	name  string
	frame *fake.Frame
	want  string
}

func benchCases() []benchCase {
	return []benchCase{
		{"rpc default vhost catch-all", (&fake.Frame{Proto: "rpc", Service: "com.example.UserService", Method: "get", Headers: fake.H("x-env", "prod")}).Intern(), "catch-all"},
		{"rpc service vhost", (&fake.Frame{Proto: "rpc", Service: "com.example.EchoService", Method: "echo"}).Intern(), "echo"},
		{"web host vhost with headers", (&fake.Frame{Proto: "web1", Host: "EU.Api.Example.com:443", Method: "POST", Path: "/orders/7", Headers: fake.H(":authority", "eu.api.example.com", "x-tenant", "t1", "accept", "*/*")}).Intern(), "api-orders"},
		{"regex path", (&fake.Frame{Proto: "web2", Host: "regex.example.com", Path: "/items/12345/detail"}).Intern(), "regex"},
	}
}

func TestMatchAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	tbl := compileListener(t, benchListener)
	for _, c := range benchCases() {
		t.Run(c.name, func(t *testing.T) {
			r := tbl.Match(c.frame)
			require.NotNil(t, r)
			assert.Equal(t, c.want, r.Name)
			allocs := testing.AllocsPerRun(1000, func() { tbl.Match(c.frame) })
			assert.Zero(t, allocs)
		})
	}
}

func TestChainAllocs(t *testing.T) {
	tbl := compileListener(t, `    routes:
      - cluster: any
        plugins: [{name: zone_affinity, config: {local_zone: az1}}]
`)
	r := tbl.Routes()[0]
	hosts := []route.Host{
		&fake.Host{Addr: "a:1", Meta: map[string]string{"zone": "az1"}, Up: true},
		&fake.Host{Addr: "b:1", Meta: map[string]string{"zone": "az2"}, Up: true},
		&fake.Host{Addr: "c:1", Meta: map[string]string{"zone": "az1"}, Up: true},
	}
	f := (&fake.Frame{Proto: "rpc", Headers: fake.H("x-zone", "az2")}).Intern()
	var s route.Selection
	got := r.Plugins.Run(f, hosts, &s)
	require.Len(t, got, 1)
	allocs := testing.AllocsPerRun(1000, func() { r.Plugins.Run(f, hosts, &s) })
	assert.Zero(t, allocs)
}

func BenchmarkMatch(b *testing.B) {
	tbl := compileListener(b, benchListener)
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if tbl.Match(c.frame) == nil {
					b.Fatal("no route")
				}
			}
		})
	}
}

func BenchmarkMatchParallel(b *testing.B) {
	tbl := compileListener(b, benchListener)
	cases := benchCases()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			tbl.Match(cases[i%len(cases)].frame)
			i++
		}
	})
}
