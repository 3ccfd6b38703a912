package anyformat

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

const fixtures = "../../../shared/fixtures/events/"

func fixture(t *testing.T, name string) string {
	t.Helper()
	p := fixtures + name
	if _, err := os.Stat(p); os.IsNotExist(err) {
		t.Skipf("fixture %s absent (shared/ not laid beside the checkout)", p)
	}
	return p
}

func readAll(t *testing.T, path string, opt Options) (Info, []Event, error) {
	t.Helper()
	s, err := Open(path, opt)
	if err != nil {
		return Info{}, nil, err
	}
	defer s.Close()
	var out []Event
	buf := make([]Event, 1000)
	for {
		n, err := s.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return s.Info(), out, nil
		}
		if err != nil {
			return s.Info(), out, err
		}
	}
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		n      int
		w, h   int
	}{
		{"sample_nmnist.bin", NMNIST, 4325, 34, 34},
		{"sample.aedat4", AEDAT4, 111954, 320, 240},
		{"sample_aedat_header.aedat", AEDAT2, 0, 346, 260},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			info, evs, err := readAll(t, fixture(t, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format || len(evs) != tc.n || info.Width != tc.w || info.Height != tc.h {
				t.Errorf("got %s, %d events, %dx%d; want %s, %d, %dx%d", info.Format, len(evs), info.Width, info.Height, tc.format, tc.n, tc.w, tc.h)
			}
			for _, e := range evs {
				if e.Addr != (uint32(e.Y)*uint32(tc.w)+uint32(e.X))*2+uint32(e.P) {
					t.Fatalf("event %+v: address does not follow (y*width+x)*2+p", e)
				}
			}
		})
	}
}

