// Package fuzz holds Xgate's fuzz targets: one per codec, the protocol
// detector, the session state machines, differentials against the
// reference implementations (net/http, x/net/http2's Framer,
// apache/thrift, dubbo-go-hessian2) and the configuration loader. It has
// no library code; the targets live in _test.go files, seeded with golden
// frames and library-written messages through f.Add and with committed
// corpora under testdata/fuzz/<FuzzName>/ (written from the same seeds by
// TestWriteSeedCorpus; see corpus_test.go).
//
// Run one target with, e.g.:
//
//	go test -run=^$ -fuzz=FuzzBoltDecode -fuzztime=30s ./fuzz
//
// Every target asserts more than "does not panic": what decodes must
// re-encode to the same bytes and decode again to the same fields, what
// is refused must be refused with the contract's typed errors, and a
// differential target fails on any disagreement with its reference that is
// not in its table of deliberate differences. docs/fuzzing.md lists the
// targets, the tables, and how long each has run.
package fuzz
