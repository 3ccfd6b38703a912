package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Datatype classes used here.
const (
	classFixed  = 0
	classFloat  = 1
	classString = 3
	classVLen   = 9
)

type datatype struct {
	class  uint8
	size   uint32
	big    bool // big-endian byte order
	signed bool
	pad    uint8 // string padding: 0 null-terminated, 1 null-padded, 2 space-padded
	vlen   bool  // a variable-length string (class 9)
}

// parseDatatype reads a datatype message body; depth bounds the nesting of
// variable-length base types.
func parseDatatype(c *cursor, depth int) (*datatype, error) {
	if depth > 4 {
		return nil, errors.New("datatypes nested too deeply")
	}
	cv := c.u8()
	bits := c.take(3)
	dt := &datatype{class: cv & 0x0f, size: c.u32()}
	if c.err != nil {
		return nil, c.err
	}
	switch dt.class {
	case classFixed:
		dt.big = bits[0]&1 != 0
		dt.signed = bits[0]&8 != 0
		c.skip(4) // bit offset and precision
		if dt.size != 1 && dt.size != 2 && dt.size != 4 && dt.size != 8 {
			return nil, fmt.Errorf("%d-byte integer: expected 1, 2, 4 or 8 bytes", dt.size)
		}
	case classFloat:
		dt.big = bits[0]&1 != 0
		if bits[0]&0x40 != 0 {
			return nil, errors.New("VAX floating point: not supported")
		}
		c.skip(2 + 2) // bit offset and precision
		expLoc, expSize, mantLoc, mantSize := c.u8(), c.u8(), c.u8(), c.u8()
		c.u32() // exponent bias
		ieee := (dt.size == 4 && expLoc == 23 && expSize == 8 && mantLoc == 0 && mantSize == 23) ||
			(dt.size == 8 && expLoc == 52 && expSize == 11 && mantLoc == 0 && mantSize == 52)
		if c.err == nil && !ieee {
			return nil, fmt.Errorf("%d-byte float with exponent %d@%d and mantissa %d@%d: only IEEE 754 binary32 and binary64 are supported",
				dt.size, expSize, expLoc, mantSize, mantLoc)
		}
	case classString:
		dt.pad = bits[0] & 0x0f
	case classVLen:
		if bits[0]&0x0f != 1 {
			return nil, errors.New("variable-length sequence: only variable-length strings are supported")
		}
		dt.vlen = true
		dt.pad = bits[0] >> 4 & 0x0f
		if _, err := parseDatatype(c, depth+1); err != nil {
			return nil, fmt.Errorf("variable-length string base type: %w", err)
		}
		// An element is a length, a global heap collection address and an
		// object index.
		if want := uint32(4 + c.osz + 4); dt.size != want {
			return nil, fmt.Errorf("variable-length element of %d bytes, expected %d", dt.size, want)
		}
	default:
		return nil, fmt.Errorf("datatype class %d: only integers, floats and strings are supported", dt.class)
	}
	if dt.size == 0 {
		return nil, errors.New("zero-sized datatype")
	}
	return dt, c.err
}

func (dt *datatype) order() binary.ByteOrder {
	if dt.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (dt *datatype) numeric() bool { return dt.class == classFixed || dt.class == classFloat }

// Float64s returns the elements converted to float64 in row-major order,
// and the shape. Integers convert exactly up to 2^53.
func (v *value) Float64s() ([]float64, []int, error) {
	if !v.dt.numeric() {
		return nil, nil, fmt.Errorf("hdf5: %s: expected numbers, found a string", v.path)
	}
	n := len(v.raw) / int(v.dt.size)
	out := make([]float64, n)
	bo := v.dt.order()
	for i := range out {
		b := v.raw[i*int(v.dt.size) : (i+1)*int(v.dt.size)]
		out[i] = v.dt.float(bo, b)
	}
	return out, v.Shape(), nil
}

func (dt *datatype) float(bo binary.ByteOrder, b []byte) float64 {
	if dt.class == classFloat {
		if dt.size == 4 {
			return float64(math.Float32frombits(bo.Uint32(b)))
		}
		return math.Float64frombits(bo.Uint64(b))
	}
	var u uint64
	switch dt.size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(bo.Uint16(b))
	case 4:
		u = uint64(bo.Uint32(b))
	default:
		u = bo.Uint64(b)
	}
	if dt.signed {
		shift := 64 - 8*dt.size
		return float64(int64(u<<shift) >> shift)
	}
	return float64(u)
}

