package extensions_test

import (
	"fmt"
	"time"

	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/examples/extensions"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// Example_stamp runs the stamp filter as the engine would, on ToyRPC
// frames (any protocol's frames would do).
func Example_stamp() {
	reg := filter.NewRegistry() // the package's init uses filter.Default
	reg.MustRegister(extensions.Stamp)

	// Settings are checked like the rest of the YAML.
	fmt.Println(reg.CheckFilter("stamp", config.RawConfig(`{"header": "x-served-by"}`)))

	chain, err := reg.NewChain([]config.Filter{
		{Name: "stamp", Config: config.RawConfig(`{"value": "edge-1"}`)},
	}, filter.Env{Listener: "edge"})
	if err != nil {
		panic(err)
	}
	defer chain.Close()

	req, _ := toyrpc.Build(toyrpc.Message{ID: 1, Service: "toy.Echo", Method: "echo"})
	resp, _ := toyrpc.Build(toyrpc.Message{Type: toyrpc.TypeResponse, ID: 1, Body: []byte("hi")})
	defer req.Release()
	defer resp.Release()

	var h filter.Handle // the engine embeds one in its per-request record
	h.Begin(chain, engine{}, req)
	fmt.Println("request phase:", h.Run(filter.PhaseRequest))
	fmt.Println("response phase:", h.RunResponse(resp))
	h.End()
	v, _ := resp.Header().Get("x-served-by")
	fmt.Println("x-served-by:", string(v))
	// Output:
	// [{value is required}]
	// request phase: continue
	// response phase: continue
	// x-served-by: edge-1
}

// Example_versionPin runs the route plugin on a route's candidate hosts.
func Example_versionPin() {
	reg := route.NewRegistry() // the package's init uses route.Default
	pin := extensions.NewVersionPin()
	if err := reg.Register(pin); err != nil {
		panic(err)
	}
	fmt.Println(reg.CheckConfig("version_pin", []byte(`{"headr": "x-v"}`)))
	h, err := pin.NewHandler([]byte(`{"header": "x-version"}`))
	if err != nil {
		panic(err)
	}
	hosts := []route.Host{
		host{"10.0.0.1:9000", "v1"}, host{"10.0.0.2:9000", "v2"}, host{"10.0.0.3:9000", "v2"},
	}
	pick := func(hdr ...[2]string) {
		f, _ := toyrpc.Build(toyrpc.Message{ID: 1, Service: "toy.Echo", Method: "echo", Headers: hdr})
		defer f.Release()
		var md route.Metadata
		kept := h.Handle(f, hosts, nil, &md)
		outcome, _ := md.Get("version_pin")
		fmt.Println(len(kept), "hosts,", outcome)
	}
	pick([2]string{"x-version", "v2"})
	pick()
	// POST /route_plugins/version_pin/config {"pin": "v1"}
	if err := reg.Configure("version_pin", []byte(`{"pin": "v1"}`)); err != nil {
		panic(err)
	}
	pick()
	pick([2]string{"x-version", "v9"})
	// Output:
	// json: unknown field "headr"
	// 2 hosts, pinned
	// 3 hosts, off
	// 1 hosts, pinned
	// 3 hosts, fallback
}

// host is an upstream host as route plugins see it.
type host struct{ addr, version string }

func (h host) Address() string             { return h.addr }
func (h host) Metadata() map[string]string { return map[string]string{"version": h.version} }
func (h host) Healthy() bool               { return true }

// engine is the engine's side of a request, reduced to what the example
// needs: replies are printed, timers never fire.
type engine struct{}

func (engine) Reply(st xprotocol.Status, msg string) { fmt.Printf("reply %s %q\n", st, msg) }
func (engine) Proceed(filter.Phase)                  {}
func (engine) AfterFunc(time.Duration, func())       {}
func (engine) StopTimer()                            {}
func (engine) Now() time.Time                        { return time.Unix(0, 0) }
func (engine) Route() (int, string, bool)            { return 0, "echo", true }
func (engine) RemoteAddr() string                    { return "127.0.0.1:40000" }
func (engine) Poster() func(func())                  { return func(fn func()) { fn() } }
