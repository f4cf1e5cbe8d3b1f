package thrift_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/xprotocol"
)

// randomValues writes random Thrift values with the library's protocol
// writer: every type, containers of every element type, nesting, compact
// bool fields (packed in the field header), long-form and negative field ids.
type randomValues struct {
	r   *rand.Rand
	ctx context.Context
	p   athrift.TProtocol
	// maxDepth bounds nesting; the body struct is level 1.
	maxDepth int
	// budget bounds the number of values, so nesting stays small.
	budget int
}

var valueTypes = []athrift.TType{athrift.BOOL, athrift.BYTE, athrift.I16, athrift.I32, athrift.I64,
	athrift.DOUBLE, athrift.STRING, athrift.UUID, athrift.STRUCT, athrift.LIST, athrift.SET, athrift.MAP}

func (g *randomValues) typ(level int) athrift.TType {
	g.budget--
	if level >= g.maxDepth || g.budget <= 0 {
		return valueTypes[g.r.IntN(8)] // a primitive: no deeper level
	}
	return valueTypes[g.r.IntN(len(valueTypes))]
}

func (g *randomValues) structAt(level int) {
	_ = g.p.WriteStructBegin(g.ctx, "S")
	id := int16(g.r.IntN(3) - 1)
	for range g.r.IntN(6) {
		switch g.r.IntN(4) {
		case 0:
			id += int16(16 + g.r.IntN(1000)) // beyond a compact delta
		case 1:
			id = -int16(1 + g.r.IntN(100)) // negative: long form
		default:
			id += int16(1 + g.r.IntN(3))
		}
		t := g.typ(level + 1)
		_ = g.p.WriteFieldBegin(g.ctx, "f", t, id)
		g.value(t, level+1)
		_ = g.p.WriteFieldEnd(g.ctx)
	}
	_ = g.p.WriteFieldStop(g.ctx)
	_ = g.p.WriteStructEnd(g.ctx)
}

func (g *randomValues) value(t athrift.TType, level int) {
	r, ctx, p := g.r, g.ctx, g.p
	switch t {
	case athrift.BOOL:
		_ = p.WriteBool(ctx, r.IntN(2) == 0)
	case athrift.BYTE:
		_ = p.WriteByte(ctx, int8(r.Uint32()))
	case athrift.I16:
		_ = p.WriteI16(ctx, int16(r.Uint32()))
	case athrift.I32:
		_ = p.WriteI32(ctx, int32(r.Uint32()>>r.IntN(32)))
	case athrift.I64:
		_ = p.WriteI64(ctx, int64(r.Uint64()>>r.IntN(64)))
	case athrift.DOUBLE:
		_ = p.WriteDouble(ctx, r.NormFloat64())
	case athrift.STRING:
		b := make([]byte, r.IntN(200))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		_ = p.WriteBinary(ctx, b)
	case athrift.UUID:
		var u athrift.Tuuid
		for i := range u {
			u[i] = byte(r.Uint32())
		}
		_ = p.WriteUUID(ctx, u)
	case athrift.STRUCT:
		g.structAt(level)
	case athrift.LIST, athrift.SET:
		et, n := g.typ(level+1), r.IntN(18)
		if t == athrift.LIST {
			_ = p.WriteListBegin(ctx, et, n)
		} else {
			_ = p.WriteSetBegin(ctx, et, n)
		}
		for range n {
			g.value(et, level+1)
		}
	case athrift.MAP:
		kt, vt, n := g.typ(level+1), g.typ(level+1), r.IntN(6)
		_ = p.WriteMapBegin(ctx, kt, vt, n)
		for range n {
			g.value(kt, level+1)
			g.value(vt, level+1)
		}
	}
}

// randomMessage writes a CALL of variant v whose args are a random struct.
func randomMessage(t testing.TB, r *rand.Rand, v thrift.Variant, maxDepth int) []byte {
	mem := athrift.NewTMemoryBufferLen(1024)
	p, trans := libProtocol(v, mem)
	g := &randomValues{r: r, ctx: context.Background(), p: p, maxDepth: maxDepth, budget: 300}
	require.NoError(t, p.WriteMessageBegin(g.ctx, "random", athrift.CALL, int32(r.Uint32())))
	g.structAt(1)
	require.NoError(t, p.WriteMessageEnd(g.ctx))
	require.NoError(t, trans.Flush(g.ctx))
	return append([]byte(nil), mem.Bytes()...)
}

