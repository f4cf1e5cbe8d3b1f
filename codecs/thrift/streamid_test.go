package thrift_test

import (
	"math"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

// seqids covers every compact varint length (1..5 bytes) at its edges, and
// negative seqids (5 bytes).
var seqids = []int32{0, 1, 127, 128, 1<<14 - 1, 1 << 14, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28, 1 << 30,
	math.MaxInt32, -1, math.MinInt32}

// TestSetStreamIDAllVariants renumbers a library-written call from every
// seqid to every other one: the library reads back the new seqid and the
// whole message intact (for compact the varint grows and shrinks, and a
// framed length follows), and restoring the old id gives the original bytes.
func TestSetStreamIDAllVariants(t *testing.T) {
	args := &echo.EchoMirrorArgs{B: bundle(2, false)}
	for _, v := range thrift.AllVariants() {
		for _, from := range seqids {
			wire := libWrite(t, v, libMsg{name: "mirror", typ: athrift.CALL, seqid: from, body: args, service: "Echo"})
			for _, to := range seqids {
				f, _ := mustDecode(t, v, wire)
				name, body := f.Name(), f.Body()
				service := f.Key(xprotocol.KeyService)

				f.SetStreamID(uint64(uint32(to)))
				assert.Equal(t, to, f.SeqID())
				assert.Equal(t, uint64(uint32(to)), f.StreamID())
				enc, err := f.AppendBinary(nil)
				require.NoError(t, err)
				assert.Equal(t, len(enc), f.Size(), "%s %d→%d", v, from, to)
				if !v.Compact() || varintLen(from) == varintLen(to) {
					assert.Len(t, enc, len(wire), "%s %d→%d: patched in place", v, from, to)
				}

				got := echo.NewEchoMirrorArgs()
				lib, err := libRead(v, enc, got)
				require.NoError(t, err, "%s %d→%d", v, from, to)
				assert.Equal(t, to, lib.seqid, "%s %d→%d", v, from, to)
				assert.Equal(t, "Echo:mirror", lib.name)
				assert.Equal(t, len(enc), lib.n)
				assert.True(t, got.B.Equals(args.B), "%s %d→%d: the body survived", v, from, to)

				// Slices handed out before the rewrite still hold the same bytes.
				assert.Equal(t, "Echo:mirror", string(name))
				assert.Equal(t, "Echo", string(service))
				assert.Equal(t, string(f.Body()), string(body))

				f.SetStreamID(uint64(uint32(from)))
				restored, _ := f.AppendBinary(nil)
				assert.Equal(t, wire, restored, "%s %d→%d→%d", v, from, to, from)
				f.Release()
			}
		}
	}
}

// TestSetStreamIDRepeatedResizes grows and shrinks a compact seqid many
// times on one frame; the frame stays decodable by the codec and the
// library.
func TestSetStreamIDRepeatedResizes(t *testing.T) {
	for _, v := range []thrift.Variant{thrift.CompactUnframed, thrift.CompactFramed} {
		wire := libWrite(t, v, libMsg{name: "echo", typ: athrift.CALL, seqid: 1, body: &echo.EchoEchoArgs{Msg: "x"}})
		f, _ := mustDecode(t, v, wire)
		for i := range 50 {
			id := seqids[i%len(seqids)]
			f.SetStreamID(uint64(uint32(id)))
			enc, _ := f.AppendBinary(nil)
			g, n := mustDecode(t, v, enc)
			assert.Equal(t, len(enc), n)
			assert.Equal(t, id, g.SeqID())
			assert.Equal(t, "echo", string(g.Name()))
			g.Release()
			lib, err := libRead(v, enc, echo.NewEchoEchoArgs())
			require.NoError(t, err)
			assert.Equal(t, id, lib.seqid)
		}
		f.Release()
	}
}

// TestSetStreamIDFromNonCanonicalVarint: a seqid written as a padded
// (non-canonical) varint, which the library accepts, is renumbered into the
// canonical form, shrinking the frame.
func TestSetStreamIDFromNonCanonicalVarint(t *testing.T) {
	// 0x82 0x21, seqid 5 padded to 10 bytes, name "m", empty struct.
	wire := []byte{0x82, 0x21, 0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 'm', 0x00}
	lib, err := libRead(thrift.CompactUnframed, wire, nil)
	require.NoError(t, err)
	require.Equal(t, int32(5), lib.seqid)
	f, n := mustDecode(t, thrift.CompactUnframed, wire)
	require.Equal(t, len(wire), n)
	assert.Equal(t, int32(5), f.SeqID())
	f.SetStreamID(7)
	enc, _ := f.AppendBinary(nil)
	assert.Equal(t, []byte{0x82, 0x21, 0x07, 0x01, 'm', 0x00}, enc)
	f.SetStreamID(1 << 30) // and grows again from there
	enc, _ = f.AppendBinary(nil)
	lib, err = libRead(thrift.CompactUnframed, enc, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1<<30), lib.seqid)
	f.Release()
}

func varintLen(seqid int32) int {
	n, u := 1, uint32(seqid)
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
