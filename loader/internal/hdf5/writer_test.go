package hdf5

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// readTree reads the group g back as a Tree.
func readTree(g *Group) (*Tree, error) {
	t := &Tree{}
	attrs, err := g.Attributes()
	if err != nil {
		return nil, err
	}
	for _, name := range attrs {
		a, err := g.Attribute(name)
		if err != nil {
			return nil, err
		}
		d, err := readData(&a.value)
		if err != nil {
			return nil, err
		}
		if t.Attrs == nil {
			t.Attrs = map[string]*Data{}
		}
		t.Attrs[name] = d
	}
	for _, name := range g.Members() {
		isGroup, err := g.IsGroup(name)
		if err != nil {
			return nil, err
		}
		if isGroup {
			sub, err := g.Group(name)
			if err != nil {
				return nil, err
			}
			st, err := readTree(sub)
			if err != nil {
				return nil, err
			}
			if t.Groups == nil {
				t.Groups = map[string]*Tree{}
			}
			t.Groups[name] = st
			continue
		}
		ds, err := g.Dataset(name)
		if err != nil {
			return nil, err
		}
		d, err := readData(&ds.value)
		if err != nil {
			return nil, err
		}
		if t.Datasets == nil {
			t.Datasets = map[string]*Data{}
		}
		t.Datasets[name] = d
	}
	return t, nil
}

// readData converts a value read back into Data of its stored type.
func readData(v *value) (*Data, error) {
	d := &Data{Shape: v.Shape()}
	n := len(v.raw) / int(v.dt.size)
	switch {
	case v.dt.class == classFloat && v.dt.size == 4:
		d.Float32 = make([]float32, n)
		for i := range n {
			d.Float32[i] = math.Float32frombits(binary.LittleEndian.Uint32(v.raw[4*i:]))
		}
	case v.dt.class == classFloat && v.dt.size == 8:
		d.Float64 = make([]float64, n)
		for i := range n {
			d.Float64[i] = math.Float64frombits(binary.LittleEndian.Uint64(v.raw[8*i:]))
		}
	case v.dt.class == classFixed && v.dt.size == 8 && v.dt.signed:
		d.Int64 = make([]int64, n)
		for i := range n {
			d.Int64[i] = int64(binary.LittleEndian.Uint64(v.raw[8*i:]))
		}
	case v.dt.vlen:
		s, _, err := v.Strings()
		if err != nil {
			return nil, err
		}
		d.Strings = s
	default:
		return nil, fmt.Errorf("%s: unexpected datatype %+v", v.path, *v.dt)
	}
	return d, nil
}

// diffTree returns the first difference between two trees, or "". Floats
// compare by their bits, so NaNs and signed zeros must survive too.
func diffTree(p string, a, b *Tree) string {
	if !slices.Equal(sortedKeys(a.Groups), sortedKeys(b.Groups)) {
		return fmt.Sprintf("%s: groups %q, want %q", p, sortedKeys(a.Groups), sortedKeys(b.Groups))
	}
	if !slices.Equal(sortedKeys(a.Datasets), sortedKeys(b.Datasets)) {
		return fmt.Sprintf("%s: datasets %q, want %q", p, sortedKeys(a.Datasets), sortedKeys(b.Datasets))
	}
	if !slices.Equal(sortedKeys(a.Attrs), sortedKeys(b.Attrs)) {
		return fmt.Sprintf("%s: attributes %q, want %q", p, sortedKeys(a.Attrs), sortedKeys(b.Attrs))
	}
	for name, g := range a.Groups {
		if d := diffTree(join(p, name), g, b.Groups[name]); d != "" {
			return d
		}
	}
	for name, d := range a.Datasets {
		if !sameData(d, b.Datasets[name]) {
			return fmt.Sprintf("%s: %+v, want %+v", join(p, name), *d, *b.Datasets[name])
		}
	}
	for name, d := range a.Attrs {
		if !sameData(d, b.Attrs[name]) {
			return fmt.Sprintf("%s@%s: %+v, want %+v", p, name, *d, *b.Attrs[name])
		}
	}
	return ""
}