// TestWalkerAgreesWithLibrarySkip: on random messages of every shape, the
// walker ends an unframed message exactly where the library's Skip ends
// it, and every strict prefix is incomplete.
func TestWalkerAgreesWithLibrarySkip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		for i := range 3000 {
			wire := randomMessage(t, r, v, 1+i%12)
			lib, err := libRead(v, wire, nil)
			require.NoError(t, err)
			require.Equal(t, len(wire), lib.n)
			f, n, err := thrift.Decode(append(wire, 0xee), v, 0) // one stray byte after it
			require.NoError(t, err, "%s message %d", v, i)
			require.Equal(t, lib.n, n, "%s message %d", v, i)
			f.Release()
			if i%300 == 0 {
				for cut := range wire {
					_, _, err := thrift.Decode(wire[:cut], v, 0)
					require.ErrorIs(t, err, xprotocol.ErrIncomplete, "%s message %d cut at %d", v, i, cut)
				}
			}
		}
	}
}

// nested writes a CALL whose args (level 1) hold structs, or lists of
// lists, nested so that the innermost value, an i32, is at the given level
// (at least 3). With innerMap, the innermost list is a map<i32,i32>.
func nested(t testing.TB, v thrift.Variant, levels int, lists, innerMap bool) []byte {
	mem := athrift.NewTMemoryBufferLen(1024)
	p, trans := libProtocol(v, mem)
	ctx := context.Background()
	require.NoError(t, p.WriteMessageBegin(ctx, "deep", athrift.CALL, 1))
	_ = p.WriteStructBegin(ctx, "args")
	if lists {
		_ = p.WriteFieldBegin(ctx, "l", athrift.LIST, 1) // the list at level 2
		// Containers at levels 2 .. levels-1; the innermost holds the i32.
		for level := 2; level < levels; level++ {
			innermost := level == levels-1
			if innermost && innerMap {
				_ = p.WriteMapBegin(ctx, athrift.I32, athrift.I32, 1)
				_ = p.WriteI32(ctx, 41)
				break
			}
			var et athrift.TType = athrift.LIST
			switch {
			case innermost:
				et = athrift.I32
			case innerMap && level+1 == levels-1:
				et = athrift.MAP
			}
			_ = p.WriteListBegin(ctx, et, 1)
		}
		_ = p.WriteI32(ctx, 42)
	} else {
		for level := 2; level < levels; level++ {
			_ = p.WriteFieldBegin(ctx, "s", athrift.STRUCT, 1)
			_ = p.WriteStructBegin(ctx, "s")
		}
		_ = p.WriteFieldBegin(ctx, "leaf", athrift.I32, 1)
		_ = p.WriteI32(ctx, 42)
		for level := 2; level < levels; level++ {
			_ = p.WriteFieldStop(ctx)
			_ = p.WriteStructEnd(ctx)
		}
	}
	_ = p.WriteFieldStop(ctx)
	_ = p.WriteStructEnd(ctx)
	require.NoError(t, p.WriteMessageEnd(ctx))
	require.NoError(t, trans.Flush(ctx))
	return append([]byte(nil), mem.Bytes()...)
}

// TestWalkerDepthLimit: around the limit, the walker accepts exactly what
// the library's Skip accepts; deeper nesting is malformed.
func TestWalkerDepthLimit(t *testing.T) {
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		for _, shape := range []struct{ lists, innerMap bool }{{false, false}, {true, false}, {true, true}} {
			lists := shape.lists
			for levels := thrift.MaxDepth - 2; levels <= thrift.MaxDepth+2; levels++ {
				wire := nested(t, v, levels, lists, shape.innerMap)
				_, libErr := libRead(v, wire, nil)
				f, n, err := thrift.Decode(wire, v, 0)
				if levels <= thrift.MaxDepth {
					require.NoError(t, libErr, "%s %+v levels=%d", v, shape, levels)
					require.NoError(t, err, "%s %+v levels=%d", v, shape, levels)
					assert.Equal(t, len(wire), n)
					f.Release()
					continue
				}
				require.Error(t, libErr, "%s %+v levels=%d: the library refuses it", v, shape, levels)
				require.ErrorIs(t, err, xprotocol.ErrMalformed, "%s %+v levels=%d", v, shape, levels)
				assert.Contains(t, err.Error(), "nest deeper than 64")
			}
		}
	}
}

