package state

import (
	"encoding/binary"
	"io"
	"unsafe"
)

// Word is an element type Write can hash.
type Word interface {
	~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~float64
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Write writes the little-endian bytes of v to w, a hash: in place on a
// little-endian machine, which makes fingerprinting a core's synapse
// memory cost a pass over it, through a buffer elsewhere.
func Write[T Word](w io.Writer, v []T) {
	if len(v) == 0 {
		return
	}
	if littleEndian {
		w.Write(raw(v))
		return
	}
	var buf [4096]byte
	for per := len(buf) / int(unsafe.Sizeof(v[0])); len(v) > 0; {
		n := min(per, len(v))
		w.Write(appendWords(buf[:0], v[:n]))
		v = v[n:]
	}
}

// raw returns the bytes of v in memory, its little-endian encoding on a
// little-endian machine.
func raw[T Word](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(v[0])))
}
