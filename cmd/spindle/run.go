package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

func newRunCmd() *cobra.Command {
	var f simFlags
	var asJSON, noSleep bool
	var cpuProfile, readout string
	var rec recordFlags
	var ck checkpointFlags
	var pf probeFlags
	var dist distFlags
	cmd := &cobra.Command{
		Use:   "run NET.yaml|GRAPH.nir",
		Short: "Simulate a network on a mapped architecture",
		Long: `Run builds the network, maps it onto the architecture's cores, simulates
the given number of ticks on the event engine and prints a summary: spikes,
rates, synaptic events, packets (dropped, late), hop-packets, modelled
energy and tick latency, and how long construction and simulation took.

The network is a YAML file (docs/yaml.md), a NIR graph (.nir, docs/nir.md;
its Input node becomes the first population, which --stimulus drives) or a
SANA-FE mapped-SNN file, placed as it says (docs/sanafe.md); --arch takes
SANA-FE architecture files too.

If the network file declares a sleep step ('sleep:', docs/yaml.md), it runs
after the awake ticks, on the cores (--no-sleep skips it); the counts and
rates then cover both.

--probe records a state variable of chosen neurons at the end of every
tick, in both modes (fixed mode converted to mV), into an .npz file
(--probe-out): 'exc[0:10].v' the membrane potentials of exc neurons 0 to 9,
'exc[3].i' the synaptic current of each receptor of exc neuron 3, 'out.v'
every neuron of out. --series writes per tick the spikes, packets,
hop-packets, drops, late packets, modelled energy by component and modelled
tick time, as CSV or .npz by its extension. Python reads both with
spindle_aer.read_probes and read_series (docs/probes.md).

--distributed runs the process as one rank of an MPI job, in a build with
MPI (go build -tags mpi ./cmd/spindle): 'mpirun -np R spindle run NET
--distributed'. Each rank steps a block of chips (or cores) and builds only
their synapses; the results are those of one process. Rank 0 prints the
summary; --trace and --checkpoint write one part per rank (NAME.rankKofR.EXT);
'spindle trace merge' joins the trace parts (docs/distributed.md).`,
		Example: `  spindle run examples/cuba.yaml --ticks 10000
  spindle run examples/cuba_fixed.yaml --arch loihi --map balanced --json
  spindle run examples/cuba.yaml --ticks 1000 --probe 'exc[0:10].v' --probe 'exc[0].i' --series series.csv
  mpirun -np 2 spindle run examples/cuba_fixed.yaml --distributed --trace cuba.aer`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTrace(cmd, rec, args[0], f.stim.path); err != nil {
				return err
			}
			if err := ck.check(args[0], f.stim.path, rec.path); err != nil {
				return err
			}
			if err := pf.check(rec.path, args[0], f.stim.path); err != nil {
				return err
			}
			if dist.on {
				switch {
				case len(pf.specs) > 0 || pf.series != "":
					return usagef("--distributed: --probe and --series read every core's state each tick; run them in one process")
				case readout != "":
					return usagef("--distributed: --readout reads every neuron's state; run it in one process")
				}
			}
			if err := dist.start(); err != nil {
				return err
			}
			ck.dist = &dist
			b, err := f.build(args[0])
			if err != nil {
				return err
			}
			if dist.on && b.net.Sleep != nil && !noSleep {
				return usagef("--distributed: the network's sleep step runs in one process: add --no-sleep")
			}
			out := cmd.OutOrStdout()
			progress := cmd.ErrOrStderr()
			if rank, _ := dist.rank(); rank != 0 {
				out, progress = io.Discard, io.Discard
			}
			if st := b.stimulus; st != nil && st.Events > 0 && st.First >= int64(f.ticks) {
				hint := "raise --ticks"
				if f.stim.absolute {
					hint += ", or drop --absolute-time to start at the first event"
				}
				return fmt.Errorf("--stimulus %s: first event at tick %d, after the run's %d ticks: no input spike would be delivered (%s)",
					st.File, st.First, f.ticks, hint)
			}
			ticks := f.ticks
			if st := b.stimulus; st != nil && !cmd.Flags().Changed("ticks") {
				// The whole stimulus, and the ticks its last spikes take
				// to reach the deepest population.
				ticks = int(st.Ticks) + drainTicks(b.net, st.Population)
			}
			ro, err := newReadout(b.net, readout)
			if err != nil {
				return err
			}
			res, err := simulate(b, simOptions{ticks: ticks, workers: f.workers, timing: f.timingRule(), record: rec, source: args[0], progress: progress, sleep: !noSleep, cpuProfile: cpuProfile, release: true, readout: ro, ck: &ck, probe: &pf, dist: &dist})
			if err != nil {
				return err
			}
			res.Stimulus = b.stimulus
			res.Readout = ro.report()
			if asJSON {
				return writeJSON(out, res)
			}
			res.print(out)
			return nil
		},
	}
	f.register(cmd.Flags(), true)
	dist.register(cmd.Flags())
	f.registerTiming(cmd.Flags())
	rec.register(cmd.Flags())
	ck.register(cmd.Flags())
	pf.register(cmd.Flags())
	f.stim = &stimulusFlags{}
	f.stim.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&noSleep, "no-sleep", false, "skip the network file's sleep step")
	cmd.Flags().StringVar(&readout, "readout", "", "report the spike count of every neuron of population `POP` and the index of the largest (a classification)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the simulation (not of loading and building) to `FILE`, for go tool pprof")
	return cmd
}

