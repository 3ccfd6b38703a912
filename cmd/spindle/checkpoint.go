package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
)

// checkpointFlags are --checkpoint and --checkpoint-every of run (and of
// resume, which passes them on), and run's hidden --resume-from, which
// resume sets to continue a checkpoint (docs/checkpoint.md).
type checkpointFlags struct {
	path  string
	every int
	from  string
	fs    *pflag.FlagSet // the run's flags, recorded in a checkpoint

	snap *chip.Snapshot // the checkpoint --resume-from names, once read
	pos  *position      // the run's position: restored, or from the start
	// dist is the run's --distributed: each rank writes and reads its
	// own part of a checkpoint (NAME.rankKofR.spck).
	dist *distFlags
}

func (f *checkpointFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.path, "checkpoint", "", "write the run's state to `FILE` (.spck) at the end of its awake ticks, before the network's sleep step; 'spindle resume FILE' continues it (docs/checkpoint.md)")
	fs.IntVar(&f.every, "checkpoint-every", 0, "with --checkpoint: also every `K` ticks of the run, sleep step included, each replacing the last")
	fs.StringVar(&f.from, "resume-from", "", "continue the run of a checkpoint (what 'spindle resume' does)")
	fs.MarkHidden("resume-from")
}

// check validates the flags before anything is loaded: inputs names the
// run's other files (network, stimulus, trace), which --checkpoint must
// not replace.
func (f *checkpointFlags) check(inputs ...string) error {
	for _, in := range inputs {
		if f.path != "" && in != "" && (sameFile(f.path, in) || filepath.Clean(f.path) == filepath.Clean(in)) {
			return usagef("--checkpoint %s: the same file as %s, which the checkpoint would overwrite; choose another name", f.path, in)
		}
	}
	if f.every < 0 {
		return usagef("--checkpoint-every %d: expected a positive count of ticks", f.every)
	}
	if f.every > 0 && f.path == "" {
		return usagef("--checkpoint-every %d: expected --checkpoint FILE to write to", f.every)
	}
	return nil
}

// positionVersion is the version of the command line's section.
const positionVersion = 1

// position is the command line's section of a checkpoint: how to build
// the run again and where in its plan (awake ticks, then the network's
// sleep step) it stands.
type position struct {
	Version    int      `json:"version"`
	Dir        string   `json:"dir"`         // the run's working directory
	Args       []string `json:"args"`        // the run's network and flags, as given
	Ticks      int64    `json:"ticks"`       // awake ticks of the plan (--ticks)
	Awake      int64    `json:"awake"`       // of them, done
	SleepTicks int64    `json:"sleep_ticks"` // ticks of the sleep step; 0 when none or skipped
	Slept      int64    `json:"slept"`       // of them, done
	PerPop     []int64  `json:"population_spikes"`
	Trace      string   `json:"trace,omitempty"` // the trace being written, absolute
	TraceState []byte   `json:"trace_state,omitempty"`
}

// asleep reports whether the position falls inside the sleep step.
func (p *position) asleep() bool { return p.Slept > 0 && p.Slept < p.SleepTicks }

// readCheckpoint reads and verifies a checkpoint file and its command
// line section.
func readCheckpoint(path string) (*chip.Snapshot, *position, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, errors.Unwrap(err))
	}
	defer file.Close()
	s, err := chip.ReadCheckpoint(file)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	var p position
	if err := json.Unmarshal(s.App, &p); err != nil || p.Version != positionVersion || len(p.Args) == 0 {
		if err == nil {
			err = fmt.Errorf("version %d with %d arguments, expected version %d", p.Version, len(p.Args), positionVersion)
		}
		return nil, nil, fmt.Errorf("checkpoint %s: not written by 'spindle run': its command-line section: %v", path, err)
	}
	if p.Awake+p.Slept != s.Tick || p.Awake > p.Ticks || p.Slept > p.SleepTicks || p.Slept > 0 && p.Awake != p.Ticks ||
		p.asleep() != s.Asleep || len(p.PerPop) == 0 {
		return nil, nil, fmt.Errorf("checkpoint %s: corrupted: the command line's position (%d awake of %d, %d asleep of %d) does not agree with the engine's tick %d",
			path, p.Awake, p.Ticks, p.Slept, p.SleepTicks, s.Tick)
	}
	return s, &p, nil
}

// begin prepares a run of b: from the checkpoint of --resume-from, whose
// counts go into perPop, or from the start.
func (f *checkpointFlags) begin(b *built, opt simOptions, perPop []int64) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.from == "" {
		f.pos = &position{Version: positionVersion}
		return nil
	}
	from, err := f.dist.checkpointPart(f.from)
	if err != nil {
		return err
	}
	s, p, err := readCheckpoint(from)
	if err != nil {
		return err
	}
	if int64(opt.ticks) < p.Awake || p.Slept > 0 && int64(opt.ticks) != p.Ticks {
		return usagef("--ticks %d: the checkpoint %s stands after %d awake ticks%s", opt.ticks, f.from, p.Awake, map[bool]string{true: " and inside the sleep step"}[p.Slept > 0])
	}
	var sleepTicks int64
	if sp := b.net.Sleep; opt.sleep && sp != nil {
		sleepTicks = int64(sp.Ticks)
	}
	if p.SleepTicks != sleepTicks && (p.SleepTicks > 0 || p.Slept > 0) {
		return fmt.Errorf("checkpoint %s: the run's sleep step had %d ticks, the network file's now has %d", f.from, p.SleepTicks, sleepTicks)
	}
	if len(p.PerPop) != len(perPop) {
		return fmt.Errorf("checkpoint %s: another network: %d populations, this has %d", f.from, len(p.PerPop), len(perPop))
	}
	copy(perPop, p.PerPop)
	f.snap, f.pos = s, p
	return nil
}

