package chip

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"

	"github.com/klauspost/compress/zstd"
	"github.com/spindle-sim/spindle/internal/state"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// CheckpointVersion is the version of the checkpoint format this package
// writes and reads (docs/checkpoint.md).
const CheckpointVersion = 1

const (
	checkpointMagic  = "\x89SPK\r\n\x1a\n"
	checkpointHeader = 36
	// flagRank marks the part of one rank of a distributed run: the
	// payload holds a rank section after the caller's bytes and the
	// counters of the other ranks' cores after the cores.
	flagRank = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkpointer is what an engine keeps for its checkpoints.
type checkpointer struct {
	// structure is the CRC-32C of the cores as built (Core.Fingerprint),
	// computed on first need: before anything changes a static weight in
	// place (a sleep phase's muting, SetWeights), or at a checkpoint.
	structure uint32
	printed   bool
	// reweighted marks the static projections whose weights SetWeights
	// changed: a checkpoint stores them, since the build does not
	// reproduce them.
	reweighted []bool
	id         *identity // computed once: nothing in it changes
	size       int       // of the last payload, to allocate the next at once
}

// fingerprint computes the CRC of the cores as built, once.
func (e *Engine) fingerprint() uint32 {
	if !e.check.printed {
		h := crc32.New(castagnoli)
		for _, cr := range e.cores {
			cr.Fingerprint(h)
		}
		e.check.structure, e.check.printed = h.Sum32(), true
	}
	return e.check.structure
}

// identity is what a checkpoint must agree with to be restored.
type identity struct {
	network   string
	seed      uint64
	dt        float64
	neurons   int
	synapses  int
	pops      []string // name:kind:size
	arch      string
	archCRC   uint32
	mode      snn.Mode
	timing    Timing
	rateTau   float64
	strategy  string
	cores     int
	chips     int
	mapCRC    uint32
	structure uint32
}

func (e *Engine) identity() identity {
	g := e.graph
	id := identity{
		network: g.Net.Name, seed: g.Net.Seed, dt: g.Net.Dt, neurons: g.N, synapses: g.Synapses(),
		arch: e.arch.Name, mode: e.opt.Mode, timing: e.opt.Timing, rateTau: e.opt.RateTau,
		strategy: e.mapng.Strategy, cores: len(e.cores), chips: e.mapng.Chips,
		structure: e.fingerprint(),
	}
	for _, p := range g.Net.Populations {
		id.pops = append(id.pops, fmt.Sprintf("%s:%v:%d", p.Name, p.Kind, p.Size))
	}
	js, _ := json.Marshal(e.arch)
	id.archCRC = crc32.Checksum(js, castagnoli)
	h := crc32.New(castagnoli)
	state.Write(h, e.mapng.CoreOf)
	state.Write(h, []uint32{uint32(e.mapng.ChipsX), uint32(e.mapng.ChipsY)})
	id.mapCRC = h.Sum32()
	return id
}

func (id *identity) encode(e *state.Enc) {
	e.String(id.network)
	e.U64(id.seed)
	e.F64(id.dt)
	e.Len(id.neurons)
	e.Len(id.synapses)
	e.Len(len(id.pops))
	for _, p := range id.pops {
		e.String(p)
	}
	e.String(id.arch)
	e.U32(id.archCRC)
	e.U8(uint8(id.mode) - 1) // 0 float, 1 fixed: snn.Float - 1, snn.Fixed - 1
	e.U8(uint8(id.timing))
	e.F64(id.rateTau)
	e.String(id.strategy)
	e.Len(id.cores)
	e.Len(id.chips)
	e.U32(id.mapCRC)
	e.U32(id.structure)
}

func (id *identity) decode(d *state.Dec) {
	id.network = d.String("network name")
	id.seed = d.U64()
	id.dt = d.F64()
	id.neurons = int(d.U64())
	id.synapses = int(d.U64())
	n := d.Len(8, "populations")
	for i := 0; i < n && d.Err() == nil; i++ {
		id.pops = append(id.pops, d.String("population"))
	}
	id.arch = d.String("arch name")
	id.archCRC = d.U32()
	id.mode = snn.Mode(d.U8() + 1)
	id.timing = Timing(d.U8())
	id.rateTau = d.F64()
	id.strategy = d.String("mapping strategy")
	id.cores = int(d.U64())
	id.chips = int(d.U64())
	id.mapCRC = d.U32()
	id.structure = d.U32()
}

// mismatch says how a checkpoint made as id differs from an engine that
// is now, or returns nil.
func (id *identity) mismatch(now *identity) error {
	net := func(x *identity) string {
		return fmt.Sprintf("%q (%d neurons, %d synapses, seed %d, dt %g ms)", x.network, x.neurons, x.synapses, x.seed, x.dt)
	}
	switch {
	case id.network != now.network || id.neurons != now.neurons || id.synapses != now.synapses ||
		id.seed != now.seed || id.dt != now.dt || fmt.Sprint(id.pops) != fmt.Sprint(now.pops):
		return fmt.Errorf("another network: the checkpoint is of %s, this is %s", net(id), net(now))
	case id.arch != now.arch || id.archCRC != now.archCRC:
		if id.arch == now.arch {
			return fmt.Errorf("another architecture: arch %q of the checkpoint has other parameters than this arch %q", id.arch, now.arch)
		}
		return fmt.Errorf("another architecture: the checkpoint ran on arch %q, this is arch %q", id.arch, now.arch)
	case id.mode != now.mode:
		return fmt.Errorf("another mode: the checkpoint ran in %v mode, this is %v mode", id.mode, now.mode)
	case id.timing != now.timing:
		return fmt.Errorf("another timing rule: the checkpoint was modelled with %v timing, this engine with %v", id.timing, now.timing)
	case id.rateTau != now.rateTau:
		return fmt.Errorf("another rate counter: the checkpoint's time constant is %g ms, this engine's %g ms", id.rateTau, now.rateTau)
	case id.strategy != now.strategy || id.cores != now.cores || id.chips != now.chips || id.mapCRC != now.mapCRC:
		return fmt.Errorf("another mapping: the checkpoint's is %s on %d cores and %d chip(s), this is %s on %d cores and %d chip(s)%s",
			id.strategy, id.cores, id.chips, now.strategy, now.cores, now.chips, sameHint(id.strategy == now.strategy && id.cores == now.cores))
	case id.structure != now.structure:
		return fmt.Errorf("the cores' synapses or neuron parameters differ from those of the checkpoint (fingerprint %08x, now %08x): the network file changed, or another version of spindle built it", id.structure, now.structure)
	}
	return nil
}

func sameHint(same bool) string {
	if same {
		return " (the same strategy and size, other neurons on the cores)"
	}
	return ""
}

// Checkpoint writes the engine's state to w, between two ticks, in the
// checkpoint format (docs/checkpoint.md): everything that decides the
// rest of the run, so that Restore continues it exactly. It holds no
// synapses but the plastic ones (and those SetWeights changed): the
// static ones are rebuilt from the graph, which a fingerprint of the
// cores ties to the checkpoint.
func (e *Engine) Checkpoint(w io.Writer) error { return e.CheckpointWith(w, nil) }

// CheckpointWith is Checkpoint with app, a caller's own bytes (its
// position in a protocol, its counts), stored with the engine's state
// and returned by ReadCheckpoint as Snapshot.App.
func (e *Engine) CheckpointWith(w io.Writer, app []byte) error {
	if e.check.size == 0 {
		for _, cr := range e.cores {
			e.check.size += cr.StateSize()
		}
	}
	raw := e.appendCheckpoint(make([]byte, 0, e.check.size+e.check.size/8+len(app)+1<<16), app)
	e.check.size = len(raw)
	var comp bytes.Buffer
	// A window no larger than the payload, and blocks compressed in
	// parallel only when there are many: the encoder's buffers cost more
	// than a small checkpoint's compression.
	window := 1 << max(10, min(23, bits.Len(uint(len(raw)))))
	workers := 1
	if len(raw) > 16<<20 {
		workers = runtime.GOMAXPROCS(0)
	}
	zw, err := zstd.NewWriter(&comp, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithWindowSize(window),
		zstd.WithEncoderConcurrency(workers), zstd.WithEncoderCRC(false))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := zw.Write(raw); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	hdr := make([]byte, 0, checkpointHeader)
	hdr = append(hdr, checkpointMagic...)
	hdr = binary.LittleEndian.AppendUint16(hdr, CheckpointVersion)
	var flags uint16
	if e.dist != nil {
		flags |= flagRank
	}
	hdr = binary.LittleEndian.AppendUint16(hdr, flags)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(comp.Len()))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(raw)))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(raw, castagnoli))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := w.Write(comp.Bytes()); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// CheckpointFile writes a checkpoint (CheckpointWith) to path atomically:
