package chip_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// trial is a scripted run: awake ticks with a reward schedule, a sleep
// phase, awake ticks again. Position p is the p-th tick of the script.
type trial struct {
	net    func(snn.Mode) *snn.Network
	arch   func() *chip.Arch
	awake  int // ticks before the sleep phase
	sleep  chip.SleepPhase
	after  int // awake ticks after it
	reward bool
}

func (tr *trial) total() int { return tr.awake + tr.sleep.Ticks + tr.after }

// record is what a run showed its callbacks.
type record struct {
	spikes  []spike
	packets []router.Packet
}

func (tr *trial) options(mode snn.Mode, workers int, rec *record) chip.Options {
	return chip.Options{Mode: mode, Workers: workers,
		OnSpike:  func(t int64, id uint32) { rec.spikes = append(rec.spikes, spike{t, id}) },
		OnPacket: func(p router.Packet, q bool) { rec.packets = append(rec.packets, p) },
	}
}

func (tr *trial) build(t *testing.T, mode snn.Mode) (*snn.Graph, *chip.Arch, *chip.Mapping) {
	t.Helper()
	g, err := tr.net(mode).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := tr.arch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	return g, a, m
}

// play runs positions from..to-1 of the script on e.
func (tr *trial) play(t *testing.T, e *chip.Engine, from, to int) {
	t.Helper()
	for p := from; p < to; p++ {
		if p == tr.awake && tr.sleep.Ticks > 0 {
			if err := e.BeginSleep(tr.sleep); err != nil {
				t.Fatal(err)
			}
		}
		if asleep, _, _ := e.Asleep(); !asleep && tr.reward {
			r, _ := rewardAt(p)
			e.SetReward(r)
		}
		e.Step()
	}
}

func (tr *trial) final(e *chip.Engine) (chip.Stats, [][]float64, []float64) {
	var w [][]float64
	for p := range e.Graph().Net.Projections {
		w = append(w, e.RawWeights(p))
	}
	var v []float64
	for id := 0; id < e.Graph().N; id++ {
		x, cur := e.State(uint32(id))
		v = append(append(v, x), cur...)
	}
	return e.Stats(), w, v
}

func ckTrials() map[string]trial {
	small := func() *chip.Arch { a := chiptest.Arch(); a.NeuronsPerCore = 16; return a }
	lossy := func() *chip.Arch {
		a := chiptest.Arch()
		a.NeuronsPerCore = 256
		a.Sync, a.TickBudget, a.LinkBuffer = chip.Realtime, 12e-9, 2
		return a
	}
	cubaShort := func(m snn.Mode) *snn.Network {
		n := chiptest.CUBA(m)
		for i := range n.Projections {
			n.Projections[i].Delay = snn.UniformDist(0.1, 1.5)
		}
		return n
	}
	return map[string]trial{
		"plastic+sleep": {net: func(m snn.Mode) *snn.Network { return plasticNet(m, 3) }, arch: small, awake: 150, after: 80, reward: true,
			sleep: chip.SleepPhase{Ticks: 120, Silence: []string{"in"}, Drive: []string{"a"}, Mute: []string{"in-b", "a-a"},
				Modulation: 0.5, Period: 7, Threshold: 1.2, Depression: 2, RateScale: 3}},
		"cuba": {net: cubaShort, arch: chiptest.Arch, awake: 250},
		// Realtime sync with a tight budget: late packets stay in the
		// router across ticks, and full buffers drop some.
		"cuba realtime": {net: cubaShort, arch: lossy, awake: 200},
	}
}

// TestCheckpointContinues: a run stopped at a checkpoint and restored
// (with one or two workers, either way round) continues exactly as the
// run that went on: spikes, packets, counters, energy, weights, state.
func TestCheckpointContinues(t *testing.T) { testCheckpointContinues(t) }

// The same on boards treated as larger than the caches: cores in an
// arena, packets warmed, synapses laid on a second goroutine.
func TestCheckpointContinuesLargeBoard(t *testing.T) {
	defer chip.SetLargeBoard(true)()
	testCheckpointContinues(t)
}

