package dat

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

const header = "% Data file containing CD events.\n% Version 2\n% Date 2020-01-01 00:00:00\n% Height 480\n% Width 640\n"

func encode(evs []aer.CameraEvent) []byte {
	b := append([]byte(header), typeCD, eventSize)
	for _, e := range evs {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.T))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.P)<<28|uint32(e.Y)<<14|uint32(e.X))
	}
	return b
}

func readAll(b []byte) (*Reader, []aer.CameraEvent, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var out []aer.CameraEvent
	buf := make([]aer.CameraEvent, 64)
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

func TestRoundTrip(t *testing.T) {
	var evs []aer.CameraEvent
	for i := range 1000 {
		evs = append(evs, aer.CameraEvent{T: int64(i) * 4_400_000, X: uint16(i % 640), Y: uint16(i % 480), P: uint8(i & 1)})
	}
	r, got, err := readAll(encode(evs)) // passes the 32-bit wrap at 4295 s
	if err != nil {
		t.Fatal(err)
	}
	if w, h := r.Size(); w != 640 || h != 480 {
		t.Errorf("size %dx%d", w, h)
	}
	if len(got) != len(evs) {
		t.Fatalf("%d events, want %d", len(got), len(evs))
	}
	for i := range got {
		if got[i] != evs[i] {
			t.Fatalf("event %d = %+v, want %+v", i, got[i], evs[i])
		}
	}
}

func TestHandBytes(t *testing.T) {
	// ts 0x01020304; x=5, y=3, p=1: 1<<28 | 3<<14 | 5 = 0x1000C005.
	in := header + "\x0c\x08" + "\x04\x03\x02\x01" + "\x05\xc0\x00\x10"
	_, got, err := readAll([]byte(in))
	if err != nil || len(got) != 1 || got[0] != (aer.CameraEvent{T: 0x01020304, X: 5, Y: 3, P: 1}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, tc := range []struct{ in, err string }{
		{"", "empty file"},
		{header, "ends inside the header"},
		{header + "\x0e\x08", "event type 0x0e"},
		{"% Version 1\n\x00\x08", "version 1"},
		{header + "\x0c\x08\x04\x03", "byte 100: partial event"},
		{header + "\x0c\x08" + "\x09\x00\x00\x00\x00\x00\x00\x00" + "\x08\x00\x00\x00\x00\x00\x00\x00", "before the previous"},
	} {
		_, _, err := readAll([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add(encode([]aer.CameraEvent{{T: 1, X: 2, Y: 3, P: 1}, {T: 9}}))
	f.Add([]byte(header + "\x0c\x08\x04\x03\x02\x01\x05\xc0\x00\x10"))
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