// into a temporary file beside it, synced to disk, then renamed over
// path. A failed write leaves path as it was.
func (e *Engine) CheckpointFile(path string, app []byte) error {
	return writeAtomic(path, func(w io.Writer) error { return e.CheckpointWith(w, app) })
}

func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	// The rename is durable once the directory is synced; not every
	// system can sync a directory, and the file is whole either way.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// appendCheckpoint appends the uncompressed payload.
func (e *Engine) appendCheckpoint(b []byte, app []byte) []byte {
	enc := state.Enc{B: b}
	if e.check.id == nil {
		id := e.identity()
		e.check.id = &id
	}
	e.check.id.encode(&enc)
	enc.I64(e.tick)
	enc.Bool(e.asleep != nil)
	enc.Bytes(app)
	if d := e.dist; d != nil {
		enc.Len(d.rank)
		enc.Len(d.ranks)
		enc.Len(d.lo)
		enc.Len(d.hi)
	}

	k := &e.cost
	enc.I64(k.ticks)
	for _, v := range k.syn {
		enc.I64(v)
	}
	for _, v := range []int64{k.access, k.updates, k.spikes, k.learning, k.sent, k.received} {
		enc.I64(v)
	}
	enc.F64(k.network)
	enc.F64(k.seconds)
	enc.F64(k.tickMax)

	enc.F64(e.learn.reward)
	enc.Len(len(e.learn.rules))
	for _, l := range e.learn.rules {
		enc.Bool(l != nil)
		if l != nil {
			enc.Bool(l.Enabled)
			enc.Bool(l.Balance)
		}
	}
	var rw []int
	for p, on := range e.check.reweighted {
		if on {
			rw = append(rw, p)
		}
	}
	enc.Len(len(rw))
	for _, p := range rw {
		enc.Len(p)
		enc.F64s(e.RawWeights(p))
	}
	e.appendSleep(&enc)
	enc.B = e.router.AppendState(enc.B)
	enc.Len(len(e.cores))
	for _, cr := range e.cores {
		enc.B = cr.AppendState(enc.B)
	}
	if d := e.dist; d != nil {
		enc.Len(len(d.remote))
		for _, k := range d.remote {
			enc.I64(k.SynapticEvents)
			enc.I64(k.NeuronUpdates)
			enc.I64(k.Spikes)
			enc.I64(k.LearningUpdates)
		}
	}
	return enc.B
}

