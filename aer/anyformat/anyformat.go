package anyformat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/aedat"
	"github.com/spindle-sim/spindle/aer/dat"
	"github.com/spindle-sim/spindle/aer/evt"
	"github.com/spindle-sim/spindle/aer/nmnist"
)

// Format names a file format.
type Format string

// The formats Open reads.
const (
	AER     Format = "aer"
	AEDAT2  Format = "aedat-2.0"
	AEDAT31 Format = "aedat-3.1"
	AEDAT4  Format = "aedat-4.0"
	EVT2    Format = "evt-2.0"
	EVT3    Format = "evt-3.0"
	DAT     Format = "prophesee-dat"
	NMNIST  Format = "nmnist"
)

// Camera reports whether f holds camera events (x, y, polarity, µs).
func (f Format) Camera() bool { return f != AER }

// headSize is how much of a file Detect looks at: enough for the text
// headers of RAW and DAT files.
const headSize = 64 << 10

// hdf5Magic starts an HDF5 file, such as a NIR graph.
const hdf5Magic = "\x89HDF\r\n\x1a\n"

// Detect names the format of a file from its first bytes (up to 64 KiB),
// trusting, in this order:
//
//  1. a signature at offset 0: the .aer magic (a file shorter than the magic
//     that begins like it is a truncated trace), "#!AER-DAT" and its
//     version, a '%' header line (Prophesee RAW or DAT); the HDF5
//     signature is an error, since HDF5 files are NIR graphs, not events;
//  2. for N-MNIST, which has no header, a .bin name (whatever the size: a
//     partial last event is the reader's error, at its byte) or else a size
//     that is a multiple of 5 bytes whose first events look like N-MNIST.
func Detect(head []byte, name string, size int64) (Format, error) {
	switch {
	case size == 0 || len(head) == 0:
		return "", errors.New("empty file")
	case bytes.HasPrefix(head, []byte(aer.Magic)):
		return AER, nil
	case len(head) < len(aer.Magic) && strings.HasPrefix(aer.Magic, string(head)):
		return "", fmt.Errorf("truncated .aer trace: %d bytes, shorter than its %d-byte magic", len(head), len(aer.Magic))
	case bytes.HasPrefix(head, []byte(hdf5Magic)):
		return "", errors.New("an HDF5 file (a NIR graph?), not an event file")
	case bytes.HasPrefix(head, []byte("#!AER-DAT2.0")):
		return AEDAT2, nil
	case bytes.HasPrefix(head, []byte("#!AER-DAT3.1")):
		return AEDAT31, nil
	case bytes.HasPrefix(head, []byte("#!AER-DAT4.0")):
		return AEDAT4, nil
	case bytes.HasPrefix(head, []byte("#!AER-DAT")):
		return "", fmt.Errorf("AEDAT version %.16q is not supported (2.0, 3.1 and 4.0 are)", head)
	case head[0] == '%':
		return detectPercent(head, name)
	}
	if strings.EqualFold(filepath.Ext(name), ".bin") || (size%5 == 0 && plausibleNMNIST(head)) {
		return NMNIST, nil
	}
	if plausibleNMNIST(head) {
		return "", fmt.Errorf("unknown format: not .aer, AEDAT, EVT RAW or DAT, and not whole N-MNIST events: %d bytes is not a multiple of 5 (a truncated N-MNIST file? name it .bin to read its whole events)", size)
	}
	return "", fmt.Errorf("unknown format: not .aer, AEDAT, EVT RAW, DAT or N-MNIST (first bytes %.12q)", head)
}

// detectPercent tells Prophesee RAW from DAT by their '%' header lines.
func detectPercent(head []byte, name string) (Format, error) {
	for _, l := range bytes.Split(head, []byte("\n")) {
		if len(l) == 0 || l[0] != '%' {
			break
		}
		s := strings.ToLower(strings.TrimSpace(string(l[1:])))
		switch {
		case strings.HasPrefix(s, "evt 2.0"), strings.HasPrefix(s, "format evt2;"), s == "format evt2":
			return EVT2, nil
		case strings.HasPrefix(s, "evt 3.0"), strings.HasPrefix(s, "format evt3;"), s == "format evt3":
			return EVT3, nil
		case strings.HasPrefix(s, "evt "), strings.HasPrefix(s, "format "):
			return "", fmt.Errorf("Prophesee RAW encoding %q is not supported (EVT 2.0 and 3.0 are)", s)
		}
	}
	if strings.EqualFold(filepath.Ext(name), ".raw") {
		return "", errors.New("Prophesee RAW header does not name its encoding (no \"% evt\" or \"% format\" line)")
	}
	return DAT, nil
}

