package aer

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func testMeta() Meta {
	return Meta{DtMs: 0.1, TimeUnit: UnitTick, Source: "test",
		Populations: []Population{{Name: "exc", First: 0, Size: 3200}, {Name: "inh", First: 3200, Size: 800}},
		Kinds:       []string{KindSpike, KindPacket}}
}

// cubaSpikes is a CUBA-like trace: n neurons at rate Hz for ticks ticks of
// dt ms, Poisson times, uniform random addresses.
func cubaSpikes(seed uint64, n int, hz, dtMs float64, ticks int) []Spike {
	rng := rand.New(rand.NewPCG(seed, 1))
	l := float64(n) * hz * dtMs / 1000 // mean spikes per tick
	var out []Spike
	for t := 0; t < ticks; t++ {
		// Poisson(l) spikes this tick, by inverting the CDF.
		k, term, cdf, q := 0, math.Exp(-l), math.Exp(-l), rng.Float64()
		for q > cdf && k < 10*int(l)+20 {
			k++
			term *= l / float64(k)
			cdf += term
		}
		for range k {
			out = append(out, Spike{Time: int64(t), Addr: uint32(rng.IntN(n))})
		}
	}
	return out
}

// inTickOrder sorts s by address within each tick, the order in which the
// engine reports the spikes of a sequentially mapped network.
func inTickOrder(s []Spike) []Spike {
	slices.SortFunc(s, func(a, b Spike) int { return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.Addr, b.Addr)) })
	return s
}

func randomPackets(seed uint64, n int) []Packet {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]Packet, n)
	t := int64(0)
	for i := range out {
		t += int64(rng.IntN(3))
		out[i] = Packet{Emit: t, Deliver: t + 1 + int64(rng.IntN(4)), Src: uint32(rng.IntN(64)), Dst: uint32(rng.IntN(64)),
			Hops: uint16(rng.IntN(14)), Flags: uint8(rng.IntN(4))}
	}
	return out
}