func (e *Engine) appendSleep(enc *state.Enc) {
	s := e.asleep
	enc.Bool(s != nil)
	if s == nil {
		return
	}
	p := &s.p
	enc.Len(p.Ticks)
	for _, names := range [][]string{p.Silence, p.Drive, p.Mute} {
		enc.Len(len(names))
		for _, n := range names {
			enc.String(n)
		}
	}
	for _, v := range []float64{p.RateScale, p.Modulation, p.Threshold, p.Depression, p.DriveWeight} {
		enc.F64(v)
	}
	enc.Len(p.Period)
	enc.Bool(p.Unbalanced)
	enc.Bool(p.Uniform)
	enc.Len(s.done)
	enc.I64(s.start)
	enc.F64(s.prevReward)
	for _, rs := range s.saved {
		enc.Len(len(rs))
		for _, r := range rs {
			enc.F64(r.V)
			enc.I64(r.T)
		}
	}
	enc.Len(len(s.mutes))
	for _, m := range s.mutes {
		enc.Len(m.proj)
		enc.F64s(m.raw)
		enc.Bool(m.learn)
	}
	enc.Len(len(s.unbalanced))
	for _, pi := range s.unbalanced {
		enc.Len(pi)
	}
}

// Snapshot is a checkpoint read and verified by ReadCheckpoint, not yet
// restored.
type Snapshot struct {
	Version  int
	Tick     int64  // ticks simulated when it was taken
	Network  string // the network's name
	Arch     string // the architecture's name
	Mode     snn.Mode
	Neurons  int
	Synapses int
	Cores    int
	Asleep   bool   // taken during a sleep phase
	App      []byte // the caller's bytes given to CheckpointWith
	// Rank of Ranks wrote it: 0 of 1 in one process; in a distributed
	// run each rank writes its own part, stepping cores First to End-1,
	// and a part is restored by the same rank of as many ranks.
	Rank, Ranks int
	First, End  int

	id    identity
	state []byte // the engine's state, after App
}

// ErrNotCheckpoint is returned (wrapped) for input that does not start
// with the checkpoint magic.
var ErrNotCheckpoint = errors.New("not a spindle checkpoint")