// plausibleNMNIST checks that the first events look like N-MNIST: y within
// the sensors of the datasets (or the 240 overflow marker) and timestamps
// that do not go backwards.
func plausibleNMNIST(head []byte) bool {
	last := int64(-1)
	n := 0
	for i := 0; i+5 <= len(head) && n < 200; i += 5 {
		if head[i+1] == 240 {
			continue
		}
		if head[i+1] > 180 || head[i] >= 240 {
			return false
		}
		t := int64(head[i+2]&0x7f)<<16 | int64(head[i+3])<<8 | int64(head[i+4])
		if t < last {
			return false
		}
		last = t
		n++
	}
	return n > 0
}

// ErrOutsideSensor is wrapped by the error for a camera event beyond the
// sensor size that the file's header gave, or that Options set.
var ErrOutsideSensor = errors.New("the sensor size is wrong or the file damaged")

// Options adjust how Open maps camera events to addresses. Downsample and
// MergePolarity also pool the addresses of an .aer trace made from a
// camera (one whose metadata holds the sensor's address rule): its blocks
// are pooled k x k further.
type Options struct {
	Downsample    int  // k: pixel (x, y) goes to block (x/k, y/k); 0 or 1 keeps pixels
	MergePolarity bool // ON and OFF events of a pixel share one address
	// Width and Height override the sensor size from the file (or, when the
	// file does not say, from a scan for the largest coordinates).
	Width, Height int
}

// Info describes an opened file.
type Info struct {
	Format   Format
	TimeUnit string // aer.UnitUS for camera files; the trace's own for .aer
	// Width and Height are the camera sensor size; 0 for spike traces.
	Width, Height int
	// Rule maps pixels to addresses, for camera files and for traces made
	// from them; nil otherwise.
	Rule *aer.AddressRule
	// Meta is the trace metadata of an .aer file; nil otherwise.
	Meta *aer.Meta
}

// MsPerUnit returns the milliseconds of one time unit: the tick length of
// a trace in ticks, 1e-3 for microseconds.
func (i Info) MsPerUnit() float64 {
	if i.TimeUnit == aer.UnitTick && i.Meta != nil {
		return i.Meta.DtMs
	}
	return 1e-3
}

// Event is one event of any source. X, Y and P are set for camera events
// (and for traces converted from a camera).
type Event struct {
	Time int64
	Addr uint32
	X, Y uint16
	P    uint8
}

type cameraReader interface {
	Read([]aer.CameraEvent) (int, error)
}

// Source streams the events of one file.
type Source struct {
	path  string
	f     *os.File
	info  Info
	trace *aer.Reader
	// traceRule is the address rule a camera trace was written with, when
	// Options pool its addresses further by info.Rule; nil otherwise.
	traceRule *aer.AddressRule
	cam       cameraReader
	cbuf      []aer.CameraEvent
	sbuf      []aer.Spike
	n         int64 // events delivered
}

// Open opens path, detects its format and returns a Source at its first
// event.
func Open(path string, opt Options) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := open(f, path, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func open(f *os.File, path string, opt Options) (*Source, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	head := make([]byte, min(st.Size(), headSize))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	format, err := Detect(head, path, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Source{path: path, f: f, info: Info{Format: format, TimeUnit: aer.UnitUS}}
	if format == AER {
		if s.trace, err = aer.Open(path); err != nil {
			return nil, err
		}
		f.Close()
		s.f = nil
		m := s.trace.Meta()
		s.info.Meta, s.info.TimeUnit, s.info.Rule = &m, m.TimeUnit, m.Sensor
		if err := s.poolTrace(opt); err != nil {
			s.trace.Close()
			return nil, err
		}
		s.sbuf = make([]aer.Spike, 4096)
		return s, nil
	}
	w, h, err := s.openCamera()
	if err != nil {
		return nil, err
	}
	if opt.Width > 0 || opt.Height > 0 {
		w, h = opt.Width, opt.Height
	}
	if w == 0 || h == 0 {
		if w, h, err = s.scanSize(); err != nil {
			return nil, err
		}
	}
	rule := aer.AddressRule{Width: w, Height: h, Downsample: opt.Downsample, MergePolarity: opt.MergePolarity}
	if err := rule.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.info.Width, s.info.Height, s.info.Rule = w, h, &rule
	s.cbuf = make([]aer.CameraEvent, 4096)
	return s, nil
}

// poolTrace applies the pixel options to a trace made from a camera: its
// blocks of k0 pixels become blocks of k0*k, which is pooling k x k of
// its addresses, and its metadata says so. A trace of neuron addresses has
// no pixels to pool.
func (s *Source) poolTrace(opt Options) error {
	m := s.info.Meta
	if opt.Width > 0 || opt.Height > 0 {
		return fmt.Errorf("%s: an .aer trace keeps the sensor size it was written with: a size override does not apply", s.path)
	}
	pool := opt.Downsample > 1 || opt.MergePolarity
	if m.Sensor == nil {
		if pool {
			return fmt.Errorf("%s: its addresses are neurons, not camera pixels (no sensor in its metadata): pixel pooling (downsample, merge polarity) does not apply", s.path)
		}
		return nil
	}
	s.info.Width, s.info.Height = m.Sensor.Width, m.Sensor.Height
	if !pool {
		return nil
	}
	// A block wider than the sensor pools no more than one as wide, and
	// keeps the rule valid.
	r := *m.Sensor
	r.Downsample = min(max(1, r.Downsample)*max(1, opt.Downsample), aer.MaxSensorSide)
	r.MergePolarity = r.MergePolarity || opt.MergePolarity
	pooled := *m
	pooled.Sensor = &r
	s.traceRule, s.info.Rule, s.info.Meta = m.Sensor, &r, &pooled
	return nil
}

// openCamera (re)starts the camera decoder at the beginning of the file.
func (s *Source) openCamera() (w, h int, err error) {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", s.path, err)
	}
	switch s.info.Format {
	case AEDAT2, AEDAT31, AEDAT4:
		r, err := aedat.NewReader(s.f)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.path, err)
		}
		s.cam = r
		w, h = r.Size()
	case EVT2, EVT3:
		r, err := evt.NewReader(s.f)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.path, err)
		}
		s.cam = r
		w, h = r.Size()
	case DAT:
		r, err := dat.NewReader(s.f)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.path, err)
		}
		s.cam = r
		w, h = r.Size()
	case NMNIST:
		s.cam = nmnist.NewReader(s.f)
	}
	return w, h, nil
}

