package aer

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchSpikes is a dense trace: 10 spikes per tick over 100k addresses.
func benchSpikes(n int) []Spike {
	rng := rand.New(rand.NewPCG(1, 2))
	s := make([]Spike, n)
	for i := range s {
		s[i] = Spike{Time: int64(i / 10), Addr: uint32(rng.IntN(100000))}
	}
	return s
}

// benchTraces are the spike streams the benchmarks encode and decode: the
// dense trace as drawn, the same in address order within each tick (as the
// engine writes a sequentially mapped network), and the CUBA-like trace.
func benchTraces() []struct {
	name   string
	spikes []Spike
} {
	dense := benchSpikes(1 << 22)
	return []struct {
		name   string
		spikes []Spike
	}{
		{"dense", dense},
		{"dense-sorted", inTickOrder(slices.Clone(dense))},
		{"cuba", inTickOrder(cubaSpikes(42, 4000, 5, 0.1, 10000))},
	}
}

// BenchmarkWriteSpikes reports encode throughput in events/s.
func BenchmarkWriteSpikes(b *testing.B) {
	for _, tr := range benchTraces() {
		b.Run(tr.name, func(b *testing.B) {
			spikes := tr.spikes
			w, err := NewWriter(io.Discard, Meta{DtMs: 1, TimeUnit: UnitTick})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			base := int64(0)
			for i := 0; i < b.N; i++ {
				j := i % len(spikes)
				if j == 0 && i > 0 {
					base += spikes[len(spikes)-1].Time + 1
				}
				if err := w.WriteSpike(base+spikes[j].Time, spikes[j].Addr); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportRates(b, cpu0)
		})
	}
}

// BenchmarkReadSpikes reports decode throughput in events/s.
func BenchmarkReadSpikes(b *testing.B) {
	for _, tr := range benchTraces() {
		b.Run(tr.name, func(b *testing.B) {
			data := writeTrace(b, Meta{DtMs: 1, TimeUnit: UnitTick}, DefaultChunkRecords, tr.spikes, nil)
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]Spike, 4096)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for n := 0; n < b.N; {
				k, err := r.ReadSpikes(buf[:min(len(buf), b.N-n)])
				if err == io.EOF {
					r.SeekTime(0)
					continue
				}
				if err != nil {
					b.Fatal(err)
				}
				n += k
			}
			b.StopTimer()
			reportRates(b, cpu0)
			b.ReportMetric(float64(len(data))/float64(len(tr.spikes)), "B/event")
		})
	}
}

// reportRates reports events per wall second and per CPU second (the
// latter is what to compare on a loaded machine).
func reportRates(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mevents/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds()/1e6, "Mevents/cpu-s")
	}
}

// TestLongRSS writes and reads back 100 M spikes through a file and checks
// that peak heap stays under 100 MB. Set SPINDLE_LONG=1 to run it.
func TestLongRSS(t *testing.T) {
	if testing.Short() || os.Getenv("SPINDLE_LONG") == "" {
		t.Skip("set SPINDLE_LONG=1 (and no -short) to write and read 100 M events")
	}
	const n = 100_000_000
	path := t.TempDir() + "/long.aer"
	var peak uint64
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	watch := func() {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
	}
	w, err := Create(path, Meta{DtMs: 1, TimeUnit: UnitTick})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		if err := w.WriteSpike(int64(i/16), uint32(rng.IntN(1<<20))); err != nil {
			t.Fatal(err)
		}
		if i%(1<<22) == 0 {
			watch()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]Spike, 8192)
	got := 0
	for i := 0; ; i++ {
		k, err := r.ReadSpikes(buf)
		got += k
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%512 == 0 {
			watch()
		}
	}
	watch()
	st, _ := os.Stat(path)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	hwm := peakRSS()
	t.Logf("100M events: file %d bytes (%.2f B/event), peak live heap %.1f MB, Go Sys %.1f MB, peak RSS (VmHWM) %.1f MB",
		st.Size(), float64(st.Size())/n, float64(peak)/1e6, float64(ms.Sys)/1e6, float64(hwm)/1e6)
	if hwm > 100e6 {
		t.Errorf("peak RSS %d bytes, want < 100 MB", hwm)
	}
	if got != n {
		t.Fatalf("read %d events, want %d", got, n)
	}
	if peak > 100e6 {
		t.Errorf("peak heap %d bytes, want < 100 MB", peak)
	}
}

// peakRSS reads the process's peak resident set from /proc (Linux), or 0.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func ExampleWriter() {
	var file bytes.Buffer
	w, _ := NewWriter(&file, Meta{DtMs: 1, TimeUnit: UnitTick,
		Populations: []Population{{Name: "input", First: 0, Size: 100}}})
	w.WriteSpike(0, 7)
	w.WriteSpike(0, 42)
	w.WriteSpike(3, 7)
	w.Close()

	r, _ := NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()))
	r.SeekTime(1)
	buf := make([]Spike, 16)
	n, _ := r.ReadSpikes(buf)
	for _, s := range buf[:n] {
		fmt.Println(s.Time, s.Addr)
	}
	// Output:
	// 3 7
}
