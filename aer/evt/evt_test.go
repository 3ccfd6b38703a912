package evt

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

// encode2 writes an EVT 2.0 file, with a time-high word whenever bits 33-6
// of the timestamp change.
func encode2(header string, evs []aer.CameraEvent) []byte {
	b := []byte(header)
	high := int64(-1)
	for _, e := range evs {
		if h := e.T >> 6 & 0x0fffffff; h != high {
			b = binary.LittleEndian.AppendUint32(b, 0x8<<28|uint32(h))
			high = h
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(e.P)<<28|uint32(e.T&0x3f)<<22|uint32(e.X)<<11|uint32(e.Y))
	}
	return b
}

// encode3 writes an EVT 3.0 file the simple way (one ADDR_X per event), with
// a vector word for runs of same-time same-row same-polarity events.
func encode3(header string, evs []aer.CameraEvent) []byte {
	b := []byte(header)
	put := func(w uint16) { b = binary.LittleEndian.AppendUint16(b, w) }
	high, low, y := int64(-1), int64(-1), -1
	for _, e := range evs {
		if h := e.T >> 12 & 0xfff; h != high {
			put(0x8<<12 | uint16(h))
			high = h
		}
		if l := e.T & 0xfff; l != low {
			put(0x6<<12 | uint16(l))
			low = l
		}
		if int(e.Y) != y {
			put(uint16(e.Y))
			y = int(e.Y)
		}
		put(0x2<<12 | uint16(e.P)<<11 | e.X)
	}
	return b
}

func readAll(b []byte) (*Reader, []aer.CameraEvent, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var out []aer.CameraEvent
	buf := make([]aer.CameraEvent, 5) // small, to exercise pending vectors
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return r, out, nil
		}
		if err != nil {
			return r, out, err
		}
	}
}

func check(t *testing.T, got []aer.CameraEvent, err error, want []aer.CameraEvent, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func sample() []aer.CameraEvent {
	var evs []aer.CameraEvent
	for i := range 5000 {
		evs = append(evs, aer.CameraEvent{T: int64(i) * 37, X: uint16(i * 7 % 1280), Y: uint16(i % 720), P: uint8(i % 3 & 1)})
	}
	return evs
}

func TestRoundTrip(t *testing.T) {
	evs := sample()
	r, got, err := readAll(encode2("% evt 2.0\n% geometry 1280x720\n% end\n", evs))
	check(t, got, err, evs, "")
	if w, h := r.Size(); w != 1280 || h != 720 || r.Version() != EVT2 {
		t.Errorf("EVT2 header: %dx%d %s", w, h, r.Version())
	}
	r, got, err = readAll(encode3("% camera_integrator_name Prophesee\r\n% format EVT3;height=720;width=1280\r\n% end\r\n", evs))
	check(t, got, err, evs, "")
	if w, h := r.Size(); w != 1280 || h != 720 || r.Version() != EVT3 {
		t.Errorf("EVT3 header: %dx%d %s", w, h, r.Version())
	}
}

func TestEVT2HandBytes(t *testing.T) {
	// TIME_HIGH 0x0000001 (t = 64), then CD_ON at low 5, x 3, y 2:
	// 0x1<<28 | 5<<22 | 3<<11 | 2 = 0x11401802.
	in := "% evt 2.0\n\x01\x00\x00\x80\x02\x18\x40\x11"
	_, got, err := readAll([]byte(in))
	check(t, got, err, []aer.CameraEvent{{T: 69, X: 3, Y: 2, P: 1}}, "")
	// An event before any time-high is skipped; a trigger (0xA) is skipped.
	in = "% evt 2.0\n\x02\x18\x40\x11\x00\x00\x00\xa0"
	_, got, err = readAll([]byte(in))
	check(t, got, err, nil, "")
	// A wrap of the 28-bit time-high counter.
	in = "% evt 2.0\n\xff\xff\xff\x8f\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x00"
	_, got, err = readAll([]byte(in))
	check(t, got, err, []aer.CameraEvent{{T: 0xfffffff << 6}, {T: 1 << 34}}, "")
	_, _, err = readAll([]byte("% evt 2.0\n\x01\x00"))
	check(t, nil, err, nil, "partial 4-byte word")
}

func TestEVT3HandBytes(t *testing.T) {
	// TIME_HIGH 1 (0x8001), TIME_LOW 2 (0x6002): t = 4098. ADDR_Y 5 (0x0005).
	// VECT_BASE_X x=10 ON (0x380a), VECT_12 mask 0b100000000101 (0x4805):
	// events at x = 10, 12, 21; VECT_8 mask 0x01 (0x5001): x = 22.
	// ADDR_X x=7 OFF (0x2007).
	words := []uint16{0x8001, 0x6002, 0x0005, 0x380a, 0x4805, 0x5001, 0x2007}
	b := []byte("% evt 3.0\n")
	for _, w := range words {
		b = binary.LittleEndian.AppendUint16(b, w)
	}
	want := []aer.CameraEvent{{T: 4098, X: 10, Y: 5, P: 1}, {T: 4098, X: 12, Y: 5, P: 1}, {T: 4098, X: 21, Y: 5, P: 1}, {T: 4098, X: 22, Y: 5, P: 1}, {T: 4098, X: 7, Y: 5, P: 0}}
	_, got, err := readAll(b)
	check(t, got, err, want, "")
	// Time high wrapping from 0xfff to 0 adds 2^24.
	b = []byte("% evt 3.0\n")
	for _, w := range []uint16{0x8fff, 0x2001, 0x8000, 0x2002} {
		b = binary.LittleEndian.AppendUint16(b, w)
	}
	_, got, err = readAll(b)
	check(t, got, err, []aer.CameraEvent{{T: 0xfff << 12, X: 1}, {T: 1 << 24, X: 2}}, "")
	// Time low going backwards inside one time-high period.
	b = []byte("% evt 3.0\n")
	for _, w := range []uint16{0x8001, 0x6005, 0x2001, 0x6004, 0x2002} {
		b = binary.LittleEndian.AppendUint16(b, w)
	}
	_, _, err = readAll(b)
	check(t, nil, err, nil, "byte 18: timestamp 4100 µs is before the previous 4101 µs")
}

func TestBadHeader(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"", "empty file"},
		{"% date today\n\x00\x00", "does not name the encoding"},
		{"% format EVT21;height=1;width=1\n", "not supported"},
	} {
		_, err := NewReader(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add(encode2("% evt 2.0\n", sample()[:20]))
	f.Add(encode3("% format EVT3;height=720;width=1280\n% end\n", sample()[:20]))
	f.Add([]byte("% evt 3.0\n\x01\x80\x02\x60\x05\x00\x0a\x38\x05\x48\x01\x50"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, evs, err := readAll(b)
		if err != nil {
			return
		}
		for i := 1; i < len(evs); i++ {
			if evs[i].T < evs[i-1].T {
				t.Fatalf("event %d goes back in time without an error", i)
			}
		}
	})
}

func BenchmarkEVT3(b *testing.B) {
	data := encode3("% evt 3.0\n", sample())
	buf := make([]aer.CameraEvent, 4096)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(data))
		for {
			if _, err := r.Read(buf); err != nil {
				break
			}
		}
	}
}
