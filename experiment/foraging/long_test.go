package foraging

import (
	"context"
	"os"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestQuickOnChip runs a tiny protocol on the real engine: the variant
// 'spindle demo' can call.
func TestQuickOnChip(t *testing.T) {
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	// The paper's protocol at 1%, with sleeps of 20 cycle-equivalents
	// instead of 400 so that the race detector's run stays short.
	p := PaperParams()
	proto := PaperProtocol(&p)
	proto.SleepTicks = 20 * (p.PresentTicks + p.RestTicks)
	modes := []snn.Mode{snn.Fixed, snn.Float}
	if testing.Short() {
		modes = modes[:1] // the race detector's run (.ci/run)
	}
	for _, mode := range modes {
		res, err := Run(context.Background(), Options{Seeds: 1, CyclesScale: 0.01, Mode: mode, Arch: arch, Params: &p, Protocol: &proto})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Conditions) != len(Conditions) || res.Summary() == "" {
			t.Fatalf("%v: result %+v", mode, res.Conditions)
		}
		if res.Trajectory == nil || res.Histograms == nil {
			t.Fatalf("%v: no trajectory or histograms", mode)
		}
	}
}

// TestLongProtocol runs the default protocol (10 seeds) and checks the
// reproduction targets of docs/experiments.md (the issue's). It takes minutes: set
// SPINDLE_LONG=1 to run it (SPINDLE_MODE=float for float mode).
func TestLongProtocol(t *testing.T) {
	if testing.Short() || os.Getenv("SPINDLE_LONG") == "" {
		t.Skip("set SPINDLE_LONG=1 to run the full protocol")
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	mode := snn.Fixed
	if os.Getenv("SPINDLE_MODE") == "float" {
		mode = snn.Float
	}
	res, err := Run(context.Background(), Options{Seeds: 10, Mode: mode, Arch: arch})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	c := res.Conditions
	check := func(name string, got float64, ok bool, want string) {
		if !ok {
			t.Errorf("%s = %.3f, target %s", name, got, want)
		}
	}
	check("after_task1 task1", c[AfterTask1].Task1.Mean, c[AfterTask1].Task1.Mean >= 0.65, ">= 0.65")
	check("after_task1 task2", c[AfterTask1].Task2.Mean, c[AfterTask1].Task2.Mean <= 0.56, "<= 0.56")
	check("sequential task1", c[Sequential].Task1.Mean, c[Sequential].Task1.Mean <= 0.56, "<= 0.56")
	check("sequential task2", c[Sequential].Task2.Mean, c[Sequential].Task2.Mean >= 0.65, ">= 0.65")
	check("sleep task1", c[SleepCond].Task1.Mean, c[SleepCond].Task1.Mean >= 0.65, ">= 0.65")
	check("sleep task2", c[SleepCond].Task2.Mean, c[SleepCond].Task2.Mean >= 0.65, ">= 0.65")
	check("sleep - sequential, task1", res.SleepEffect.Task1.Mean, res.SleepEffect.Task1.Mean >= 0.10, ">= 0.10")
	above := 0
	for _, s := range res.PerSeed {
		if s.Perf[SleepCond][0] > s.Perf[Sequential][0] {
			above++
		}
	}
	check("seeds with sleep above sequential on task1", float64(above), above >= 9, ">= 9 of 10")
	check("task1_top10_surviving sequential", res.Surviving[Sequential].Mean, res.Surviving[Sequential].Mean <= 0.3, "<= 0.3")
	check("task1_top10_surviving sleep", res.Surviving[SleepCond].Mean, res.Surviving[SleepCond].Mean >= 0.6, ">= 0.6")
}
