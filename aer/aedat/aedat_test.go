package aedat

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/spindle-sim/spindle/aer"
)

const fixtures = "../../../shared/fixtures/events/"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	if os.IsNotExist(err) {
		t.Skipf("fixture %s absent (shared/ not laid beside the checkout)", fixtures+name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAll(b []byte) (*Reader, []aer.CameraEvent, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var out []aer.CameraEvent
	buf := make([]aer.CameraEvent, 1000)
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

func TestAEDAT4Fixture(t *testing.T) {
	b := readFixture(t, "sample.aedat4")
	r, evs, err := readAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := r.Size(); w != 320 || h != 240 {
		t.Errorf("size %dx%d, want 320x240", w, h)
	}
	if len(evs) != 111954 {
		t.Errorf("%d events, want 111954", len(evs))
	}
	span := float64(evs[len(evs)-1].T-evs[0].T) / 1e6
	if span < 0.5 || span > 0.65 {
		t.Errorf("span %.3f s, want about 0.59", span)
	}
	for i, e := range evs {
		if e.X >= 320 || e.Y >= 240 || e.P > 1 {
			t.Fatalf("event %d out of the sensor: %+v", i, e)
		}
	}
	// Count packets of stream 0 by walking the file.
	if got := countPackets(t, b, 0); got != 59 {
		t.Errorf("%d event packets, want 59", got)
	}
}

func countPackets(t *testing.T, b []byte, stream int32) int {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if err := r.packet4(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			return n
		}
		r.v4.events = nil
		n++
	}
}

func TestAEDAT2HeaderFixture(t *testing.T) {
	b := readFixture(t, "sample_aedat_header.aedat")
	r, evs, err := readAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version() != "2.0" || len(evs) != 0 {
		t.Errorf("version %s, %d events; want 2.0 and 0", r.Version(), len(evs))
	}
	if w, h := r.Size(); w != 346 || h != 260 || !r.davis {
		t.Errorf("Davis346red: size %dx%d davis=%v", w, h, r.davis)
	}
}

func TestAEDAT2HandBytes(t *testing.T) {
	head := "#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n"
	davis := "#!AER-DAT2.0\r\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n"
	tests := []struct {
		name string
		in   string
		want []aer.CameraEvent
		err  string
	}{
		// DVS128 address 0x0503: y=5, x=1, p=1; timestamp 0x10.
		{"dvs128", head + "\x00\x00\x05\x03\x00\x00\x00\x10", []aer.CameraEvent{{T: 16, X: 1, Y: 5, P: 1}}, ""},
		// DAVIS: y=3 (bits 22-30), x=7 (bits 12-21), p=1 (bit 11): 0x00C07800.
		{"davis", davis + "\x00\xc0\x78\x00\x00\x00\x01\x00", []aer.CameraEvent{{T: 256, X: 7, Y: 3, P: 1}}, ""},
		{"davis aps skipped", davis + "\x80\x00\x00\x00\x00\x00\x00\x01", nil, ""},
		{"partial", head + "\x00\x00\x05", nil, "partial event"},
		{"backwards", head + "\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x08", nil, "before the previous"},
		{"not aedat", "hello", nil, "is not #!AER-DAT"},
		{"empty", "", nil, "empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := readAll([]byte(tc.in))
			checkResult(t, got, err, tc.want, tc.err)
		})
	}
}

func checkResult(t *testing.T, got []aer.CameraEvent, err error, want []aer.CameraEvent, wantErr string) {
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
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// encode3 writes an AEDAT 3.1 file: one polarity packet per call of pkt,
// with an ignored special-event packet in front.
func encode3(source string, packets ...[]aer.CameraEvent) []byte {
	var b bytes.Buffer
	b.WriteString("#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: " + source + "\r\n#Start-Time: 2017-01-01\r\n#!END-HEADER\r\n")
	hdr := func(typ, size, capacity, number, overflow int) {
		for _, v := range []int32{int32(typ) | 1<<16, int32(size), 4, int32(overflow), int32(capacity), int32(number), int32(number)} {
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	hdr(0, 8, 1, 1, 0) // special event packet (timestamp reset)
	b.Write(make([]byte, 8))
	for _, p := range packets {
		overflow := int(p[0].T >> 31)
		hdr(1, 8, len(p)+1, len(p)+1, overflow)
		for _, e := range p {
			d := uint32(e.X)<<17 | uint32(e.Y)<<2 | uint32(e.P)<<1 | 1
			binary.Write(&b, binary.LittleEndian, d)
			binary.Write(&b, binary.LittleEndian, uint32(e.T&0x7fffffff))
		}
		binary.Write(&b, binary.LittleEndian, uint32(0)) // an invalidated event
		binary.Write(&b, binary.LittleEndian, uint32(p[len(p)-1].T&0x7fffffff))
	}
	return b.Bytes()
}

func TestAEDAT31(t *testing.T) {
	p1 := []aer.CameraEvent{{T: 10, X: 1, Y: 2, P: 1}, {T: 11, X: 239, Y: 179}}
	p2 := []aer.CameraEvent{{T: 1<<31 + 5, X: 3, Y: 4, P: 1}}
	r, got, err := readAll(encode3("DAVIS240C", p1, p2))
	checkResult(t, got, err, append(append([]aer.CameraEvent{}, p1...), p2...), "")
	if w, h := r.Size(); w != 240 || h != 180 {
		t.Errorf("size %dx%d, want 240x180", w, h)
	}
	// Hand-computed bytes of one event: x=2, y=1, ON, valid: 2<<17|1<<2|1<<1|1 = 0x00040007.
	hand := []byte("#!AER-DAT3.1\r\n#!END-HEADER\r\n" +
		"\x01\x00\x01\x00\x08\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00" +
		"\x07\x00\x04\x00\x2a\x00\x00\x00")
	_, got, err = readAll(hand)
	checkResult(t, got, err, []aer.CameraEvent{{T: 42, X: 2, Y: 1, P: 1}}, "")

	bad := bytes.Clone(hand)
	binary.LittleEndian.PutUint32(bad[len(bad)-36+16:], 1<<30) // capacity
	_, _, err = readAll(bad)
	checkResult(t, nil, err, nil, "exceeds 1 GiB")
	_, _, err = readAll(hand[:len(hand)-3])
	checkResult(t, nil, err, nil, "truncated")
}

// encode4 writes an AEDAT 4.0 file with one event stream (id 0), an IMU
// stream (id 1) to skip, and the given compression.
func encode4(compression int32, packets ...[]aer.CameraEvent) []byte {
	info := `<dv version="2.0"><node name="outInfo" path="/o/"><node name="1" path="/o/1/"><attr key="typeIdentifier" type="string">IMUS</attr></node>` +
		`<node name="0" path="/o/0/"><attr key="typeIdentifier" type="string">EVTS</attr><node name="info" path="/o/0/info/">` +
		`<attr key="sizeX" type="int">640</attr><attr key="sizeY" type="int">480</attr></node></node></node></dv>`
	var b bytes.Buffer
	b.WriteString("#!AER-DAT4.0\r\n")
	ioh := ioHeader(compression, -1, info)
	binary.Write(&b, binary.LittleEndian, int32(len(ioh)))
	b.Write(ioh)
	writePacket := func(id int32, payload []byte) {
		switch compression {
		case compLZ4, compLZ4High:
			var z bytes.Buffer
			w := lz4.NewWriter(&z)
			w.Write(payload)
			w.Close()
			payload = z.Bytes()
		case compZstd, compZstdHigh:
			enc, _ := zstd.NewWriter(nil)
			payload = enc.EncodeAll(payload, nil)
		}
		binary.Write(&b, binary.LittleEndian, id)
		binary.Write(&b, binary.LittleEndian, int32(len(payload)))
		b.Write(payload)
	}
	for _, p := range packets {
		writePacket(1, []byte("imu samples, skipped"))
		writePacket(0, eventPacket(p))
	}
	return b.Bytes()
}

// ioHeader builds the IOHeader flatbuffer by hand: root offset, file
// identifier, vtable at 8, table at 20 {compression int32 at +4,
// dataTablePosition int64 at +8, infoNode string offset at +16}, string at 40.
func ioHeader(compression int32, dataTable int64, info string) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 20)
	b = append(b, "IOHE"...)
	for _, v := range []uint16{10, 20, 4, 8, 16, 0} { // vtable size, table size, 3 field offsets, pad
		b = le.AppendUint16(b, v)
	}
	b = le.AppendUint32(b, 20-8) // table: soffset back to the vtable
	b = le.AppendUint32(b, uint32(compression))
	b = le.AppendUint64(b, uint64(dataTable))
	b = le.AppendUint32(b, 40-36)
	b = le.AppendUint32(b, uint32(len(info)))
	b = append(b, info...)
	return append(b, 0)
}

// eventPacket builds a size-prefixed EventPacket flatbuffer holding evs.
func eventPacket(evs []aer.CameraEvent) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 16) // root table at 16
	b = append(b, "EVTS"...)
	b = le.AppendUint16(b, 6) // vtable at 8
	b = le.AppendUint16(b, 8)
	b = le.AppendUint16(b, 4)
	b = append(b, 0, 0)
	b = le.AppendUint32(b, 8) // table at 16
	b = le.AppendUint32(b, 8) // at 20: vector at 28, then pad to 8-byte element alignment
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint32(b, uint32(len(evs))) // at 28
	for _, e := range evs {
		b = le.AppendUint64(b, uint64(e.T))
		b = le.AppendUint16(b, e.X)
		b = le.AppendUint16(b, e.Y)
		b = append(b, e.P, 0, 0, 0)
	}
	return append(le.AppendUint32(nil, uint32(len(b))), b...) // size prefix
}

