package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// parse splits an .npy member into its header dictionary and data,
// checking the layout NumPy requires.
func parse(t testing.TB, b []byte) (string, []byte) {
	t.Helper()
	if len(b) < 10 || string(b[:8]) != Magic+"\x01\x00" {
		t.Fatalf("bad magic or version % x", b[:min(len(b), 8)])
	}
	n := int(binary.LittleEndian.Uint16(b[8:]))
	if 10+n > len(b) || (10+n)%64 != 0 || b[10+n-1] != '\n' {
		t.Fatalf("header length %d: want the data 64-byte aligned after a newline", n)
	}
	return strings.TrimRight(string(b[10:10+n]), " \n"), b[10+n:]
}

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		descr string
		shape []int
		want  string
	}{
		{"<f8", nil, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"},
		{"<u4", []int{3}, "{'descr': '<u4', 'fortran_order': False, 'shape': (3,), }"},
		{"<U7", []int{2, 5}, "{'descr': '<U7', 'fortran_order': False, 'shape': (2, 5), }"},
		{"|u1", []int{0}, "{'descr': '|u1', 'fortran_order': False, 'shape': (0,), }"},
	} {
		dict, data := parse(t, Header(tc.descr, tc.shape...))
		if dict != tc.want || len(data) != 0 {
			t.Errorf("Header(%q, %v) = %q + %d bytes, want %q", tc.descr, tc.shape, dict, len(data), tc.want)
		}
	}
}

func TestStructHeader(t *testing.T) {
	fields := []Field{{"t", "<i8", 8}, {"addr", "<u4", 4}}
	if RecordSize(fields) != 12 {
		t.Fatalf("RecordSize = %d, want 12", RecordSize(fields))
	}
	n0 := len(StructHeader(fields, 0))
	for _, n := range []int64{0, 1, 4325, math.MaxInt64} {
		h := StructHeader(fields, n)
		if len(h) != n0 {
			t.Errorf("n=%d: header %d bytes, want %d as for n=0", n, len(h), n0)
		}
		dict, _ := parse(t, h)
		want := "{'descr': [('t', '<i8'), ('addr', '<u4')], 'fortran_order': False, 'shape': (" +
			itoa(n) + ",), }"
		if dict != want {
			t.Errorf("n=%d: %q, want %q", n, dict, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// members reads every member of an .npz.
func members(t testing.TB, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored", f.Name, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		m[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// unicode decodes a "<Uw" array of n elements.
func unicode(t testing.TB, data []byte, w, n int) []string {
	t.Helper()
	if len(data) != 4*w*n {
		t.Fatalf("%d bytes for %d elements of <U%d", len(data), n, w)
	}
	var out []string
	for i := 0; i < n; i++ {
		var r []rune
		for j := 0; j < w; j++ {
			if c := binary.LittleEndian.Uint32(data[4*(i*w+j):]); c != 0 {
				r = append(r, rune(c))
			}
		}
		out = append(out, string(r))
	}
	return out
}

func TestZip(t *testing.T) {
	var buf bytes.Buffer
	z := NewZip(&buf)
	z.Float64("dt_ms", 0.1)
	z.String("source", "spindle run µ")
	z.Strings("names", []string{"exc", "inh"})
	z.Uint32s("first", []uint32{0, 3200})
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	m := members(t, buf.Bytes())
	if len(m) != 4 {
		t.Fatalf("%d members, want 4", len(m))
	}
	dict, data := parse(t, m["dt_ms.npy"])
	if !strings.Contains(dict, "'<f8'") || math.Float64frombits(binary.LittleEndian.Uint64(data)) != 0.1 {
		t.Errorf("dt_ms: %q % x", dict, data)
	}
	dict, data = parse(t, m["source.npy"])
	if got := unicode(t, data, 13, 1); !strings.Contains(dict, "'<U13'") || got[0] != "spindle run µ" {
		t.Errorf("source: %q %q", dict, got)
	}
	dict, data = parse(t, m["names.npy"])
	if got := unicode(t, data, 3, 2); !strings.Contains(dict, "(2,)") || got[0] != "exc" || got[1] != "inh" {
		t.Errorf("names: %q %q", dict, got)
	}
	_, data = parse(t, m["first.npy"])
	if binary.LittleEndian.Uint32(data[4:]) != 3200 {
		t.Errorf("first: % x", data)
	}
	if err := z.Float64("late", 1); err == nil {
		t.Error("write after Close: no error")
	}
}

func TestZipBadName(t *testing.T) {
	for _, name := range []string{"", "a/b", `a\b`} {
		z := NewZip(io.Discard)
		if err := z.Float64(name, 1); err == nil {
			t.Errorf("member %q: no error", name)
		}
		if err := z.Close(); err == nil {
			t.Errorf("member %q: Close after a failed write: no error", name)
		}
	}
}

// FuzzZip writes arbitrary strings and numbers to an .npz and reads them
// back.
func FuzzZip(f *testing.F) {
	f.Add("exc", "inh", uint32(0), uint32(3200), 0.1)
	f.Add("", "\xff\x00ü", uint32(math.MaxUint32), uint32(1), math.Inf(-1))
	f.Fuzz(func(t *testing.T, a, b string, x, y uint32, v float64) {
		var buf bytes.Buffer
		z := NewZip(&buf)
		z.Strings("s", []string{a, b})
		z.String("a", a)
		z.Uint32s("u", []uint32{x, y})
		z.Float64("f", v)
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		m := members(t, buf.Bytes())
		valid := func(s string) string { return string([]rune(s)) } // U+FFFD for each invalid byte
		w := max(1, utf8.RuneCountInString(a), utf8.RuneCountInString(b))
		_, data := parse(t, m["s.npy"])
		got := unicode(t, data, w, 2)
		// NumPy strips trailing NULs from Unicode elements, as unicode does.
		if want := []string{strings.TrimRight(valid(a), "\x00"), strings.TrimRight(valid(b), "\x00")}; strings.ReplaceAll(got[0], "\x00", "") != strings.ReplaceAll(want[0], "\x00", "") ||
			strings.ReplaceAll(got[1], "\x00", "") != strings.ReplaceAll(want[1], "\x00", "") {
			t.Errorf("strings %q, want %q", got, want)
		}
		_, data = parse(t, m["u.npy"])
		if binary.LittleEndian.Uint32(data) != x || binary.LittleEndian.Uint32(data[4:]) != y {
			t.Errorf("uint32s % x, want %d %d", data, x, y)
		}
		_, data = parse(t, m["f.npy"])
		if got := binary.LittleEndian.Uint64(data); got != math.Float64bits(v) {
			t.Errorf("float64 %x, want %x", got, math.Float64bits(v))
		}
	})
}

// FuzzStructHeader checks that any record count keeps the header's length
// and alignment.
func FuzzStructHeader(f *testing.F) {
	f.Add(int64(0), "t", "<i8")
	f.Add(int64(math.MaxInt64), "addr", "<u4")
	f.Fuzz(func(t *testing.T, n int64, name, descr string) {
		if n < 0 || strings.ContainsAny(name+descr, "'\\\n") || len(name)+len(descr) > 200 {
			return
		}
		fields := []Field{{name, descr, 8}}
		h := StructHeader(fields, n)
		if len(h) != len(StructHeader(fields, 0)) {
			t.Fatalf("n=%d: header length %d differs from n=0's", n, len(h))
		}
		dict, _ := parse(t, h)
		if !strings.Contains(dict, "'shape': ("+itoa(n)+",)") {
			t.Fatalf("n=%d: %q", n, dict)
		}
	})
}