func sameData(a, b *Data) bool {
	if len(a.Shape) != len(b.Shape) || !slices.Equal(a.Shape, b.Shape) && len(a.Shape) > 0 {
		return false
	}
	if (a.Float32 == nil) != (b.Float32 == nil) || (a.Float64 == nil) != (b.Float64 == nil) ||
		(a.Int64 == nil) != (b.Int64 == nil) || (a.Strings == nil) != (b.Strings == nil) {
		return false
	}
	f32 := func(v []float32) []uint32 {
		out := make([]uint32, len(v))
		for i, x := range v {
			out[i] = math.Float32bits(x)
		}
		return out
	}
	f64 := func(v []float64) []uint64 {
		out := make([]uint64, len(v))
		for i, x := range v {
			out[i] = math.Float64bits(x)
		}
		return out
	}
	return slices.Equal(f32(a.Float32), f32(b.Float32)) && slices.Equal(f64(a.Float64), f64(b.Float64)) &&
		slices.Equal(a.Int64, b.Int64) && slices.Equal(a.Strings, b.Strings)
}

// roundTrip encodes t, reads it back and reports the first difference.
func roundTrip(t *Tree) error {
	data, err := Encode(t)
	if err != nil {
		return fmt.Errorf("Encode: %w", err)
	}
	f, err := Open(data)
	if err != nil {
		return err
	}
	root, err := f.Root()
	if err != nil {
		return err
	}
	back, err := readTree(root)
	if err != nil {
		return err
	}
	if d := diffTree("/", back, t); d != "" {
		return fmt.Errorf("read back: %s", d)
	}
	return nil
}

// wide returns a group of n datasets, more than one symbol node or one
// B-tree node holds.
func wide(n int) *Tree {
	t := &Tree{Datasets: map[string]*Data{}, Groups: map[string]*Tree{}}
	for i := range n {
		t.Datasets[fmt.Sprintf("d%04d", i)] = &Data{Int64: []int64{int64(i)}}
	}
	t.Groups["sub"] = &Tree{}
	return t
}

// nirLike is a tree laid out as NIR files are.
func nirLike() *Tree {
	return &Tree{
		Datasets: map[string]*Data{"version": {Strings: []string{"1.0"}}},
		Groups: map[string]*Tree{"node": {
			Datasets: map[string]*Data{
				"type":  {Strings: []string{"NIRGraph"}},
				"edges": {Shape: []int{2, 2}, Strings: []string{"in", "fc", "fc", "lif"}},
			},
			Groups: map[string]*Tree{"nodes": {Groups: map[string]*Tree{
				"in": {Datasets: map[string]*Data{"type": {Strings: []string{"Input"}}, "shape": {Shape: []int{3}, Int64: []int64{2, 34, 34}}}},
				"fc": {Datasets: map[string]*Data{"type": {Strings: []string{"Affine"}},
					"weight": {Shape: []int{2, 3}, Float32: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 1e-40}},
					"bias":   {Shape: []int{2}, Float32: []float32{0.25, -0.5}}}},
				"lif": {Datasets: map[string]*Data{"type": {Strings: []string{"LIF"}},
					"tau":    {Shape: []int{2}, Float64: []float64{0.01, 2e-3}},
					"groups": {Int64: []int64{1}}}},
			}}},
		}},
	}
}

