package npy

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Zip writes an .npz archive: one NAME.npy member per array, which
// numpy.load returns under NAME. Members are stored, not deflated, as
// numpy.savez writes them. The first error sticks: later calls return it.
type Zip struct {
	zw  *zip.Writer
	err error
}

// NewZip returns a Zip writing to w. Close finishes the archive; it does
// not close w.
func NewZip(w io.Writer) *Zip { return &Zip{zw: zip.NewWriter(w)} }

// Create starts member NAME.npy and returns a writer for its bytes, a
// header and its data, valid until the next call on z.
func (z *Zip) Create(name string) (io.Writer, error) {
	if z.err != nil {
		return nil, z.err
	}
	if name == "" || strings.ContainsAny(name, "/\\") {
		z.err = fmt.Errorf("npz: member name %q, want a plain name", name)
		return nil, z.err
	}
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		z.err = fmt.Errorf("npz: %s: %w", name, err)
	}
	return w, z.err
}

// Array writes member name: an array of descriptor descr and shape whose
// C-order data is data.
func (z *Zip) Array(name, descr string, shape []int, data []byte) error {
	w, err := z.Create(name)
	if err != nil {
		return err
	}
	if _, err := w.Write(Header(descr, shape...)); err != nil {
		return z.fail(name, err)
	}
	if _, err := w.Write(data); err != nil {
		return z.fail(name, err)
	}
	return nil
}

func (z *Zip) fail(name string, err error) error {
	z.err = fmt.Errorf("npz: %s: %w", name, err)
	return z.err
}

// Float64 writes a float64 scalar.
func (z *Zip) Float64(name string, v float64) error {
	return z.Array(name, "<f8", nil, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
}

// String writes a Unicode scalar.
func (z *Zip) String(name, s string) error {
	d := UnicodeDescr(s)
	w, _ := strconv.Atoi(d[2:])
	return z.Array(name, d, nil, AppendUnicode(nil, s, w))
}

// Strings writes a 1-D Unicode array, as wide as its longest string.
func (z *Zip) Strings(name string, s []string) error {
	d := UnicodeDescr(s...)
	w, _ := strconv.Atoi(d[2:])
	var b []byte
	for _, x := range s {
		b = AppendUnicode(b, x, w)
	}
	return z.Array(name, d, []int{len(s)}, b)
}

// Uint32s writes a 1-D uint32 array.
func (z *Zip) Uint32s(name string, v []uint32) error {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return z.Array(name, "<u4", []int{len(v)}, b)
}

// Close writes the archive's central directory.
func (z *Zip) Close() error {
	if z.err != nil {
		return z.err
	}
	if err := z.zw.Close(); err != nil {
		z.err = fmt.Errorf("npz: %w", err)
		return z.err
	}
	z.err = fmt.Errorf("npz: write to a closed archive")
	return nil
}