func testCheckpointContinues(t *testing.T) {
	for name, tr := range ckTrials() {
		for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
			g, a, m := tr.build(t, mode)
			var whole record
			ref, err := chip.NewEngine(g, a, m, tr.options(mode, 1, &whole))
			if err != nil {
				t.Fatal(err)
			}
			tr.play(t, ref, 0, tr.total())
			wantStats, wantW, wantV := tr.final(ref)
			ref.Close()
			if wantStats.Spikes == 0 || wantStats.Router.Sent == 0 {
				t.Fatalf("%s %v: a run without spikes or packets tests nothing", name, mode)
			}
			stops := []int{tr.awake / 2}
			if tr.sleep.Ticks > 0 {
				stops = append(stops, tr.awake, tr.awake+37)
			}
			for _, at := range stops {
				for _, w := range [][2]int{{1, 2}, {2, 1}} {
					var first, second record
					e, err := chip.NewEngine(g, a, m, tr.options(mode, w[0], &first))
					if err != nil {
						t.Fatal(err)
					}
					tr.play(t, e, 0, at)
					var buf bytes.Buffer
					if err := e.Checkpoint(&buf); err != nil {
						t.Fatal(err)
					}
					e.Close()
					r, err := chip.Restore(&buf, g, a, m, tr.options(mode, w[1], &second))
					if err != nil {
						t.Fatalf("%s %v at %d: %v", name, mode, at, err)
					}
					if asleep, done, _ := r.Asleep(); asleep != (at > tr.awake && at < tr.awake+tr.sleep.Ticks) || asleep && done != at-tr.awake {
						t.Errorf("%s %v at %d: restored asleep %v after %d sleep ticks", name, mode, at, asleep, done)
					}
					tr.play(t, r, at, tr.total())
					gotStats, gotW, gotV := tr.final(r)
					r.Close()
					where := func() string { return fmt.Sprintf("%s %v stopped at %d, workers %d->%d", name, mode, at, w[0], w[1]) }
					spikes := append(first.spikes, second.spikes...)
					packets := append(first.packets, second.packets...)
					if !slices.Equal(spikes, whole.spikes) {
						t.Errorf("%s: %d spikes, want %d, or other ones", where(), len(spikes), len(whole.spikes))
					}
					if !slices.Equal(packets, whole.packets) {
						t.Errorf("%s: %d packets, want %d, or other ones", where(), len(packets), len(whole.packets))
					}
					if !reflect.DeepEqual(gotStats, wantStats) {
						t.Errorf("%s: stats\n%+v\nwant\n%+v", where(), gotStats, wantStats)
					}
					if !reflect.DeepEqual(gotW, wantW) {
						t.Errorf("%s: final weights differ", where())
					}
					if !slices.Equal(gotV, wantV) {
						t.Errorf("%s: final membranes and currents differ", where())
					}
				}
			}
		}
	}
}

// smallCheckpoint returns a checkpoint of the plastic trial after 60
// ticks, with the graph, arch and mapping it belongs to.
func smallCheckpoint(t testing.TB, mode snn.Mode) ([]byte, *snn.Graph, *chip.Arch, *chip.Mapping) {
	t.Helper()
	g, err := plasticNet(mode, 3).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 16
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(60)
	var buf bytes.Buffer
	if err := e.CheckpointWith(&buf, []byte("app")); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), g, a, m
}

// reheader recomputes the header checksum after a test changed a field.
func reheader(b []byte) {
	binary.LittleEndian.PutUint32(b[32:], crc32.Checksum(b[:32], chip.Castagnoli))
}

// TestCheckpointRefused: truncated, corrupted and mismatched checkpoints
// are refused with the reason, never restored.
func TestCheckpointRefused(t *testing.T) {
	good, g, a, m := smallCheckpoint(t, snn.Fixed)
	opt := chip.Options{Mode: snn.Fixed, Workers: 1}
	flip := func(at int) []byte {
		b := slices.Clone(good)
		b[at] ^= 0x40
		return b
	}
	version := slices.Clone(good)
	binary.LittleEndian.PutUint16(version[8:], chip.CheckpointVersion+1)
	reheader(version)
	length := slices.Clone(good)
	binary.LittleEndian.PutUint64(length[20:], binary.LittleEndian.Uint64(length[20:])+1)
	reheader(length)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"half a header", good[:20], "truncated"},
		{"header only", good[:chip.CheckpointHeader], "truncated"},
		{"cut", good[:len(good)-7], "truncated"},
		{"trailing bytes", append(slices.Clone(good), 0), "unexpected bytes"},
		{"not a checkpoint", []byte("name: net\npopulations: []\n" + strings.Repeat(" ", 40)), "not a spindle checkpoint"},
		{"header bit", flip(13), "header's checksum"},
		{"payload bit", flip(2 * len(good) / 3), "corrupted"}, // inside the compressed stream, not among its padding bits
		{"other version", version, "version"},
		{"other length", length, "corrupted"},
	} {
		_, err := chip.Restore(bytes.NewReader(c.b), g, a, m, opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", c.name, err, c.want)
		}
	}

	other := func(change func(n *snn.Network, a *chip.Arch), mode snn.Mode) (*snn.Graph, *chip.Arch, *chip.Mapping) {
		n := plasticNet(mode, 3)
		a := chiptest.Arch()
		a.NeuronsPerCore = 16
		change(n, a)
		g, err := n.Build()
		if err != nil {
			t.Fatal(err)
		}
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		return g, a, m
	}
	for _, c := range []struct {
		name   string
		change func(n *snn.Network, a *chip.Arch)
		mode   snn.Mode
		want   string
	}{
		{"seed", func(n *snn.Network, a *chip.Arch) { n.Seed = 4 }, snn.Fixed, "another network"},
		{"name", func(n *snn.Network, a *chip.Arch) { n.Name = "other" }, snn.Fixed, "another network"},
		{"weights", func(n *snn.Network, a *chip.Arch) { n.Projections[3].Weight = snn.Const(3) }, snn.Fixed, "synapses or neuron parameters differ"},
		{"threshold", func(n *snn.Network, a *chip.Arch) { n.Populations[1].Neuron.VTh = -56 }, snn.Fixed, "synapses or neuron parameters differ"},
		{"arch name", func(n *snn.Network, a *chip.Arch) { a.Name = "other" }, snn.Fixed, "another architecture"},
		{"arch costs", func(n *snn.Network, a *chip.Arch) { a.SynOpLatency = 2e-9 }, snn.Fixed, "another architecture"},
		{"core size", func(n *snn.Network, a *chip.Arch) { a.NeuronsPerCore = 20 }, snn.Fixed, "another"},
		{"mode", func(n *snn.Network, a *chip.Arch) {}, snn.Float, "another mode"},
	} {
		g, a, m := other(c.change, c.mode)
		_, err := chip.Restore(bytes.NewReader(good), g, a, m, chip.Options{Mode: c.mode})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", c.name, err, c.want)
		}
	}
	if _, err := chip.Restore(bytes.NewReader(good), g, a, m, chip.Options{Mode: snn.Fixed, Timing: chip.Simple}); err == nil || !strings.Contains(err.Error(), "timing") {
		t.Errorf("other timing: %v", err)
	}
	s, err := chip.ReadCheckpoint(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if string(s.App) != "app" || s.Tick != 60 || s.Network != "plastic" || s.Arch != "test" || s.Mode != snn.Fixed || s.Asleep {
		t.Errorf("snapshot %+v", s)
	}
}