func TestWriteRoundTrip(t *testing.T) {
	deep := &Tree{}
	for g, i := deep, 0; i < 40; i++ {
		g.Groups = map[string]*Tree{"g": {}}
		g = g.Groups["g"]
		g.Datasets = map[string]*Data{"x": {Float64: []float64{float64(i)}}}
	}
	many := make([]string, 70000) // more objects than one global heap collection holds
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	tests := []struct {
		name string
		tree *Tree
	}{
		{"empty root", &Tree{}},
		{"NIR layout", nirLike()},
		{"scalars", &Tree{Datasets: map[string]*Data{
			"f32": {Float32: []float32{-1.5}}, "f64": {Float64: []float64{math.NaN()}},
			"i64": {Int64: []int64{math.MinInt64}}, "s": {Strings: []string{""}},
		}}},
		{"empty arrays", &Tree{Datasets: map[string]*Data{
			"f": {Shape: []int{0}, Float64: []float64{}}, "s": {Shape: []int{0, 2}, Strings: []string{}},
		}}},
		{"rank 4", &Tree{Datasets: map[string]*Data{"w": {Shape: []int{2, 1, 3, 2}, Float32: make([]float32, 12)}}}},
		{"strings", &Tree{Datasets: map[string]*Data{"s": {Shape: []int{4}, Strings: []string{"a", "", "lif1.lif", "τ ≥ 0 😀"}}}}},
		{"attributes", &Tree{
			Attrs:  map[string]*Data{"unit": {Strings: []string{"s"}}, "k": {Shape: []int{2}, Int64: []int64{1, 2}}},
			Groups: map[string]*Tree{"g": {Attrs: map[string]*Data{"x": {Float64: []float64{1}}}}},
		}},
		{"9 members", wide(8)},
		{"300 members", wide(300)},
		{"1100 members", wide(1100)},
		{"40 levels", deep},
		{"70000 strings", &Tree{Datasets: map[string]*Data{"s": {Shape: []int{len(many)}, Strings: many}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := roundTrip(tc.tree); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	one := func(d *Data) *Tree { return &Tree{Datasets: map[string]*Data{"x": d}} }
	tests := []struct {
		name string
		tree *Tree
		want string
	}{
		{"nil", nil, "nil root"},
		{"slash", &Tree{Groups: map[string]*Tree{"a/b": {}}}, `member name "a/b"`},
		{"empty name", one(nil), "nil data"},
		{"dot", &Tree{Datasets: map[string]*Data{".": {Int64: []int64{1}}}}, `member name "."`},
		{"both", &Tree{Groups: map[string]*Tree{"x": {}}, Datasets: map[string]*Data{"x": {Int64: []int64{1}}}}, "both a group and a dataset"},
		{"no slice", one(&Data{}), "0 element slices"},
		{"two slices", one(&Data{Int64: []int64{1}, Float64: []float64{1}}), "2 element slices"},
		{"shape", one(&Data{Shape: []int{2, 2}, Float64: []float64{1, 2, 3}}), "3 elements, but shape [2 2] holds 4"},
		{"negative", one(&Data{Shape: []int{-1}, Float64: []float64{}}), "dimension 0 of size -1"},
		{"rank", one(&Data{Shape: make([]int, 33), Float64: []float64{}}), "33 dimensions"},
		{"nil group", &Tree{Groups: map[string]*Tree{"g": nil}}, "/g: nil group"},
		{"NUL", one(&Data{Strings: []string{"a\x00b"}}), "string 0: expected UTF-8 text without NUL"},
		{"not UTF-8", one(&Data{Shape: []int{2}, Strings: []string{"a", "\xff"}}), "string 1: expected UTF-8"},
		{"big attribute", &Tree{Attrs: map[string]*Data{"a": {Shape: []int{10000}, Float64: make([]float64, 10000)}}}, "attribute of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.tree)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Encode: %v, want a one-line error containing %q", err, tc.want)
			}
		})
	}
}

// TestWriteFixtures reads each NIR fixture, writes it again and checks
// that the copy reads back identically.
func TestWriteFixtures(t *testing.T) {
	for _, name := range []string{"two_lif_neurons.nir", "lif_norse.nir", "braille_noDelay_bias_zero.nir", "cnn_sinabs.nir"} {
		t.Run(name, func(t *testing.T) {
			f, err := Open(fixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			root, err := f.Root()
			if err != nil {
				t.Fatal(err)
			}
			tree, err := readTree(root)
			if err != nil {
				t.Fatal(err)
			}
			if err := roundTrip(tree); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// h5pyDump prints every dataset and attribute of a file as JSON: path ->
// [dtype kind and size, shape, elements]. Floats print as their bits
// (hex of the little-endian bytes), so the comparison is exact.
const h5pyDump = `
import h5py, json, sys
import numpy as np
out = {}
def value(dt, a):
    a = np.asarray(a, dtype=object if dt.kind == 'O' else dt)
    if dt.kind == 'O':
        return ['str', list(a.shape), [x.decode() if isinstance(x, bytes) else x for x in a.reshape(-1)]]
    return [dt.kind + str(dt.itemsize), list(a.shape), a.astype(dt.newbyteorder('<')).tobytes().hex()]
def attrs(path, obj):
    for k in obj.attrs:
        out[path + '@' + k] = value(obj.attrs.get_id(k).dtype, obj.attrs[k])
def visit(name, obj):
    attrs('/' + name, obj)
    if isinstance(obj, h5py.Dataset):
        out['/' + name] = value(obj.dtype, obj[()])
    else:
        out['/' + name + '/'] = 'group'
files = []
for path in sys.argv[1:]:
    out = {}
    with h5py.File(path, 'r') as f:
        attrs('/', f)
        f.visititems(visit)
    files.append(out)
json.dump(files, sys.stdout, sort_keys=True)
`

// h5pyPython returns a Python interpreter that imports h5py: Debian's
// /usr/bin/python3 first (python3-h5py), then python3 on the PATH.
var h5pyPython = sync.OnceValues(func() (string, error) {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import h5py").Run(); err == nil {
			return py, nil
		}
	}
	return "", fmt.Errorf("no python3 with h5py (apt-get install python3-h5py; .ci/run installs it)")
})

// goDump is h5pyDump's output computed from a tree.
func goDump(p string, t *Tree, out map[string]any) {
	for name, d := range t.Attrs {
		out[p+"@"+name] = dumpData(d)
	}
	for name, g := range t.Groups {
		q := strings.TrimSuffix(p, "/") + "/" + name
		out[q+"/"] = "group"
		goDump(q, g, out)
	}
	for name, d := range t.Datasets {
		out[strings.TrimSuffix(p, "/")+"/"+name] = dumpData(d)
	}
}

func dumpData(d *Data) any {
	shape := []any{}
	for _, s := range d.Shape {
		shape = append(shape, float64(s))
	}
	if d.Strings != nil {
		s := []any{}
		for _, x := range d.Strings {
			s = append(s, x)
		}
		return []any{"str", shape, s}
	}
	w := &writer{}
	kind := "f4"
	switch {
	case d.Float64 != nil:
		kind = "f8"
	case d.Int64 != nil:
		kind = "i8"
	}
	return []any{kind, shape, fmt.Sprintf("%x", w.elements(d))}
}

// TestWriteH5py checks that h5py (the HDF5 library) reads what Encode
// writes, value for value.
func TestWriteH5py(t *testing.T) {
	py, err := h5pyPython()
	if err != nil {
		t.Skip(err)
	}
	// One Python process reads every file: it takes a second to start.
	tests := []struct {
		name string
		tree *Tree
	}{
		{"nir", nirLike()},
		{"empty", &Tree{}},
		{"wide", wide(300)},
		{"attributes", &Tree{
			Attrs:    map[string]*Data{"unit": {Strings: []string{"s"}}, "k": {Shape: []int{2}, Int64: []int64{1, 2}}},
			Groups:   map[string]*Tree{"g": {Attrs: map[string]*Data{"x": {Float64: []float64{1}}}}},
			Datasets: map[string]*Data{"e": {Shape: []int{0}, Float32: []float32{}}, "s": {Shape: []int{3}, Strings: []string{"", "a", "τ"}}},
		}},
		{"fuzz seed", fuzzTree([]byte{0, 'a', 2, 'w', 2, 1, 2, 0, 0, 0x80, 0x3f, 1, 5, 't', 0, 3, 'x', 0, 'y', 'z', 6, 'u', 5, 0, 1, 'm', 0, 3, 'g', 'h', 'i', 4, 'j', 1, 3, 1, 2, 3, 4, 5, 6, 7, 8})},
	}
	dir := t.TempDir()
	var paths []string
	for i, tc := range tests {
		data, err := Encode(tc.tree)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		paths = append(paths, filepath.Join(dir, fmt.Sprint(i, ".h5")))
		if err := os.WriteFile(paths[i], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(py, append([]string{"-c", h5pyDump}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("h5py: %v: %s", err, stderr.String())
	}
	var files []any
	if err := json.Unmarshal(got, &files); err != nil || len(files) != len(tests) {
		t.Fatalf("h5py output %s: %v", got, err)
	}
	for i, tc := range tests {
		want := map[string]any{}
		goDump("/", tc.tree, want)
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(files[i])
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s: h5py read\n%s\nwant\n%s", tc.name, gotJSON, wantJSON)
		}
	}
}