// checkTrace refuses --record without --trace, and a --trace that names
// one of the run's inputs: the trace is created once they have been read,
// so nothing else would stop it from replacing them.
func checkTrace(cmd *cobra.Command, rec recordFlags, network, stimulus string) error {
	if rec.path == "" {
		if cmd.Flags().Changed("record") {
			return usagef("--record %s: expected --trace OUT.aer to record to", rec.what)
		}
		return nil
	}
	for _, in := range []struct{ what, path string }{{"the network file", network}, {"the --stimulus file", stimulus}} {
		if in.path != "" && sameFile(rec.path, in.path) {
			return usagef("--trace %s: the same file as %s %s, which the trace would overwrite; choose another name", rec.path, in.what, in.path)
		}
	}
	return nil
}

// runResult is the summary of one run; its JSON keys are part of the
// command-line contract.
type runResult struct {
	Network        string          `json:"network"`
	Arch           string          `json:"arch"`
	Map            string          `json:"map"`
	Mode           snn.Mode        `json:"mode"`
	Ticks          int64           `json:"ticks"`
	SleepTicks     int64           `json:"sleep_ticks"` // of Ticks, asleep
	DtMs           float64         `json:"dt_ms"`
	Neurons        int             `json:"neurons"`
	Synapses       int             `json:"synapses"`
	CoresUsed      int             `json:"cores_used"`
	ChipsUsed      int             `json:"chips_used"`
	Spikes         int64           `json:"spikes"`
	RateHz         float64         `json:"rate_hz"`
	Populations    []popRate       `json:"populations"`
	Stimulus       *stimulusReport `json:"stimulus,omitempty"`
	Readout        *readoutReport  `json:"readout,omitempty"`
	SynapticEvents int64           `json:"synaptic_events"`
	NeuronUpdates  int64           `json:"neuron_updates"`
	// LearningUpdates counts the synapses the learning engine's per-core
	// passes visited (docs/learning.md); absent without plasticity.
	LearningUpdates int64 `json:"learning_updates,omitempty"`
	Packets         int64 `json:"packets"`
	PacketsDropped  int64 `json:"packets_dropped"`
	PacketsLate     int64 `json:"packets_late"`
	HopPackets      int64 `json:"hop_packets"`
	// MessagesReceived are the packets the cost model prices at their
	// destination cores: those sent, less those dropped (docs/energy.md).
	MessagesReceived int64        `json:"messages_received"`
	Energy           energyReport `json:"energy_joules"`
	Timing           string       `json:"timing"`
	TickModel        tickModel    `json:"modelled_seconds_per_tick"`
	BuildSeconds     float64      `json:"build_seconds"`
	WallSeconds      float64      `json:"wall_seconds"`
	// Distributed is set on a distributed run (docs/distributed.md).
	Distributed *distReport `json:"distributed,omitempty"`
}

// distReport is what the ranks of a distributed run exchanged.
type distReport struct {
	Ranks int `json:"ranks"`
	// ExchangedBytes is the sum over ranks of the bytes each sent to the
	// others (MPI_Alltoallv payloads, not counting MPI's own).
	ExchangedBytes int64   `json:"exchanged_bytes"`
	BytesPerTick   float64 `json:"exchanged_bytes_per_tick"`
}

type popRate struct {
	Name   string  `json:"name"`
	Size   int     `json:"size"`
	Spikes int64   `json:"spikes"`
	RateHz float64 `json:"rate_hz"`
}

type energyReport struct {
	Total       float64            `json:"total"`
	ByComponent map[string]float64 `json:"by_component"`
}

