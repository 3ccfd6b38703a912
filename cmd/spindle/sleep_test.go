package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/experiment/foraging"
)

func TestSleepForagingJSON(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := spindle(t, "sleep", "foraging", "--seeds", "2", "--cycles-scale", "0.003", "--mode", "float", "--out-dir", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"seeds", "mode", "conditions", "sleep_minus_sequential", "wall_seconds", "protocol", "plots"} {
		if _, ok := got[k]; !ok {
			t.Errorf("sleep foraging --json lacks %q", k)
		}
	}
	if got["seeds"].(float64) != 2 || got["mode"] != "float" {
		t.Errorf("seeds %v mode %v", got["seeds"], got["mode"])
	}
	conds := got["conditions"].(map[string]any)
	for _, c := range []string{"after_task1", "sequential", "sleep", "interleaved"} {
		cond, ok := conds[c].(map[string]any)
		if !ok {
			t.Fatalf("no condition %q in %v", c, conds)
		}
		for _, task := range []string{"task1", "task2"} {
			ms, ok := cond[task].(map[string]any)
			if !ok {
				t.Fatalf("%s lacks %s", c, task)
			}
			if _, ok := ms["mean"]; !ok {
				t.Errorf("%s.%s lacks mean", c, task)
			}
			if _, ok := ms["sd"]; !ok {
				t.Errorf("%s.%s lacks sd", c, task)
			}
		}
	}
	for _, name := range []string{"performance.png", "results.png", "distance.png", "pca.png", "histograms.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", name, err)
		}
	}
}

// TestSleepForagingDesigned: the engineered hidden layer runs from the
// command line, with its shorter pre-training.
func TestSleepForagingDesigned(t *testing.T) {
	code, out, errs := spindle(t, "sleep", "foraging", "--seeds", "1", "--cycles-scale", "0.003", "--hidden", "designed", "--out-dir", "", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got foragingReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := int(math.Round(foraging.DesignedPretrain * 0.003))
	if got.Hidden != "designed" || got.Protocol.Pretrain != want {
		t.Errorf("hidden %q, pre-training %d cycles; want designed, %d", got.Hidden, got.Protocol.Pretrain, want)
	}
}

func TestSleepForagingTable(t *testing.T) {
	code, out, errs := spindle(t, "sleep", "foraging", "--seeds", "1", "--cycles-scale", "0.002", "--out-dir", "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"after_task1", "sequential", "sleep", "interleaved", "Task 1", "fixed mode", "one seed: no standard deviation"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "±") {
		t.Errorf("one seed has no spread, but the table gives one:\n%s", out)
	}
}

// TestSleepForagingNothingEaten: tests too short to eat anything say so
// instead of showing chance as a result.
func TestSleepForagingNothingEaten(t *testing.T) {
	code, out, errs := spindle(t, "sleep", "foraging", "--seeds", "1", "--cycles-scale", "0.0001", "--out-dir", "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "0.500") || !strings.Contains(out, "none eaten") || !strings.Contains(out, "8 of 8 tests ate no rewarded or punished particle") {
		t.Errorf("table:\n%s", out)
	}
}

// TestSleepForagingQuick: --quick runs the compressed paper model (here
// scaled further down) and says so.
func TestSleepForagingQuick(t *testing.T) {
	code, out, errs := spindle(t, "sleep", "foraging", "--quick", "--cycles-scale", "0.01", "--out-dir", "", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got foragingReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Quick || got.Model != "paper" || got.Seeds != 2 || got.Protocol.Task1 != 30 || got.Protocol.Task2 != 90 {
		t.Errorf("quick run: quick %v, model %q, %d seeds, Task 1 %d, Task 2 %d cycles; want true, paper, 2, 30, 90",
			got.Quick, got.Model, got.Seeds, got.Protocol.Task1, got.Protocol.Task2)
	}
}

func TestSleepForagingHelpReadout(t *testing.T) {
	_, out, _ := spindle(t, "sleep", "foraging", "--help")
	if !strings.Contains(out, "spikes most decides") {
		t.Errorf("help does not describe the readout:\n%s", out)
	}
}

func TestSleepForagingBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--seeds", "0"}, "--seeds"},
		{[]string{"--seeds", "-3"}, "--seeds"},
		{[]string{"--cycles-scale", "0"}, "--cycles-scale"},
		{[]string{"--cycles-scale", "-1"}, "--cycles-scale"},
		{[]string{"--cycles-scale", "NaN"}, "--cycles-scale"},
		{[]string{"--mode", "double"}, "--mode"},
		{[]string{"--parallel", "-1"}, "--parallel"},
		{[]string{"--first-seed", "-1"}, "--first-seed"},
		{[]string{"--seeds", "x"}, "seeds"},
		{[]string{"--hidden", "random"}, "--hidden"},
		{[]string{"--model", "random"}, "--model"},
		{[]string{"--model", "paper", "--hidden", "learned"}, "give one"},
		{[]string{"extra"}, "argument"},
		{[]string{"--quick", "--model", "learned"}, "--quick"},
	} {
		code, _, errs := spindle(t, append([]string{"sleep", "foraging"}, c.args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", c.args, code)
		}
		if !strings.Contains(errs, c.flag) {
			t.Errorf("%v: error %q does not name %s", c.args, errs, c.flag)
		}
	}
}
