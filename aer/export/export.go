package export

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/npy"
)

// Exporter writes the events of one source in one of the formats. It
// reads the source once: make one per output.
type Exporter struct {
	src  *anyformat.Source
	opt  Options
	rule *aer.TickRule
	// started is set once the first time is converted (T0 is its time
	// unless Options.Absolute).
	started bool
}

// Options choose what an Exporter writes.
type Options struct {
	// DtMs, when positive, converts microsecond times to ticks of DtMs
	// milliseconds: tick = floor((t_us - t0)/(DtMs*1000)), t0 the first
	// event's time unless Absolute.
	DtMs     float64
	Absolute bool
	// Packets exports an .aer trace's packets: instead of its spikes in
	// CSV and .npy, beside them in .npz.
	Packets bool
	// Name names the input in the metadata of a camera file's export.
	Name string
}

// New returns an Exporter of src.
func New(src *anyformat.Source, opt Options) *Exporter {
	x := &Exporter{src: src, opt: opt}
	if opt.DtMs > 0 {
		x.rule = &aer.TickRule{DtMs: opt.DtMs}
	}
	return x
}

// time maps a source time to an output time.
func (x *Exporter) time(t int64) int64 {
	if x.rule == nil {
		return t
	}
	if !x.started && !x.opt.Absolute {
		x.rule.T0 = t
	}
	x.started = true
	return x.rule.Tick(t)
}

// Meta is the metadata of the export: the trace's own, or for a camera
// file one made from its sensor, in ticks when Options.DtMs is set.
func (x *Exporter) Meta() aer.Meta {
	src, in, dt := x.src, x.opt.Name, x.opt.DtMs
	info := src.Info()
	var m aer.Meta
	if info.Meta != nil {
		m = *info.Meta
	} else {
		m = aer.Meta{TimeUnit: aer.UnitUS, Source: fmt.Sprintf("%s (%s)", filepath.Base(in), info.Format),
			Sensor: info.Rule, Kinds: []string{aer.KindSpike}}
	}
	if dt > 0 {
		m.TimeUnit, m.DtMs = aer.UnitTick, dt
	}
	return m
}

