package bolt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/xgate/xgate/xprotocol"
)

// A Bolt v2 frame with ver1 ProtocolVersion2 and SwitchCRC set ends with a
// CRC32 field: the IEEE CRC-32 (java.util.zip.CRC32, SOFA CrcUtil.crc32) of
// every byte of the frame before it, from the proto byte through the content
// (SOFA RpcCommandEncoderV2 hashes the whole encoded command before writing
// the field; RpcCommandDecoderV2.checkCRC hashes from the frame's first byte
// to the end of its content).

// crcLen is the size of the trailing CRC32 field.
const crcLen = 4

// checkCRC verifies the trailing CRC32 of frame, which holds one whole frame
// including the field.
func checkCRC(frame []byte) error {
	body := len(frame) - crcLen
	want := binary.BigEndian.Uint32(frame[body:])
	if got := crc32.ChecksumIEEE(frame[:body]); got != want {
		return xprotocol.Malformed(Name, "crc32",
			fmt.Sprintf("frame checksum 0x%08x, computed 0x%08x over %d bytes", want, got, body))
	}
	return nil
}

// sealCRC writes the CRC32 of frame's other bytes into its last 4 bytes.
func sealCRC(frame []byte) {
	body := len(frame) - crcLen
	binary.BigEndian.PutUint32(frame[body:], crc32.ChecksumIEEE(frame[:body]))
}
