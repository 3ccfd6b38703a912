package state

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

var le = binary.LittleEndian

// Enc appends values to B.
type Enc struct{ B []byte }

// U8 appends v.
func (e *Enc) U8(v uint8) { e.B = append(e.B, v) }

// Bool appends v as one byte.
func (e *Enc) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
	} else {
		e.B = append(e.B, 0)
	}
}

// U32 appends v.
func (e *Enc) U32(v uint32) { e.B = le.AppendUint32(e.B, v) }

// U64 appends v.
func (e *Enc) U64(v uint64) { e.B = le.AppendUint64(e.B, v) }

// I64 appends v.
func (e *Enc) I64(v int64) { e.B = le.AppendUint64(e.B, uint64(v)) }

// F64 appends v by its bits.
func (e *Enc) F64(v float64) { e.B = le.AppendUint64(e.B, math.Float64bits(v)) }

// Len appends a count.
func (e *Enc) Len(n int) { e.B = le.AppendUint64(e.B, uint64(n)) }

// Bytes appends b with its length.
func (e *Enc) Bytes(b []byte) {
	e.Len(len(b))
	e.B = append(e.B, b...)
}

// String appends s with its length.
func (e *Enc) String(s string) {
	e.Len(len(s))
	e.B = append(e.B, s...)
}

// F64s appends v with its length.
func (e *Enc) F64s(v []float64) { e.Len(len(v)); e.B = appendWords(e.B, v) }

// I64s appends v with its length.
func (e *Enc) I64s(v []int64) { e.Len(len(v)); e.B = appendWords(e.B, v) }

// I32s appends v with its length.
func (e *Enc) I32s(v []int32) { e.Len(len(v)); e.B = appendWords(e.B, v) }

// U32s appends v with its length.
func (e *Enc) U32s(v []uint32) { e.Len(len(v)); e.B = appendWords(e.B, v) }

// appendWords appends the little-endian bytes of v to b: one copy on a
// little-endian machine, word by word elsewhere.
func appendWords[T Word](b []byte, v []T) []byte {
	if littleEndian {
		return append(b, raw(v)...)
	}
	for i := range v {
		// The word's bits as an unsigned integer of its size, whatever
		// the machine's byte order.
		switch p := unsafe.Pointer(&v[i]); unsafe.Sizeof(v[i]) {
		case 2:
			b = le.AppendUint16(b, *(*uint16)(p))
		case 4:
			b = le.AppendUint32(b, *(*uint32)(p))
		default:
			b = le.AppendUint64(b, *(*uint64)(p))
		}
	}
	return b
}

// readWords fills dst from p, the little-endian bytes of len(dst) words.
func readWords[T Word](dst []T, p []byte) {
	if littleEndian {
		copy(raw(dst), p)
		return
	}
	for i := range dst {
		switch q := unsafe.Pointer(&dst[i]); unsafe.Sizeof(dst[i]) {
		case 2:
			*(*uint16)(q) = le.Uint16(p[2*i:])
		case 4:
			*(*uint32)(q) = le.Uint32(p[4*i:])
		default:
			*(*uint64)(q) = le.Uint64(p[8*i:])
		}
	}
}

// Dec reads values from a byte slice. The first error (data too short, a
// count that does not fit what remains or what the caller expects) is
// kept; later reads then return zero values.
type Dec struct {
	b   []byte
	off int
	err error
}

// NewDec reads b.
func NewDec(b []byte) *Dec { return &Dec{b: b} }

// Err returns the first error.
func (d *Dec) Err() error { return d.err }

// Rest returns the bytes not read yet.
func (d *Dec) Rest() []byte { return d.b[d.off:] }

// Fail records err as the decoder's error, unless one is already kept.
func (d *Dec) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *Dec) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.Fail("%s at byte %d: %d bytes needed, %d left", what, d.off, n, len(d.b)-d.off)
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

// U8 reads a byte.
func (d *Dec) U8() uint8 {
	if p := d.take(1, "byte"); p != nil {
		return p[0]
	}
	return 0
}

// Bool reads a byte that must be 0 or 1.
func (d *Dec) Bool() bool {
	v := d.U8()
	if v > 1 {
		d.Fail("flag at byte %d: %d, expected 0 or 1", d.off-1, v)
	}
	return v == 1
}

// U32 reads a uint32.
func (d *Dec) U32() uint32 {
	if p := d.take(4, "uint32"); p != nil {
		return le.Uint32(p)
	}
	return 0
}

// U64 reads a uint64.
func (d *Dec) U64() uint64 {
	if p := d.take(8, "uint64"); p != nil {
		return le.Uint64(p)
	}
	return 0
}

// I64 reads an int64.
func (d *Dec) I64() int64 { return int64(d.U64()) }

// F64 reads a float64.
func (d *Dec) F64() float64 { return math.Float64frombits(d.U64()) }

// Len reads a count of elements of size bytes each, which must fit in
// what remains.
func (d *Dec) Len(size int, what string) int {
	n := d.U64()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)-d.off)/uint64(max(size, 1)) {
		d.Fail("%s at byte %d: %d values do not fit the %d bytes left", what, d.off-8, n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

// Count reads a count that must equal want.
func (d *Dec) Count(want int, what string) bool {
	n := d.U64()
	if d.err == nil && n != uint64(want) {
		d.Fail("%s: %d values, expected %d", what, n, want)
	}
	return d.err == nil
}

// Bytes reads a length-prefixed byte slice (a sub-slice of the input).
func (d *Dec) Bytes(what string) []byte {
	n := d.Len(1, what)
	return d.take(n, what)
}

// String reads a length-prefixed string.
func (d *Dec) String(what string) string { return string(d.Bytes(what)) }

// F64s reads a slice of exactly len(dst) values into dst.
func (d *Dec) F64s(dst []float64, what string) { decodeInto(d, dst, what) }

// I64s reads a slice of exactly len(dst) values into dst.
func (d *Dec) I64s(dst []int64, what string) { decodeInto(d, dst, what) }

// I32s reads a slice of exactly len(dst) values into dst.
func (d *Dec) I32s(dst []int32, what string) { decodeInto(d, dst, what) }

// U32s reads a length-prefixed slice of at most limit values.
func (d *Dec) U32s(limit int, what string) []uint32 { return decodeSlice[uint32](d, limit, what) }

// I64Slice reads a length-prefixed slice of at most limit values.
func (d *Dec) I64Slice(limit int, what string) []int64 { return decodeSlice[int64](d, limit, what) }

// decodeInto reads a slice of exactly len(dst) words into dst.
func decodeInto[T Word](d *Dec, dst []T, what string) {
	if !d.Count(len(dst), what) {
		return
	}
	if p := d.take(len(dst)*int(unsafe.Sizeof(*new(T))), what); p != nil {
		readWords(dst, p)
	}
}

// decodeSlice reads a length-prefixed slice of at most limit words.
func decodeSlice[T Word](d *Dec, limit int, what string) []T {
	size := int(unsafe.Sizeof(*new(T)))
	n := d.Len(size, what)
	if n > limit {
		d.Fail("%s: %d values, at most %d expected", what, n, limit)
		return nil
	}
	p := d.take(size*n, what)
	if p == nil {
		return nil
	}
	v := make([]T, n)
	readWords(v, p)
	return v
}
