package loader

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/snn"
)

// connColumns name the columns of a connector file, in the order of a
// list item: the arrays of a .npz, the columns of a .npy or a CSV header.
// pre and post are required.
var connColumns = []string{"pre", "post", "weight", "delay"}

// connFileKinds are the file extensions `connector: {file: ...}` reads.
var connFileKinds = []string{".npz", ".npy", ".csv"}

// maxDeflateRatio is the most that deflate expands its input: a .npz
// entry that claims more is refused before anything is allocated for it.
const maxDeflateRatio = 1032

// connFile is the explicit synapses of one connector file.
type connFile struct {
	name  string // as given, for messages
	table snn.ConnTable
	// where names synapse k's column j for messages: "c.npz: pre[17]"
	// or "c.csv:19: pre".
	where func(k, j int) string
}

// readConnFile reads the synapses of a .npz, .npy or .csv file; name is
// the path as written in the network file, path the file to open.
func readConnFile(name, path string) (*connFile, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(connFileKinds, ext) {
		return nil, fmt.Errorf("%s: expected a file ending in %s", name, strings.Join(connFileKinds, ", "))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	cf := &connFile{name: name}
	switch ext {
	case ".npz":
		cf.table, err = readNPZ(f, st.Size())
		cf.where = func(k, j int) string { return fmt.Sprintf("%s: %s[%d]", name, connColumns[j], k) }
	case ".npy":
		cf.table, err = readNPY(f, st.Size())
		cf.where = func(k, j int) string { return fmt.Sprintf("%s: row %d, column %d (%s)", name, k, j, connColumns[j]) }
	case ".csv":
		cf.table, err = readConnCSV(f)
		cf.where = func(k, j int) string { return fmt.Sprintf("%s:%d: %s", name, csvLine(path, k), connColumns[j]) }
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cf, nil
}

// newColumns returns a table of n synapses with the columns whose
// indices are in cols.
func newColumns(n int, cols []int) snn.ConnTable {
	t := snn.NewConnTable(n)
	for _, j := range cols {
		switch j {
		case 2:
			t.Weight = make([]float64, n)
		case 3:
			t.Delay = make([]float64, n)
		}
	}
	return t
}

// setColumn stores value v as column j of synapse k, whose column exists.
// pre and post must be whole numbers; weight and delay finite.
func setColumn(t *snn.ConnTable, k, j int, v npyValue) error {
	switch j {
	case 0, 1:
		i, ok := v.index()
		if !ok {
			return fmt.Errorf("expected a neuron index (a whole number), got %s", v)
		}
		if j == 0 {
			t.Pre[k] = int32(i)
		} else {
			t.Post[k] = int32(i)
		}
		return nil
	}
	f := v.float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("expected a finite number, got %s", v)
	}
	if j == 2 {
		t.Weight[k] = f
	} else {
		t.Delay[k] = f
	}
	return nil
}

// readNPZ reads a NumPy .npz archive (np.savez or np.savez_compressed)
// of one-dimensional arrays pre, post, weight and delay.
func readNPZ(r io.ReaderAt, size int64) (snn.ConnTable, error) {
	var t snn.ConnTable
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return t, fmt.Errorf("not a .npz archive: %w", err)
	}
	entries := make([]*zip.File, len(connColumns))
	var cols []int
	for _, f := range zr.File {
		j := slices.Index(connColumns, strings.TrimSuffix(f.Name, ".npy"))
		if j < 0 {
			return t, fmt.Errorf("array %q: unknown (expected %s)", clip(f.Name), strings.Join(connColumns, ", "))
		}
		if entries[j] != nil {
			return t, fmt.Errorf("array %q: stored twice", connColumns[j])
		}
		entries[j] = f
		cols = append(cols, j)
	}
	n := -1
	for j, f := range entries {
		if f == nil {
			if j < 2 {
				return t, fmt.Errorf("missing array %q (expected %s; weight and delay optional)", connColumns[j], strings.Join(connColumns, ", "))
			}
			continue
		}
		if f.Method == zip.Deflate && f.UncompressedSize64 > maxDeflateRatio*f.CompressedSize64+1024 ||
			f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64 {
			return t, fmt.Errorf("array %q: claims %d bytes, more than its %d stored bytes can hold", connColumns[j], f.UncompressedSize64, f.CompressedSize64)
		}
		if err := readNPZArray(f, j, &t, &n, cols); err != nil {
			return t, fmt.Errorf("array %q: %w", connColumns[j], err)
		}
	}
	return t, nil
}

