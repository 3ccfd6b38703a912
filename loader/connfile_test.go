package loader

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// npyBytes writes a .npy array of the given dtype and shape; values are
// converted to the dtype.
func npyBytes(descr string, shape []int, fortran bool, values []float64) []byte {
	dims := make([]string, len(shape))
	for i, n := range shape {
		dims[i] = fmt.Sprint(n)
	}
	st := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		st = "(" + dims[0] + ",)"
	}
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, st)
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	var b bytes.Buffer
	b.WriteString(npyMagic + "\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	var bo binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	for _, v := range values {
		switch descr[1:] {
		case "i1":
			binary.Write(&b, bo, int8(v))
		case "i2":
			binary.Write(&b, bo, int16(v))
		case "i4":
			binary.Write(&b, bo, int32(v))
		case "i8":
			binary.Write(&b, bo, int64(v))
		case "u1":
			binary.Write(&b, bo, uint8(v))
		case "u2":
			binary.Write(&b, bo, uint16(v))
		case "u4":
			binary.Write(&b, bo, uint32(v))
		case "u8":
			binary.Write(&b, bo, uint64(v))
		case "f4":
			binary.Write(&b, bo, float32(v))
		case "f8":
			binary.Write(&b, bo, v)
		}
	}
	return b.Bytes()
}

// npzBytes zips arrays by name, deflated or stored.
func npzBytes(deflate bool, arrays map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range sortedKeys(arrays) {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: m})
		w.Write(arrays[n])
	}
	zw.Close()
	return b.Bytes()
}

func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// synapseNet is base with one projection exc -> inh whose connector is conn.
func synapseNet(conn string) string {
	return base + "projections:\n  - {pre: exc, post: inh, weight: 1, connector: " + conn + "}\n"
}

func TestConnectorFilesMatchList(t *testing.T) {
	pre := []float64{0, 1, 9, 3, 3}
	post := []float64{4, 0, 2, 2, 3}
	w := []float64{1.5, -2, 0.25, 7, -0}
	d := []float64{0.1, 0.2, 0.5, 1, 0.3}
	dir := t.TempDir()
	writeFile(t, dir, "net.yaml", []byte(synapseNet("{list: [[0,4,1.5,0.1],[1,0,-2,0.2],[9,2,0.25,0.5],[3,2,7,1],[3,3,-0,0.3]]}")))
	want, err := LoadNetwork(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]float64, 0, 20)
	cols := make([]float64, 0, 20)
	for k := range pre {
		rows = append(rows, pre[k], post[k], w[k], d[k])
	}
	for _, c := range [][]float64{pre, post, w, d} {
		cols = append(cols, c...)
	}
	files := map[string][]byte{
		"c.npz": npzBytes(false, map[string][]byte{
			"pre.npy": npyBytes("<i8", []int{5}, false, pre), "post.npy": npyBytes("<u2", []int{5}, false, post),
			"weight.npy": npyBytes("<f8", []int{5}, false, w), "delay.npy": npyBytes("<f8", []int{5}, false, d),
		}),
		"deflated.npz": npzBytes(true, map[string][]byte{
			"pre.npy": npyBytes(">i4", []int{5}, false, pre), "post.npy": npyBytes("|u1", []int{5}, false, post),
			"weight.npy": npyBytes(">f8", []int{5}, false, w), "delay.npy": npyBytes("<f8", []int{5}, false, d),
		}),
		"rows.npy":     npyBytes("<f8", []int{5, 4}, false, rows),
		"columns.npy":  npyBytes("<f8", []int{5, 4}, true, cols),
		"c.csv":        []byte("pre,post,weight,delay\n0,4,1.5,0.1\n1,0,-2,0.2\n# a comment\n9,2,0.25,0.5\n3,2,7,1\n3,3,-0,0.3\n"),
		"shuffled.csv": []byte("delay, weight, post, pre\n0.1,1.5,4,0\n0.2,-2,0,1\n0.5,0.25,2,9\n1,7,2,3\n0.3,-0,3,3\n"),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			writeFile(t, dir, name, data)
			writeFile(t, dir, "f.yaml", []byte(synapseNet("{file: "+name+"}")))
			got, err := LoadNetwork(filepath.Join(dir, "f.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			got.Name = want.Name
			if !reflect.DeepEqual(explicit(got), explicit(want)) {
				t.Fatalf("got %+v\nwant %+v", got.Projections[0].Connector.List, want.Projections[0].Connector.List)
			}
		})
	}
}

