package hdf5

import (
	"encoding/binary"
	"fmt"
)

// undefined is the address HDF5 stores for "no address".
const undefined = ^uint64(0)

// cursor reads little-endian fields from a byte slice. The first failure
// sticks, so a sequence of reads needs one error check at its end.
type cursor struct {
	b   []byte
	off int
	err error
	osz int // size of offsets (addresses) in bytes
	lsz int // size of lengths in bytes
}

func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b)-c.off {
		c.err = fmt.Errorf("need %d bytes at offset %d, have %d", n, c.off, len(c.b)-c.off)
		return nil
	}
	s := c.b[c.off : c.off+n]
	c.off += n
	return s
}

func (c *cursor) skip(n int) { c.take(n) }

func (c *cursor) u8() uint8 {
	if s := c.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if s := c.take(2); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if s := c.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

// uint reads an unsigned integer of n bytes (1 to 8).
func (c *cursor) uint(n int) uint64 {
	s := c.take(n)
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}

func (c *cursor) addr() uint64 {
	v := c.uint(c.osz)
	if c.osz < 8 && v == 1<<(8*c.osz)-1 {
		return undefined
	}
	return v
}

func (c *cursor) length() uint64 { return c.uint(c.lsz) }

// signature checks a 4-byte block signature.
func (c *cursor) signature(want string) {
	s := c.take(4)
	if c.err == nil && string(s) != want {
		c.err = fmt.Errorf("expected signature %q, got %q", want, s)
	}
}