func TestAEDAT4RoundTrip(t *testing.T) {
	p1 := []aer.CameraEvent{{T: 1_600_000_000_000_000, X: 1, Y: 2, P: 1}, {T: 1_600_000_000_000_007, X: 639, Y: 479}}
	p2 := []aer.CameraEvent{{T: 1_600_000_000_000_100, X: 3, Y: 4, P: 1}}
	for _, c := range []int32{compNone, compLZ4, compLZ4High, compZstd, compZstdHigh} {
		r, got, err := readAll(encode4(c, p1, p2))
		checkResult(t, got, err, append(append([]aer.CameraEvent{}, p1...), p2...), "")
		if w, h := r.Size(); w != 640 || h != 480 {
			t.Errorf("compression %d: size %dx%d", c, w, h)
		}
	}
	f := encode4(compNone, p1)
	_, _, err := readAll(f[:len(f)-5])
	checkResult(t, nil, err, nil, "truncated")
	bad := bytes.Clone(f)
	binary.LittleEndian.PutUint32(bad[len(bad)-len(eventPacket(p1))-4:], 1<<31-1)
	_, _, err = readAll(bad)
	checkResult(t, nil, err, nil, "out of range")
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("#!AER-DAT2.0\r\n# AEChip: DVS128\r\n\x00\x00\x05\x03\x00\x00\x00\x10"))
	f.Add(encode3("DVS128", []aer.CameraEvent{{T: 1, X: 2, Y: 3}}))
	f.Add(encode4(compNone, []aer.CameraEvent{{T: 1, X: 2, Y: 3}}))
	f.Add(encode4(compLZ4, []aer.CameraEvent{{T: 1, X: 2, Y: 3}}))
	f.Add(encode4(compZstd, []aer.CameraEvent{{T: 1, X: 2, Y: 3}}))
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