// ReadCheckpoint reads a checkpoint and verifies it: magic, version,
// length, checksums and decompression. The error names the first
// problem: truncated, corrupted, another version.
func ReadCheckpoint(r io.Reader) (*Snapshot, error) {
	hdr := make([]byte, checkpointHeader)
	if n, err := io.ReadFull(r, hdr); err != nil {
		// A short file that starts as a checkpoint does (or is empty)
		// was cut; anything else is not one.
		if k := min(n, len(checkpointMagic)); string(hdr[:k]) != checkpointMagic[:k] {
			return nil, ErrNotCheckpoint
		}
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("read: %w", err)
		}
		return nil, fmt.Errorf("truncated: %d bytes, less than the %d-byte header", n, checkpointHeader)
	}
	if string(hdr[:len(checkpointMagic)]) != checkpointMagic {
		return nil, ErrNotCheckpoint
	}
	le := binary.LittleEndian
	if crc32.Checksum(hdr[:32], castagnoli) != le.Uint32(hdr[32:]) {
		return nil, errors.New("corrupted: the header's checksum does not match")
	}
	if v := le.Uint16(hdr[8:]); v != CheckpointVersion {
		return nil, fmt.Errorf("checkpoint format version %d; this spindle reads version %d", v, CheckpointVersion)
	}
	flags := le.Uint16(hdr[10:])
	if flags&^flagRank != 0 {
		return nil, fmt.Errorf("corrupted: header flags %#x, expected 0 or %#x", flags, flagRank)
	}
	clen, rawLen, sum := le.Uint64(hdr[12:]), le.Uint64(hdr[20:]), le.Uint32(hdr[28:])
	if clen > 1<<40 || rawLen > 1<<40 {
		return nil, fmt.Errorf("corrupted: a payload of %d bytes (%d uncompressed)", clen, rawLen)
	}
	var comp bytes.Buffer
	n, err := io.Copy(&comp, io.LimitReader(r, int64(clen)))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if uint64(n) < clen {
		return nil, fmt.Errorf("truncated: %d of the payload's %d bytes", n, clen)
	}
	if m, _ := io.Copy(io.Discard, io.LimitReader(r, 1<<20)); m > 0 {
		return nil, fmt.Errorf("corrupted: %d unexpected bytes after the payload", m)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(max(rawLen, 1<<27)))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(comp.Bytes(), make([]byte, 0, min(rawLen, 16*clen+1<<20)))
	if err != nil {
		return nil, fmt.Errorf("corrupted: the compressed payload: %w", err)
	}
	if uint64(len(raw)) != rawLen {
		return nil, fmt.Errorf("corrupted: the payload is %d bytes, the header says %d", len(raw), rawLen)
	}
	if crc32.Checksum(raw, castagnoli) != sum {
		return nil, errors.New("corrupted: the payload's checksum does not match")
	}
	return parseFlagged(raw, flags)
}

// parsePayload reads the uncompressed payload up to the engine's state.
func parsePayload(raw []byte) (*Snapshot, error) { return parseFlagged(raw, 0) }