// Strings returns the elements of a string value in row-major order, and
// the shape. Trailing padding is removed.
func (v *value) Strings() ([]string, []int, error) {
	switch {
	case v.dt.class == classString:
		n := len(v.raw) / int(v.dt.size)
		out := make([]string, n)
		for i := range out {
			out[i] = trimPad(v.raw[i*int(v.dt.size):(i+1)*int(v.dt.size)], v.dt.pad)
		}
		return out, v.Shape(), nil
	case v.dt.vlen:
		n := len(v.raw) / int(v.dt.size)
		out := make([]string, n)
		total := 0 // elements may share one heap object: bound the copies
		for i := range out {
			c := &cursor{b: v.raw[i*int(v.dt.size) : (i+1)*int(v.dt.size)], osz: v.f.osz, lsz: v.f.lsz}
			length, coll, idx := c.u32(), c.addr(), c.u32()
			if c.err != nil {
				return nil, nil, fmt.Errorf("hdf5: %s: element %d: %w", v.path, i, c.err)
			}
			if length == 0 {
				continue
			}
			b, err := v.f.globalObject(coll, idx)
			if err != nil {
				return nil, nil, fmt.Errorf("hdf5: %s: element %d: %w", v.path, i, err)
			}
			if uint64(length) > uint64(len(b)) {
				return nil, nil, fmt.Errorf("hdf5: %s: element %d: string of %d bytes in a heap object of %d", v.path, i, length, len(b))
			}
			if total += int(length); total > maxValueBytes {
				return nil, nil, fmt.Errorf("hdf5: %s: strings longer than %d bytes in all", v.path, maxValueBytes)
			}
			out[i] = trimPad(b[:length], v.dt.pad)
		}
		return out, v.Shape(), nil
	}
	return nil, nil, fmt.Errorf("hdf5: %s: expected strings, found numbers", v.path)
}

func trimPad(b []byte, pad uint8) string {
	if pad == 2 {
		return string(bytes.TrimRight(b, " "))
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// globalObject returns object idx of the global heap collection at addr.
func (f *File) globalObject(addr uint64, idx uint32) ([]byte, error) {
	objs, ok := f.heaps[addr]
	if !ok {
		var err error
		if objs, err = f.globalHeap(addr); err != nil {
			return nil, fmt.Errorf("global heap %#x: %w", addr, err)
		}
		f.heaps[addr] = objs
	}
	b, ok := objs[uint16(idx)]
	if !ok || idx > math.MaxUint16 {
		return nil, fmt.Errorf("global heap %#x has no object %d", addr, idx)
	}
	return b, nil
}

func (f *File) globalHeap(addr uint64) (map[uint16][]byte, error) {
	c, err := f.at(addr)
	if err != nil {
		return nil, err
	}
	c.signature("GCOL")
	c.skip(4) // version, reserved
	size := c.length()
	if c.err != nil {
		return nil, c.err
	}
	const header = 8 // signature, version, reserved
	b, err := f.span(addr, size)
	if err != nil || size < uint64(header+f.lsz) {
		return nil, fmt.Errorf("collection of %d bytes: outside the file or too small", size)
	}
	c = &cursor{b: b, off: header + f.lsz, osz: f.osz, lsz: f.lsz}
	objs := map[uint16][]byte{}
	for c.off+8+f.lsz <= len(b) {
		idx := c.u16()
		c.skip(2 + 4) // reference count, reserved
		n := c.length()
		if idx == 0 { // free space: the rest of the collection
			break
		}
		if n > uint64(len(b)) {
			return nil, fmt.Errorf("object %d of %d bytes: larger than the collection", idx, n)
		}
		objs[idx] = c.take(int(n))
		if c.err != nil {
			return nil, fmt.Errorf("object %d: %w", idx, c.err)
		}
		c.off = min(c.off+(8-c.off%8)%8, len(b)) // objects are padded to 8 bytes
	}
	return objs, nil
}

// IsFloat32 reports whether the elements are stored as IEEE binary32, so
// that a writer can keep the type of values it copies.
func (v *value) IsFloat32() bool { return v.dt.class == classFloat && v.dt.size == 4 }

// IsInteger reports whether the value is stored as integers.
func (v *value) IsInteger() bool { return v.dt.class == classFixed }
