//go:build wasip1

// Command abi exercises every function of the host ABI for the tests: it
// reports what it read in request headers (x-got-*), and what the host
// answered to calls that must fail (x-rc-*).
package main

import (
	"strconv"
	"unsafe"

	"github.com/xgate/xgate/proxy/filter/wasm/guest"
)

//go:wasmimport xgate set_header
func setHeader(m uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

func rc(m uint32, name, value string) string {
	return strconv.Itoa(int(setHeader(m, unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)),
		unsafe.Pointer(unsafe.StringData(value)), uint32(len(value)))))
}

// Read in _initialize: the config is available, headers are not.
var (
	initConfig      = guest.Config()
	_, initHeaderOK = guest.RequestHeader("k")
)

//go:wasmexport on_request
func onRequest() int32 {
	set := guest.SetRequestHeader
	switch v, _ := guest.RequestHeader("x-action"); v {
	case "loop":
		for {
		}
	case "exit":
		return 7
	case "stop":
		return guest.Stop
	case "overload":
		guest.Reply("overload", "busy: "+guest.Config())
		return guest.Stop
	case "bad-status":
		set("x-rc-reply", strconv.FormatBool(guest.Reply("no_such_status", "x")))
	case "alloc":
		n, _ := strconv.Atoi(guest.Config())
		b := make([]byte, n<<20)
		b[len(b)-1] = 1
		set("x-got-alloc", strconv.Itoa(len(b)))
	case "panic":
		panic("filter bug")
	}
	set("x-got-body", string(guest.Body(guest.Request)))
	n := 0
	for _, kv := range guest.Headers(guest.Request) {
		n += len(kv[0]) + len(kv[1])
	}
	set("x-got-headers", strconv.Itoa(len(guest.Headers(guest.Request)))+"/"+strconv.Itoa(n))
	for _, p := range []string{"protocol", "service", "method", "path", "host", "cluster", "remote_address", "phase", "end_stream", "status"} {
		v, ok := guest.Property(p)
		if !ok {
			v = "-"
		}
		set("x-got-"+p, v)
	}
	set("x-got-config", guest.Config())
	set("x-got-init", initConfig+"/"+strconv.FormatBool(initHeaderOK))
	set("x-rc-response", rc(1, "a", "b"))
	set("x-rc-map", rc(9, "a", "b"))
	set("x-rc-crlf", rc(0, "a", "b\r\nc: d"))
	set("x-rc-empty", rc(0, "", "b"))
	guest.DelHeader(guest.Request, "x-drop")
	guest.Log(guest.LevelInfo, "abi on_request")
	return guest.Continue
}

//go:wasmexport on_response
func onResponse() int32 {
	st, _ := guest.Property("status")
	guest.SetResponseHeader("x-resp-status", st)
	guest.SetResponseHeader("x-resp-body", string(guest.Body(guest.Response)))
	v, _ := guest.ResponseHeader("x-upstream")
	guest.SetResponseHeader("x-resp-upstream", v)
	guest.SetResponseHeader("x-rc-request", rc(0, "a", "b"))
	if v == "deny" {
		guest.Reply("unavailable", "response refused")
		return guest.Stop
	}
	return guest.Continue
}

func main() {}
