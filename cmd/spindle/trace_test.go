package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

const eventFixtures = "../../../shared/fixtures/events/"

func eventFixture(t *testing.T, name string) string {
	t.Helper()
	p := eventFixtures + name
	if _, err := os.Stat(p); os.IsNotExist(err) {
		t.Skipf("fixture %s absent (shared/ not laid beside the checkout)", p)
	}
	return p
}

// writeTestTrace writes a small trace with two populations, spikes and
// packets, and returns its path.
func writeTestTrace(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "t.aer")
	w, err := aer.Create(p, aer.Meta{DtMs: 1, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike, aer.KindPacket},
		Populations: []aer.Population{{Name: "a", First: 0, Size: 10}, {Name: "b", First: 10, Size: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	for tk := int64(0); tk < 100; tk++ {
		w.WriteSpike(tk, uint32(tk%20))
		w.WritePacket(aer.Packet{Emit: tk, Deliver: tk + 1, Src: uint32(tk % 3), Dst: uint32(tk % 2), Hops: 1, Flags: uint8(tk % 4 / 3)})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTraceInfo(t *testing.T) {
	code, out, errs := spindle(t, "trace", "info", eventFixture(t, "sample_nmnist.bin"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got traceInfo
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Format != "nmnist" || got.Events != 4325 || got.FirstTime != 654 || got.LastTime != 311175 ||
		got.Width != 34 || got.TimeUnit != "us" || got.BytesPerEvent != 5 {
		t.Errorf("info = %+v", got)
	}
	p := writeTestTrace(t, t.TempDir())
	code, out, _ = spindle(t, "trace", "info", p, "--json")
	json.Unmarshal([]byte(out), &got)
	if code != 0 || got.Spikes != 100 || got.Packets != 100 || got.Chunks != 2 || got.Addresses != 20 || got.LastTime != 99 {
		t.Errorf("aer info = %+v", got)
	}
}

func TestTraceStats(t *testing.T) {
	p := writeTestTrace(t, t.TempDir())
	code, out, errs := spindle(t, "trace", "stats", p, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var s traceStats
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	// 100 ticks of 1 ms; each address fires every 20 ticks: 5 spikes, 50 Hz, ISI 20 ms, CV 0.
	a := s.Addresses[3]
	if s.Seconds != 0.1 || len(s.Addresses) != 20 || a.Count != 5 || *a.RateHz != 50 || *a.ISIMeanMs != 20 || *a.ISICV != 0 {
		t.Errorf("address 3: %+v (seconds %v)", a, s.Seconds)
	}
	if len(s.Populations) != 2 || s.Populations[1].Count != 50 || *s.Populations[1].RateHz != 50 {
		t.Errorf("populations %+v", s.Populations)
	}
	if len(s.Cores) != 3 || len(s.Links) != 6 || s.Cores[0].Count != 34 {
		t.Errorf("cores %+v links %d", s.Cores, len(s.Links))
	}
	code, out, _ = spindle(t, "trace", "stats", p, "--csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || !strings.HasPrefix(lines[0], "kind,id,dst,name,count") || len(lines) != 1+2+20+3+6 {
		t.Errorf("csv: exit %d, %d lines:\n%s", code, len(lines), out)
	}
	code, out, _ = spindle(t, "trace", "stats", p)
	if code != 0 || !strings.Contains(out, "busiest links") || !strings.Contains(out, "population") {
		t.Errorf("text stats: exit %d\n%s", code, out)
	}
}

func TestTraceCat(t *testing.T) {
	p := writeTestTrace(t, t.TempDir())
	code, out, _ := spindle(t, "trace", "cat", p, "--from", "10", "--to", "11")
	want := "# spike TIME ADDR | packet EMIT DELIVER SRC DST HOPS FLAGS (time in tick)\n" +
		"spike 10 10\npacket 10 11 1 0 1 -\nspike 11 11\npacket 11 12 2 1 1 L\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, got\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = spindle(t, "trace", "cat", eventFixture(t, "sample_nmnist.bin"), "--to", "700")
	// First N-MNIST record 07 0f 80 02 8e: x 7, y 15, ON, t 654 -> address (15*34+7)*2+1.
	if code != 0 || !strings.HasPrefix(out, "# time_us x y p addr\n654 7 15 1 1035\n") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if code, _, _ := spindle(t, "trace", "cat", p, "--from", "5", "--to", "4"); code != 2 {
		t.Errorf("--to before --from: exit %d, want 2", code)
	}
}

func TestTraceConvert(t *testing.T) {
	dir := t.TempDir()
	in := eventFixture(t, "sample_nmnist.bin")
	for _, tc := range []struct {
		out  string
		args []string
	}{
		{"n.aer", []string{"--dt", "1"}},
		{"n.csv", nil},
		{"n.npy", nil},
	} {
		out := filepath.Join(dir, tc.out)
		code, stdout, errs := spindle(t, append([]string{"trace", "convert", in, out}, tc.args...)...)
		if code != 0 || !strings.Contains(stdout, "wrote 4325 records") {
			t.Fatalf("%s: exit %d: %s%s", tc.out, code, stdout, errs)
		}
	}
	code, out, _ := spindle(t, "trace", "info", filepath.Join(dir, "n.aer"), "--json")
	var info traceInfo
	json.Unmarshal([]byte(out), &info)
	if code != 0 || info.Events != 4325 || info.FirstTime != 0 || info.LastTime != (311175-654)/1000 || info.Width != 34 || info.TimeUnit != "tick" {
		t.Errorf("converted .aer: %+v", info)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "n.csv"))
	if !bytes.HasPrefix(csv, []byte("t,x,y,p,addr\n654,7,15,1,1035\n")) || bytes.Count(csv, []byte("\n")) != 4326 {
		t.Errorf("csv starts %q", csv[:min(len(csv), 60)])
	}
	npy, _ := os.ReadFile(filepath.Join(dir, "n.npy"))
	if !bytes.HasPrefix(npy, []byte("\x93NUMPY\x01\x00")) {
		t.Fatalf("npy magic %q", npy[:8])
	}
	hlen := int(binary.LittleEndian.Uint16(npy[8:]))
	hdr := string(npy[10 : 10+hlen])
	if (10+hlen)%64 != 0 || !strings.Contains(hdr, "'shape': (4325,)") || !strings.HasSuffix(hdr, "\n") ||
		len(npy) != 10+hlen+4325*17 {
		t.Errorf("npy header %q, file %d bytes", hdr, len(npy))
	}
	rec := npy[10+hlen:]
	if binary.LittleEndian.Uint64(rec) != 654 || binary.LittleEndian.Uint16(rec[8:]) != 7 || rec[12] != 1 || binary.LittleEndian.Uint32(rec[13:]) != 1035 {
		t.Errorf("first npy record % x", rec[:17])
	}
	p := writeTestTrace(t, dir)
	code, _, errs := spindle(t, "trace", "convert", p, filepath.Join(dir, "pk.npy"), "--packets")
	if st, err := os.Stat(filepath.Join(dir, "pk.npy")); code != 0 || err != nil || st.Size()%64 != (100*27)%64 {
		t.Errorf("packets npy: exit %d %s", code, errs)
	}
	for _, bad := range [][]string{{in, filepath.Join(dir, "x.txt")}, {in, in}, {in}} {
		if code, _, _ := spindle(t, append([]string{"trace", "convert"}, bad...)...); code != 2 {
			t.Errorf("convert %v: exit %d, want 2", bad, code)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.txt")); !os.IsNotExist(err) {
		t.Error("failed convert left an output file")
	}
}

func TestTraceRecover(t *testing.T) {
	dir := t.TempDir()
	p := writeTestTrace(t, dir)
	b, _ := os.ReadFile(p)
	cut := filepath.Join(dir, "cut.aer")
	os.WriteFile(cut, b[:len(b)-30], 0o644) // index damaged: as if killed while closing
	code, _, errs := spindle(t, "trace", "info", cut)
	if code != 1 || !strings.Contains(errs, "spindle trace recover") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("info of an unfinished trace: exit %d, stderr %q", code, errs)
	}
	out := filepath.Join(dir, "fixed.aer")
	code, stdout, errs := spindle(t, "trace", "recover", cut, out, "--json")
	var res recoverResult
	json.Unmarshal([]byte(stdout), &res)
	if code != 0 || res.Chunks != 2 || res.Spikes != 100 || res.Packets != 100 {
		t.Fatalf("recover: exit %d %+v %s", code, res, errs)
	}
	if code, _, errs := spindle(t, "trace", "info", out); code != 0 {
		t.Errorf("recovered file: exit %d %s", code, errs)
	}
}

func TestTracePlot(t *testing.T) {
	dir := t.TempDir()
	for _, in := range []string{writeTestTrace(t, dir), eventFixture(t, "sample_nmnist.bin")} {
		out := filepath.Join(dir, filepath.Base(in)+".png")
		code, _, errs := spindle(t, "trace", "plot", in, "-o", out)
		png, _ := os.ReadFile(out)
		if code != 0 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("plot %s: exit %d %s", in, code, errs)
		}
	}
	if code, _, _ := spindle(t, "trace", "plot", "x.aer"); code != 2 {
		t.Errorf("plot without -o: exit %d, want 2", code)
	}
}

func TestTraceBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.bin")
	os.WriteFile(empty, nil, 0o644)
	garbage := filepath.Join(dir, "g.aer")
	os.WriteFile(garbage, []byte("\x89AER\r\n\x1a\n\x01\x00\x00\x00\xff\xff\xff\x7f"+strings.Repeat("\x00", 40)), 0o644)
	for _, f := range []string{empty, garbage, filepath.Join(dir, "missing.aer")} {
		code, _, errs := spindle(t, "trace", "info", f)
		if code != 1 || !strings.Contains(errs, f) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("info %s: exit %d, stderr %q; want 1 and one line naming the file", f, code, errs)
		}
	}
	code, _, errs := spindle(t, "trace", "info", garbage)
	if ok, _ := regexp.MatchString(`byte \d+`, errs); code != 1 || !ok {
		t.Errorf("absurd metadata length: %q does not name a byte offset", errs)
	}
}
