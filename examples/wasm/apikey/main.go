//go:build wasip1

// Command apikey is an example wasm filter, built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o apikey.wasm .
//
// (or `make wasm-example`). It refuses requests without an x-api-key
// header (bad_request "missing x-api-key") or whose key is not one of the
// comma-separated keys of its config (bad_request "invalid x-api-key"),
// removes the key from an accepted request, marks it with
// x-wasm-filter: apikey and passes the method on in x-wasm-method, and
// adds x-wasm-filter: apikey to the response:
//
//	filters:
//	  - name: wasm
//	    config: {path: examples/wasm/apikey/apikey.wasm, config: "k1,k2", timeout: 5ms}
package main

import (
	"strings"

	"github.com/xgate/xgate/proxy/filter/wasm/guest"
)

// keys are the accepted keys, read from the config when the instance
// starts (package initialisation runs in _initialize, where Config and
// Log are available).
var keys = parseKeys(guest.Config())

func parseKeys(config string) map[string]bool {
	m := make(map[string]bool)
	for k := range strings.SplitSeq(config, ",") {
		if k = strings.TrimSpace(k); k != "" {
			m[k] = true
		}
	}
	if len(m) == 0 {
		guest.Log(guest.LevelWarn, "apikey: no keys configured: every request is refused")
	}
	return m
}

//go:wasmexport on_request
func onRequest() int32 {
	key, ok := guest.RequestHeader("x-api-key")
	if !ok {
		guest.Reply("bad_request", "missing x-api-key")
		return guest.Stop
	}
	if !keys[key] {
		guest.Reply("bad_request", "invalid x-api-key")
		return guest.Stop
	}
	guest.DelHeader(guest.Request, "x-api-key")
	guest.SetRequestHeader("x-wasm-filter", "apikey")
	if m, ok := guest.Property("method"); ok {
		guest.SetRequestHeader("x-wasm-method", m)
	}
	return guest.Continue
}

//go:wasmexport on_response
func onResponse() int32 {
	guest.SetResponseHeader("x-wasm-filter", "apikey")
	return guest.Continue
}

func main() {}