// AER writes the events, and the packets of an .aer trace, as an .aer
// trace to f, and returns the records written.
func (x *Exporter) AER(f io.WriteSeeker) (int64, error) {
	src := x.src
	w, err := aer.NewWriter(f, x.Meta())
	if err != nil {
		return 0, err
	}
	var n int64
	for e, err := range src.Events() {
		if err == nil {
			err = w.WriteSpike(x.time(e.Time), e.Addr)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	if src.HasPackets() {
		for p, err := range src.Trace().Packets() {
			if err == nil {
				err = w.WritePacket(p)
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, w.Close()
}

// CSV writes the spikes (or with Options.Packets the packets) as a CSV
// table with a header row of the column names, through encoding/csv, and
// returns the records written.
func (x *Exporter) CSV(w io.Writer) (int64, error) {
	return x.table(w, nil, x.opt.Packets, false)
}

// NPY writes the spikes (or with Options.Packets the packets) as a NumPy
// .npy structured array: spikes t int64, addr uint32 (camera events also
// x, y uint16 and p uint8 before addr); packets emit, deliver int64, src,
// dst uint32, hops uint16, flags uint8. The header must state the record
// count, which a streaming source learns only at its end: it is written
// with the count padded to a fixed width and rewritten at the end, hence
// the io.WriterAt.
func (x *Exporter) NPY(f interface {
	io.Writer
	io.WriterAt
}) (int64, error) {
	return x.table(f, f, x.opt.Packets, true)
}

// table writes CSV or .npy (then at is where the header is rewritten).
func (x *Exporter) table(f io.Writer, at io.WriterAt, packets, asNPY bool) (int64, error) {
	src := x.src
	info := src.Info()
	camera := !packets && info.Format.Camera()
	var fields []npy.Field
	switch {
	case packets:
		fields = []npy.Field{field("emit", "<i8", 8), field("deliver", "<i8", 8), field("src", "<u4", 4), field("dst", "<u4", 4), field("hops", "<u2", 2), field("flags", "|u1", 1)}
	case camera:
		fields = []npy.Field{field("t", "<i8", 8), field("x", "<u2", 2), field("y", "<u2", 2), field("p", "|u1", 1), field("addr", "<u4", 4)}
	default:
		fields = []npy.Field{field("t", "<i8", 8), field("addr", "<u4", 4)}
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var put func(row []uint64) error // one record; signed values as their two's complement
	var flush func() error
	hlen := 0
	if asNPY {
		hdr := npy.StructHeader(fields, 0)
		hlen = len(hdr)
		bw.Write(hdr)
		var rec []byte
		put = func(row []uint64) error {
			rec = rec[:0]
			for i, v := range row {
				switch fields[i].Size {
				case 8:
					rec = binary.LittleEndian.AppendUint64(rec, v)
				case 4:
					rec = binary.LittleEndian.AppendUint32(rec, uint32(v))
				case 2:
					rec = binary.LittleEndian.AppendUint16(rec, uint16(v))
				default:
					rec = append(rec, byte(v))
				}
			}
			_, err := bw.Write(rec)
			return err
		}
		flush = bw.Flush
	} else {
		cw := csv.NewWriter(bw)
		rec := make([]string, len(fields))
		for i, fl := range fields {
			rec[i] = fl.Name
		}
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
		put = func(row []uint64) error {
			for i, v := range row {
				if fields[i].Descr == "<i8" {
					rec[i] = strconv.FormatInt(int64(v), 10)
				} else {
					rec[i] = strconv.FormatUint(v, 10)
				}
			}
			return cw.Write(rec)
		}
		flush = func() error {
			if cw.Flush(); cw.Error() != nil {
				return cw.Error()
			}
			return bw.Flush()
		}
	}
	var n int64
	row := make([]uint64, len(fields))
	if packets {
		for p, err := range src.Trace().Packets() {
			if err == nil {
				row = append(row[:0], uint64(p.Emit), uint64(p.Deliver), uint64(p.Src), uint64(p.Dst), uint64(p.Hops), uint64(p.Flags))
				err = put(row)
			}
			if err != nil {
				return n, err
			}
			n++
		}
	} else {
		for e, err := range src.Events() {
			if err == nil {
				row = append(row[:0], uint64(x.time(e.Time)))
				if camera {
					row = append(row, uint64(e.X), uint64(e.Y), uint64(e.P))
				}
				err = put(append(row, uint64(e.Addr)))
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	if asNPY {
		hdr := npy.StructHeader(fields, n)
		if len(hdr) != hlen {
			return n, fmt.Errorf("npy header grew from %d to %d bytes", hlen, len(hdr))
		}
		if _, err := at.WriteAt(hdr, 0); err != nil {
			return n, err
		}
	}
	return n, nil
}

// NPZ writes a NumPy .npz archive to f: the structured array NPY writes,
// as "spikes" and, with Options.Packets, "packets", and the metadata as
// arrays of their own: dt_ms, time_unit, source, population_names,
// population_first, population_size and meta, the whole JSON header
// (docs/python.md). Each record array goes through a temporary file beside
// f first, since its header states a count that a streaming source learns
// only at its end. It returns the records written.
func (x *Exporter) NPZ(f *os.File) (int64, error) {
	m := x.Meta()
	js, err := json.Marshal(&m)
	if err != nil {
		return 0, fmt.Errorf("meta: %w", err)
	}
	z := npy.NewZip(f)
	names := make([]string, len(m.Populations))
	first := make([]uint32, len(m.Populations))
	size := make([]uint32, len(m.Populations))
	for i, p := range m.Populations {
		names[i], first[i], size[i] = p.Name, p.First, p.Size
	}
	z.Float64("dt_ms", m.DtMs)
	z.String("time_unit", m.TimeUnit)
	z.String("source", m.Source)
	z.Strings("population_names", names)
	z.Uint32s("population_first", first)
	z.Uint32s("population_size", size)
	if err := z.String("meta", string(js)); err != nil {
		return 0, err
	}
	n, err := npzMember(z, f, "spikes", func(tmp *os.File) (int64, error) {
		return x.table(tmp, tmp, false, true)
	})
	if err == nil && x.opt.Packets {
		var np int64
		np, err = npzMember(z, f, "packets", func(tmp *os.File) (int64, error) {
			return x.table(tmp, tmp, true, true)
		})
		n += np
	}
	if err != nil {
		return n, err
	}
	return n, z.Close()
}

// npzMember has write fill a temporary file beside f with an .npy array
// and copies it into z as member name.
func npzMember(z *npy.Zip, f *os.File, name string, write func(tmp *os.File) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.Name()), ".npz-"+name+".tmp*")
	if err != nil {
		return 0, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	n, err := write(tmp)
	if err != nil {
		return n, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return n, err
	}
	w, err := z.Create(name)
	if err != nil {
		return n, err
	}
	if _, err := io.Copy(w, tmp); err != nil {
		return n, fmt.Errorf("npz: %s: %w", name, err)
	}
	return n, nil
}

// field is an npy.Field.
func field(name, descr string, size int) npy.Field {
	return npy.Field{Name: name, Descr: descr, Size: size}
}
