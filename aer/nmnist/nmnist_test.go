package nmnist

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

const fixture = "../../../shared/fixtures/events/sample_nmnist.bin"

// encode writes events in the dataset layout, inserting an overflow marker
// each time a timestamp crosses a multiple of 2^23 µs.
func encode(evs []aer.CameraEvent) []byte {
	var b []byte
	epoch := int64(0)
	for _, e := range evs {
		for e.T >= epoch+overflowPeriod {
			b = append(b, 0, overflowY, 0, 0, 0)
			epoch += overflowPeriod
		}
		t := e.T - epoch
		b = append(b, byte(e.X), byte(e.Y), e.P<<7|byte(t>>16&0x7f), byte(t>>8), byte(t))
	}
	return b
}

func readAll(t *testing.T, b []byte) ([]aer.CameraEvent, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	var out []aer.CameraEvent
	buf := make([]aer.CameraEvent, 100)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestFixture(t *testing.T) {
	b, err := os.ReadFile(fixture)
	if os.IsNotExist(err) {
		t.Skipf("fixture %s absent (shared/ not laid beside the checkout)", fixture)
	}
	if err != nil {
		t.Fatal(err)
	}
	evs, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4325 {
		t.Errorf("%d events, want 4325", len(evs))
	}
	if evs[0].T != 654 || evs[len(evs)-1].T != 311175 {
		t.Errorf("timestamps %d..%d, want 654..311175", evs[0].T, evs[len(evs)-1].T)
	}
	mx, my := 0, 0
	for _, e := range evs {
		mx, my = max(mx, int(e.X)), max(my, int(e.Y))
	}
	if w, h := SensorSize(mx, my); w != 34 || h != 34 {
		t.Errorf("sensor %dx%d, want 34x34", w, h)
	}
	// The file's first record, decoded by hand: 07 0f 80 02 8e.
	if e := evs[0]; e != (aer.CameraEvent{T: 0x028e, X: 7, Y: 15, P: 1}) {
		t.Errorf("first event %+v", e)
	}
}

func TestHandBytes(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []aer.CameraEvent
		err  string
	}{
		{"on event", []byte{3, 4, 0x81, 0x02, 0x03}, []aer.CameraEvent{{T: 0x010203, X: 3, Y: 4, P: 1}}, ""},
		{"off event max time", []byte{33, 33, 0x7f, 0xff, 0xff}, []aer.CameraEvent{{T: 1<<23 - 1, X: 33, Y: 33}}, ""},
		{"overflow marker", []byte{1, 1, 0, 0, 9, 0, 240, 0, 0, 0, 2, 2, 0x80, 0, 5},
			[]aer.CameraEvent{{T: 9, X: 1, Y: 1}, {T: 1<<23 + 5, X: 2, Y: 2, P: 1}}, ""},
		{"empty", nil, nil, ""},
		{"partial", []byte{1, 2, 3}, nil, "byte 0: partial event"},
		{"backwards", []byte{1, 1, 0, 0, 9, 1, 1, 0, 0, 8}, nil, "byte 5: timestamp 8 µs is before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("event %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestRoundTripOverflow(t *testing.T) {
	var evs []aer.CameraEvent
	for i := range 3000 {
		evs = append(evs, aer.CameraEvent{T: int64(i) * 9001, X: uint16(i % 240), Y: uint16(i % 180), P: uint8(i & 1)})
	}
	got, err := readAll(t, encode(evs))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(evs) || got[len(got)-1] != evs[len(evs)-1] {
		t.Fatalf("round trip over %d overflow periods failed", evs[len(evs)-1].T>>23)
	}
	if !errors.Is(func() error { _, err := readAll(t, []byte{1}); return err }(), io.ErrUnexpectedEOF) {
		t.Error("partial event is not io.ErrUnexpectedEOF")
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{3, 4, 0x81, 0x02, 0x03})
	f.Add(encode([]aer.CameraEvent{{T: 5}, {T: 1 << 24, X: 7}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := readAll(t, b)
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

func BenchmarkRead(b *testing.B) {
	var evs []aer.CameraEvent
	for i := range 1 << 16 {
		evs = append(evs, aer.CameraEvent{T: int64(i), X: uint16(i % 34), Y: uint16(i % 33), P: uint8(i & 1)})
	}
	data := encode(evs)
	buf := make([]aer.CameraEvent, 4096)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		for {
			if _, err := r.Read(buf); err != nil {
				break
			}
		}
	}
}
