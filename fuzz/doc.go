// Package fuzz holds Xgate's fuzz targets: one per codec, the protocol
// detector and the session state machines. It has no library code; the
// targets live in _test.go files, seeded with golden frames through f.Add and
// with corpora under testdata/fuzz/<FuzzName>/.
//
// Run one target with, e.g.:
//
//	go test -run=^$ -fuzz=FuzzBoltDecode -fuzztime=30s ./fuzz
//
// Every target asserts more than "does not panic": what decodes must
// re-encode to the same bytes and decode again to the same fields, and what
// is refused must be refused with the contract's typed errors.
package fuzz
