package export

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/npy"
)

// writeTrace writes 30 spikes and 4 packets, populations a and b.
func writeTrace(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.aer")
	w, err := aer.Create(p, aer.Meta{DtMs: 0.5, TimeUnit: aer.UnitTick, Source: "test, with a comma",
		Kinds:       []string{aer.KindSpike, aer.KindPacket},
		Populations: []aer.Population{{Name: "a", First: 0, Size: 5}, {Name: "b", First: 5, Size: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	for k := range 30 {
		w.WriteSpike(int64(k), uint32(k%10))
	}
	for k := range 4 {
		w.WritePacket(aer.Packet{Emit: int64(k), Deliver: int64(k) + 2, Src: 1, Dst: 3, Hops: 2, Flags: aer.FlagLate})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, path string, opt Options) *Exporter {
	t.Helper()
	src, err := anyformat.Open(path, anyformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return New(src, opt)
}

func TestCSV(t *testing.T) {
	path := writeTrace(t)
	for _, c := range []struct {
		packets bool
		header  string
		rows    int
		row1    string
	}{
		{false, "t,addr", 30, "1,1"},
		{true, "emit,deliver,src,dst,hops,flags", 4, "1,3,1,3,2,1"},
	} {
		var b bytes.Buffer
		n, err := open(t, path, Options{Packets: c.packets}).CSV(&b)
		if err != nil || n != int64(c.rows) {
			t.Fatalf("packets %v: %d records, %v", c.packets, n, err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != c.rows+1 || strings.Join(recs[0], ",") != c.header || strings.Join(recs[2], ",") != c.row1 {
			t.Errorf("packets %v: %d rows, header %v, second %v", c.packets, len(recs), recs[0], recs[2])
		}
	}
}

func TestNPY(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.npy")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	n, err := open(t, writeTrace(t), Options{}).NPY(f)
	f.Close()
	if err != nil || n != 30 {
		t.Fatalf("%d records, %v", n, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fields := []npy.Field{{Name: "t", Descr: "<i8", Size: 8}, {Name: "addr", Descr: "<u4", Size: 4}}
	hdr := npy.StructHeader(fields, 30)
	if !bytes.HasPrefix(b, hdr) || len(b) != len(hdr)+30*12 {
		t.Fatalf("%d bytes, header %q", len(b), b[:min(len(b), len(hdr))])
	}
	rec := b[len(hdr)+12*7:] // the eighth spike: tick 7, address 7
	if binary.LittleEndian.Uint64(rec) != 7 || binary.LittleEndian.Uint32(rec[8:]) != 7 {
		t.Errorf("record 7: % x", rec[:12])
	}
}

func TestNPZMetadata(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.npz")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	n, err := open(t, writeTrace(t), Options{Packets: true}).NPZ(f)
	f.Close()
	if err != nil || n != 34 {
		t.Fatalf("%d records, %v", n, err)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	have := map[string]bool{}
	for _, m := range z.File {
		have[m.Name] = true
	}
	for _, name := range []string{"spikes.npy", "packets.npy", "dt_ms.npy", "time_unit.npy", "source.npy",
		"population_names.npy", "population_first.npy", "population_size.npy", "meta.npy"} {
		if !have[name] {
			t.Errorf("no %s in %v", name, have)
		}
	}
}
