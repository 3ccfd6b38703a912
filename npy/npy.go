package npy

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Magic starts every .npy file; the two bytes after it are the format
// version, 1.0 here.
const Magic = "\x93NUMPY"

// Field is one field of a structured record: its name, its NumPy type
// descriptor ("<i8", "<u4", "|u1", ...) and its size in bytes.
type Field struct {
	Name, Descr string
	Size        int
}

// countWidth is the number of digits StructHeader reserves for the count.
const countWidth = 20

// Header returns a version 1.0 header for a C-order array of the given
// descriptor (such as "<f8" or "<U5") and shape; an empty shape is a
// scalar. Header pads to a multiple of 64 bytes, as NumPy does, so that
// the data that follows is aligned.
func Header(descr string, shape ...int) []byte {
	return header(fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeText(shape)))
}

// StructHeader returns a version 1.0 header for a 1-D array of n packed
// records of the given fields. The count is padded to 20 digits, so the
// header has the same length whatever n is: a writer that learns n only
// at the end writes StructHeader(fields, 0) first and overwrites it.
func StructHeader(fields []Field, n int64) []byte {
	var d strings.Builder
	d.WriteString("{'descr': [")
	for i, f := range fields {
		if i > 0 {
			d.WriteString(", ")
		}
		fmt.Fprintf(&d, "('%s', '%s')", f.Name, f.Descr)
	}
	count := strconv.FormatInt(n, 10)
	fmt.Fprintf(&d, "], 'fortran_order': False, 'shape': (%s,), }", count)
	d.WriteString(strings.Repeat(" ", max(0, countWidth-len(count))))
	return header(d.String())
}

// RecordSize is the size in bytes of one packed record of fields.
func RecordSize(fields []Field) int {
	n := 0
	for _, f := range fields {
		n += f.Size
	}
	return n
}

func shapeText(shape []int) string {
	switch len(shape) {
	case 0:
		return "()"
	case 1:
		return fmt.Sprintf("(%d,)", shape[0])
	}
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = strconv.Itoa(n)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// header pads dict with spaces and a newline so that magic (6), version
// (2), length (2) and dict fill a multiple of 64 bytes.
func header(dict string) []byte {
	total := 10 + len(dict) + 1
	dict += strings.Repeat(" ", (64-total%64)%64) + "\n"
	h := make([]byte, 0, 10+len(dict))
	h = append(h, Magic...)
	h = append(h, 1, 0)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)))
	return append(h, dict...)
}

// UnicodeDescr returns the descriptor of NumPy's fixed-width Unicode type
// wide enough for every string of s ("<U1" at least).
func UnicodeDescr(s ...string) string {
	w := 1
	for _, x := range s {
		w = max(w, utf8.RuneCountInString(x))
	}
	return "<U" + strconv.Itoa(w)
}

// AppendUnicode appends s as w UTF-32LE code points, padded with zeros,
// NumPy's layout of a "<Uw" element. Invalid UTF-8 becomes U+FFFD; s must
// have at most w runes.
func AppendUnicode(b []byte, s string, w int) []byte {
	n := 0
	for _, r := range s {
		b = binary.LittleEndian.AppendUint32(b, uint32(r))
		n++
	}
	for ; n < w; n++ {
		b = append(b, 0, 0, 0, 0)
	}
	return b
}
