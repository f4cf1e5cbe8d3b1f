# Xgate — common tasks. `make demo` and `make test` are the two a newcomer needs.
GO           ?= go
BIN          := bin
STATICCHECK  := honnef.co/go/tools/cmd/staticcheck@v0.6.1
H2SPEC       := github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
FUZZTIME     ?= 5s
# Packages with fuzz targets: ./fuzz, and codecs that get theirs from
# conformance/fuzzkit in their own tests. Each target runs for FUZZTIME in
# fuzz-smoke.
FUZZ_PKGS    := ./fuzz ./examples/codecs/toyrpc

.PHONY: all build test unit lint demo bench fuzz-smoke fuzz gen-thrift clean tools

all: build

## build: compile the xgate binary into bin/
build:
	$(GO) build -o $(BIN)/xgate ./cmd/xgate

## test: lint, every test under the race detector, and a short run of every fuzz target
test: tools lint unit fuzz-smoke

## tools: install the pinned h2spec (HTTP/2 conformance suite) into $(go env GOPATH)/bin
tools:
	@command -v h2spec >/dev/null 2>&1 || [ -x "$$($(GO) env GOPATH)/bin/h2spec" ] || $(GO) install $(H2SPEC)

## unit: every package's tests with -race (includes the end-to-end gateway tests)
unit:
	$(GO) test -race -count=1 -timeout 10m ./...

## soak: the chaos test (every protocol under load, upstreams killed and restarted, reloads)
## for SOAK (default 10m; e.g. SOAK=1h make soak); not part of `make test`
.PHONY: soak
soak:
	XGATE_SOAK=$${SOAK:-10m} $(GO) test -race -count=1 -run '^TestChaos$$' -timeout $${SOAK_TIMEOUT:-3h} -v ./cmd/xgate

## lint: gofmt, go vet and staticcheck must be clean
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## demo: gateway + sample backends, real requests through one port, then stop
demo: build
	$(GO) run ./examples/demo -xgate $(BIN)/xgate -c examples/demo.yaml

## bench: codec and transport micro-benchmarks (ns/op, B/op, allocs/op); MOSN's Bolt/Dubbo codecs
## side by side with ours on the same frames (bench/mosn, its own module); then, per protocol, xbench
## against an echo server directly and through bin/xgate at 1x1 and 8x64 for BENCH_DURATION each.
## Rewrites the generated sections of BENCHMARKS.md. BENCH_DURATION=2s make bench for a quick look.
BENCH_DURATION ?= 5s
BENCH_WARMUP   ?= 1s
BENCH_REPEAT   ?= 3
BENCH_OUT      := $(BIN)/bench
bench: build
	$(GO) build -o $(BIN)/xbench ./cmd/xbench
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -benchmem ./codecs/bolt ./codecs/dubbo ./codecs/thrift ./codecs/http1 ./codecs/http2 ./transport ./detect > $(BENCH_OUT)/micro.txt; rc=$$?; cat $(BENCH_OUT)/micro.txt; exit $$rc
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./cmd/xbench/benchsuite > $(BENCH_OUT)/same-xgate.txt; rc=$$?; cat $(BENCH_OUT)/same-xgate.txt; exit $$rc
	cd bench/mosn && $(GO) test -run '^$$' -bench . -benchmem -count 3 . > ../../$(BENCH_OUT)/same-mosn.txt; rc=$$?; cat ../../$(BENCH_OUT)/same-mosn.txt; exit $$rc
	$(GO) test -run '^$$' -bench . -benchtime 100000x ./cmd/xgate
	$(GO) run ./cmd/xbench/benchsuite -xgate $(BIN)/xgate -xbench $(BIN)/xbench -d $(BENCH_DURATION) -warmup $(BENCH_WARMUP) -repeat $(BENCH_REPEAT) \
	  -micro $(BENCH_OUT)/micro.txt -same-xgate $(BENCH_OUT)/same-xgate.txt -same-mosn $(BENCH_OUT)/same-mosn.txt -out BENCHMARKS.md

