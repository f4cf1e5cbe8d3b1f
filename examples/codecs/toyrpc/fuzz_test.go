package toyrpc_test

import (
	"testing"

	"github.com/xgate/xgate/conformance/fuzzkit"
	"github.com/xgate/xgate/examples/codecs/toyrpc"
)

// FuzzToyDecode: arbitrary bytes against the decoder contract.
func FuzzToyDecode(f *testing.F) {
	fuzzkit.Decoder(f, toyrpc.Proto, goldens(f), fuzzkit.Options{})
}

// FuzzToyRoundTrip: renumber, set a header, encode, decode again.
func FuzzToyRoundTrip(f *testing.F) {
	fuzzkit.RoundTrip(f, toyrpc.Proto, goldens(f), fuzzkit.Options{})
}