// engine returns the run's engine: new, or restored from the checkpoint.
func (f *checkpointFlags) engine(b *built, opt chip.Options) (*chip.Engine, error) {
	if f == nil || f.snap == nil {
		return chip.NewEngine(b.graph, b.arch, b.mapping, opt)
	}
	e, err := f.snap.Restore(b.graph, b.arch, b.mapping, opt)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", f.from, err)
	}
	return e, nil
}

// createTrace opens the run's trace: a new one, or the checkpoint's
// carried on into path.
func (f *checkpointFlags) createTrace(path string, meta aer.Meta) (*aer.Writer, error) {
	if f == nil || f.pos == nil || f.snap == nil {
		return aer.Create(path, meta)
	}
	if f.pos.Trace == "" {
		return nil, usagef("--trace %s: the checkpoint %s recorded no trace to continue", path, f.from)
	}
	var st aer.WriterState
	if err := st.UnmarshalBinary(f.pos.TraceState); err != nil {
		return nil, fmt.Errorf("checkpoint %s: corrupted: %w", f.from, err)
	}
	w, err := aer.Continue(path, f.pos.Trace, meta, &st)
	if err != nil {
		return nil, fmt.Errorf("--trace %s: continuing %s: %w", path, f.pos.Trace, err)
	}
	return w, nil
}

// runPlan runs the ticks of the plan that remain: awake ticks up to
// opt.ticks, then the network's sleep step (when opt.sleep), writing
// checkpoints as the flags ask. It returns the sleep step's ticks.
func (f *checkpointFlags) runPlan(eng *chip.Engine, b *built, opt simOptions, bar *progress, rec *recorder, perPop []int64) (int64, error) {
	if f == nil {
		f = &checkpointFlags{}
	}
	if f.pos == nil {
		f.pos = &position{Version: positionVersion}
	}
	p := f.pos
	p.Ticks = int64(opt.ticks)
	var phase *chip.SleepPhase
	if sp := b.net.Sleep; opt.sleep && sp != nil {
		ph := chip.SleepPhaseOf(sp)
		phase = &ph
		p.SleepTicks = int64(sp.Ticks)
	} else if p.Slept > 0 {
		return 0, fmt.Errorf("checkpoint %s: taken inside a sleep step that this run does not have", f.from)
	}
	saved := int64(-1)
	save := func() error {
		if err := f.save(eng, opt, rec, perPop); err != nil {
			return err
		}
		saved = eng.Tick()
		return nil
	}
	due := func(left bool) bool { return f.every > 0 && left && eng.Tick()%int64(f.every) == 0 }
	for p.Slept == 0 && p.Awake < p.Ticks {
		eng.Step()
		if opt.afterStep != nil {
			opt.afterStep()
		}
		p.Awake++
		if p.Awake&255 == 0 {
			bar.update(p.Awake)
		}
		if due(p.Awake < p.Ticks || p.SleepTicks > 0) {
			if err := save(); err != nil {
				return 0, err
			}
		}
	}
	if f.path != "" && p.Slept == 0 && saved != eng.Tick() {
		if err := save(); err != nil {
			return 0, err
		}
	}
	if phase == nil {
		return 0, nil
	}
	if p.Slept == 0 {
		if err := eng.BeginSleep(*phase); err != nil {
			return 0, err
		}
	}
	for asleep, _, _ := eng.Asleep(); asleep; asleep, _, _ = eng.Asleep() {
		eng.Step()
		if opt.afterStep != nil {
			opt.afterStep()
		}
		p.Slept++
		if due(p.Slept < p.SleepTicks) {
			if err := save(); err != nil {
				return 0, err
			}
		}
	}
	p.Slept = p.SleepTicks
	return p.SleepTicks, nil
}

// save writes a checkpoint of the run to --checkpoint.
func (f *checkpointFlags) save(eng *chip.Engine, opt simOptions, rec *recorder, perPop []int64) error {
	p := f.pos
	p.PerPop = append(p.PerPop[:0], perPop...)
	if p.Args == nil {
		p.Args, p.Dir = f.args(opt.source), workDir()
	}
	p.Trace, p.TraceState = "", nil
	if rec != nil && rec.w != nil {
		if rec.err != nil {
			return fmt.Errorf("trace %s: %w", rec.path, rec.err)
		}
		st, err := rec.w.State()
		if err == nil {
			err = rec.w.Sync()
		}
		if err != nil {
			return fmt.Errorf("trace %s: %w", rec.path, err)
		}
		if p.TraceState, err = st.MarshalBinary(); err != nil {
			return err
		}
		if p.Trace, err = filepath.Abs(rec.path); err != nil {
			return err
		}
	}
	app, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rank, ranks := f.dist.rank()
	return eng.CheckpointFile(partPath(f.path, rank, ranks), app)
}

// args returns the run's network file and the flags given, to build it
// again: the network, then --name=value for each flag set.
func (f *checkpointFlags) args(network string) []string {
	out := []string{network}
	if f.fs == nil {
		return out
	}
	f.fs.Visit(func(fl *pflag.Flag) {
		out = append(out, "--"+fl.Name+"="+fl.Value.String())
	})
	return out
}

func workDir() string {
	d, _ := os.Getwd()
	return d
}
