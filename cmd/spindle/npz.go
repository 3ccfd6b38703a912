package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/npy"
)

// convertNPZ writes src as a NumPy .npz archive to f: the structured
// arrays that convertTable writes to .npy, "spikes" and, with packets,
// "packets", and the metadata as arrays of their own (docs/python.md).
// Each record array goes through a temporary file beside f first, since
// its header states a count that a streaming source learns only at its
// end. It returns the records written.
func convertNPZ(f *os.File, src *anyformat.Source, in string, cv *converter, dt float64, absolute, packets bool) (int64, error) {
	m := convertMeta(src, in, dt)
	js, err := json.Marshal(&m)
	if err != nil {
		return 0, fmt.Errorf("meta: %w", err)
	}
	z := npy.NewZip(f)
	names := make([]string, len(m.Populations))
	first := make([]uint32, len(m.Populations))
	size := make([]uint32, len(m.Populations))
	for i, p := range m.Populations {
		names[i], first[i], size[i] = p.Name, p.First, p.Size
	}
	z.Float64("dt_ms", m.DtMs)
	z.String("time_unit", m.TimeUnit)
	z.String("source", m.Source)
	z.Strings("population_names", names)
	z.Uint32s("population_first", first)
	z.Uint32s("population_size", size)
	if err := z.String("meta", string(js)); err != nil {
		return 0, err
	}
	n, err := npzMember(z, f, "spikes", func(tmp *os.File) (int64, error) {
		return convertTable(tmp, src, cv, absolute, false, true)
	})
	if err == nil && packets {
		var np int64
		np, err = npzMember(z, f, "packets", func(tmp *os.File) (int64, error) {
			return convertTable(tmp, src, cv, absolute, true, true)
		})
		n += np
	}
	if err != nil {
		return n, err
	}
	return n, z.Close()
}

// npzMember has write fill a temporary file beside f with an .npy array
// and copies it into z as member name.
func npzMember(z *npy.Zip, f *os.File, name string, write func(tmp *os.File) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.Name()), ".npz-"+name+".tmp*")
	if err != nil {
		return 0, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	n, err := write(tmp)
	if err != nil {
		return n, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return n, err
	}
	w, err := z.Create(name)
	if err != nil {
		return n, err
	}
	if _, err := io.Copy(w, tmp); err != nil {
		return n, fmt.Errorf("npz: %s: %w", name, err)
	}
	return n, nil
}

// field is an npy.Field.
func field(name, descr string, size int) npy.Field {
	return npy.Field{Name: name, Descr: descr, Size: size}
}
