// Package wasm is the stream filter "wasm": a filter compiled to
// WebAssembly and run in-process by wazero (pure Go, no cgo), with a
// memory limit per module instance and a time limit per call. Importing
// the package registers the filter in filter.Default (cmd/xgate does).
//
// # Configuration
//
//	filters:
//	  - name: wasm
//	    config:
//	      path: /etc/xgate/apikey.wasm   # required; the module (a file, read when the listener is built)
//	      config: "k1,k2"                # optional; handed to the module as is (xgate.get_config)
//	      memory_limit_pages: 512        # per instance, 64 KiB pages; default 512 (32 MiB), 1..65536
//	      timeout: 5ms                   # per call; default 5ms, 100µs..10s
//	      pool_size: 8                   # idle instances kept (made when the listener is built); default GOMAXPROCS, 0..1024
//	      fail_open: false               # let a request through when the module fails; default false
//	      failure_status: server_error   # the reply when it fails (closed); default server_error
//
// The module is read, validated and compiled once per listener when the
// listener's chain is built (start-up and every reload): a file that is
// missing or not WebAssembly is reported by `xgate validate`; one that
// does not compile or instantiate (malformed, an unknown import, a memory
// minimum above memory_limit_pages, no exported phase) fails the build,
// so a reload with it is refused. pool_size instances are then made
// ahead, off the event loops.
//
// A Go module built with GOOS=wasip1 GOARCH=wasm needs at least 32 pages
// to start and grows its heap in 4 MiB arenas, so keep memory_limit_pages
// at 256 or more for one; a module written in WAT, Rust or C that
// declares its memory can run in a handful of pages.
//
// # Execution model
//
// Every call (one phase of one request) takes an idle instance from the
// listener's pool, calls the phase's export on the event loop under a
// context deadline of timeout, and gives the instance back. When the
// deadline passes, wazero (WithCloseOnContextDone) stops the module at
// its next function entry or loop back-edge and the call fails, so an
// event loop is never held longer than timeout by a module, however it
// misbehaves. A call that fails (trap, time limit, memory.grow beyond
// memory_limit_pages that the module turns into a trap or exit, a bad
// pointer handed to the host) discards its instance, which is replaced in
// the background; the request then gets failure_status with the message
// "wasm filter failed" (or goes on, with fail_open; header changes the
// module made before failing stay).
//
// An instance serves many requests one after the other, and a request's
// phases may run on different instances: a module may cache what it read
// from its configuration in globals, but must not keep per-request state
// between calls. When no instance is idle (more event loops than
// pool_size, or just after failures), one is made on the event loop
// within the same deadline. pool_size 0 makes a fresh instance for every
// call and closes it afterwards (full isolation, at the cost of
// instantiation: about 4 ms for a Go module, against 3 to 6 µs for a
// pooled call; see the package benchmarks and docs/wasm-filters.md).
//
// WASI (wasi_snapshot_preview1) is provided for modules built by standard
// toolchains: no files, no arguments or environment, empty stdin, stdout
// discarded, stderr sent to the listener's log, real clocks, crypto
// random, and sleeps that return at once (a module that sleeps spins
// until its deadline instead of blocking the loop).
//
// # The host ABI (module "xgate")
//
// A module exports one or more phase functions, each taking nothing and
// returning an i32 action (0 continue, 1 stop):
//
//	on_request() i32    before routing (PhaseRequest)
//	on_routed() i32     after routing (PhaseRouted); property "cluster" is set
//	on_response() i32   on the upstream's response head (PhaseResponse)
//
// and may export _initialize (WASI reactors, e.g. Go's
// -buildmode=c-shared), run once when an instance is made, where
// get_config and log work and the other functions answer -2 (a Go module
// may read its configuration into package variables). It imports what
// it needs from module "xgate"; every argument and result is an i32, and
// pointers are offsets in the module's exported memory "memory":
//
//	get_header(map, name_ptr, name_len, buf_ptr, buf_cap) -> len | -1 absent | -2 | -3
//	get_headers(map, buf_ptr, buf_cap) -> len | -2 | -3
//	set_header(map, name_ptr, name_len, value_ptr, value_len) -> 0 | -2 | -3
//	del_header(map, name_ptr, name_len) -> 0 | -2 | -3
//	get_body(map, buf_ptr, buf_cap) -> len | -2 | -3
//	get_property(name_ptr, name_len, buf_ptr, buf_cap) -> len | -1 absent | -3
//	get_config(buf_ptr, buf_cap) -> len
//	reply(status_ptr, status_len, msg_ptr, msg_len) -> 0 | -3
//	log(level, msg_ptr, msg_len) -> 0
//
// map is 0 for the request and 1 for the response (response phase only).
// Reading functions return the value's full length and write it to
// buf_ptr only when it fits in buf_cap: a result larger than buf_cap
// means "call again with a bigger buffer". Results: -1 absent, -2 not
// available in this phase (the response before on_response; changing the
// request in on_response, when it has already been forwarded), -3 invalid
// argument (unknown map, unknown status, an empty name, CR, LF or NUL in
// a name or value). A pointer and length outside the memory trap, which
// fails the call.
//
// get_headers writes every header of the map in wire order as
// u32le name_len, name, u32le value_len, value. Header names are
// the protocol's own: HTTP/1.1, HTTP/2 and gRPC fields are lower-case,
// with pseudo-headers (":path", ":authority", ":status"); Bolt headers and
// Dubbo attachments are case-sensitive. get_body returns the payload that
// arrived with the head: the whole body for Bolt, Dubbo and Thrift, the
// first bytes of a streamed HTTP body (property "end_stream" says whether
// that is all).
//
// get_property names: "protocol"; the routing keys of the request
// "service", "method", "path", "host" (absent when empty); "cluster"
// (after routing); "remote_address"; "phase" (request, routed, response);
// "status" (response phase: the response's generic status, e.g. "ok",
// "unavailable"); "end_stream" ("true" or "false", for the phase's frame).
//
// reply(status, msg) answers the request with the protocol's own error
// reply for the generic status named (no_route, unavailable, timeout,
// overload, bad_request, server_error, unknown) and msg; the phase
// function then returns 1. A function that returns 1 without replying
// gets server_error; any other result fails the call. In on_response the
// reply replaces the upstream's response. log levels: 0 debug, 1 info,
// 2 warn, 3 error.
//
// Package github.com/xgate/xgate/proxy/filter/wasm/guest wraps this ABI
// for Go modules; examples/wasm/apikey is a whole filter built with it
// (`make wasm-example`), and docs/wasm-filters.md walks through writing
// one.
//
// # Metrics
//
// Events (xgate_filter_events_total{filter="wasm"}): stopped (the module
// stopped a request), failed (a call failed), timeouts (of which, the time
// limit), instances (instances made).
//
// # Not the proxy-wasm ABI
//
// proxy-wasm (Envoy's ABI) needs root and per-request contexts kept
// inside long-lived instances, the guest's allocator for every value
// returned, and some forty host functions a module imports whether it uses
// them or not; this ABI is a deliberately small subset of the same ideas
// (header maps, buffers, properties, local replies). A proxy-wasm shim on
// top of this host is the way to run existing proxy-wasm filters.
package wasm
