package bolt

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetStreamIDSameBuffer: SetStreamID writes into the frame's own pooled
// bytes; the buffer is neither replaced nor re-encoded.
func TestSetStreamIDSameBuffer(t *testing.T) {
	f := NewRequest(1, "cls", [][2]string{{"service", "s"}}, []byte("body"), 0)
	defer f.Release()
	before := unsafe.SliceData(*f.bufp)
	snapshot := append([]byte(nil), *f.bufp...)

	f.SetStreamID(0x01020304)

	assert.Equal(t, before, unsafe.SliceData(*f.bufp), "same backing array")
	assert.False(t, f.dirty)
	assert.Equal(t, uint32(0x01020304), binary.BigEndian.Uint32((*f.bufp)[layoutV1.idOff:]))
	want := append([]byte(nil), snapshot...)
	binary.BigEndian.PutUint32(want[5:], 0x01020304)
	assert.Equal(t, want, *f.bufp)
}

// TestSetStreamIDSameBufferCRC: in a Bolt v2 frame with a CRC32, SetStreamID
// patches requestId and the CRC32 in the same buffer, and the frame stays
// clean, so Encode still copies bytes rather than re-serializing.
func TestSetStreamIDSameBufferCRC(t *testing.T) {
	f, err := Build(Message{Proto: ProtoV2, CRC: true, Type: TypeRequest, Code: CodeRequest, ID: 1,
		Class: "cls", Headers: [][2]string{{"service", "s"}}, Content: []byte("body")})
	require.NoError(t, err)
	defer f.Release()
	before := unsafe.SliceData(*f.bufp)
	snapshot := append([]byte(nil), *f.bufp...)

	f.SetStreamID(0x01020304)

	assert.Equal(t, before, unsafe.SliceData(*f.bufp), "same backing array")
	assert.False(t, f.dirty)
	b := *f.bufp
	assert.Equal(t, uint32(0x01020304), binary.BigEndian.Uint32(b[layoutV2.idOff:]))
	want := append([]byte(nil), snapshot...)
	binary.BigEndian.PutUint32(want[6:], 0x01020304)
	binary.BigEndian.PutUint32(want[len(want)-4:], crc32.ChecksumIEEE(want[:len(want)-4]))
	assert.Equal(t, want, b)
	assert.NoError(t, checkCRC(b))
}

// TestLayoutV2 pins the v2 offsets to SOFA RpcProtocolV2's header lengths.
func TestLayoutV2(t *testing.T) {
	assert.Equal(t, 24, layoutV2.fixedLen(TypeRequest))
	assert.Equal(t, 24, layoutV2.fixedLen(TypeOneway))
	assert.Equal(t, 22, layoutV2.fixedLen(TypeResponse))
	assert.Equal(t, 22, layoutV1.fixedLen(TypeRequest))
	assert.Equal(t, 20, layoutV1.fixedLen(TypeResponse))
	assert.False(t, layoutV1.hasCRC(ProtocolVersion2, SwitchCRC), "v1 never has a CRC32")
	assert.False(t, layoutV2.hasCRC(ProtocolVersion1, SwitchCRC), "ver1 1 never has a CRC32")
	assert.False(t, layoutV2.hasCRC(ProtocolVersion2, 0xfe))
	assert.True(t, layoutV2.hasCRC(ProtocolVersion2, SwitchCRC))
}

// TestReleaseResetsFrame: a released frame keeps only its edit buffer.
func TestReleaseResetsFrame(t *testing.T) {
	f := NewRequest(1, "c", [][2]string{{"a", "b"}}, []byte("x"), 0)
	f.Header().Set("a", "c")
	f.Release()
	assert.Nil(t, f.bufp)
	assert.Nil(t, f.header)
	assert.False(t, f.dirty)
	assert.Zero(t, len(f.edit))
}