func TestConnectorFileErrors(t *testing.T) {
	dir := t.TempDir()
	ints := func(descr string, v ...float64) []byte { return npyBytes(descr, []int{len(v)}, false, v) }
	files := map[string][]byte{
		"float_pre.npz": npzBytes(false, map[string][]byte{"pre.npy": ints("<f8", 0, 1), "post.npy": ints("<i8", 0, 1)}),
		"short.npz":     npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0, 1), "post.npy": ints("<i8", 0)}),
		"extra.npz":     npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0), "post.npy": ints("<i8", 0), "w.npy": ints("<f8", 1)}),
		"nopost.npz":    npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0)}),
		"range.npz":     npzBytes(true, map[string][]byte{"pre.npy": ints("<i8", 0, 10), "post.npy": ints("<i8", 0, 1)}),
		"negative.npz":  npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0, 1), "post.npy": ints("<i2", 0, -1)}),
		"delay.npz":     npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0), "post.npy": ints("<i8", 0), "delay.npy": ints("<f4", 0.01)}),
		"nan.npz":       npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0), "post.npy": ints("<i8", 0), "weight.npy": npyBytes("<f8", []int{1}, false, []float64{nan()})}),
		"matrix.npz":    npzBytes(false, map[string][]byte{"pre.npy": npyBytes("<i8", []int{1, 2}, false, []float64{0, 1}), "post.npy": ints("<i8", 0)}),
		"dtype.npz":     npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0), "post.npy": bytes.Replace(ints("<i8", 0), []byte("<i8"), []byte("<c8"), 1)}),
		"truncated.npz": npzBytes(false, map[string][]byte{"pre.npy": ints("<i8", 0, 1), "post.npy": ints("<i8", 0, 1)[:130]}),
		"notzip.npz":    []byte("hello"),
		"wide.npy":      npyBytes("<f8", []int{1, 5}, false, []float64{0, 1, 1, 1, 1}),
		"frac.npy":      npyBytes("<f8", []int{1, 3}, false, []float64{0.5, 1, 1}),
		"header.csv":    []byte("pre,post,wieght\n0,0,1\n"),
		"nopost.csv":    []byte("pre,weight\n0,1\n"),
		"value.csv":     []byte("pre,post,weight\n0,0,1\n1,x,2\n"),
		"fields.csv":    []byte("pre,post,weight\n0,0,1\n1,2\n"),
		"range.csv":     []byte("pre,post\n0,0\n\n# gap\n1,5\n"),
		"empty.csv":     nil,
		"c.txt":         []byte("pre,post\n"),
	}
	for name, data := range files {
		writeFile(t, dir, name, data)
	}
	os.Mkdir(filepath.Join(dir, "dir.csv"), 0o755)
	cases := []struct{ conn, want string }{
		{"{file: missing.npz}", "projections[0].connector.file: open " + dir + "/missing.npz: no such file or directory"},
		{"{file: float_pre.npz}", `projections[0].connector.file: float_pre.npz: array "pre": dtype <f8: expected an integer dtype such as <i4 or <i8 for neuron indices`},
		{"{file: short.npz}", `projections[0].connector.file: short.npz: array "post": 1 elements: expected 2, as array "pre" has`},
		{"{file: extra.npz}", `projections[0].connector.file: extra.npz: array "w.npy": unknown (expected pre, post, weight, delay)`},
		{"{file: nopost.npz}", `projections[0].connector.file: nopost.npz: missing array "post" (expected pre, post, weight, delay; weight and delay optional)`},
		{"{file: range.npz}", `projections[0].connector.file: range.npz: pre[1]: expected a presynaptic index in [0, 10), got 10`},
		{"{file: negative.npz}", `projections[0].connector.file: negative.npz: post[1]: expected a postsynaptic index in [0, 5), got -1`},
		{"{file: delay.npz}", `projections[0].connector.file: delay.npz: delay[0]: expected a delay of at least one tick (dt = 0.1 ms), got 0.009999999776482582 ms`},
		{"{file: nan.npz}", `projections[0].connector.file: nan.npz: array "weight": element 0: expected a finite number, got NaN`},
		{"{file: matrix.npz}", `projections[0].connector.file: matrix.npz: array "pre": shape (1, 2): expected a one-dimensional array`},
		{"{file: dtype.npz}", `projections[0].connector.file: dtype.npz: array "post": .npy dtype "<c8": expected a little- or big-endian integer or float such as '<i4', '|u1', '<f8'`},
		{"{file: truncated.npz}", `projections[0].connector.file: truncated.npz: array "post": array of shape (2,) and dtype <i8 needs 16 bytes of data, the file holds 2`},
		{"{file: notzip.npz}", `projections[0].connector.file: notzip.npz: not a .npz archive: zip: not a valid zip file`},
		{"{file: wide.npy}", `projections[0].connector.file: wide.npy: shape (1, 5): expected (synapses, 2..4) with columns pre, post, weight, delay`},
		{"{file: frac.npy}", `projections[0].connector.file: frac.npy: row 0, column 0 (pre): expected a neuron index (a whole number), got 0.5`},
		{"{file: header.csv}", `projections[0].connector.file: header.csv: line 1: column "wieght": expected a header naming pre, post and optionally weight, delay`},
		{"{file: nopost.csv}", `projections[0].connector.file: nopost.csv: line 1: header "pre,weight": expected columns pre and post`},
		{"{file: value.csv}", `projections[0].connector.file: value.csv: line 3: post: expected a neuron index (an integer), got "x"`},
		{"{file: fields.csv}", `projections[0].connector.file: fields.csv: line 3: wrong number of fields`},
		{"{file: range.csv}", `projections[0].connector.file: range.csv:5: post: expected a postsynaptic index in [0, 5), got 5`},
		{"{file: empty.csv}", `projections[0].connector.file: empty.csv: empty file: expected a header such as pre,post,weight`},
		{"{file: c.txt}", `projections[0].connector.file: c.txt: expected a file ending in .npz, .npy, .csv`},
		{"{file: dir.csv}", `projections[0].connector.file: dir.csv: not a regular file`},
		{"{file: [a]}", `projections[0].connector.file: expected a file name ending in .npz, .npy, .csv, got a list`},
		{"file", `projections[0].connector: connector file needs a parameter: write {file: ...}`},
	}
	for _, c := range cases {
		net := filepath.Join(dir, "net.yaml")
		writeFile(t, dir, "net.yaml", []byte(synapseNet(c.conn)))
		_, err := LoadNetwork(net)
		want := "loader: " + net + ":9: " + c.want
		if err == nil || err.Error() != want {
			t.Errorf("%s:\n got  %v\n want %s", c.conn, err, want)
		}
	}
}