// header returns the bytes of a CALL header named "m" in protocol v.
func callHeader(v thrift.Variant) []byte {
	if v.Compact() {
		return []byte{0x82, 0x21, 0x01, 0x01, 'm'}
	}
	return []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, 'm', 0, 0, 0, 1}
}

// hugeCounts are bodies declaring containers and strings of 2^31-1
// elements or bytes, followed by only a few bytes.
func hugeCounts(v thrift.Variant) map[string][]byte {
	const n = math.MaxInt32
	if v.Compact() {
		count := binary.AppendUvarint(nil, n)
		return map[string][]byte{
			"list":   append(append([]byte{0x19, 0xf5}, count...), 1, 2, 3),    // field 1 LIST<i32>
			"set":    append(append([]byte{0x1a, 0xf8}, count...), 0, 0, 0),    // field 1 SET<binary>
			"map":    append(append([]byte{0x1b}, count...), 0x55, 2, 4, 6),    // field 1 MAP<i32,i32>
			"string": append(append([]byte{0x18}, count...), 'a', 'b', 'c'),    // field 1 BINARY
			"nested": append(append([]byte{0x19, 0xf9}, count...), 0x15, 1, 2), // LIST<LIST<i32>>
		}
	}
	be := binary.BigEndian.AppendUint32(nil, n)
	return map[string][]byte{
		"list":   append(append([]byte{15, 0, 1, 8}, be...), 1, 2, 3),
		"set":    append(append([]byte{14, 0, 1, 11}, be...), 0, 0, 0),
		"map":    append(append([]byte{13, 0, 1, 8, 8}, be...), 0, 0, 0),
		"string": append(append([]byte{11, 0, 1}, be...), 'a', 'b', 'c'),
		"nested": append(append([]byte{15, 0, 1, 15}, be...), 8, 0, 0, 0, 1),
	}
}

// TestWalkerHugeCountsAreIncompleteWithoutAllocating: a list, set, map or
// string claiming 2^31-1 elements with a few bytes present is incomplete,
// allocates nothing, and is refused as too large from its header alone
// when the limit cannot hold it.
func TestWalkerHugeCountsAreIncompleteWithoutAllocating(t *testing.T) {
	const unlimited = 1 << 40 // a limit no 2^31-1 count can exceed
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		for name, body := range hugeCounts(v) {
			wire := append(callHeader(v), body...)
			sess := thrift.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: unlimited})
			allocs := testing.AllocsPerRun(100, func() {
				if _, _, err := thrift.Decode(wire, v, unlimited); err != xprotocol.ErrIncomplete {
					t.Fatalf("%s %s: %v", v, name, err)
				}
				if _, _, err := sess.Decode(wire); err != xprotocol.ErrIncomplete {
					t.Fatalf("%s %s (session): %v", v, name, err)
				}
			})
			assert.Zero(t, allocs, "%s %s", v, name)

			_, _, err := thrift.Decode(wire, v, 0)
			assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge, "%s %s with the default limit", v, name)
		}
	}
}

