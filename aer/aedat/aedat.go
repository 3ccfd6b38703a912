package aedat

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/spindle-sim/spindle/aer"
)

// maxHeader bounds the text header so that a file of '#' lines cannot make
// the reader buffer without limit.
const maxHeader = 16 << 20

// Reader decodes polarity events from an AEDAT file.
type Reader struct {
	r       *bufio.Reader
	off     int64 // bytes consumed from the start of the file
	version string
	w, h    int
	next    func(buf []aer.CameraEvent) (int, error)
	last    int64

	// AEDAT 2.0
	davis bool
	// AEDAT 3.1: the events left in the current packet; 4.0: the packet
	// payload as read from the file.
	pkt    []byte
	pktOff int64 // file offset of pkt[0]
	tsHigh int64 // 3.1 overflow counter << 31
	v4     *v4state
	rec    [8]byte
}

// NewReader reads the header from r and returns a Reader positioned at the
// first event.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: bufio.NewReaderSize(r, 256<<10), last: -1 << 63}
	first, err := rd.line()
	if err != nil {
		return nil, err
	}
	switch strings.TrimRight(first, "\r\n") {
	case "#!AER-DAT2.0":
		rd.version = "2.0"
		err = rd.header2()
		rd.next = rd.read2
	case "#!AER-DAT3.1":
		rd.version = "3.1"
		err = rd.header3()
		rd.next = rd.read3
	case "#!AER-DAT4.0":
		rd.version = "4.0"
		err = rd.header4()
		rd.next = rd.read4
	default:
		return nil, fmt.Errorf("aedat: byte 0: first line %.40q is not #!AER-DAT2.0, #!AER-DAT3.1 or #!AER-DAT4.0", first)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Version is "2.0", "3.1" or "4.0".
func (r *Reader) Version() string { return r.version }

// Size returns the sensor size from the header, or 0, 0 if the header does
// not say.
func (r *Reader) Size() (width, height int) { return r.w, r.h }

// Read decodes up to len(buf) polarity events; it returns 0, io.EOF at the
// end of the stream.
func (r *Reader) Read(buf []aer.CameraEvent) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	n, err := r.next(buf)
	for i := range n {
		if buf[i].T < r.last {
			return i, fmt.Errorf("aedat: near byte %d: timestamp %d µs is before the previous %d µs", r.off, buf[i].T, r.last)
		}
		r.last = buf[i].T
	}
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

// line reads one header line, bounded by maxHeader in total.
func (r *Reader) line() (string, error) {
	var b []byte
	for {
		frag, err := r.r.ReadSlice('\n')
		b = append(b, frag...)
		r.off += int64(len(frag))
		if r.off > maxHeader {
			return "", fmt.Errorf("aedat: byte %d: header longer than %d bytes", r.off, maxHeader)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(b) == 0 {
			return "", fmt.Errorf("aedat: byte %d: empty file or missing header", r.off)
		}
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("aedat: byte %d: %w", r.off, err)
		}
		return string(b), nil
	}
}

// header2 consumes '#' lines; the data starts at the first byte that is not '#'.
func (r *Reader) header2() error {
	chip := ""
	for {
		c, err := r.r.Peek(1)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("aedat: byte %d: %w", r.off, err)
		}
		if c[0] != '#' {
			break
		}
		l, err := r.line()
		if err != nil {
			return err
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "# AEChip:"); ok {
			chip = strings.TrimSpace(v)
		}
	}
	lc := strings.ToLower(chip)
	switch {
	case strings.Contains(lc, "davis346") || strings.Contains(lc, "346"):
		r.davis, r.w, r.h = true, 346, 260
	case strings.Contains(lc, "davis240") || strings.Contains(lc, "240"):
		r.davis, r.w, r.h = true, 240, 180
	case strings.Contains(lc, "davis"):
		r.davis = true
	case chip == "" || strings.Contains(lc, "dvs128"):
		r.w, r.h = 128, 128
	}
	return nil
}

func (r *Reader) read2(buf []aer.CameraEvent) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := io.ReadFull(r.r, r.rec[:8])
		if err == io.EOF {
			return n, io.EOF
		}
		if err != nil {
			return n, fmt.Errorf("aedat: byte %d: partial event (%d of 8 bytes): %w", r.off, k, io.ErrUnexpectedEOF)
		}
		r.off += 8
		a := binary.BigEndian.Uint32(r.rec[:4])
		t := int64(int32(binary.BigEndian.Uint32(r.rec[4:])))
		var e aer.CameraEvent
		if r.davis {
			if a>>31 != 0 || a&(1<<10) != 0 { // APS sample, IMU sample or external event
				continue
			}
			e = aer.CameraEvent{T: t, X: uint16(a >> 12 & 0x3ff), Y: uint16(a >> 22 & 0x1ff), P: uint8(a >> 11 & 1)}
		} else {
			if a&0x8000 != 0 { // external (synchronisation) event
				continue
			}
			e = aer.CameraEvent{T: t, X: uint16(a >> 1 & 0x7f), Y: uint16(a >> 8 & 0x7f), P: uint8(a & 1)}
		}
		buf[n] = e
		n++
	}
	return n, nil
}