## fuzz-smoke: every fuzz target for FUZZTIME (CI); FUZZ=regexp picks targets (FUZZ=FuzzHTTP2Frames)
fuzz-smoke:
	@for p in $(FUZZ_PKGS); do \
	  targets=$$($(GO) test -list '$(or $(FUZZ),^Fuzz)' $$p) || { echo "$$targets"; exit 1; }; \
	  for t in $$(echo "$$targets" | grep '^Fuzz'); do \
	    echo "fuzz $$p $$t ($(FUZZTIME))"; \
	    out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$p 2>&1); rc=$$?; echo "$$out" | tail -3; \
	    if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input'; then \
	      echo "  (the fuzzing engine timed out stopping its workers on a loaded machine, not a finding: once more)"; \
	      $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	    elif [ $$rc -ne 0 ]; then echo "$$out"; exit 1; fi; \
	  done; \
	done

## fuzz: every fuzz target for 10 minutes (for humans; FUZZTIME=1h make fuzz for longer; FUZZ=regexp
## for some targets; docs/fuzzing.md)
fuzz:
	$(MAKE) fuzz-smoke FUZZTIME=$${FUZZTIME:-10m}

## gen-thrift: regenerate conformance/thrift/gen-go from echo.thrift (the output is committed;
## needs the thrift compiler, installed from Debian's thrift-compiler when missing)
gen-thrift:
	@command -v thrift >/dev/null || apt-get install -y thrift-compiler
	rm -rf conformance/thrift/gen-go && mkdir -p conformance/thrift/gen-go
	thrift --gen go:package_prefix=github.com/xgate/xgate/conformance/thrift/gen-go/,skip_remote \
	  -out conformance/thrift/gen-go conformance/thrift/echo.thrift
	gofmt -w conformance/thrift/gen-go

.PHONY: gen-plugin-proto plugins

PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
PLUGIN_PROTO       := proxy/filter/extproc/extprocpb/filter.proto
PY_AUTHZ           := examples/plugins/python-authz

## gen-plugin-proto: regenerate the external filter's gRPC code from $(PLUGIN_PROTO): Go in
## proxy/filter/extproc/extprocpb, Python in $(PY_AUTHZ) (with its health and go-plugin
## controller stubs). The output is committed; needs protoc and grpc_tools (installed from
## Debian's protobuf-compiler and python3-grpc-tools when missing) and the pinned Go plugins.
gen-plugin-proto:
	@command -v protoc >/dev/null || apt-get install -y protobuf-compiler
	@/usr/bin/python3 -c 'import grpc_tools' 2>/dev/null || apt-get install -y python3-grpc-tools
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH="$(CURDIR)/$(BIN)/tools:$$PATH" protoc --proto_path=. \
	  --go_out=. --go_opt=paths=source_relative \
	  --go-grpc_out=. --go-grpc_opt=paths=source_relative $(PLUGIN_PROTO)
	protoc --proto_path=$(PY_AUTHZ)/protos --proto_path=$(dir $(PLUGIN_PROTO)) --python_out=$(PY_AUTHZ) \
	  filter.proto health.proto grpc_controller.proto
	/usr/bin/python3 -m grpc_tools.protoc --proto_path=$(PY_AUTHZ)/protos --proto_path=$(dir $(PLUGIN_PROTO)) \
	  --grpc_python_out=$(PY_AUTHZ) filter.proto health.proto grpc_controller.proto

## plugins: build the Go example filter plugin into bin/ (the Python one runs from its folder)
plugins:
	$(GO) build -o $(BIN)/go-authz ./examples/plugins/go-authz

clean:
	rm -rf $(BIN)

## wasm-example: build the example wasm filter (a WASI reactor) into examples/wasm/apikey/apikey.wasm
.PHONY: wasm-example
wasm-example:
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o examples/wasm/apikey/apikey.wasm ./examples/wasm/apikey