type tickModel struct {
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// simOptions say how long to simulate and what to record.
type simOptions struct {
	ticks    int
	workers  int
	timing   chip.Timing
	record   recordFlags
	source   string // the network file, for the trace's metadata
	progress io.Writer
	sleep    bool // run the network's sleep step, if any, after the ticks
	// cpuProfile, if set, is the file for a CPU profile of the ticks.
	cpuProfile string
	// release says that nothing reads the graph's synapses after the run:
	// the engine's cores may then be their only copy.
	release bool
	readout *readout // nil: none
	// ck writes checkpoints of the run, or resumes one (cmd/spindle/checkpoint.go).
	ck *checkpointFlags
	// probe records probes and the per-tick series (cmd/spindle/probe.go); nil: none.
	probe *probeFlags
	// afterStep, if set, is called after every tick runPlan steps.
	afterStep func()
	// dist makes the run one rank of an MPI job; nil or off: one process.
	dist *distFlags
}

// simulate runs b on the event engine and summarises the run.
func simulate(b *built, opt simOptions) (*runResult, error) {
	g := b.graph
	perPop := make([]int64, len(b.net.Populations))
	if opt.ck != nil {
		if err := opt.ck.begin(b, opt, perPop); err != nil {
			return nil, err
		}
	}
	rec, err := opt.record.startRun(b, opt)
	if err != nil {
		return nil, err
	}
	// Without learning or sleep the engine reads no synapse of the graph
	// again once built.
	release := opt.release && !learns(b.net) && !(opt.sleep && b.net.Sleep != nil)
	// Every rank of a distributed run sees every spike; its trace part
	// keeps those of its own cores.
	var eng *chip.Engine
	engineStart := time.Now()
	eng, err = opt.ck.engine(b, chip.Options{
		Mode:    b.mode,
		Workers: opt.workers,
		Timing:  opt.timing,
		OnSpike: func(t int64, id uint32) {
			perPop[g.PopOf(int(id))]++
			opt.readout.spike(g, id)
			if rec.all || eng.Owns(id) {
				rec.spike(t, id)
			}
		},
		OnPacket:        rec.packetHook(),
		Comm:            opt.dist.chipComm(),
		KeepOwnSynapses: release,
	})
	if err != nil {
		rec.abort()
		return nil, err
	}
	defer eng.Close()
	probes, err := opt.probe.start(b, eng, opt.ticks)
	if err != nil {
		rec.abort()
		return nil, err
	}
	if probes != nil {
		opt.afterStep = probes.step
	}
	if release {
		// The collector would free the synapses only once the heap had
		// doubled, and the run would take new memory meanwhile.
		g.ReleaseSynapses()
		runtime.GC()
	}
	bar := newProgress(opt.progress, "run", int64(opt.ticks))
	prof, err := startCPUProfile(opt.cpuProfile)
	if err != nil {
		rec.abort()
		return nil, err
	}
	defer prof.stop() // on the error paths; a second stop does nothing
	// The build is everything before the first tick: the engine's cores
	// are most of it on a large board.
	b.buildSeconds += time.Since(engineStart).Seconds()
	start := time.Now()
	slept, err := opt.ck.runPlan(eng, b, opt, bar, rec, perPop)
	if err == nil {
		err = eng.Err()
	}
	if err != nil {
		rec.abort()
		return nil, err
	}
	opt.readout.final(eng, g, b.mode)
	wall := time.Since(start).Seconds()
	if err := prof.stop(); err != nil {
		rec.abort()
		return nil, err
	}
	bar.finish()
	if err := rec.close(); err != nil {
		return nil, err
	}
	if err := probes.finish(opt.source); err != nil {
		return nil, err
	}
	r := summarise(b, eng.Stats(), perPop, wall)
	r.SleepTicks = slept
	if _, ranks := opt.dist.rank(); ranks > 1 {
		sum, err := opt.dist.comm.SumInt64([]int64{eng.Exchanged()})
		if err != nil {
			return nil, err
		}
		r.Distributed = &distReport{Ranks: ranks, ExchangedBytes: sum[0]}
		if r.Ticks > 0 {
			r.Distributed.BytesPerTick = float64(sum[0]) / float64(r.Ticks)
		}
	}
	return r, nil
}

// learns reports whether a projection of net is plastic.
func learns(net *snn.Network) bool {
	for i := range net.Projections {
		if net.Projections[i].Plasticity != nil {
			return true
		}
	}
	return false
}

func summarise(b *built, s chip.Stats, perPop []int64, wall float64) *runResult {
	g, net := b.graph, b.net
	seconds := float64(s.Ticks) * net.Dt / 1000
	r := &runResult{
		Network: net.Name, Arch: b.arch.Name, Map: b.mapping.Strategy, Mode: b.mode,
		Ticks: s.Ticks, DtMs: net.Dt, Neurons: g.N, Synapses: g.Synapses(),
		CoresUsed: b.mapping.CoresUsed(), ChipsUsed: b.mapping.Chips,
		Spikes: s.Spikes, SynapticEvents: s.SynapticEvents, NeuronUpdates: s.NeuronUpdates,
		LearningUpdates: s.LearningUpdates,
		Packets:         s.Router.Sent, PacketsDropped: s.Router.Dropped, PacketsLate: s.Router.Late,
		HopPackets:       s.Router.HopPackets,
		MessagesReceived: s.Messages.Received,
		Energy:           energyReport{Total: s.EnergyJoules, ByComponent: s.EnergyByComponent},
		Timing:           s.Timing.String(),
		TickModel:        tickModel{Max: s.ModelledTickMax},
		BuildSeconds:     b.buildSeconds, WallSeconds: wall,
	}
	if s.Ticks > 0 {
		r.TickModel.Mean = s.ModelledSeconds / float64(s.Ticks)
	}
	r.RateHz = rate(s.Spikes, g.N, seconds)
	for i, p := range net.Populations {
		r.Populations = append(r.Populations, popRate{p.Name, p.Size, perPop[i], rate(perPop[i], p.Size, seconds)})
	}
	return r
}

func rate(spikes int64, neurons int, seconds float64) float64 {
	if neurons == 0 || seconds == 0 {
		return 0
	}
	return float64(spikes) / float64(neurons) / seconds
}

func (r *runResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s on %s (%s map, %s mode): %d neurons, %d synapses, %d cores on %d chip(s)\n",
		r.Network, r.Arch, r.Map, r.Mode, r.Neurons, r.Synapses, r.CoresUsed, r.ChipsUsed)
	asleep := ""
	if r.SleepTicks > 0 {
		asleep = fmt.Sprintf(" (the last %d asleep)", r.SleepTicks)
	}
	fmt.Fprintf(w, "%d ticks of %g ms%s: %d spikes, %.2f Hz per neuron\n", r.Ticks, r.DtMs, asleep, r.Spikes, r.RateHz)
	for _, p := range r.Populations {
		fmt.Fprintf(w, "  %-16s %7d neurons %9d spikes %8.2f Hz\n", p.Name, p.Size, p.Spikes, p.RateHz)
	}
	if s := r.Stimulus; s != nil {
		fmt.Fprintf(w, "stimulus %s: %d events -> %d input spikes of %s over %d ticks", s.File, s.Events, s.Spikes, s.Population, s.Ticks)
		if s.Merged > 0 {
			fmt.Fprintf(w, " (%d events merged: a neuron fires at most once per tick)", s.Merged)
		}
		if s.Graded {
			fmt.Fprintf(w, " (graded: the events of a neuron in one tick are one spike of that count, %d of them)", s.Messages)
		}
		fmt.Fprintln(w)
	}
	if ro := r.Readout; ro != nil {
		if ro.Voltages != nil {
			fmt.Fprintf(w, "readout %s: final voltages %s, largest at %d", ro.Population, listOf(ro.Voltages, "%.4g"), ro.Argmax)
		} else {
			fmt.Fprintf(w, "readout %s: spikes %s, largest at %d", ro.Population, listOf(ro.Counts, "%d"), ro.Argmax)
		}
		if ro.Tied > 1 {
			fmt.Fprintf(w, " (%d neurons tie; the first is given)", ro.Tied)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "synaptic events %d, packets %d (dropped %d, late %d), hop-packets %d\n",
		r.SynapticEvents, r.Packets, r.PacketsDropped, r.PacketsLate, r.HopPackets)
	fmt.Fprintf(w, "modelled: %.3g J, %.3g s per tick (max %.3g s, %s timing)\n", r.Energy.Total, r.TickModel.Mean, r.TickModel.Max, r.Timing)
	if d := r.Distributed; d != nil {
		fmt.Fprintf(w, "distributed on %d ranks: %d bytes exchanged, %.0f per tick\n", d.Ranks, d.ExchangedBytes, d.BytesPerTick)
	}
	fmt.Fprintf(w, "build %.3f s, simulation %.3f s\n", r.BuildSeconds, r.WallSeconds)
}

// cpuProfile is a CPU profile being written, or none (nil).
type cpuProfile struct{ f *os.File }

// startCPUProfile starts a CPU profile into path; an empty path starts
// none.
func startCPUProfile(path string) (*cpuProfile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return &cpuProfile{f: f}, nil
}

// stop ends the profile and closes its file; it does nothing the second
// time, or on no profile.
func (p *cpuProfile) stop() error {
	if p == nil || p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	return nil
}
