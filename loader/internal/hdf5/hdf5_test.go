package hdf5

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixtureDir holds NIR files written by h5py; it lives outside the
// repository.
const fixtureDir = "../../../../shared/fixtures/nir"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("fixture folder %s absent: %v", fixtureDir, err)
	}
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lookup follows a slash-separated path to a dataset.
func lookup(t *testing.T, f *File, p string) *Dataset {
	t.Helper()
	g, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for _, name := range parts[:len(parts)-1] {
		if g, err = g.Group(name); err != nil {
			t.Fatal(err)
		}
	}
	d, err := g.Dataset(parts[len(parts)-1])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFixtureValues(t *testing.T) {
	// The float values were checked against the raw little-endian bytes of
	// the files (e.g. braille fc1.weight starts at file offset 0x2048).
	tests := []struct {
		file, path string
		shape      []int
		at         map[int]float64 // element index -> value
		strs       []string
	}{
		{file: "lif_norse.nir", path: "/version", shape: nil, strs: []string{"0.1.1"}},
		{file: "lif_norse.nir", path: "/node/type", shape: nil, strs: []string{"NIRGraph"}},
		{file: "lif_norse.nir", path: "/node/edges", shape: []int{3, 2}, strs: []string{"input", "0", "0", "1", "1", "output"}},
		{file: "lif_norse.nir", path: "/node/nodes/1/tau", shape: []int{1}, at: map[int]float64{0: float64(float32(0.0025))}},
		{file: "lif_norse.nir", path: "/node/nodes/1/v_threshold", shape: []int{1}, at: map[int]float64{0: float64(float32(0.1))}},
		{file: "lif_norse.nir", path: "/node/nodes/0/type", shape: nil, strs: []string{"Affine"}},
		{file: "two_lif_neurons.nir", path: "/version", shape: nil, strs: []string{"0.2.0"}},
		{file: "two_lif_neurons.nir", path: "/node/nodes/lif1/v_leak", shape: []int{1}, at: map[int]float64{0: 1.2}},
		{file: "two_lif_neurons.nir", path: "/node/nodes/lif2/v_threshold", shape: []int{1}, at: map[int]float64{0: 20}},
		{file: "two_lif_neurons.nir", path: "/node/nodes/linear1/weight", shape: []int{1, 1}, at: map[int]float64{0: 1}},
		{file: "braille_noDelay_bias_zero.nir", path: "/node/nodes/fc1/weight", shape: []int{38, 12},
			at: map[int]float64{0: -1.3380635976791382, 1: 0.057944901287555695, 12: -0.12503375113010406, 455: -0.0005833222530782223}},
		{file: "braille_noDelay_bias_zero.nir", path: "/node/nodes/fc2/weight", shape: []int{7, 38},
			at: map[int]float64{0: -0.506838858127594, 3: 0.1443653255701065, 265: 0.11923469603061676}},
		{file: "braille_noDelay_bias_zero.nir", path: "/node/nodes/lif1.w_rec/weight", shape: []int{38, 38},
			at: map[int]float64{2: -1.2145073413848877}},
		{file: "braille_noDelay_bias_zero.nir", path: "/node/nodes/input/shape", shape: []int{1}, at: map[int]float64{0: 12}},
		{file: "braille_noDelay_bias_zero.nir", path: "/node/nodes/lif2/type", shape: nil, strs: []string{"CubaLIF"}},
	}
	for _, tc := range tests {
		t.Run(tc.file+tc.path, func(t *testing.T) {
			f, err := Open(fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d := lookup(t, f, tc.path)
			if d.Path() != tc.path {
				t.Errorf("Path() = %q", d.Path())
			}
			if tc.strs != nil {
				s, shape, err := d.Strings()
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(s, tc.strs) || !reflect.DeepEqual(shape, tc.shape) {
					t.Errorf("got %q shape %v, want %q shape %v", s, shape, tc.strs, tc.shape)
				}
				if _, _, err := d.Float64s(); err == nil {
					t.Error("Float64s of strings: no error")
				}
				return
			}
			v, shape, err := d.Float64s()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, tc.shape) {
				t.Errorf("shape %v, want %v", shape, tc.shape)
			}
			for i, want := range tc.at {
				if v[i] != want {
					t.Errorf("element %d = %v, want %v", i, v[i], want)
				}
			}
			if _, _, err := d.Strings(); err == nil {
				t.Error("Strings of numbers: no error")
			}
		})
	}
}

func TestMembers(t *testing.T) {
	f, err := Open(fixture(t, "braille_noDelay_bias_zero.nir"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Members(); !reflect.DeepEqual(got, []string{"node", "version"}) {
		t.Errorf("root members %q", got)
	}
	node, err := root.Group("node")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := node.Group("nodes")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"fc1", "fc2", "input", "lif1.lif", "lif1.w_rec", "lif2", "output"}
	if got := nodes.Members(); !reflect.DeepEqual(got, want) {
		t.Errorf("nodes %q, want %q", got, want)
	}
	if ok, err := node.IsGroup("nodes"); !ok || err != nil {
		t.Errorf("IsGroup(nodes) = %v, %v", ok, err)
	}
	if ok, err := node.IsGroup("edges"); ok || err != nil {
		t.Errorf("IsGroup(edges) = %v, %v", ok, err)
	}
	if _, err := node.Group("type"); err == nil || !strings.Contains(err.Error(), "/node/type: not a group") {
		t.Errorf("Group on a dataset: %v", err)
	}
	if _, err := node.Dataset("nodes"); err == nil || !strings.Contains(err.Error(), "/node/nodes") {
		t.Errorf("Dataset on a group: %v", err)
	}
	if _, err := nodes.Group("missing"); err == nil || !strings.Contains(err.Error(), `no member "missing"`) {
		t.Errorf("missing member: %v", err)
	}
	if a, err := root.Attributes(); err != nil || len(a) != 0 {
		t.Errorf("root attributes %q, %v", a, err)
	}
}

func TestOpenErrors(t *testing.T) {
	sb := func(version byte) []byte {
		b := append([]byte(nil), magic...)
		return append(b, version, 0, 0, 0, 0, 8, 8, 0)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an HDF5 file"},
		{"text", []byte("name: net\n"), "not an HDF5 file"},
		{"truncated superblock", sb(0), "superblock"},
		{"version 2", sb(2), "superblock version 2"},
		{"bad sizes", append(append([]byte(nil), magic...), 0, 0, 0, 0, 0, 3, 8, 0, 4, 0, 16, 0, 0, 0, 0, 0), "sizes of offsets 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestCorrupt damages a fixture byte by byte and at every length: reading
// it must fail or succeed, never panic.
func TestCorrupt(t *testing.T) {
	data := fixture(t, "lif_norse.nir")
	for n := 0; n < len(data); n += 97 {
		walk(data[:n])
	}
	b := append([]byte(nil), data...)
	for i := 0; i < len(b); i += 3 {
		old := b[i]
		b[i] ^= 0xff
		walk(b)
		b[i] = old
	}
}

// walk reads everything reachable in data and discards it.
func walk(data []byte) {
	f, err := Open(data)
	if err != nil {
		return
	}
	g, err := f.Root()
	if err != nil {
		return
	}
	budget := 200 // a damaged file may link a group into itself, many times
	walkGroup(g, &budget)
}

func walkGroup(g *Group, budget *int) {
	g.Attributes()
	for _, m := range g.Members() {
		if *budget--; *budget < 0 {
			return
		}
		if s, err := g.Group(m); err == nil {
			walkGroup(s, budget)
			continue
		}
		d, err := g.Dataset(m)
		if err != nil {
			continue
		}
		d.Float64s()
		d.Strings()
		if names, err := d.Attributes(); err == nil {
			for _, a := range names {
				if v, err := d.Attribute(a); err == nil {
					v.Float64s()
					v.Strings()
				}
			}
		}
	}
}

// attrMessage builds an attribute message body of the given version.
func attrMessage(version byte, name string, dt, ds, data []byte) []byte {
	pad := func(b []byte) []byte {
		if version == 1 {
			for len(b)%8 != 0 {
				b = append(b, 0)
			}
		}
		return b
	}
	nameB := append([]byte(name), 0)
	b := []byte{version, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(nameB)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dt)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(ds)))
	if version == 3 {
		b = append(b, 0) // ASCII
	}
	b = append(b, pad(nameB)...)
	b = append(b, pad(dt)...)
	b = append(b, pad(ds)...)
	return append(b, data...)
}

func TestAttributes(t *testing.T) {
	int32LE := []byte{0x10, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0} // signed, little-endian
	float64LE := []byte{0x11, 0x20, 0x3f, 0, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0}
	fixedStr := []byte{0x13, 0x00, 0, 0, 5, 0, 0, 0} // null-terminated, 5 bytes
	scalarV1 := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	vectorV2 := []byte{2, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0}
	f64 := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	tests := []struct {
		name    string
		msg     []byte
		attr    string
		floats  []float64
		strs    []string
		shape   []int
		wantErr string
	}{
		{name: "v1 int32", msg: attrMessage(1, "count", int32LE, scalarV1, []byte{0xfe, 0xff, 0xff, 0xff}), attr: "count", floats: []float64{-2}},
		{name: "v2 float64 vector", msg: attrMessage(2, "tau", float64LE, vectorV2, f64(1, 2.5, -3)), attr: "tau", floats: []float64{1, 2.5, -3}, shape: []int{3}},
		{name: "v3 string", msg: attrMessage(3, "unit", fixedStr, scalarV1, []byte("ms\x00\x00\x00")), attr: "unit", strs: []string{"ms"}},
		{name: "short data", msg: attrMessage(2, "tau", float64LE, vectorV2, f64(1, 2.5)), attr: "tau", wantErr: "data"},
		{name: "bad version", msg: attrMessage(9, "x", int32LE, scalarV1, nil), attr: "x", wantErr: "version 9"},
		{name: "sequence", msg: attrMessage(2, "x", []byte{0x19, 0, 0, 0, 16, 0, 0, 0}, scalarV1, nil), attr: "x", wantErr: "sequence"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &File{osz: 8, lsz: 8}
			o := &object{f: f, path: "/obj", msgs: []message{{typ: msgAttribute, body: tc.msg}}}
			a, err := o.attribute(tc.attr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "/obj") {
					t.Fatalf("got %v, want an error naming /obj and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names, err := o.attributeNames(); err != nil || !reflect.DeepEqual(names, []string{tc.attr}) {
				t.Errorf("names %q, %v", names, err)
			}
			if !reflect.DeepEqual(a.Shape(), tc.shape) {
				t.Errorf("shape %v, want %v", a.Shape(), tc.shape)
			}
			if tc.strs != nil {
				s, _, err := a.Strings()
				if err != nil || !reflect.DeepEqual(s, tc.strs) {
					t.Errorf("Strings = %q, %v; want %q", s, err, tc.strs)
				}
				return
			}
			v, _, err := a.Float64s()
			if err != nil || !reflect.DeepEqual(v, tc.floats) {
				t.Errorf("Float64s = %v, %v; want %v", v, err, tc.floats)
			}
			if _, err := o.attribute("other"); err == nil {
				t.Error("missing attribute: no error")
			}
		})
	}
}