// TestWalkerRefusals: the rules the walker enforces, each with the error
// class it gives.
func TestWalkerRefusals(t *testing.T) {
	type tc struct {
		v    thrift.Variant
		name string
		body []byte
		want error
	}
	cases := []tc{
		{thrift.BinaryUnframed, "unknown field type", []byte{7, 0, 1, 0}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "void field", []byte{1, 0, 1, 0}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "negative string length", []byte{11, 0, 1, 0xff, 0xff, 0xff, 0xff}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "negative list size (2^31)", []byte{15, 0, 1, 8, 0x80, 0, 0, 0}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "negative map size", []byte{13, 0, 1, 8, 8, 0xff, 0, 0, 0}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "list of unknown type", []byte{15, 0, 1, 7, 0, 0, 0, 1}, xprotocol.ErrMalformed},
		{thrift.BinaryUnframed, "map of unknown value type", []byte{13, 0, 1, 8, 0, 0, 0, 0, 1}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "unknown field type 14", []byte{0x1e}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "list of type 15", []byte{0x19, 0x0f}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "list of STOP", []byte{0x19, 0x10}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "empty list of type 14", []byte{0x19, 0x0e, 0}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "map of STOP keys", []byte{0x1b, 0x01, 0x05}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "negative string length (2^31)", []byte{0x18, 0x80, 0x80, 0x80, 0x80, 0x08}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "11-byte varint", []byte{0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, xprotocol.ErrMalformed},
		{thrift.CompactUnframed, "string past the limit", []byte{0x18, 0x80, 0x80, 0x80, 0x10}, xprotocol.ErrFrameTooLarge},
		{thrift.BinaryUnframed, "string past the limit", []byte{11, 0, 1, 0x7f, 0, 0, 0}, xprotocol.ErrFrameTooLarge},
	}
	for _, c := range cases {
		wire := append(callHeader(c.v), c.body...)
		_, n, err := thrift.Decode(wire, c.v, 0)
		require.ErrorIs(t, err, c.want, "%s: %s", c.v, c.name)
		assert.Zero(t, n)
		var fe *xprotocol.FrameError
		require.True(t, errors.As(err, &fe), "%s: %s: typed error", c.v, c.name)
		assert.Equal(t, thrift.Name, fe.Protocol)
		// The library refuses these too (or, for the size limit, would read
		// past the bytes there are).
		_, libErr := libRead(c.v, wire, nil)
		assert.Error(t, libErr, "%s: %s", c.v, c.name)
	}

	// Empty containers of any element type are accepted, as by the library.
	for _, c := range []tc{
		{thrift.BinaryUnframed, "empty list of unknown type", []byte{15, 0, 1, 7, 0, 0, 0, 0, 0}, nil},
		{thrift.CompactUnframed, "empty list of STOP", []byte{0x19, 0x00, 0}, nil},
		{thrift.CompactUnframed, "empty map", []byte{0x1b, 0x00, 0}, nil},
		{thrift.CompactUnframed, "10-byte varint", []byte{0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}, nil},
		{thrift.CompactUnframed, "bool fields take no bytes", []byte{0x11, 0x12, 0}, nil},
	} {
		wire := append(callHeader(c.v), c.body...)
		lib, libErr := libRead(c.v, wire, nil)
		require.NoError(t, libErr, c.name)
		f, n, err := thrift.Decode(wire, c.v, 0)
		require.NoError(t, err, c.name)
		assert.Equal(t, lib.n, n, c.name)
		f.Release()
	}
}

// TestUnframedSizeLimit: a message of exactly the limit decodes; one byte
// over is too large, from the length field that makes it so.
func TestUnframedSizeLimit(t *testing.T) {
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		f, err := thrift.Build(thrift.Message{Variant: v, Type: thrift.TypeCall, Name: "m", SeqID: 1,
			Body: stringArgs(v, string(make([]byte, 1000)))})
		require.NoError(t, err)
		wire := wireOf(t, f)
		f, n, err := thrift.Decode(wire, v, len(wire))
		require.NoError(t, err)
		assert.Equal(t, len(wire), n)
		f.Release()
		// The string's length field alone proves the message too large.
		cut := len(wire) - 1000
		_, _, err = thrift.Decode(wire[:cut], v, len(wire)-2)
		require.ErrorIs(t, err, xprotocol.ErrFrameTooLarge, v)
	}
}

// stringArgs serializes an args struct {1: string s} in v's protocol.
func stringArgs(v thrift.Variant, s string) []byte {
	mem := athrift.NewTMemoryBuffer()
	p, _ := libProtocol(thrift.MakeVariant(v.Compact(), false), mem)
	ctx := context.Background()
	_ = p.WriteStructBegin(ctx, "args")
	_ = p.WriteFieldBegin(ctx, "s", athrift.STRING, 1)
	_ = p.WriteString(ctx, s)
	_ = p.WriteFieldStop(ctx)
	return mem.Bytes()
}