// readNPZArray reads column j from entry f into t; the first array read
// sets the synapse count n and allocates the columns cols.
func readNPZArray(f *zip.File, j int, t *snn.ConnTable, n *int, cols []int) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	h, _, err := readNPYHeader(rc, int64(min(f.UncompressedSize64, math.MaxInt64)))
	if err != nil {
		return err
	}
	if len(h.shape) != 1 {
		return fmt.Errorf("shape %s: expected a one-dimensional array", h.shapeText())
	}
	if j < 2 && h.kind == 'f' {
		return fmt.Errorf("dtype %s: expected an integer dtype such as <i4 or <i8 for neuron indices", h.descr)
	}
	if *n < 0 {
		*n = h.count
		*t = newColumns(h.count, cols)
	} else if h.count != *n {
		return fmt.Errorf("%d elements: expected %d, as array \"pre\" has", h.count, *n)
	}
	return h.readValues(rc, func(k int, v npyValue) error {
		if err := setColumn(t, k, j, v); err != nil {
			return fmt.Errorf("element %d: %w", k, err)
		}
		return nil
	})
}

// readNPY reads a NumPy .npy file holding a two-dimensional array of one
// row per synapse: pre, post and optionally weight and delay.
func readNPY(f io.Reader, size int64) (snn.ConnTable, error) {
	var t snn.ConnTable
	h, _, err := readNPYHeader(f, size)
	if err != nil {
		return t, err
	}
	if len(h.shape) != 2 || h.shape[1] < 2 || h.shape[1] > len(connColumns) {
		return t, fmt.Errorf("shape %s: expected (synapses, 2..4) with columns %s", h.shapeText(), strings.Join(connColumns, ", "))
	}
	rows, cols := h.shape[0], h.shape[1]
	t = newColumns(rows, []int{0, 1, 2, 3}[:cols])
	err = h.readValues(f, func(e int, v npyValue) error {
		k, j := e/cols, e%cols
		if h.fortran {
			k, j = e%rows, e/rows
		}
		if err := setColumn(&t, k, j, v); err != nil {
			return fmt.Errorf("row %d, column %d (%s): %w", k, j, connColumns[j], err)
		}
		return nil
	})
	return t, err
}

// readConnCSV reads a CSV file whose header names its columns among pre,
// post, weight and delay, one synapse per row; lines starting with # are
// comments.
func readConnCSV(r io.Reader) (snn.ConnTable, error) {
	var t snn.ConnTable
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return t, errors.New("empty file: expected a header such as pre,post,weight")
	}
	if err != nil {
		return t, csvError(err)
	}
	cols := make([]int, len(head))
	seen := map[int]bool{}
	for i, name := range head {
		j := slices.Index(connColumns, strings.TrimSpace(name))
		if j < 0 {
			return t, fmt.Errorf("line 1: column %q: expected a header naming pre, post and optionally weight, delay", clip(name))
		}
		if seen[j] {
			return t, fmt.Errorf("line 1: column %q given twice", name)
		}
		seen[j] = true
		cols[i] = j
	}
	if !seen[0] || !seen[1] {
		return t, fmt.Errorf("line 1: header %q: expected columns pre and post", clip(strings.Join(head, ",")))
	}
	t = newColumns(0, cols)
	for k := 0; ; k++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return t, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		t.Pre, t.Post = append(t.Pre, 0), append(t.Post, 0)
		if t.Weight != nil {
			t.Weight = append(t.Weight, 0)
		}
		if t.Delay != nil {
			t.Delay = append(t.Delay, 0)
		}
		for i, field := range rec {
			j := cols[i]
			field = strings.TrimSpace(field)
			var v npyValue
			if n, err := strconv.ParseInt(field, 10, 64); err == nil {
				v = npyValue{i: n, isInt: true}
			} else if x, err := strconv.ParseFloat(field, 64); err == nil && j >= 2 {
				v = npyValue{f: x}
			} else {
				what := "a number"
				if j < 2 {
					what = "a neuron index (an integer)"
				}
				return t, fmt.Errorf("line %d: %s: expected %s, got %q", line, connColumns[j], what, clip(field))
			}
			if err := setColumn(&t, k, j, v); err != nil {
				return t, fmt.Errorf("line %d: %s: %w", line, connColumns[j], err)
			}
		}
	}
}

// csvError puts a csv.ParseError's line first, as the other messages do.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %v", pe.Line, pe.Err)
	}
	return err
}

// csvLine returns the line of data row k of a CSV connector file, for the
// messages of synapses found bad after reading; 0 if it cannot tell.
func csvLine(path string, k int) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	for row := -1; row <= k; row++ {
		if _, err := cr.Read(); err != nil {
			return 0
		}
	}
	line, _ := cr.FieldPos(0)
	return line
}
