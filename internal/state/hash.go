package state

import (
	"encoding/binary"
	"io"
	"math"
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
	size := int(unsafe.Sizeof(v[0]))
	if littleEndian {
		w.Write(raw(v))
		return
	}
	var buf [4096]byte
	n := 0
	for _, x := range v {
		if n+size > len(buf) {
			w.Write(buf[:n])
			n = 0
		}
		switch size {
		case 2:
			binary.LittleEndian.PutUint16(buf[n:], uint16(x))
		case 4:
			binary.LittleEndian.PutUint32(buf[n:], uint32(x))
		default:
			if f, ok := any(x).(float64); ok {
				binary.LittleEndian.PutUint64(buf[n:], math.Float64bits(f))
			} else {
				binary.LittleEndian.PutUint64(buf[n:], uint64(x))
			}
		}
		n += size
	}
	w.Write(buf[:n])
}

// raw returns the bytes of v in memory, its little-endian encoding on a
// little-endian machine.
func raw[T Word](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(v[0])))
}