func nan() float64 { var z float64; return z / z }

func FuzzReadNPY(f *testing.F) {
	f.Add(npyBytes("<f8", []int{2, 3}, false, []float64{0, 1, 2, 3, 4, 5}))
	f.Add(npyBytes(">i4", []int{1, 2}, true, []float64{7, 8}))
	f.Add([]byte(npyMagic + "\x02\x00\x10\x00\x00\x00{'shape': (1,2)}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		conns, err := readNPY(bytes.NewReader(data), int64(len(data)))
		if err == nil && conns.Len()*2 > len(data) {
			t.Fatalf("%d synapses from %d bytes", conns.Len(), len(data))
		}
	})
}

func FuzzReadNPZ(f *testing.F) {
	f.Add(npzBytes(false, map[string][]byte{"pre.npy": npyBytes("<i8", []int{2}, false, []float64{0, 1}), "post.npy": npyBytes("<i8", []int{2}, false, []float64{1, 0})}))
	f.Add(npzBytes(true, map[string][]byte{"pre.npy": npyBytes("<i8", []int{1}, false, []float64{0}), "post.npy": npyBytes("<i8", []int{1}, false, []float64{1}),
		"weight.npy": npyBytes("<f4", []int{1}, false, []float64{2}), "delay.npy": npyBytes(">f8", []int{1}, false, []float64{1})}))
	f.Fuzz(func(t *testing.T, data []byte) {
		readNPZ(bytes.NewReader(data), int64(len(data)))
	})
}

func FuzzReadConnCSV(f *testing.F) {
	f.Add([]byte("pre,post,weight,delay\n0,4,1.5,0.1\n# c\n1,0,-2,0.2\n"))
	f.Add([]byte("post,pre\n1,2\n\"3\",4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		conns, err := readConnCSV(bytes.NewReader(data))
		if err == nil && conns.Len()*4 > len(data) {
			t.Fatalf("%d synapses from %d bytes", conns.Len(), len(data))
		}
	})
}
