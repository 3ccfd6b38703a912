package dat

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/aer"
)

const (
	maxHeader = 16 << 20
	typeTD    = 0x00
	typeCD    = 0x0c
	eventSize = 8
)

// Reader decodes a DAT stream.
type Reader struct {
	r     *bufio.Reader
	off   int64
	w, h  int
	epoch int64
	prev  int64 // previous raw 32-bit timestamp
	last  int64
	seen  bool
	rec   [eventSize]byte
}

// NewReader reads the header from r.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: bufio.NewReaderSize(r, 256<<10)}
	version := 2
	lines := 0
	for {
		c, err := rd.r.Peek(1)
		if err == io.EOF {
			if rd.off == 0 {
				return nil, fmt.Errorf("dat: byte 0: empty file")
			}
			return nil, fmt.Errorf("dat: byte %d: file ends inside the header", rd.off)
		}
		if err != nil {
			return nil, fmt.Errorf("dat: byte %d: %w", rd.off, err)
		}
		if c[0] != '%' {
			break
		}
		line, err := rd.r.ReadSlice('\n')
		rd.off += int64(len(line))
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("dat: byte %d: header line: %v", rd.off, err)
		}
		if rd.off > maxHeader {
			return nil, fmt.Errorf("dat: byte %d: header longer than %d bytes", rd.off, maxHeader)
		}
		lines++
		f := strings.Fields(strings.TrimPrefix(string(line), "%"))
		if len(f) < 2 {
			continue
		}
		v, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		switch strings.ToLower(f[0]) {
		case "width":
			rd.w = v
		case "height":
			rd.h = v
		case "version":
			version = v
		}
	}
	if lines == 0 {
		return nil, fmt.Errorf("dat: byte 0: no '%%' header lines")
	}
	if version < 2 {
		return nil, fmt.Errorf("dat: header: version %d files pack coordinates differently and are not supported", version)
	}
	if rd.w < 0 || rd.h < 0 || rd.w > 1<<14 || rd.h > 1<<14 {
		return nil, fmt.Errorf("dat: header: sensor size %dx%d out of range", rd.w, rd.h)
	}
	var th [2]byte
	if _, err := io.ReadFull(rd.r, th[:]); err != nil {
		return nil, fmt.Errorf("dat: byte %d: missing event type and size bytes: %w", rd.off, io.ErrUnexpectedEOF)
	}
	if (th[0] != typeCD && th[0] != typeTD) || th[1] != eventSize {
		return nil, fmt.Errorf("dat: byte %d: event type 0x%02x size %d, want type 0x00 or 0x0c with size 8", rd.off, th[0], th[1])
	}
	rd.off += 2
	return rd, nil
}

// Size is the sensor size from the header, or 0, 0 if it does not say.
func (r *Reader) Size() (width, height int) { return r.w, r.h }

// Read decodes up to len(buf) events; it returns 0, io.EOF at the end.
func (r *Reader) Read(buf []aer.CameraEvent) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := io.ReadFull(r.r, r.rec[:])
		if err == io.EOF {
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("dat: byte %d: partial event (%d of 8 bytes): %w", r.off, k, io.ErrUnexpectedEOF)
		}
		ts := int64(binary.LittleEndian.Uint32(r.rec[:]))
		d := binary.LittleEndian.Uint32(r.rec[4:])
		if r.seen && ts < r.prev {
			if r.prev-ts <= 1<<31 {
				return n, fmt.Errorf("dat: byte %d: timestamp %d µs is before the previous %d µs", r.off, r.epoch+ts, r.last)
			}
			r.epoch += 1 << 32
		}
		r.prev, r.seen = ts, true
		r.last = r.epoch + ts
		buf[n] = aer.CameraEvent{T: r.last, X: uint16(d & 0x3fff), Y: uint16(d >> 14 & 0x3fff), P: uint8(d >> 28 & 1)}
		n++
		r.off += eventSize
	}
	return n, nil
}