func BenchmarkAEDAT4Fixture(b *testing.B) {
	data, err := os.ReadFile(fixtures + "sample.aedat4")
	if err != nil {
		b.Skip(err)
	}
	buf := make([]aer.CameraEvent, 4096)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Read(buf); err != nil {
				break
			}
		}
	}
}

func lz4Frame(t testing.TB, b []byte, opts ...lz4.Option) []byte {
	var z bytes.Buffer
	w := lz4.NewWriter(&z)
	if err := w.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return z.Bytes()
}

func TestUnLZ4(t *testing.T) {
	data := bytes.Repeat([]byte("polarity events, polarity events; "), 10000) // 340 kB: several 64 kB blocks
	multi := append(lz4Frame(t, data[:1000]), lz4Frame(t, data[1000:], lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true))...)
	// An uncompressed block by hand: magic, FLG (version 1, independent), BD (64 kB), HC, block of 3 raw bytes, end mark.
	raw := []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 3, 0, 0, 0x80, 'a', 'b', 'c', 0, 0, 0, 0}
	tests := []struct {
		name string
		in   []byte
		want []byte
		err  string
	}{
		{"one frame", lz4Frame(t, data), data, ""},
		{"two frames, 64 kB blocks with checksums", multi, data, ""},
		{"raw block", raw, []byte("abc"), ""},
		{"skippable frame", append([]byte{0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9}, raw...), []byte("abc"), ""},
		{"bad magic", []byte("not an lz4 frame"), nil, "bad magic"},
		{"truncated", lz4Frame(t, data)[:100], nil, "exceeds"},
		{"huge block size", []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0xff, 0xff, 0xff, 0x7f}, nil, "exceeds the block maximum"},
	}
	for _, tc := range tests {
		got, err := unLZ4(tc.in, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: %d bytes, err %v", tc.name, len(got), err)
		}
	}
}

func FuzzUnLZ4(f *testing.F) {
	f.Add(lz4Frame(f, []byte("abcabcabcabc polarity")))
	f.Add([]byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 3, 0, 0, 0x80, 'a', 'b', 'c', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		unLZ4(b, nil)
	})
}