// scanSize reads the whole file for the largest coordinates, for formats
// whose header does not give the sensor size, then rewinds.
func (s *Source) scanSize() (w, h int, err error) {
	buf := make([]aer.CameraEvent, 4096)
	mx, my := 0, 0
	for {
		n, err := s.cam.Read(buf)
		for _, e := range buf[:n] {
			mx, my = max(mx, int(e.X)), max(my, int(e.Y))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.path, err)
		}
	}
	if s.info.Format == NMNIST {
		w, h = nmnist.SensorSize(mx, my)
	} else {
		w, h = mx+1, my+1
	}
	if _, _, err := s.openCamera(); err != nil {
		return 0, 0, err
	}
	return w, h, nil
}

// Info describes the file.
func (s *Source) Info() Info { return s.info }

// Trace returns the underlying trace reader of an .aer file (for its packets
// and chunk index), or nil.
func (s *Source) Trace() *aer.Reader { return s.trace }

// Read fills buf with the next events and returns how many; 0, io.EOF at
// the end. Camera events outside the sensor are an error.
func (s *Source) Read(buf []Event) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	if s.trace != nil {
		sb := s.sbuf[:min(len(buf), len(s.sbuf))]
		n, err := s.trace.ReadSpikes(sb)
		rule := s.info.Rule
		for i, sp := range sb[:n] {
			buf[i] = Event{Time: sp.Time, Addr: sp.Addr}
			if tr := s.traceRule; tr != nil {
				if int64(sp.Addr) >= int64(tr.NumAddrs()) {
					return i, fmt.Errorf("%s: spike %d: address %d beyond the %d addresses of its %dx%d sensor", s.path, s.n+int64(i), sp.Addr, tr.NumAddrs(), tr.Width, tr.Height)
				}
				x, y, p := tr.Pixel(sp.Addr)
				buf[i].Addr = rule.Addr(uint16(x), uint16(y), p)
				buf[i].X, buf[i].Y, buf[i].P = uint16(x), uint16(y), p
			} else if rule != nil {
				x, y, p := rule.Pixel(sp.Addr)
				buf[i].X, buf[i].Y, buf[i].P = uint16(x), uint16(y), p
			}
		}
		s.n += int64(n)
		return n, err
	}
	cb := s.cbuf[:min(len(buf), len(s.cbuf))]
	n, err := s.cam.Read(cb)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", s.path, err)
	}
	rule := s.info.Rule
	for i, e := range cb[:n] {
		if int(e.X) >= rule.Width || int(e.Y) >= rule.Height {
			return i, fmt.Errorf("%s: event %d at x=%d y=%d is outside the %dx%d sensor: %w", s.path, s.n+int64(i), e.X, e.Y, rule.Width, rule.Height, ErrOutsideSensor)
		}
		buf[i] = Event{Time: e.T, Addr: rule.Addr(e.X, e.Y, e.P), X: e.X, Y: e.Y, P: e.P}
	}
	s.n += int64(n)
	return n, err
}

// HasPackets reports whether the source is an .aer trace holding packets.
func (s *Source) HasPackets() bool {
	return s.trace != nil && s.trace.Count(aer.KindPacket) > 0
}

// Events returns the remaining events in order, for a range loop; a read
// error is yielded once and ends the sequence (see aer.Records).
func (s *Source) Events() iter.Seq2[Event, error] { return aer.Records(s.Read) }

// Close closes the file.
func (s *Source) Close() error {
	if s.trace != nil {
		return s.trace.Close()
	}
	return s.f.Close()
}
