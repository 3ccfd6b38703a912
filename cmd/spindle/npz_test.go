package main

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

// npzMembers reads the members of an .npz into their header dictionaries
// and data.
func npzMembers(t *testing.T, path string) (dicts map[string]string, data map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dicts, data = map[string]string{}, map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
			t.Fatalf("%s: %v, %d bytes", f.Name, err, len(b))
		}
		n := 10 + int(binary.LittleEndian.Uint16(b[8:]))
		name := strings.TrimSuffix(f.Name, ".npy")
		dicts[name], data[name] = string(b[10:n]), b[n:]
	}
	return dicts, data
}

func TestTraceConvertNPZ(t *testing.T) {
	dir := t.TempDir()
	p := writeTestTrace(t, dir)
	for _, tc := range []struct {
		args    []string
		records string
		members []string
	}{
		{nil, "wrote 100 records", []string{"dt_ms", "time_unit", "source", "population_names", "population_first", "population_size", "meta", "spikes"}},
		{[]string{"--packets"}, "wrote 200 records", []string{"dt_ms", "time_unit", "source", "population_names", "population_first", "population_size", "meta", "spikes", "packets"}},
	} {
		out := filepath.Join(dir, "t.npz")
		code, stdout, errs := spindle(t, append([]string{"trace", "convert", p, out}, tc.args...)...)
		if code != 0 || !strings.Contains(stdout, tc.records) {
			t.Fatalf("%v: exit %d: %s%s", tc.args, code, stdout, errs)
		}
		dicts, data := npzMembers(t, out)
		if len(dicts) != len(tc.members) {
			t.Errorf("%v: members %v, want %v", tc.args, dicts, tc.members)
		}
		for _, m := range tc.members {
			if _, ok := dicts[m]; !ok {
				t.Errorf("%v: no member %s", tc.args, m)
			}
		}
		if !strings.Contains(dicts["spikes"], "('t', '<i8'), ('addr', '<u4')") || !strings.Contains(dicts["spikes"], "(100,)") || len(data["spikes"]) != 100*12 {
			t.Errorf("spikes: %q, %d bytes", dicts["spikes"], len(data["spikes"]))
		}
		// Spike k is (k, k%20): the last is (99, 19).
		if s := data["spikes"][99*12:]; binary.LittleEndian.Uint64(s) != 99 || binary.LittleEndian.Uint32(s[8:]) != 19 {
			t.Errorf("last spike % x", s)
		}
		if dicts["population_names"] == "" || !strings.Contains(dicts["population_names"], "'<U1'") ||
			string(data["population_names"]) != "a\x00\x00\x00b\x00\x00\x00" {
			t.Errorf("population_names %q % x", dicts["population_names"], data["population_names"])
		}
		if binary.LittleEndian.Uint32(data["population_first"][4:]) != 10 || binary.LittleEndian.Uint32(data["population_size"][4:]) != 10 {
			t.Errorf("population ranges % x % x", data["population_first"], data["population_size"])
		}
		var meta aer.Meta
		js := strings.ReplaceAll(string(data["meta"]), "\x00", "")
		if err := json.Unmarshal([]byte(js), &meta); err != nil || meta.DtMs != 1 || len(meta.Populations) != 2 || !meta.Has(aer.KindPacket) {
			t.Errorf("meta %q: %v", js, err)
		}
	}
	if code, _, errs := spindle(t, "trace", "convert", p, filepath.Join(dir, "t.npx")); code != 2 || !strings.Contains(errs, ".npz") {
		t.Errorf("bad extension: exit %d: %s", code, errs)
	}
}
