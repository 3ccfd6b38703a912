package chip

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// trial is a scripted run: awake ticks with a reward schedule, a sleep
// phase, awake ticks again. Position p is the p-th tick of the script.
type trial struct {
	net    func(snn.Mode) *snn.Network
	arch   func() *Arch
	awake  int // ticks before the sleep phase
	sleep  SleepPhase
	after  int // awake ticks after it
	reward bool
}

func (tr *trial) total() int { return tr.awake + tr.sleep.Ticks + tr.after }

// record is what a run showed its callbacks.
type record struct {
	spikes  []spike
	packets []router.Packet
}

func (tr *trial) options(mode snn.Mode, workers int, rec *record) Options {
	return Options{Mode: mode, Workers: workers,
		OnSpike:  func(t int64, id uint32) { rec.spikes = append(rec.spikes, spike{t, id}) },
		OnPacket: func(p router.Packet, q bool) { rec.packets = append(rec.packets, p) },
	}
}

func (tr *trial) build(t *testing.T, mode snn.Mode) (*snn.Graph, *Arch, *Mapping) {
	t.Helper()
	g, err := tr.net(mode).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := tr.arch()
	m, err := Map(g, a, "sequential", 0)
	if err != nil {
		t.Fatal(err)
	}
	return g, a, m
}

// play runs positions from..to-1 of the script on e.
func (tr *trial) play(t *testing.T, e *Engine, from, to int) {
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

func (tr *trial) final(e *Engine) (Stats, [][]float64, []float64) {
	var w [][]float64
	for p := range e.graph.Net.Projections {
		w = append(w, e.RawWeights(p))
	}
	var v []float64
	for id := 0; id < e.graph.N; id++ {
		x, cur := e.State(uint32(id))
		v = append(append(v, x), cur...)
	}
	return e.Stats(), w, v
}

func ckTrials() map[string]trial {
	small := func() *Arch { a := testArch(); a.NeuronsPerCore = 16; return a }
	lossy := func() *Arch {
		a := testArch()
		a.NeuronsPerCore = 256
		a.Sync, a.TickBudget, a.LinkBuffer = Realtime, 12e-9, 2
		return a
	}
	cubaShort := func(m snn.Mode) *snn.Network {
		n := cuba(m)
		for i := range n.Projections {
			n.Projections[i].Delay = snn.UniformDist(0.1, 1.5)
		}
		return n
	}
	return map[string]trial{
		"plastic+sleep": {net: func(m snn.Mode) *snn.Network { return plasticNet(m, 3) }, arch: small, awake: 150, after: 80, reward: true,
			sleep: SleepPhase{Ticks: 120, Silence: []string{"in"}, Drive: []string{"a"}, Mute: []string{"in-b", "a-a"},
				Modulation: 0.5, Period: 7, Threshold: 1.2, Depression: 2, RateScale: 3}},
		"cuba": {net: cubaShort, arch: testArch, awake: 250},
		// Realtime sync with a tight budget: late packets stay in the
		// router across ticks, and full buffers drop some.
		"cuba realtime": {net: cubaShort, arch: lossy, awake: 200},
	}
}

// TestCheckpointContinues: a run stopped at a checkpoint and restored
// (with one or two workers, either way round) continues exactly as the
// run that went on: spikes, packets, counters, energy, weights, state.
func TestCheckpointContinues(t *testing.T) {
	for name, tr := range ckTrials() {
		for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
			g, a, m := tr.build(t, mode)
			var whole record
			ref, err := NewEngine(g, a, m, tr.options(mode, 1, &whole))
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
					e, err := NewEngine(g, a, m, tr.options(mode, w[0], &first))
					if err != nil {
						t.Fatal(err)
					}
					tr.play(t, e, 0, at)
					var buf bytes.Buffer
					if err := e.Checkpoint(&buf); err != nil {
						t.Fatal(err)
					}
					e.Close()
					saved := append([]byte(nil), buf.Bytes()...)
					r, err := Restore(&buf, g, a, m, tr.options(mode, w[1], &second))
					if err != nil {
						t.Logf("%x", saved[:40])
					}
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