// header3 consumes lines up to "#!END-HEADER" and reads the sensor from
// "#Source N: NAME" when it names a known camera.
func (r *Reader) header3() error {
	for {
		l, err := r.line()
		if err != nil {
			return err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "#!END-HEADER" {
			return nil
		}
		if !strings.HasPrefix(l, "#") {
			return fmt.Errorf("aedat: byte %d: header line %.40q does not start with '#' and no #!END-HEADER came before it", r.off, l)
		}
		if v, ok := strings.CutPrefix(l, "#Source "); ok && r.w == 0 {
			if _, name, ok := strings.Cut(v, ": "); ok {
				r.w, r.h = knownSensor(name)
			}
		}
	}
}

func knownSensor(name string) (int, int) {
	name = strings.ToUpper(name)
	switch {
	case strings.Contains(name, "DVS128"):
		return 128, 128
	case strings.Contains(name, "DAVIS240"):
		return 240, 180
	case strings.Contains(name, "DAVIS346"):
		return 346, 260
	case strings.Contains(name, "DAVIS640"):
		return 640, 480
	}
	return 0, 0
}

// packet3 reads the next AEDAT 3.1 packet header and, for a polarity packet,
// its events; other packets are skipped.
func (r *Reader) packet3() error {
	for {
		var h [28]byte
		k, err := io.ReadFull(r.r, h[:])
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("aedat: byte %d: partial packet header (%d of 28 bytes): %w", r.off, k, io.ErrUnexpectedEOF)
		}
		le := binary.LittleEndian
		typ := int16(le.Uint16(h[0:]))
		size := int32(le.Uint32(h[4:]))
		tsOff := int32(le.Uint32(h[8:]))
		overflow := int32(le.Uint32(h[12:]))
		capacity := int32(le.Uint32(h[16:]))
		number := int32(le.Uint32(h[20:]))
		start := r.off
		r.off += 28
		if size < 1 || capacity < 0 || number < 0 || number > capacity || overflow < 0 {
			return fmt.Errorf("aedat: byte %d: packet header: event size %d, capacity %d, number %d, overflow %d out of range", start, size, capacity, number, overflow)
		}
		total := int64(size) * int64(capacity)
		if total > 1<<30 {
			return fmt.Errorf("aedat: byte %d: packet of %d bytes exceeds 1 GiB", start, total)
		}
		if typ != 1 {
			if _, err := r.r.Discard(int(total)); err != nil {
				return fmt.Errorf("aedat: byte %d: packet body truncated: %w", r.off, io.ErrUnexpectedEOF)
			}
			r.off += total
			continue
		}
		if size != 8 || tsOff != 4 {
			return fmt.Errorf("aedat: byte %d: polarity packet with event size %d and timestamp offset %d, want 8 and 4", start, size, tsOff)
		}
		if err := r.fill(int(total)); err != nil {
			return err
		}
		r.pkt = r.pkt[:int(number)*8]
		r.tsHigh = int64(overflow) << 31
		return nil
	}
}

// fill reads n bytes of packet body into r.pkt, growing it only as the bytes
// actually arrive so that a lying size field cannot force a huge allocation.
func (r *Reader) fill(n int) error {
	r.pkt = r.pkt[:0]
	r.pktOff = r.off
	for len(r.pkt) < n {
		step := min(n-len(r.pkt), 1<<20)
		r.pkt = append(r.pkt, make([]byte, step)...)
		k, err := io.ReadFull(r.r, r.pkt[len(r.pkt)-step:])
		r.off += int64(k)
		if err != nil {
			return fmt.Errorf("aedat: byte %d: packet body truncated (%d of %d bytes): %w", r.pktOff, len(r.pkt)-step+k, n, io.ErrUnexpectedEOF)
		}
	}
	return nil
}

func (r *Reader) read3(buf []aer.CameraEvent) (int, error) {
	n := 0
	for n < len(buf) {
		if len(r.pkt) == 0 {
			if err := r.packet3(); err != nil {
				return n, err
			}
			continue
		}
		d := binary.LittleEndian.Uint32(r.pkt)
		ts := int64(binary.LittleEndian.Uint32(r.pkt[4:]) & 0x7fffffff)
		r.pkt = r.pkt[8:]
		if d&1 == 0 { // invalidated by a filter
			continue
		}
		buf[n] = aer.CameraEvent{T: r.tsHigh | ts, X: uint16(d >> 17 & 0x7fff), Y: uint16(d >> 2 & 0x7fff), P: uint8(d >> 1 & 1)}
		n++
	}
	return n, nil
}