// TestCheckpointFileAtomic: a failed write leaves the file as it was and
// no temporary file behind.
func TestCheckpointFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ck.spck")
	if err := os.WriteFile(path, []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := chip.WriteAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half a checkpoint"))
		return errors.New("disk full")
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failed write: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "before" {
		t.Errorf("the file holds %q after a failed write", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1", len(ents))
	}
	tr := ckTrials()["cuba"]
	g, a, m := tr.build(t, snn.Fixed)
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(20)
	if err := e.CheckpointFile(filepath.Join(dir, "missing", "ck.spck"), nil); err == nil {
		t.Error("a checkpoint into a missing directory was written")
	}
	if err := e.CheckpointFile(path, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s, err := chip.ReadCheckpoint(f); err != nil || s.Tick != 20 {
		t.Errorf("read back: %v", err)
	}
}

// FuzzReadCheckpoint: no input makes ReadCheckpoint or Restore panic;
// what is refused says why.
func FuzzReadCheckpoint(f *testing.F) {
	good, g, a, m := smallCheckpoint(f, snn.Fixed)
	f.Add(good)
	f.Add(good[:50])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := chip.ReadCheckpoint(bytes.NewReader(b))
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error")
			}
			return
		}
		e, err := s.Restore(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
		if err == nil {
			e.Run(2)
			e.Close()
		}
	})
}

// FuzzRestorePayload: no payload that passes the checksums (the fuzzer
// cannot forge them, so this starts past them) makes Restore or the run
// after it panic.
func FuzzRestorePayload(f *testing.F) {
	good, g, a, m := smallCheckpoint(f, snn.Fixed)
	dec, err := zstd.NewReader(nil)
	if err != nil {
		f.Fatal(err)
	}
	raw, err := dec.DecodeAll(good[chip.CheckpointHeader:], nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := chip.ParsePayload(b)
		if err != nil {
			return
		}
		e, err := s.Restore(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
		if err == nil {
			e.Run(3)
			e.Stats()
			e.Close()
		}
	})
}

// TestCheckpointReweighted: static weights that SetWeights changed are
// not what the build makes; the checkpoint carries them.
func TestCheckpointReweighted(t *testing.T) {
	tr := ckTrials()["plastic+sleep"]
	g, a, m := tr.build(t, snn.Fixed)
	const static = 3 // "a-a", the static projection
	var rec record
	run := func(e *chip.Engine, from, to int) { tr.play(t, e, from, to) }
	e, err := chip.NewEngine(g, a, m, tr.options(snn.Fixed, 1, &rec))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	w := e.Weights(static)
	for i := range w {
		w[i] *= 3
	}
	if err := e.SetWeights(static, w); err != nil {
		t.Fatal(err)
	}
	run(e, 0, 100)
	var buf bytes.Buffer
	if err := e.Checkpoint(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := chip.Restore(&buf, g, a, m, tr.options(snn.Fixed, 1, &rec))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !slices.Equal(r.RawWeights(static), e.RawWeights(static)) {
		t.Fatal("the changed static weights were not restored")
	}
	run(e, 100, 200)
	run(r, 100, 200)
	if !reflect.DeepEqual(e.Stats(), r.Stats()) {
		t.Error("the runs part after the restore")
	}
	// Tick 200 is inside the script's sleep phase.
	if err := r.BeginSleep(tr.sleep); err == nil || !strings.Contains(err.Error(), "under way") {
		t.Errorf("a second sleep phase: %v", err)
	}
}
