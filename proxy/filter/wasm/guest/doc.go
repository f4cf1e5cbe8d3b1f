// Package guest is the Go side of the wasm filter's host ABI (package
// github.com/xgate/xgate/proxy/filter/wasm documents it): what a filter
// compiled with GOOS=wasip1 GOARCH=wasm imports from module "xgate".
//
// A filter is a main package that exports its phases and is built as a
// WASI reactor:
//
//	//go:wasmexport on_request
//	func onRequest() int32 {
//		if _, ok := guest.RequestHeader("x-api-key"); !ok {
//			guest.Reply("bad_request", "missing x-api-key")
//			return guest.Stop
//		}
//		guest.SetRequestHeader("x-checked", "1")
//		return guest.Continue
//	}
//
//	func main() {}
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o filter.wasm .
//
// The functions exist only when GOOS is wasip1; the package is empty
// elsewhere.
package guest

// Phase function results.
const (
	// Continue lets the request (or response) go on.
	Continue int32 = 0
	// Stop ends it: the function called Reply (or the gateway answers
	// server_error on its behalf).
	Stop int32 = 1
)

// Map selects a header map.
type Map uint32

// Header maps.
const (
	// Request is the request's headers (changeable before it is forwarded).
	Request Map = 0
	// Response is the upstream response's headers (in on_response).
	Response Map = 1
)

// Log levels.
const (
	LevelDebug int32 = 0
	LevelInfo  int32 = 1
	LevelWarn  int32 = 2
	LevelError int32 = 3
)