func writeTrace(t testing.TB, m Meta, chunk int, spikes []Spike, packets []Packet) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriterSize(&buf, m, chunk)
	if err != nil {
		t.Fatal(err)
	}
	// Interleave the two streams the way an engine would.
	j := 0
	for _, s := range spikes {
		for j < len(packets) && packets[j].Emit <= s.Time {
			if err := w.WritePacket(packets[j]); err != nil {
				t.Fatal(err)
			}
			j++
		}
		if err := w.WriteSpike(s.Time, s.Addr); err != nil {
			t.Fatal(err)
		}
	}
	for ; j < len(packets); j++ {
		if err := w.WritePacket(packets[j]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(r *Reader) ([]Spike, []Packet, error) {
	var spikes []Spike
	var packets []Packet
	sb := make([]Spike, 1000)
	for {
		n, err := r.ReadSpikes(sb)
		spikes = append(spikes, sb[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	pb := make([]Packet, 777)
	for {
		n, err := r.ReadPackets(pb)
		packets = append(packets, pb[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return spikes, packets, nil
}

// escapes is a tick of 100 spikes one address apart, then spikes far
// apart: their gaps have quotients past escapeQuotient.
func escapes() []Spike {
	var s []Spike
	for a := range 100 {
		s = append(s, Spike{7, uint32(a)})
	}
	return append(s, Spike{1e9, 50}, Spike{1e9 + 1, 0}, Spike{3e12, 99})
}

func TestRoundTrip(t *testing.T) {
	wide := []Spike{{0, 0}, {0, 1<<32 - 1}, {5, 7}, {1 << 40, 1 << 31}, {1<<40 + 1, 3}}
	same := []Spike{{-5, 42}, {-5, 42}, {-5, 42}}
	const gaps, columns = codecGaps, codecColumns
	tests := []struct {
		name    string
		chunk   int
		spikes  []Spike
		packets []Packet
		codec   byte // of every spike chunk; 0: not checked
	}{
		{"empty", 16, nil, nil, 0},
		{"one spike", 16, []Spike{{3, 9}}, nil, gaps},
		{"wide values", 2, wide, nil, 0},
		{"wide values in one chunk", 16, wide, nil, columns},
		{"constant", 16, same, nil, gaps},
		{"full address range", 16, []Spike{{1, 0}, {1, 1<<32 - 1}, {2, 1 << 31}}, nil, gaps},
		{"int64 extremes", 16, []Spike{{math.MinInt64, 1}, {math.MaxInt64, 2}}, nil, columns},
		{"near the largest time", 16, []Spike{{math.MaxInt64 - 1, 1}, {math.MaxInt64, 0}, {math.MaxInt64, 2}}, nil, gaps},
		{"escapes", 4096, escapes(), nil, gaps},
		{"cuba", 4096, cubaSpikes(1, 4000, 5, 0.1, 3000), nil, columns},
		{"cuba in tick order", 4096, inTickOrder(cubaSpikes(1, 4000, 5, 0.1, 3000)), nil, gaps},
		{"packets only", 100, nil, randomPackets(3, 1000), 0},
		{"both", 333, cubaSpikes(2, 1000, 20, 1, 500), randomPackets(4, 2000), columns},
		{"both in tick order", 333, inTickOrder(cubaSpikes(2, 1000, 20, 1, 500)), randomPackets(4, 2000), gaps},
		{"negative latency", 8, nil, []Packet{{Emit: 10, Deliver: -1, Src: 1 << 31, Dst: 0, Hops: 65535, Flags: FlagDropped}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := writeTrace(t, testMeta(), tc.chunk, tc.spikes, tc.packets)
			r, err := NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Chunks() {
				if codec := b[c.Offset+5]; c.Kind == KindSpike && tc.codec != 0 && codec != tc.codec {
					t.Errorf("spike chunk at byte %d: codec %d, want %d", c.Offset, codec, tc.codec)
				}
			}
			spikes, packets, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(spikes, tc.spikes) || !equal(packets, tc.packets) {
				t.Fatalf("round trip: got %d spikes %d packets, want %d and %d (or values differ)",
					len(spikes), len(packets), len(tc.spikes), len(tc.packets))
			}
			if m := r.Meta(); m.Source != "test" || len(m.Populations) != 2 || m.DtMs != 0.1 {
				t.Errorf("meta = %+v", m)
			}
			if ns, np := r.Count(KindSpike), r.Count(KindPacket); ns != int64(len(tc.spikes)) || np != int64(len(tc.packets)) {
				t.Errorf("Count: %d spikes, %d packets", ns, np)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestVersion1 reads a trace written by the version 1 writer (chunks of
// 100 records, spikes and packets interleaved): files already on disk must
// stay readable.
func TestVersion1(t *testing.T) {
	b, err := os.ReadFile("testdata/v1.aer")
	if err != nil {
		t.Fatal(err)
	}
	r := mustReader(t, b)
	spikes, packets, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if ws, wp := cubaSpikes(11, 300, 20, 1, 200), randomPackets(12, 250); !equal(spikes, ws) || !equal(packets, wp) {
		t.Errorf("got %d spikes %d packets, want %d and %d (or values differ)", len(spikes), len(packets), len(ws), len(wp))
	}
	var out bytes.Buffer
	if _, err := Recover(&out, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), b) {
		t.Error("Recover changed a complete version 1 trace")
	}
}

// TestVersions checks that a reader refuses versions it does not know and
// gap-coded chunks in a version 1 file.
func TestVersions(t *testing.T) {
	b := writeTrace(t, testMeta(), 16, []Spike{{1, 2}, {1, 5}, {3, 0}}, nil)
	tests := []struct {
		version uint16
		want    string
	}{
		{0, "format version 0, this reader knows 1 to 2"},
		{1, "unknown chunk codec 2 for spike records in a version 1 file"},
		{3, "format version 3, this reader knows 1 to 2"},
	}
	for _, tc := range tests {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint16(c[8:], tc.version)
		end := fileHeaderFixed + int(binary.LittleEndian.Uint32(c[12:]))
		binary.LittleEndian.PutUint32(c[end:], crc32.Checksum(c[:end], castagnoli))
		r, err := NewReader(bytes.NewReader(c), int64(len(c)))
		if err == nil {
			_, _, err = readAll(r)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("version %d: err = %v, want %q", tc.version, err, tc.want)
		}
	}
}

func TestDivMagic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, d := range []uint64{1, 2, 3, 4, 5, 7, 10, 4000, 100000, 1<<31 - 1, 1 << 31, 1<<31 + 1, 1<<32 - 1, 1 << 32} {
		m, l := divMagic(d)
		keys := []uint64{0, 1, d - 1, d, d + 1, 2*d - 1, keyLimit - 1, keyLimit - d, (keyLimit - 1) / d * d}
		for range 1000 {
			keys = append(keys, rng.Uint64N(keyLimit))
		}
		for _, key := range keys {
			if hi, _ := bits.Mul64(key<<2, m); hi>>l != key/d {
				t.Fatalf("d %d: key %d: %d, want %d", d, key, hi>>l, key/d)
			}
		}
	}
}

func TestRunMeta(t *testing.T) {
	m := testMeta()
	m.Run = &Run{Network: "net.yaml", Name: "net", Seed: 8, Ticks: 5000, SleepTicks: 300, Stimulus: "in.aedat4", Arch: "loihi", Map: "locality", Chips: 2, Mode: "fixed"}
	b := writeTrace(t, m, 16, []Spike{{3, 1}}, nil)
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Meta().Run; got == nil || *got != *m.Run {
		t.Errorf("run = %+v, want %+v", got, m.Run)
	}
}

func TestSeekTime(t *testing.T) {
	spikes := cubaSpikes(5, 2000, 10, 1, 2000)
	packets := randomPackets(6, 5000)
	b := writeTrace(t, testMeta(), 500, spikes, packets)
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{-10, 0, 1, 777, 1500, 1999, 5000} {
		r.SeekTime(at)
		gs, gp, err := readAll(r)
		if err != nil {
			t.Fatal(err)
		}
		var ws []Spike
		for _, s := range spikes {
			if s.Time >= at {
				ws = append(ws, s)
			}
		}
		var wp []Packet
		for _, p := range packets {
			if p.Emit >= at {
				wp = append(wp, p)
			}
		}
		if !equal(gs, ws) || !equal(gp, wp) {
			t.Errorf("SeekTime(%d): got %d spikes %d packets, want %d and %d", at, len(gs), len(gp), len(ws), len(wp))
		}
	}
}

func TestWriterRejects(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Meta{DtMs: 1, TimeUnit: UnitTick})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSpike(5, 1); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSpike(4, 1); err == nil || !strings.Contains(err.Error(), "before the previous") {
		t.Errorf("backwards time: err = %v", err)
	}
	if err := w.WritePacket(Packet{}); err == nil || !strings.Contains(err.Error(), "does not declare") {
		t.Errorf("undeclared packet: err = %v", err)
	}
	for _, m := range []Meta{{TimeUnit: UnitTick}, {DtMs: 1, TimeUnit: "s"}, {DtMs: 1, TimeUnit: UnitTick, Kinds: []string{"x"}},
		{DtMs: 1, TimeUnit: UnitTick, Populations: []Population{{First: 1<<31 + 1, Size: 1 << 31}}},
		{DtMs: 1, TimeUnit: UnitTick, Run: &Run{Ticks: -1}}, {DtMs: 1, TimeUnit: UnitTick, Run: &Run{Ticks: 10, SleepTicks: 11}}} {
		if _, err := NewWriter(io.Discard, m); err == nil {
			t.Errorf("NewWriter(%+v) accepted bad meta", m)
		}
	}
}

func TestRecover(t *testing.T) {
	for _, order := range []struct {
		name   string
		spikes []Spike
	}{
		{"drawn", cubaSpikes(7, 1000, 20, 1, 1000)},
		{"tick order", inTickOrder(cubaSpikes(7, 1000, 20, 1, 1000))},
	} {
		t.Run(order.name, func(t *testing.T) { recoverCuts(t, order.spikes) })
	}
}

// recoverCuts cuts a trace of spikes everywhere a kill could and checks
// what Recover makes of each part.
func recoverCuts(t *testing.T, spikes []Spike) {
	packets := randomPackets(8, 3000)
	full := writeTrace(t, testMeta(), 1000, spikes, packets)
	r, err := NewReader(bytes.NewReader(full), int64(len(full)))
	if err != nil {
		t.Fatal(err)
	}
	chunks := r.Chunks()
	// Cut the file inside every chunk and inside the index, as kill -9 would.
	cuts := []int64{chunks[0].Offset}
	for _, c := range chunks {
		cuts = append(cuts, c.Offset+1, c.Offset+chunkHeaderSize+3)
	}
	cuts = append(cuts, int64(len(full))-1, int64(len(full)))
	for _, cut := range cuts {
		part := full[:cut]
		_, err := NewReader(bytes.NewReader(part), cut)
		if cut < int64(len(full)) && (err == nil || !errors.Is(err, ErrNoIndex) || !strings.Contains(err.Error(), "spindle trace recover")) {
			t.Fatalf("cut at %d: open err = %v, want ErrNoIndex with advice", cut, err)
		}
		var out bytes.Buffer
		rep, err := Recover(&out, bytes.NewReader(part), cut)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		rr, err := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("cut at %d: recovered file: %v", cut, err)
		}
		gs, gp, err := readAll(rr)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		var want int
		for _, c := range chunks {
			if c.Offset+chunkHeaderSize < cut && (int64(len(full)) == cut || c.Offset < cut && next(chunks, c, int64(len(full))) <= cut) {
				want += c.Count
			}
		}
		if len(gs)+len(gp) != want || int64(want) != rep.Spikes+rep.Packets {
			t.Errorf("cut at %d: recovered %d+%d records (report %+v), want %d", cut, len(gs), len(gp), rep, want)
		}
		if !equal(gs, spikes[:len(gs)]) || !equal(gp, packets[:len(gp)]) {
			t.Errorf("cut at %d: recovered records differ from a prefix of the originals", cut)
		}
	}
}

// next is the end offset of chunk c.
func next(chunks []ChunkInfo, c ChunkInfo, size int64) int64 {
	for i, x := range chunks {
		if x.Offset == c.Offset && i+1 < len(chunks) {
			return chunks[i+1].Offset
		}
	}
	return size - trailerSize - 12 - int64(len(chunks))*indexEntrySize
}

func TestCorruptInput(t *testing.T) {
	for _, order := range []struct {
		name   string
		spikes []Spike
	}{
		{"drawn", cubaSpikes(9, 500, 20, 1, 300)},
		{"tick order", inTickOrder(cubaSpikes(9, 500, 20, 1, 300))},
	} {
		t.Run(order.name, func(t *testing.T) { corruptInput(t, order.spikes) })
	}
}

func corruptInput(t *testing.T, spikes []Spike) {
	full := writeTrace(t, testMeta(), 200, spikes, randomPackets(10, 500))
	if _, err := NewReader(bytes.NewReader(nil), 0); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty: %v", err)
	}
	bad := append([]byte("GIF89a.."), full[8:]...)
	if _, err := NewReader(bytes.NewReader(bad), int64(len(bad))); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("magic: %v", err)
	}
	huge := bytes.Clone(full)
	binary.LittleEndian.PutUint32(huge[12:], 1<<31)
	if _, err := NewReader(bytes.NewReader(huge), int64(len(huge))); err == nil || !strings.Contains(err.Error(), "byte 12") {
		t.Errorf("absurd meta length: %v", err)
	}
	// Flip each bit in a sample of positions: every result is an error or the
	// original data, never a panic or silently different records.
	rng := rand.New(rand.NewPCG(1, 1))
	ref, _, _ := readAll(mustReader(t, full))
	for range 2000 {
		b := bytes.Clone(full)
		i := rng.IntN(len(b))
		b[i] ^= 1 << rng.IntN(8)
		r, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		s, _, err := readAll(r)
		if err == nil && !equal(s, ref) {
			t.Fatalf("bit flip at byte %d changed the spikes without an error", i)
		}
		if err != nil && !strings.Contains(err.Error(), "byte") {
			t.Fatalf("bit flip at byte %d: error does not say where: %v", i, err)
		}
	}
}

func mustReader(t *testing.T, b []byte) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.aer")
	w, err := Create(path, Meta{DtMs: 1, TimeUnit: UnitTick})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		w.WriteSpike(int64(i), uint32(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, _, err := readAll(r)
	if err != nil || len(s) != 10 {
		t.Fatalf("got %d spikes, err %v", len(s), err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.aer")); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}

// TestCUBASize checks the compression target on the CUBA-like trace: at most
// 2 bytes per spike, and logs the ratio against gzip of 8-byte raw records.
func TestCUBASize(t *testing.T) {
	spikes := inTickOrder(cubaSpikes(42, 4000, 5, 0.1, 10000))
	b := writeTrace(t, Meta{DtMs: 0.1, TimeUnit: UnitTick}, DefaultChunkRecords, spikes, nil)
	var raw bytes.Buffer
	for _, s := range spikes {
		raw.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(s.Time)), s.Addr))
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw.Bytes())
	zw.Close()
	per := float64(len(b)) / float64(len(spikes))
	t.Logf("CUBA 4000 neurons 5 Hz 1 s dt 0.1 ms: %d spikes, .aer %d bytes (%.3f B/event), gzip -9 of 8-byte records %d bytes (%.3f B/event), ratio %.2fx",
		len(spikes), len(b), per, gz.Len(), float64(gz.Len())/float64(len(spikes)), float64(gz.Len())/float64(len(b)))
	if per > 1.6 {
		t.Errorf("%.3f bytes per event, want <= 1.6", per)
	}
}

func TestAddressRule(t *testing.T) {
	tests := []struct {
		r       AddressRule
		x, y    uint16
		p       uint8
		want    uint32
		numAddr int
	}{
		{AddressRule{Width: 34, Height: 34}, 0, 0, 1, 1, 34 * 34 * 2},
		{AddressRule{Width: 34, Height: 34}, 33, 2, 0, (2*34 + 33) * 2, 34 * 34 * 2},
		{AddressRule{Width: 34, Height: 34, MergePolarity: true}, 33, 2, 1, 2*34 + 33, 34 * 34},
		{AddressRule{Width: 35, Height: 10, Downsample: 2}, 34, 9, 1, (4*18+17)*2 + 1, 18 * 5 * 2},
		{AddressRule{Width: 34, Height: 34, Downsample: MaxSensorSide}, 33, 33, 1, 1, 2},
	}
	for _, tc := range tests {
		if err := tc.r.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", tc.r, err)
		}
		if got := tc.r.Addr(tc.x, tc.y, tc.p); got != tc.want {
			t.Errorf("%+v.Addr(%d,%d,%d) = %d, want %d", tc.r, tc.x, tc.y, tc.p, got, tc.want)
		}
		if got := tc.r.NumAddrs(); got != tc.numAddr {
			t.Errorf("%+v.NumAddrs() = %d, want %d", tc.r, got, tc.numAddr)
		}
		x, y, p := tc.r.Pixel(tc.want)
		k := max(tc.r.Downsample, 1)
		if x != int(tc.x)/k*k || y != int(tc.y)/k*k || (!tc.r.MergePolarity && p != tc.p) {
			t.Errorf("%+v.Pixel(%d) = %d,%d,%d", tc.r, tc.want, x, y, p)
		}
	}
}

func TestAddressRuleValidate(t *testing.T) {
	for _, r := range []AddressRule{
		{Width: 0, Height: 34},
		{Width: 34, Height: MaxSensorSide + 1},
		{Width: 34, Height: 34, Downsample: -1},
		// Blocks beyond any sensor overflow the 32-bit address arithmetic
		// (a block of 2^32 divided by zero).
		{Width: 34, Height: 34, Downsample: MaxSensorSide + 1},
		{Width: 34, Height: 34, Downsample: 1 << 32},
		{Width: 34, Height: 34, Downsample: math.MaxInt},
	} {
		if err := r.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", r)
		}
	}
}

func TestTickRule(t *testing.T) {
	tests := []struct {
		dt   float64
		t0   int64
		us   int64
		want int64
	}{
		{0.1, 0, 99, 0}, {0.1, 0, 100, 1}, {0.1, 654, 654, 0}, {0.1, 654, 753, 0}, {0.1, 654, 754, 1},
		{1, 0, 311175, 311}, {0.3, 0, 300, 1}, {0.3, 0, 299, 0}, {1, 100, 50, -1}, {0.025, 0, 25, 1},
		{1, 0, -1000, -1}, {1, 0, -1001, -2}, {0.0015, 0, -1, -1}, {0.0015, 0, 3, 2},
		// Absolute clocks far from 0: t*1000 overflows int64.
		{1, 0, 9_000_000_000_000_000_000, 9_000_000_000_000_000}, {0.001, 0, math.MaxInt64, math.MaxInt64},
		{0.001, math.MinInt64 + 1, 0, math.MaxInt64},
	}
	for _, tc := range tests {
		if got := (TickRule{DtMs: tc.dt, T0: tc.t0}).Tick(tc.us); got != tc.want {
			t.Errorf("TickRule{%v,%d}.Tick(%d) = %d, want %d", tc.dt, tc.t0, tc.us, got, tc.want)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// FuzzReader opens arbitrary bytes as a trace and reads both streams: any
// outcome but a panic, a hang or a silently disordered stream is fine.
func FuzzReader(f *testing.F) {
	f.Add(writeTrace(f, testMeta(), 4, []Spike{{1, 2}, {1, 3}, {5, 1 << 20}, {9, 0}, {9, 9}}, []Packet{{Emit: 1, Deliver: 3, Src: 1, Dst: 2, Hops: 2}}))
	f.Add(writeTrace(f, Meta{DtMs: 1, TimeUnit: UnitTick}, 16, nil, nil))
	f.Add(writeTrace(f, Meta{DtMs: 1, TimeUnit: UnitTick}, 64, escapes(), nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		s, p, err := readAll(r)
		if err != nil {
			return
		}
		for i := 1; i < len(s); i++ {
			if s[i].Time < s[i-1].Time {
				t.Fatalf("spike %d goes back in time", i)
			}
		}
		for i := 1; i < len(p); i++ {
			if p[i].Emit < p[i-1].Emit {
				t.Fatalf("packet %d goes back in time", i)
			}
		}
	})
}

// FuzzRecover checks that whatever Recover accepts, it turns into a file
// that opens and reads without error.
func FuzzRecover(f *testing.F) {
	full := writeTrace(f, testMeta(), 3, []Spike{{1, 2}, {1, 3}, {5, 7}, {9, 0}}, []Packet{{Emit: 1, Deliver: 3, Src: 1, Dst: 2}})
	f.Add(full)
	f.Add(full[:len(full)-20])
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		if _, err := Recover(&out, bytes.NewReader(b), int64(len(b))); err != nil {
			return
		}
		r, err := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("recovered file does not open: %v", err)
		}
		if _, _, err := readAll(r); err != nil {
			t.Fatalf("recovered file does not read: %v", err)
		}
	})
}

// FuzzGaps feeds decodeGaps arbitrary sections past the checksums, which
// keep most of FuzzReader's inputs from reaching it: any outcome but a
// panic, a hang or spikes out of order or out of the chunk's time range is
// fine.
func FuzzGaps(f *testing.F) {
	enc, err := newChunkEncoder()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]Spike{escapes(), inTickOrder(cubaSpikes(3, 300, 20, 1, 50)), {{5, 9}}} {
		times := make([]int64, len(s))
		addrs := make([]uint32, len(s))
		for i := range s {
			times[i], addrs[i] = s[i].Time, s[i].Addr
		}
		enc.spikes(times, addrs)
		f.Add(bytes.Clone(enc.raw[0]), bytes.Clone(enc.raw[1]), uint16(len(s)), times[0], times[len(s)-1])
	}
	f.Fuzz(func(t *testing.T, esc, codes []byte, n uint16, first, last int64) {
		if n == 0 || first > last {
			return
		}
		h := chunkHeader{kind: kindSpikeByte, codec: codecGaps, count: uint32(n), first: first, last: last}
		var d chunkDecoder
		for i, b := range [][]byte{esc, codes} {
			d.raw[i] = append(bytes.Clone(b), make([]byte, spare)...)[:len(b)]
		}
		if d.decodeGaps(&h) != nil {
			return
		}
		s := d.spikes
		if s[0].Time != first || s[len(s)-1].Time != last {
			t.Fatalf("times %d .. %d, header says %d .. %d", s[0].Time, s[len(s)-1].Time, first, last)
		}
		for i := 1; i < len(s); i++ {
			if s[i].Time < s[i-1].Time || s[i].Time == s[i-1].Time && s[i].Addr < s[i-1].Addr {
				t.Fatalf("spike %d (%d, %d) before spike %d (%d, %d)", i, s[i].Time, s[i].Addr, i-1, s[i-1].Time, s[i-1].Addr)
			}
		}
	})
}