// parseFlagged is parsePayload of a payload with the header's flags.
func parseFlagged(raw []byte, flags uint16) (*Snapshot, error) {
	d := state.NewDec(raw)
	s := &Snapshot{Version: CheckpointVersion, Ranks: 1}
	s.id.decode(d)
	s.Tick = d.I64()
	s.Asleep = d.Bool()
	s.App = d.Bytes("application section")
	if flags&flagRank != 0 {
		s.Rank, s.Ranks = int(d.U64()), int(d.U64())
		s.First, s.End = int(d.U64()), int(d.U64())
	} else {
		s.End = s.id.cores
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	if s.Ranks < 1 || s.Rank < 0 || s.Rank >= s.Ranks || s.Ranks > 1<<20 || s.First < 0 || s.First > s.End || s.End > s.id.cores {
		return nil, fmt.Errorf("corrupted: rank %d of %d, cores %d to %d of %d", s.Rank, s.Ranks, s.First, s.End, s.id.cores)
	}
	if s.Tick < 0 {
		return nil, fmt.Errorf("corrupted: tick %d", s.Tick)
	}
	s.state = d.Rest()
	s.Network, s.Arch, s.Mode = s.id.network, s.id.arch, s.id.mode
	s.Neurons, s.Synapses, s.Cores = s.id.neurons, s.id.synapses, s.id.cores
	return s, nil
}

// Restore reads a checkpoint from r (ReadCheckpoint) and restores it
// onto a new engine of g, a, m and opt (NewEngine), which must be those
// the checkpoint was taken with (workers aside): another network,
// architecture, mapping or mode is refused, with what differs.
func Restore(r io.Reader, g *snn.Graph, a *Arch, m *Mapping, opt Options) (*Engine, error) {
	s, err := ReadCheckpoint(r)
	if err != nil {
		return nil, err
	}
	return s.Restore(g, a, m, opt)
}

// Restore builds a new engine of g, a, m and opt (NewEngine) and sets it
// to the snapshot's state, as Restore does.
func (s *Snapshot) Restore(g *snn.Graph, a *Arch, m *Mapping, opt Options) (*Engine, error) {
	rank, ranks := 0, 1
	if opt.Comm != nil {
		rank, ranks = opt.Comm.Rank(), opt.Comm.Size()
	}
	if s.Ranks != ranks || s.Rank != rank {
		what := "one process"
		if ranks > 1 {
			what = fmt.Sprintf("rank %d of %d", rank, ranks)
		}
		if s.Ranks == 1 {
			return nil, fmt.Errorf("the checkpoint is of a run in one process, this is %s of a distributed run: restore it in one process", what)
		}
		return nil, fmt.Errorf("the checkpoint is rank %d's part of a run on %d ranks, this is %s: a distributed checkpoint resumes on as many ranks as wrote it (%d)", s.Rank, s.Ranks, what, s.Ranks)
	}
	e, err := NewEngine(g, a, m, opt)
	if err != nil {
		return nil, err
	}
	now := e.identity()
	if err := s.id.mismatch(&now); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.restore(s); err != nil {
		e.Close()
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	return e, nil
}

func (e *Engine) restore(s *Snapshot) error {
	g := e.graph
	d := state.NewDec(s.state)
	k := &e.cost
	k.ticks = d.I64()
	for f := range k.syn {
		k.syn[f] = d.I64()
	}
	for _, v := range []*int64{&k.access, &k.updates, &k.spikes, &k.learning, &k.sent, &k.received} {
		*v = d.I64()
	}
	k.network, k.seconds, k.tickMax = d.F64(), d.F64(), d.F64()
	reward := d.F64()
	if d.Count(len(e.learn.rules), "learning rules") {
		for _, l := range e.learn.rules {
			if has := d.Bool(); has != (l != nil) {
				d.Fail("learning rules: a rule where the network has none, or none where it has one")
			}
			if l != nil {
				l.Enabled, l.Balance = d.Bool(), d.Bool()
			}
		}
	}
	rw := d.Len(16, "reweighted projections")
	for i := 0; i < rw && d.Err() == nil; i++ {
		p := int(d.U64())
		if p < 0 || p >= len(g.Net.Projections) || e.Plastic(p) {
			d.Fail("reweighted projection %d: not a static projection of the network", p)
			break
		}
		e.locate()
		w := make([]float64, len(e.learn.projSyn[p]))
		d.F64s(w, "reweighted weights")
		if d.Err() == nil {
			e.setRawWeights(p, func(i int) float64 { return w[i] })
			e.markReweighted(p)
		}
	}
	sl := e.decodeSleep(d)
	if err := d.Err(); err != nil {
		return err
	}
	if (sl != nil) != s.Asleep {
		return errors.New("the sleep flag and the sleep section disagree")
	}
	if sl != nil && (sl.start < 0 || sl.start > max(s.Tick-1, 0)) {
		return fmt.Errorf("a sleep phase that began at tick %d, the checkpoint is at tick %d", sl.start, s.Tick)
	}
	rest, err := e.router.RestoreState(d.Rest(), func(p router.Packet) error {
		if p.Dst >= uint32(len(e.cores)) {
			return fmt.Errorf("to core %d, of %d cores in use", p.Dst, len(e.cores))
		}
		if e.owns(int(p.Dst)) && p.Axon >= uint32(e.cores[p.Dst].Axons()) {
			return fmt.Errorf("axon %d of core %d, which has %d", p.Axon, p.Dst, e.cores[p.Dst].Axons())
		}
		return nil
	})
	if err != nil {
		return err
	}
	d = state.NewDec(rest)
	if !d.Count(len(e.cores), "cores") {
		return d.Err()
	}
	rest = d.Rest()
	for c, cr := range e.cores {
		if rest, err = cr.RestoreState(rest, s.Tick); err != nil {
			return err
		}
		e.last[c] = cr.Counters()
	}
	if dist := e.dist; dist != nil {
		lo, hi := e.ownedCores()
		if s.First != lo || s.End != hi {
			return fmt.Errorf("rank %d stepped cores %d to %d, now %d to %d", s.Rank, s.First, s.End, lo, hi)
		}
		d = state.NewDec(rest)
		if d.Count(len(dist.remote), "remote cores") {
			for c := range dist.remote {
				k := &dist.remote[c]
				k.SynapticEvents, k.NeuronUpdates, k.Spikes, k.LearningUpdates = d.I64(), d.I64(), d.I64(), d.I64()
			}
		}
		if err := d.Err(); err != nil {
			return err
		}
		rest = d.Rest()
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the last core", len(rest))
	}
	e.tick = s.Tick
	if sl != nil {
		// The cores hold their noise and thresholds; the host side of
		// the phase is put back as BeginSleep left it.
		for _, m := range sl.mutes {
			if !e.Plastic(m.proj) {
				e.setRawWeights(m.proj, func(int) float64 { return 0 })
			}
		}
		e.depress(sl.p.Depression)
		e.asleep = sl
	}
	e.SetReward(reward)
	return nil
}

func (e *Engine) decodeSleep(d *state.Dec) *sleeping {
	if !d.Bool() || d.Err() != nil {
		return nil
	}
	g := e.graph
	s := &sleeping{}
	p := &s.p
	p.Ticks = int(d.U64())
	names := make([][]string, 3)
	for i := range names {
		n := d.Len(8, "sleep names")
		for j := 0; j < n && d.Err() == nil; j++ {
			names[i] = append(names[i], d.String("sleep name"))
		}
	}
	p.Silence, p.Drive, p.Mute = names[0], names[1], names[2]
	p.RateScale, p.Modulation, p.Threshold, p.Depression, p.DriveWeight = d.F64(), d.F64(), d.F64(), d.F64(), d.F64()
	p.Period = int(d.U64())
	p.Unbalanced, p.Uniform = d.Bool(), d.Bool()
	s.done = int(d.U64())
	s.start = d.I64()
	s.prevReward = d.F64()
	if d.Err() != nil {
		return nil
	}
	spec := snn.SleepSpec{Ticks: p.Ticks, Silence: p.Silence, Drive: p.Drive, Mute: p.Mute, RateScale: p.RateScale, Modulation: p.Modulation, Period: p.Period, Threshold: p.Threshold, Depression: p.Depression}
	if err := spec.Validate(g.Net); err != nil || s.done < 0 || s.done >= p.Ticks {
		d.Fail("sleep phase: %d of %d ticks done: %v", s.done, p.Ticks, err)
		return nil
	}
	s.saved = make([][]snn.Trace, len(e.cores))
	for c, cr := range e.cores {
		if !d.Count(cr.Compartments(), "sleep's saved rate counters") {
			return nil
		}
		s.saved[c] = make([]snn.Trace, cr.Compartments())
		for i := range s.saved[c] {
			s.saved[c][i] = snn.Trace{V: d.F64(), T: d.I64()}
			if t := s.saved[c][i].T; t < 0 || t > s.start {
				d.Fail("sleep's saved rate counter: tick %d, after the phase's start %d", s.saved[c][i].T, s.start)
				return nil
			}
		}
	}
	if !d.Count(len(p.Mute), "muted projections") {
		return nil
	}
	for _, name := range p.Mute {
		m := muted{proj: int(d.U64())}
		if d.Err() == nil && m.proj != g.Net.ProjectionIndex(name) {
			d.Fail("muted projection %d: expected %q", m.proj, name)
			return nil
		}
		e.locate()
		m.raw = make([]float64, len(e.learn.projSyn[m.proj]))
		d.F64s(m.raw, "muted weights")
		m.learn = d.Bool()
		s.mutes = append(s.mutes, m)
	}
	n := d.Len(8, "unbalanced projections")
	for i := 0; i < n && d.Err() == nil; i++ {
		pi := int(d.U64())
		if pi < 0 || pi >= len(e.learn.rules) || e.learn.rules[pi] == nil {
			d.Fail("unbalanced projection %d: not a plastic projection", pi)
			return nil
		}
		s.unbalanced = append(s.unbalanced, pi)
	}
	return s
}

// markReweighted records that SetWeights changed static projection p.
func (e *Engine) markReweighted(p int) {
	if e.check.reweighted == nil {
		e.check.reweighted = make([]bool, len(e.graph.Net.Projections))
	}
	e.check.reweighted[p] = true
}