// TestDetectByContent copies a fixture under a misleading name: the format
// comes from the bytes, not the extension.
func TestDetectByContent(t *testing.T) {
	b, err := os.ReadFile(fixture(t, "sample.aedat4"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "recording.bin")
	os.WriteFile(p, b, 0o644)
	info, evs, err := readAll(t, p, Options{})
	if err != nil || info.Format != AEDAT4 || len(evs) != 111954 {
		t.Fatalf("%s: %v, %d events, %v", p, info.Format, len(evs), err)
	}
}

func TestSynthetic(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		format        Format
		want          []Event
		w, h          int
		err           string
	}{
		{"a.raw", "% evt 2.0\n% geometry 8x4\n\x01\x00\x00\x80\x02\x18\x40\x11", EVT2,
			[]Event{{Time: 69, X: 3, Y: 2, P: 1, Addr: (2*8+3)*2 + 1}}, 8, 4, ""},
		{"b.raw", "% format EVT3;height=10;width=30\n\x01\x80\x02\x60\x05\x00\x07\x20", EVT3,
			[]Event{{Time: 4098, X: 7, Y: 5, Addr: (5*30 + 7) * 2}}, 30, 10, ""},
		{"c.dat", "% Version 2\n% Width 6\n% Height 4\n\x0c\x08\x04\x03\x02\x01\x05\xc0\x00\x10", DAT,
			[]Event{{Time: 0x01020304, X: 5, Y: 3, P: 1, Addr: (3*6+5)*2 + 1}}, 6, 4, ""},
		// No size in the header: found by scanning.
		{"d.dat", "% Version 2\n\x0c\x08\x04\x03\x02\x01\x05\xc0\x00\x10", DAT,
			[]Event{{Time: 0x01020304, X: 5, Y: 3, P: 1, Addr: (3*6+5)*2 + 1}}, 6, 4, ""},
		{"e.aedat", "#!AER-DAT3.1\r\n#!END-HEADER\r\n" +
			"\x01\x00\x01\x00\x08\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00" +
			"\x07\x00\x04\x00\x2a\x00\x00\x00", AEDAT31, []Event{{Time: 42, X: 2, Y: 1, P: 1, Addr: (1*3+2)*2 + 1}}, 3, 2, ""},
		{"f.raw", "% evt 2.0\n% geometry 2x2\n\x01\x00\x00\x80\x02\x18\x40\x11", EVT2, nil, 0, 0, "outside the 2x2 sensor"},
		{"g.txt", "hello world", "", nil, 0, 0, "unknown format"},
		{"h.bin", "", "", nil, 0, 0, "empty file"},
		{"i.raw", "% date x\n\x00\x00", "", nil, 0, 0, "does not name its encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			os.WriteFile(p, []byte(tc.content), 0o644)
			info, evs, err := readAll(t, p, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.name) {
					t.Fatalf("err = %v, want %q naming the file", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format || info.Width != tc.w || info.Height != tc.h {
				t.Errorf("info %+v, want %s %dx%d", info, tc.format, tc.w, tc.h)
			}
			if len(evs) != len(tc.want) || evs[0] != tc.want[0] {
				t.Errorf("events %+v, want %+v", evs, tc.want)
			}
		})
	}
}

func TestLoadStimulusNMNIST(t *testing.T) {
	p := fixture(t, "sample_nmnist.bin")
	tests := []struct {
		opt       StimulusOptions
		first     int64
		last      int64
		numAddrs  int
		maxAddrLT int
	}{
		{StimulusOptions{DtMs: 1}, 0, (311175 - 654) / 1000, 34 * 34 * 2, 34 * 34 * 2},
		{StimulusOptions{DtMs: 1, KeepAbsoluteTime: true}, 0, 311, 34 * 34 * 2, 34 * 34 * 2},
		{StimulusOptions{DtMs: 0.1, Downsample: 2, MergePolarity: true}, 0, (311175 - 654) / 100, 17 * 17, 17 * 17},
	}
	for _, tc := range tests {
		st, err := LoadStimulus(p, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Ticks) != 4325 || st.Ticks[0] != tc.first || st.Ticks[len(st.Ticks)-1] != tc.last || st.NumAddrs != tc.numAddrs {
			t.Errorf("%+v: %d events, ticks %d..%d, %d addresses; want 4325, %d..%d, %d", tc.opt, len(st.Ticks),
				st.Ticks[0], st.Ticks[len(st.Ticks)-1], st.NumAddrs, tc.first, tc.last, tc.numAddrs)
		}
		for _, a := range st.Addrs {
			if int(a) >= tc.maxAddrLT {
				t.Fatalf("%+v: address %d >= %d", tc.opt, a, tc.maxAddrLT)
			}
		}
	}
	if _, err := LoadStimulus(p, StimulusOptions{}); err == nil {
		t.Error("dt 0 accepted")
	}
}

func TestLoadStimulusTrace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.aer")
	w, err := aer.Create(p, aer.Meta{DtMs: 0.1, TimeUnit: aer.UnitTick, Populations: []aer.Population{{Name: "in", Size: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, tk := range []int64{3, 9, 10, 25} {
		w.WriteSpike(tk, uint32(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	same, err := LoadStimulus(p, StimulusOptions{DtMs: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	coarse, err := LoadStimulus(p, StimulusOptions{DtMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := same.Ticks; got[0] != 3 || got[3] != 25 || same.NumAddrs != 100 {
		t.Errorf("same dt: ticks %v, %d addresses", got, same.NumAddrs)
	}
	if got := coarse.Ticks; got[0] != 0 || got[1] != 0 || got[2] != 1 || got[3] != 2 {
		t.Errorf("dt 0.1 -> 1 ms: ticks %v, want [0 0 1 2]", got)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{aer.Magic, "#!AER-DAT4.0\r\n", "% evt 3.0\n", "% Version 2\n", "\x07\x0f\x80\x02\x8e", "#!AER-DAT1.0"} {
		f.Add([]byte(s), "x.bin")
	}
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		Detect(head, name, int64(len(head)))
	})
}

// TestDetectOrder: signatures first, then N-MNIST by name or shape.
func TestDetectOrder(t *testing.T) {
	nm := "\x07\x0f\x80\x02\x8e\x13\x12\x00\x0b\xb7" // two N-MNIST events
	for _, tc := range []struct {
		head, name string
		size       int64
		format     Format
		err        string
	}{
		{aer.Magic[:1], "x.aer", 1, "", "truncated .aer trace"},
		{aer.Magic[:4], "x.aer", 4, "", "truncated .aer trace"},
		{aer.Magic[:5], "x.bin", 5, "", "truncated .aer trace"}, // not one N-MNIST event
		{aer.Magic[:7], "x", 7, "", "truncated .aer trace"},
		{aer.Magic + "\x00", "x.bin", 9, AER, ""},
		{"\x89HDF\r\n\x1a\n\x00\x00", "graph.h5", 10, "", "HDF5"},
		{nm, "x.bin", 10, NMNIST, ""},
		{nm, "x", 10, NMNIST, ""},
		{nm[:8], "x.BIN", 8, NMNIST, ""}, // the reader reports the partial event
		{nm[:8] + "\x00", "x", 9, "", "not a multiple of 5"},
		{"", "x.bin", 0, "", "empty file"},
	} {
		f, err := Detect([]byte(tc.head), tc.name, tc.size)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q %s: got %q, %v; want an error saying %q", tc.head, tc.name, f, err, tc.err)
			}
			continue
		}
		if err != nil || f != tc.format {
			t.Errorf("%q %s: got %q, %v; want %s", tc.head, tc.name, f, err, tc.format)
		}
	}
}

func TestPartialNMNIST(t *testing.T) {
	b, err := os.ReadFile(fixture(t, "sample_nmnist.bin"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.bin")
	os.WriteFile(p, b[:21623], 0o644)
	if _, _, err := readAll(t, p, Options{}); err == nil || !strings.Contains(err.Error(), "byte 21620: partial event") {
		t.Errorf("got %v, want a partial event at byte 21620", err)
	}
}

func TestOutsideSensor(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cd.dat")
	os.WriteFile(p, []byte("% Version 2\n% Width 2\n% Height 2\n\x0c\x08\x04\x03\x02\x01\x05\xc0\x00\x10"), 0o644)
	if _, _, err := readAll(t, p, Options{}); !errors.Is(err, ErrOutsideSensor) {
		t.Errorf("got %v, want ErrOutsideSensor", err)
	}
	if _, evs, err := readAll(t, p, Options{Width: 6, Height: 4}); err != nil || len(evs) != 1 {
		t.Errorf("with the size given: %v, %d events", err, len(evs))
	}
}

// TestPoolCameraTrace: pixel options pool the blocks of a trace made from a
// camera exactly as they would pool the camera's pixels, and are refused
// on a trace of neuron addresses.
func TestPoolCameraTrace(t *testing.T) {
	dir := t.TempDir()
	var pixels []aer.CameraEvent
	for y := uint16(0); y < 5; y++ {
		for x := uint16(0); x < 7; x++ {
			pixels = append(pixels, aer.CameraEvent{T: int64(len(pixels)), X: x, Y: y, P: uint8(x+y) & 1})
		}
	}
	write := func(name string, rule *aer.AddressRule) string {
		p := filepath.Join(dir, name)
		m := aer.Meta{TimeUnit: aer.UnitUS, Kinds: []string{aer.KindSpike}, Sensor: rule}
		if rule == nil {
			m.Populations = []aer.Population{{Name: "in", Size: 70}}
		}
		w, err := aer.Create(p, m)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range pixels {
			a := uint32(i)
			if rule != nil {
				a = rule.Addr(e.X, e.Y, e.P)
			}
			w.WriteSpike(e.T, a)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		written aer.AddressRule
		opt     Options
		want    aer.AddressRule
	}{
		{aer.AddressRule{Width: 7, Height: 5}, Options{Downsample: 2}, aer.AddressRule{Width: 7, Height: 5, Downsample: 2}},
		{aer.AddressRule{Width: 7, Height: 5}, Options{MergePolarity: true}, aer.AddressRule{Width: 7, Height: 5, Downsample: 1, MergePolarity: true}},
		{aer.AddressRule{Width: 7, Height: 5, Downsample: 2}, Options{Downsample: 2, MergePolarity: true}, aer.AddressRule{Width: 7, Height: 5, Downsample: 4, MergePolarity: true}},
		{aer.AddressRule{Width: 7, Height: 5, MergePolarity: true}, Options{Downsample: 1 << 16}, aer.AddressRule{Width: 7, Height: 5, Downsample: 1 << 16, MergePolarity: true}},
	} {
		p := write("cam.aer", &tc.written)
		info, evs, err := readAll(t, p, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if *info.Rule != tc.want || *info.Meta.Sensor != tc.want {
			t.Errorf("%+v then %+v: rule %+v, metadata %+v; want %+v", tc.written, tc.opt, *info.Rule, *info.Meta.Sensor, tc.want)
		}
		for i, e := range evs {
			if px := pixels[i]; e.Addr != tc.want.Addr(px.X, px.Y, px.P) {
				t.Fatalf("%+v then %+v: pixel %+v at address %d, want %d", tc.written, tc.opt, px, e.Addr, tc.want.Addr(px.X, px.Y, px.P))
			}
		}
		st, err := LoadStimulus(p, StimulusOptions{DtMs: 1, Downsample: tc.opt.Downsample, MergePolarity: tc.opt.MergePolarity})
		if err != nil || st.NumAddrs != tc.want.NumAddrs() {
			t.Errorf("%+v then %+v: stimulus of %d addresses (%v), want %d", tc.written, tc.opt, st.NumAddrs, err, tc.want.NumAddrs())
		}
	}
	neurons := write("neurons.aer", nil)
	for _, opt := range []Options{{Downsample: 2}, {MergePolarity: true}, {Width: 7, Height: 5}} {
		if _, _, err := readAll(t, neurons, opt); err == nil {
			t.Errorf("%+v applied to a trace of neuron addresses", opt)
		}
	}
	if _, evs, err := readAll(t, neurons, Options{Downsample: 1}); err != nil || len(evs) != len(pixels) {
		t.Errorf("no pooling: %v, %d events", err, len(evs))
	}
}
