package thrift_test

import (
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

// typicalCall is a multiplexed mirror call of about 400 bytes: a nested
// struct with lists, maps, a set and strings, as services send them.
func typicalCall(t testing.TB, v thrift.Variant) []byte {
	return libWrite(t, v, libMsg{name: "mirror", typ: athrift.CALL, seqid: 12345,
		body: &echo.EchoMirrorArgs{B: bundle(2, false)}, service: "Echo"})
}

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool is randomized under -race; allocation counts are meaningless")
	}
}

// TestZeroAllocDecode: in steady state, a session decodes and releases a
// call of every variant (the unframed ones walked) without allocating.
func TestZeroAllocDecode(t *testing.T) {
	skipUnderRace(t)
	for _, v := range thrift.AllVariants() {
		src := typicalCall(t, v)
		sess := thrift.Proto.NewSession(xprotocol.SessionOptions{})
		allocs := testing.AllocsPerRun(1000, func() {
			f, _, err := sess.Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			f.Release()
		})
		assert.Zero(t, allocs, v)
	}
}

// TestZeroAllocForwardPath: Decode, routing keys, header reads, SetStreamID
// (for compact, to ids of another varint length), Encode into a reused
// buffer and Release allocate nothing.
func TestZeroAllocForwardPath(t *testing.T) {
	skipUnderRace(t)
	for _, v := range thrift.AllVariants() {
		src := typicalCall(t, v)
		sess := thrift.Proto.NewSession(xprotocol.SessionOptions{})
		dst := make([]byte, 0, 4096)
		id := uint64(0)
		allocs := testing.AllocsPerRun(1000, func() {
			f, _, err := sess.Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			_ = f.Key(xprotocol.KeyService)
			_ = f.Key(xprotocol.KeyMethod)
			_, _ = f.Header().Get("seqid")
			_ = f.Status()
			id += 1 << 20 // crosses varint lengths as it grows
			f.SetStreamID(id%(1<<31-1) + 1)
			dst, err = sess.Encode(dst[:0], f)
			if err != nil {
				t.Fatal(err)
			}
			f.Release()
		})
		assert.Zero(t, allocs, v)
	}
}

// TestZeroAllocResponseStatus: decoding an exception and reading its
// status allocates nothing.
func TestZeroAllocResponseStatus(t *testing.T) {
	skipUnderRace(t)
	for _, v := range thrift.AllVariants() {
		src := libWrite(t, v, libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 1,
			body: athrift.NewTApplicationException(athrift.INTERNAL_ERROR, "failed")})
		sess := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: uint8(v)})
		allocs := testing.AllocsPerRun(1000, func() {
			f, _, err := sess.Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			if f.Status() != xprotocol.StatusServerError {
				t.Fatal(f.Status())
			}
			f.Release()
		})
		assert.Zero(t, allocs, v)
	}
}

// TestZeroAllocIncomplete: short reads allocate nothing.
func TestZeroAllocIncomplete(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		src := typicalCall(t, v)
		sess := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: uint8(v)})
		assert.Zero(t, testing.AllocsPerRun(100, func() {
			if _, _, err := sess.Decode(src[:len(src)-1]); err != xprotocol.ErrIncomplete {
				t.Fatal(err)
			}
		}), v)
	}
}
