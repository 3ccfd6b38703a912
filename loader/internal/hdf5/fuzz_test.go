package hdf5

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzOpen(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "*.nir"))
	for _, name := range names {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add(append(append([]byte(nil), magic...), make([]byte, 96)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		walk(data)
	})
}

// FuzzWriteRoundTrip builds a tree from the fuzzer's bytes, writes it and
// reads it back: the trees must be identical.
func FuzzWriteRoundTrip(f *testing.F) {
	f.Add([]byte{0, 'a', 2, 'w', 2, 1, 2, 0, 0, 0x80, 0x3f, 1, 5, 't', 0, 3, 'x', 0, 'y', 'z'})
	f.Add([]byte{6, 'u', 5, 0, 1, 'm', 's', 0, 0, 'g', 0, 'h', 4, 'i', 1, 3, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		tree := fuzzTree(b)
		if err := roundTrip(tree); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzTree decodes bytes into a valid tree. Each operation is a byte:
// 0 opens a subgroup, 1 returns to the parent, 2..5 add a float32,
// float64, int64 or string dataset, 6 adds an attribute; a name (one
// byte of length, then the bytes, made valid) and for data a rank, the
// dimensions and the elements follow.
func fuzzTree(b []byte) *Tree {
	c := &cursor{b: b}
	root := &Tree{}
	stack := []*Tree{root}
	name := func() string {
		n := int(c.u8() % 8)
		s := []byte(string(c.take(min(n, len(c.b)-c.off))))
		for i, x := range s {
			if x == '/' || x == 0 {
				s[i] = '_'
			}
		}
		if len(s) == 0 || string(s) == "." {
			s = append(s, 'n')
		}
		return string(s)
	}
	data := func(kind uint8) *Data {
		d := &Data{}
		rank := int(c.u8() % 4)
		n := 1
		if rank > 0 {
			d.Shape = make([]int, rank)
			for i := range d.Shape {
				d.Shape[i] = int(c.u8() % 4)
				n *= d.Shape[i]
			}
		}
		switch kind {
		case 2:
			d.Float32 = make([]float32, n)
			for i := range d.Float32 {
				d.Float32[i] = math.Float32frombits(c.u32())
			}
		case 3:
			d.Float64 = make([]float64, n)
			for i := range d.Float64 {
				d.Float64[i] = math.Float64frombits(uint64(c.u32())<<32 | uint64(c.u32()))
			}
		case 4:
			d.Int64 = make([]int64, n)
			for i := range d.Int64 {
				d.Int64[i] = int64(c.u32()) << 31
			}
		default:
			d.Strings = make([]string, n)
			for i := range d.Strings {
				k := int(c.u8() % 16)
				s := strings.ReplaceAll(string(c.take(min(k, len(c.b)-c.off))), "\x00", "0")
				d.Strings[i] = strings.ToValidUTF8(s, "?")
			}
		}
		return d
	}
	taken := func(t *Tree, s string) bool {
		_, g := t.Groups[s]
		_, d := t.Datasets[s]
		return g || d
	}
	for steps := 0; c.off < len(b) && steps < 200; steps++ {
		cur := stack[len(stack)-1]
		switch op := c.u8() % 7; op {
		case 0:
			s := name()
			if taken(cur, s) || len(stack) > 40 {
				continue
			}
			if cur.Groups == nil {
				cur.Groups = map[string]*Tree{}
			}
			g := &Tree{}
			cur.Groups[s] = g
			stack = append(stack, g)
		case 1:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case 6:
			s := name()
			if cur.Attrs == nil {
				cur.Attrs = map[string]*Data{}
			}
			cur.Attrs[s] = data(c.u8()%4 + 2)
		default:
			s := name()
			d := data(op)
			if taken(cur, s) {
				continue
			}
			if cur.Datasets == nil {
				cur.Datasets = map[string]*Data{}
			}
			cur.Datasets[s] = d
		}
	}
	return root
}
