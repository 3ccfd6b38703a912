package loader

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/snn"
)

// npyMagic starts every NumPy .npy file.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header dictionary of a .npy file; NumPy writes
// a few dozen bytes, padded to 64.
const maxNPYHeader = 1 << 16

// npyHeader describes one array of a .npy file.
type npyHeader struct {
	descr   string // as written, such as "<i8"
	kind    byte   // 'i' signed, 'u' unsigned integer, 'f' float
	size    int    // bytes per element
	order   binary.ByteOrder
	fortran bool
	shape   []int
	count   int // elements: the product of shape
}

// npyValue is one element: an integer (isInt) or a float.
type npyValue struct {
	i     int64
	f     float64
	isInt bool
}

func (v npyValue) float() float64 {
	if v.isInt {
		return float64(v.i)
	}
	return v.f
}

// index returns the element as a neuron index; ok is false if it is no
// whole number. Values beyond int32 are clamped: no population reaches
// them either way.
func (v npyValue) index() (int, bool) {
	if v.isInt {
		return int(max(math.MinInt32, min(v.i, math.MaxInt32))), true
	}
	if v.f != math.Trunc(v.f) {
		return 0, false // NaN and ±Inf too
	}
	return int(max(math.MinInt32, min(v.f, math.MaxInt32))), true
}

func (v npyValue) String() string {
	if v.isInt {
		return strconv.FormatInt(v.i, 10)
	}
	return strconv.FormatFloat(v.f, 'g', -1, 64)
}

// readNPYHeader reads the magic, version and header dictionary of a .npy
// stream, leaving r at the first element. dataBytes is how many bytes
// follow the header (-1: unknown); an array that needs more is refused
// before anything is allocated for it.
func readNPYHeader(r io.Reader, dataBytes int64) (npyHeader, int64, error) {
	var h npyHeader
	pre := make([]byte, len(npyMagic)+2)
	if _, err := io.ReadFull(r, pre); err != nil || string(pre[:len(npyMagic)]) != npyMagic {
		return h, 0, errors.New("not a .npy array: expected the \\x93NUMPY signature")
	}
	var hlen int
	read := int64(len(pre))
	switch pre[len(npyMagic)] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, 0, errors.New("truncated .npy header")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
		read += 2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, 0, errors.New("truncated .npy header")
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		read += 4
	default:
		return h, 0, fmt.Errorf(".npy format version %d: expected 1, 2 or 3", pre[len(npyMagic)])
	}
	if hlen > maxNPYHeader {
		return h, 0, fmt.Errorf(".npy header of %d bytes: expected at most %d", hlen, maxNPYHeader)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(r, dict); err != nil {
		return h, 0, errors.New("truncated .npy header")
	}
	read += int64(hlen)
	if err := h.parse(string(dict)); err != nil {
		return h, 0, err
	}
	if dataBytes >= 0 {
		dataBytes -= read
		if dataBytes < 0 || int64(h.count) > dataBytes/int64(h.size) {
			return h, 0, fmt.Errorf("array of shape %s and dtype %s needs %d bytes of data, the file holds %d", h.shapeText(), h.descr, int64(h.count)*int64(h.size), max(0, dataBytes))
		}
	}
	return h, read, nil
}

// parse reads the header dictionary, a Python literal such as
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
func (h *npyHeader) parse(dict string) error {
	s := strings.TrimSpace(dict)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return fmt.Errorf(".npy header %q: expected a {'descr': ..., 'fortran_order': ..., 'shape': (...)} dictionary", clip(s))
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	seen := map[string]bool{}
	for s != "" {
		key, rest, ok := pyString(s)
		if !ok {
			return fmt.Errorf(".npy header: expected a quoted key at %q", clip(s))
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return fmt.Errorf(".npy header: expected ':' after key %q", key)
		}
		rest = strings.TrimSpace(rest[1:])
		if seen[key] {
			return fmt.Errorf(".npy header: key %q given twice", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "descr":
			var d string
			if d, rest, ok = pyString(rest); !ok {
				return fmt.Errorf(".npy header: descr: expected a quoted dtype such as '<f8', got %q", clip(rest))
			}
			err = h.setDescr(d)
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "True"):
				h.fortran, rest = true, rest[4:]
			case strings.HasPrefix(rest, "False"):
				h.fortran, rest = false, rest[5:]
			default:
				return fmt.Errorf(".npy header: fortran_order: expected True or False, got %q", clip(rest))
			}
		case "shape":
			rest, err = h.parseShape(rest)
		default:
			return fmt.Errorf(".npy header: unknown key %q (expected descr, fortran_order, shape)", clip(key))
		}
		if err != nil {
			return err
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, ",") {
			rest = strings.TrimSpace(rest[1:])
		} else if rest != "" {
			return fmt.Errorf(".npy header: expected ',' at %q", clip(rest))
		}
		s = rest
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf(".npy header: missing key %q", k)
		}
	}
	return nil
}

// pyString reads a quoted Python string without escapes at the start of s.
func pyString(s string) (v, rest string, ok bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}

