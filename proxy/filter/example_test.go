package filter_test

import (
	"fmt"
	"time"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// denyMethods refuses calls to some methods, whatever the protocol: an
// HTTP method, a gRPC, Dubbo or Bolt method name, a Thrift message name.
// It keeps no per-request state, so one shared instance serves every
// request on every event loop.
type denyMethods struct {
	methods []string
	denied  filter.Counter
}

// OnRequest runs before routing (a RequestFilter).
func (d *denyMethods) OnRequest(h *filter.Handle, req xprotocol.Frame) filter.Result {
	method := req.Key(xprotocol.KeyMethod)
	for _, m := range d.methods {
		if string(method) == m { // no allocation: the compiler compares in place
			d.denied.Inc()
			// The protocol's own error reply: HTTP 400, gRPC
			// INVALID_ARGUMENT, a Bolt/Dubbo status, a Thrift exception.
			h.Reply(xprotocol.StatusBadRequest, "method not allowed")
			return filter.Stop
		}
	}
	return filter.Continue
}

// Example writes a filter from scratch: its settings, its registration,
// and what the engine does with it (a printing Host stands in for the
// engine here).
func Example() {
	reg := filter.NewRegistry() // an extension uses filter.Register (the Default registry)
	reg.MustRegister(filter.Define("deny_methods",
		// Parse: read and check the settings. It runs for `xgate
		// validate` too, so it only reads; problems carry their key.
		func(s *filter.Settings) []string {
			methods := s.List("methods")
			if len(methods) == 0 {
				s.Fail("methods", "is required (e.g. [DELETE, drop_table])")
			}
			return methods
		},
		// Build: once per listener, from settings that parsed cleanly.
		func(methods []string, env filter.Env) (filter.Factory, error) {
			return filter.Shared(&denyMethods{methods: methods, denied: env.Counter("denied")}), nil
		}))

	// A typo in the YAML is reported with its key (the config package
	// adds the field path and line).
	fmt.Println(reg.CheckFilter("deny_methods", config.RawConfig(`{"method": ["DELETE"]}`)))

	// listeners[].filters: [{name: deny_methods, config: {methods: [DELETE]}}]
	chain, err := reg.NewChain([]config.Filter{
		{Name: "deny_methods", Config: config.RawConfig(`{"methods": ["DELETE"]}`)},
	}, filter.Env{Listener: "edge"})
	if err != nil {
		panic(err)
	}
	defer chain.Close()

	// The engine's side, per request head.
	for _, method := range []string{"GET", "DELETE"} {
		var h filter.Handle // embedded in the engine's pooled request record
		host := &printHost{}
		h.Begin(chain, host, &call{method: method})
		if h.Run(filter.PhaseRequest) == filter.Continue {
			fmt.Println(method, "routed and forwarded")
		}
		h.End() // the engine calls End however the request ends (here: at once)
	}
	// Output:
	// [{method unknown setting "method" (did you mean "methods"?)}]
	// GET routed and forwarded
	// reply bad_request "method not allowed"
}

// call is a request frame of any protocol; embedding the interface keeps
// the example to the methods a filter reads.
type call struct {
	xprotocol.Frame
	method string
}

func (c *call) Protocol() string { return "http1" }
func (c *call) Key(k xprotocol.Key) []byte {
	if k == xprotocol.KeyMethod {
		return []byte(c.method)
	}
	return nil
}

// printHost is the engine's part: it would build
// Protocol.ErrorReply(req, st, msg), write it and count it.
type printHost struct{}

func (p *printHost) Reply(st xprotocol.Status, msg string) {
	fmt.Printf("reply %s %q\n", st, msg)
}
func (p *printHost) Proceed(filter.Phase)            {}
func (p *printHost) AfterFunc(time.Duration, func()) {}
func (p *printHost) StopTimer()                      {}
func (p *printHost) Now() time.Time                  { return time.Unix(0, 0) }
func (p *printHost) Route() (int, string, bool)      { return 0, "", false }
func (p *printHost) RemoteAddr() string              { return "192.0.2.1:4000" }
func (p *printHost) Poster() func(func())            { return func(fn func()) { fn() } }
