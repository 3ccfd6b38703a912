package state

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"testing"
)

func sample() *Enc {
	var e Enc
	e.U8(7)
	e.Bool(true)
	e.U32(0xdeadbeef)
	e.U64(1 << 60)
	e.I64(-5)
	e.F64(math.Inf(-1))
	e.String("name")
	e.Bytes([]byte{1, 2, 3})
	e.F64s([]float64{1.5, math.NaN(), -0})
	e.I64s([]int64{-1, 2})
	e.I32s([]int32{-7, 8, 9})
	e.U32s([]uint32{3, 4})
	e.I64s([]int64{10, 11, 12})
	return &e
}

// read decodes what sample encodes.
func read(d *Dec) []any {
	f := make([]float64, 3)
	i64 := make([]int64, 2)
	i32 := make([]int32, 3)
	out := []any{d.U8(), d.Bool(), d.U32(), d.U64(), d.I64(), d.F64(), d.String("s"), string(d.Bytes("b"))}
	d.F64s(f, "f")
	d.I64s(i64, "i64")
	d.I32s(i32, "i32")
	u := d.U32s(4, "u32")
	v := d.I64Slice(4, "i64 slice")
	return append(out, f, i64, i32, u, v)
}

func TestRoundTrip(t *testing.T) {
	e := sample()
	d := NewDec(append(slices.Clone(e.B), 0xAA))
	got := read(d)
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Rest(), []byte{0xAA}) {
		t.Errorf("rest %v", d.Rest())
	}
	if got[0] != uint8(7) || got[1] != true || got[2] != uint32(0xdeadbeef) || got[3] != uint64(1<<60) || got[4] != int64(-5) ||
		got[5] != math.Inf(-1) || got[6] != "name" || got[7] != "\x01\x02\x03" {
		t.Errorf("scalars %v", got[:8])
	}
	if f := got[8].([]float64); f[0] != 1.5 || !math.IsNaN(f[1]) || f[2] != 0 {
		t.Errorf("floats %v", f)
	}
	if !slices.Equal(got[11].([]uint32), []uint32{3, 4}) || !slices.Equal(got[12].([]int64), []int64{10, 11, 12}) {
		t.Errorf("slices %v %v", got[11], got[12])
	}
}

// TestErrors: a short input, a count that does not fit, a count other
// than expected and a bad flag are each reported, the first one kept.
func TestErrors(t *testing.T) {
	good := sample().B
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "1 bytes needed, 0 left"},
		{"cut", good[:40], "left"},
		{"bad flag", append([]byte{7, 2}, good[2:]...), "expected 0 or 1"},
	} {
		d := NewDec(c.b)
		read(d)
		if d.Err() == nil || !strings.Contains(d.Err().Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, d.Err(), c.want)
		}
	}
	var e Enc
	e.F64s([]float64{1, 2})
	d := NewDec(e.B)
	d.F64s(make([]float64, 3), "weights")
	if d.Err() == nil || !strings.Contains(d.Err().Error(), "weights: 2 values, expected 3") {
		t.Errorf("count: %v", d.Err())
	}
	e = Enc{}
	e.U64(1 << 40)
	d = NewDec(e.B)
	if n := d.Len(8, "big"); n != 0 || d.Err() == nil {
		t.Errorf("a count beyond the input: %d, %v", n, d.Err())
	}
}

// TestWrite: Write hashes the little-endian bytes, as Enc encodes them.
func TestWrite(t *testing.T) {
	v := []int32{1, -2, 3 << 20}
	var e Enc
	e.I32s(v)
	h := crc32.NewIEEE()
	Write(h, v)
	if h.Sum32() != crc32.ChecksumIEEE(e.B[8:]) {
		t.Error("Write and Enc disagree")
	}
}

// FuzzDec: no input makes a decoder panic or read past its end.
func FuzzDec(f *testing.F) {
	f.Add(sample().B)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDec(b)
		read(d)
		if d.Err() == nil && len(d.Rest()) > len(b) {
			t.Error("read past the end")
		}
	})
}

// The word-by-word path of machines that are not little-endian writes the
// bytes of the in-place path, reads them back, and hashes them alike.
func TestWordByWord(t *testing.T) {
	fast := sample().B
	wantF := read(NewDec(fast))
	littleEndian = false
	defer func() { littleEndian = true }()
	slow := sample().B
	if !bytes.Equal(fast, slow) {
		t.Fatal("word by word, the encoding differs")
	}
	if got := read(NewDec(slow)); fmt.Sprint(got) != fmt.Sprint(wantF) {
		t.Errorf("word by word, read %v, want %v", got, wantF)
	}
	h := crc32.NewIEEE()
	big := make([]uint16, 5000) // more than one buffer of Write
	for i := range big {
		big[i] = uint16(3 * i)
	}
	Write(h, big)
	littleEndian = true
	if crc32.ChecksumIEEE(raw(big)) != h.Sum32() {
		t.Error("word by word, Write hashes other bytes")
	}
}
