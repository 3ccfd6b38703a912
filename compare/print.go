package compare

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spindle-sim/spindle/snn"
)

func num(p *float64, format string) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf(format, *p)
}

func state(s *State) string {
	if s == nil {
		return "none (input neuron)"
	}
	cs := make([]string, len(s.Currents))
	for i, c := range s.Currents {
		cs[i] = fmt.Sprintf("%g", c)
	}
	out := fmt.Sprintf("v=%g I=[%s] (%s)", s.V, strings.Join(cs, " "), s.Units)
	if s.Refractory != nil {
		out += fmt.Sprintf(", refractory %d", *s.Refractory)
	}
	return out
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	// The arch's weight width quantises weights in fixed mode only.
	weights := ""
	if r.Mode == snn.Fixed {
		weights = fmt.Sprintf(", %d-bit weights", r.WeightBits)
	}
	fmt.Fprintf(w, "%s on %s (%s sync, %s map, %s mode%s): %d neurons, %d synapses, %d cores\n",
		r.Network, r.Arch, r.Sync, r.Map, r.Mode, weights, r.Neurons, r.Synapses, r.CoresUsed)
	verdict := "DIFFERENT"
	if r.Identical {
		verdict = "IDENTICAL"
	}
	fmt.Fprintf(w, "%d ticks of %g ms: event %d spikes, dense %d spikes: %s\n", r.Ticks, r.DtMs, r.EventSpikes, r.DenseSpikes, verdict)
	if d := r.FirstDivergence; d != nil {
		fmt.Fprintf(w, "first divergence: tick %d (%g ms), neuron %d = %s[%d], spiked in %s only\n",
			d.Tick, d.TimeMs, d.Neuron, d.Population, d.Index, d.SpikedIn)
		fmt.Fprintf(w, "  event state: %s\n  dense state: %s\n", state(d.EventState), state(d.DenseState))
		fmt.Fprintf(w, "identical fraction %.4f, van Rossum distance %.4f (tau %g ms)\n", r.IdenticalFraction, r.VanRossum, r.VanRossumTauMs)
	}
	for _, p := range r.Plastic {
		verdict := "identical"
		if !p.Identical {
			verdict = fmt.Sprintf("DIFFERENT (largest difference %g raw units)", p.MaxAbsDiff)
		}
		fmt.Fprintf(w, "final weights of plastic projection %s (%d synapses): %s\n", p.Name, p.Synapses, verdict)
	}
	fmt.Fprintf(w, "packets %d: late %d, dropped %d\n", r.Packets, r.PacketsLate, r.PacketsDropped)
	fmt.Fprintf(w, "%s\n", r.Attribution)
	printPops(w, r.WarmupMs, r.BinMs, "event", "dense", len(r.Populations), func(i int) popRow {
		p := &r.Populations[i]
		return popRow{p.Name, p.RateEvent, p.RateDense, p.CVEvent, p.CVDense, p.CorrEvent, p.CorrDense, p.KSRate, p.KSCV, p.KSCorr}
	})
	fmt.Fprintf(w, "time: event %.3f s, dense %.3f s: speedup (dense/event) %.2fx (build: event %.3f s, dense %.3f s, %s)\n",
		r.EventSeconds, r.DenseSeconds, r.Speedup, r.EventBuildSeconds, r.DenseBuildSeconds, bytes(r.DenseBytes))
}

type popRow struct {
	name                               string
	rateA, rateB, cvA, cvB, corA, corB *float64
	ksRate, ksCV, ksCorr               *float64
}

func printPops(w io.Writer, warmupMs float64, binMs *float64, a, b string, n int, row func(int) popRow) {
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "distributions after a %g ms warm-up (correlations in %g ms bins); KS distances:\n", warmupMs, *binMs)
	fmt.Fprintf(w, "  %-12s %17s %15s %17s %8s %8s %8s\n", "population", "rate Hz "+a+"/"+b, "CV "+a+"/"+b, "corr "+a+"/"+b, "KS rate", "KS CV", "KS corr")
	for i := 0; i < n; i++ {
		p := row(i)
		fmt.Fprintf(w, "  %-12s %8s/%-8s %7s/%-7s %8s/%-8s %8s %8s %8s\n", p.name,
			num(p.rateA, "%.2f"), num(p.rateB, "%.2f"), num(p.cvA, "%.3f"), num(p.cvB, "%.3f"),
			num(p.corA, "%.4f"), num(p.corB, "%.4f"),
			num(p.ksRate, "%.3f"), num(p.ksCV, "%.3f"), num(p.ksCorr, "%.3f"))
	}
}

func bytes(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(b)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// Print writes the report for people.
func (r *SpikesReport) Print(w io.Writer) {
	verdict := "DIFFERENT"
	if r.Identical {
		verdict = "IDENTICAL"
	}
	fmt.Fprintf(w, "%s vs %s: %d ticks of %g ms: %d and %d spikes: %s\n", r.TraceA, r.TraceB, r.Ticks, r.DtMs, r.SpikesA, r.SpikesB, verdict)
	if d := r.FirstDivergence; d != nil {
		name := r.TraceA
		if d.SpikedIn == "b" {
			name = r.TraceB
		}
		fmt.Fprintf(w, "first divergence: tick %d (%g ms), neuron %d = %s[%d], spiked in %s only\n",
			d.Tick, d.TimeMs, d.Neuron, d.Population, d.Index, name)
		fmt.Fprintf(w, "identical fraction %.4f, van Rossum distance %.4f (tau %g ms)\n", r.IdenticalFraction, r.VanRossum, r.VanRossumTauMs)
	}
	fmt.Fprintf(w, "packets late %d / %d, dropped %d / %d\n", r.PacketsLateA, r.PacketsLateB, r.PacketsDroppedA, r.PacketsDroppedB)
	fmt.Fprintf(w, "%s\n", r.Attribution)
	printPops(w, r.WarmupMs, r.BinMs, "a", "b", len(r.Populations), func(i int) popRow {
		p := &r.Populations[i]
		return popRow{p.Name, fin(p.RateA), fin(p.RateB), fin(p.CVA), fin(p.CVB), fin(p.CorrA), fin(p.CorrB), fin(p.KSRate), fin(p.KSCV), fin(p.KSCorr)}
	})
}

func fin(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
