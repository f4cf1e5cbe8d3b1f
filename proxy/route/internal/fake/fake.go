// Package fake holds test doubles for the route package's tests: frames,
// hosts and a protocol registry shaped like the shipped ones (a
// single-message protocol, and an HTTP-like family with an alias), with no
// codec behind them.
package fake

import (
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Frame is a request with routing keys and headers held in plain fields.
type Frame struct {
	Proto                       string
	Service, Method, Path, Host string
	Headers                     *Header

	keys [][]byte
}

// Protocol implements xprotocol.Frame.
func (f *Frame) Protocol() string { return f.Proto }

// Kind implements xprotocol.Frame.
func (f *Frame) Kind() xprotocol.Kind { return xprotocol.KindRequest }

// Heartbeat implements xprotocol.Frame.
func (f *Frame) Heartbeat() bool { return false }

// StreamID implements xprotocol.Frame.
func (f *Frame) StreamID() uint64 { return 1 }

// SetStreamID implements xprotocol.Frame.
func (f *Frame) SetStreamID(uint64) {}

// Key implements xprotocol.Frame. It converts the key on each call unless
// Intern was called.
func (f *Frame) Key(k xprotocol.Key) []byte {
	if f.keys != nil {
		return f.keys[k]
	}
	s := f.key(k)
	if s == "" {
		return nil
	}
	return []byte(s)
}

func (f *Frame) key(k xprotocol.Key) string {
	switch k {
	case xprotocol.KeyService:
		return f.Service
	case xprotocol.KeyMethod:
		return f.Method
	case xprotocol.KeyPath:
		return f.Path
	case xprotocol.KeyHost:
		return f.Host
	}
	return ""
}

// Header implements xprotocol.Frame.
func (f *Frame) Header() xprotocol.Header {
	if f.Headers == nil {
		f.Headers = &Header{}
	}
	return f.Headers
}

// Body implements xprotocol.Frame.
func (f *Frame) Body() []byte { return nil }

// Status implements xprotocol.Frame.
func (f *Frame) Status() xprotocol.Status { return xprotocol.StatusOK }

// Timeout implements xprotocol.Frame.
func (f *Frame) Timeout() time.Duration { return 0 }

// EndStream implements xprotocol.Frame.
func (f *Frame) EndStream() bool { return true }

// Size implements xprotocol.Frame.
func (f *Frame) Size() int { return 0 }

// Release implements xprotocol.Frame.
func (f *Frame) Release() {}

// Intern converts the keys once, so that Key allocates nothing (for
// tests counting allocations), and makes sure Header has a list, so that
// the frame can be read by several goroutines.
func (f *Frame) Intern() *Frame {
	f.keys = make([][]byte, xprotocol.KeyHost+1)
	for k := xprotocol.KeyService; k <= xprotocol.KeyHost; k++ {
		if s := f.key(k); s != "" {
			f.keys[k] = []byte(s)
		}
	}
	if f.Headers == nil {
		f.Headers = &Header{}
	}
	return f
}

// Header is an ordered header list.
type Header struct {
	KV [][2][]byte
}

// H builds a header list from name, value pairs.
func H(kv ...string) *Header {
	h := &Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.KV = append(h.KV, [2][]byte{[]byte(kv[i]), []byte(kv[i+1])})
	}
	return h
}

// Get implements xprotocol.Header.
func (h *Header) Get(key string) ([]byte, bool) {
	for _, kv := range h.KV {
		if string(kv[0]) == key {
			return kv[1], true
		}
	}
	return nil, false
}

// Range implements xprotocol.Header.
func (h *Header) Range(fn func(key, value []byte) bool) {
	for _, kv := range h.KV {
		if !fn(kv[0], kv[1]) {
			return
		}
	}
}

// Set implements xprotocol.Header.
func (h *Header) Set(key, value string) {
	for i, kv := range h.KV {
		if string(kv[0]) == key {
			h.KV[i][1] = []byte(value)
			return
		}
	}
	h.KV = append(h.KV, [2][]byte{[]byte(key), []byte(value)})
}

// Del implements xprotocol.Header.
func (h *Header) Del(key string) {
	out := h.KV[:0]
	for _, kv := range h.KV {
		if string(kv[0]) != key {
			out = append(out, kv)
		}
	}
	h.KV = out
}

// Map returns the headers as a map, for assertions.
func (h *Header) Map() map[string]string {
	m := make(map[string]string, len(h.KV))
	for _, kv := range h.KV {
		m[string(kv[0])] = string(kv[1])
	}
	return m
}

// protocol is a registry entry with a name only (the router never calls
// anything else).
type protocol struct {
	xprotocol.Protocol
	name string
}

func (p protocol) Name() string { return p.name }

type familyProtocol struct {
	protocol
	family string
}

func (p familyProtocol) Family() string { return p.family }

type aliasProtocol struct {
	familyProtocol
	of string
}

func (p aliasProtocol) AliasOf() string { return p.of }

// Registry returns a protocol registry shaped like the shipped one: "rpc"
// and "rpc2" (single-message, no family), "web1" and "web2" (family
// "web"), and "webrpc" (family "web", an alias of "web2").
func Registry() *xprotocol.Registry {
	reg := xprotocol.NewRegistry()
	for _, p := range []xprotocol.Protocol{
		protocol{name: "rpc"},
		protocol{name: "rpc2"},
		familyProtocol{protocol{name: "web1"}, "web"},
		familyProtocol{protocol{name: "web2"}, "web"},
		aliasProtocol{familyProtocol{protocol{name: "webrpc"}, "web"}, "web2"},
	} {
		if err := reg.Register(p); err != nil {
			panic(err)
		}
	}
	return reg
}

// Host is an upstream host double.
type Host struct {
	Addr string
	Meta map[string]string
	Up   bool
}

// Address implements route.Host.
func (h *Host) Address() string { return h.Addr }

// Metadata implements route.Host.
func (h *Host) Metadata() map[string]string { return h.Meta }

// Healthy implements route.Host.
func (h *Host) Healthy() bool { return h.Up }