// setDescr reads a dtype such as '<i8', '|u1' or '>f4'.
func (h *npyHeader) setDescr(d string) error {
	h.descr = d
	bad := fmt.Errorf(".npy dtype %q: expected a little- or big-endian integer or float such as '<i4', '|u1', '<f8'", clip(d))
	if len(d) < 3 {
		return bad
	}
	switch d[0] {
	case '<', '|', '=':
		h.order = binary.LittleEndian
	case '>':
		h.order = binary.BigEndian
	default:
		return bad
	}
	size, err := strconv.Atoi(d[2:])
	if err != nil {
		return bad
	}
	h.kind, h.size = d[1], size
	switch {
	case (h.kind == 'i' || h.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
	case h.kind == 'f' && (size == 4 || size == 8):
	default:
		return bad
	}
	if d[0] == '=' && binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		h.order = binary.BigEndian
	}
	return nil
}

// parseShape reads a tuple of non-negative integers such as (3,) or (3, 4).
func (h *npyHeader) parseShape(s string) (string, error) {
	if !strings.HasPrefix(s, "(") {
		return s, fmt.Errorf(".npy header: shape: expected a tuple such as (3,), got %q", clip(s))
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return s, fmt.Errorf(".npy header: shape: unterminated tuple %q", clip(s))
	}
	h.shape = h.shape[:0]
	h.count = 1
	for _, f := range strings.Split(s[1:end], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || n < 0 {
			return s, fmt.Errorf(".npy header: shape: expected non-negative integers, got %q", clip(s[:end+1]))
		}
		if n > 0 && h.count > math.MaxInt32/n {
			return s, fmt.Errorf(".npy header: shape %s: more than %d elements", s[:end+1], math.MaxInt32)
		}
		h.shape = append(h.shape, n)
		h.count *= n
	}
	return s[end+1:], nil
}

func (h *npyHeader) shapeText() string {
	parts := make([]string, len(h.shape))
	for i, n := range h.shape {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readValues streams the h.count elements from r to set, in file order.
func (h *npyHeader) readValues(r io.Reader, set func(k int, v npyValue) error) error {
	// Read whole chunks: a read per element cost more than decoding.
	chunk := make([]byte, (1<<16)/h.size*h.size)
	for k := 0; k < h.count; {
		n := min(h.count-k, len(chunk)/h.size)
		if _, err := io.ReadFull(r, chunk[:n*h.size]); err != nil {
			return fmt.Errorf("array of shape %s: data ends before element %d of %d", h.shapeText(), k+n, h.count)
		}
		for e := 0; e < n; e++ {
			if err := set(k+e, h.value(chunk[e*h.size:(e+1)*h.size])); err != nil {
				return err
			}
		}
		k += n
	}
	return nil
}

// value decodes one element.
func (h *npyHeader) value(buf []byte) npyValue {
	var v npyValue
	switch h.kind {
	case 'u':
		var u uint64
		switch h.size {
		case 1:
			u = uint64(buf[0])
		case 2:
			u = uint64(h.order.Uint16(buf))
		case 4:
			u = uint64(h.order.Uint32(buf))
		case 8:
			u = h.order.Uint64(buf)
		}
		v = npyValue{i: int64(min(u, math.MaxInt64)), isInt: true}
	case 'i':
		switch h.size {
		case 1:
			v.i = int64(int8(buf[0]))
		case 2:
			v.i = int64(int16(h.order.Uint16(buf)))
		case 4:
			v.i = int64(int32(h.order.Uint32(buf)))
		case 8:
			v.i = int64(h.order.Uint64(buf))
		}
		v.isInt = true
	case 'f':
		if h.size == 4 {
			v.f = float64(math.Float32frombits(h.order.Uint32(buf)))
		} else {
			v.f = math.Float64frombits(h.order.Uint64(buf))
		}
	}
	return v
}

// writeNPZ writes t as a .npz archive of the arrays pre and post (int32)
// and weight and delay (float64) if t has them; stored, not deflated, so
// that it reads as fast as it can.
func writeNPZ(w io.Writer, t *snn.ConnTable) error {
	zw := zip.NewWriter(w)
	le := binary.LittleEndian
	column := func(name, descr string, size int, put func(b []byte, k int)) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<16)
		dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }", descr, t.Len())
		// NumPy pads the header so that the data starts 64-byte aligned.
		pad := 63 - (len(npyMagic)+4+len(dict))%64
		dict += strings.Repeat(" ", pad) + "\n"
		bw.WriteString(npyMagic + "\x01\x00")
		binary.Write(bw, le, uint16(len(dict)))
		bw.WriteString(dict)
		b := make([]byte, size)
		for k := range t.Len() {
			put(b, k)
			bw.Write(b)
		}
		return bw.Flush()
	}
	ints := func(col []int32) func(b []byte, k int) {
		return func(b []byte, k int) { le.PutUint32(b, uint32(col[k])) }
	}
	floats := func(col []float64) func(b []byte, k int) {
		return func(b []byte, k int) { le.PutUint64(b, math.Float64bits(col[k])) }
	}
	if err := column("pre", "<i4", 4, ints(t.Pre)); err != nil {
		return err
	}
	if err := column("post", "<i4", 4, ints(t.Post)); err != nil {
		return err
	}
	if t.Weight != nil {
		if err := column("weight", "<f8", 8, floats(t.Weight)); err != nil {
			return err
		}
	}
	if t.Delay != nil {
		if err := column("delay", "<f8", 8, floats(t.Delay)); err != nil {
			return err
		}
	}
	return zw.Close()
}
