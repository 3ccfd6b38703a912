package evt

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/aer"
)

// Encodings.
const (
	EVT2 = "2.0"
	EVT3 = "3.0"
)

const maxHeader = 16 << 20

// Reader decodes CD events from a RAW stream.
type Reader struct {
	r       *bufio.Reader
	off     int64
	wordOff int64 // offset of the word being decoded, for errors
	version string
	w, h    int
	last    int64

	// decoder state
	haveHigh bool
	high     int64 // time-high field as last seen
	epoch    int64 // wrap count times the counter period
	low      int64
	y, baseX uint16
	pol      uint8
	pend     [12]aer.CameraEvent
	npend    int
	ipend    int
	word     [4]byte
}

// NewReader reads the header from r. The header must name the encoding.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: bufio.NewReaderSize(r, 256<<10), last: -1 << 63}
	if err := rd.header(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Version is EVT2 or EVT3.
func (r *Reader) Version() string { return r.version }

// Size is the sensor size from the header, or 0, 0 if it does not say.
func (r *Reader) Size() (width, height int) { return r.w, r.h }

func (r *Reader) header() error {
	for {
		c, err := r.r.Peek(1)
		if err == io.EOF {
			if r.off == 0 {
				return fmt.Errorf("evt: byte 0: empty file")
			}
			break
		}
		if err != nil {
			return fmt.Errorf("evt: byte %d: %w", r.off, err)
		}
		if c[0] != '%' {
			break
		}
		line, err := r.r.ReadSlice('\n')
		r.off += int64(len(line))
		if err != nil && err != io.EOF {
			return fmt.Errorf("evt: byte %d: header line: %v", r.off, err)
		}
		if r.off > maxHeader {
			return fmt.Errorf("evt: byte %d: header longer than %d bytes", r.off, maxHeader)
		}
		l := strings.TrimSpace(strings.TrimPrefix(strings.TrimRight(string(line), "\r\n"), "%"))
		if l == "end" {
			break
		}
		key, val, _ := strings.Cut(l, " ")
		switch strings.ToLower(key) {
		case "evt":
			r.version = val
		case "format":
			r.format(val)
		case "geometry":
			ws, hs, _ := strings.Cut(val, "x")
			r.setSize(ws, hs)
		case "width":
			r.setSize(val, strconv.Itoa(r.h))
		case "height":
			r.setSize(strconv.Itoa(r.w), val)
		}
	}
	switch r.version {
	case EVT2, EVT3:
		return nil
	case "":
		return fmt.Errorf("evt: byte %d: header does not name the encoding (no \"%% evt\" or \"%% format\" line)", r.off)
	}
	return fmt.Errorf("evt: header: encoding %q not supported (want EVT 2.0 or 3.0)", r.version)
}

// format parses "EVT3;height=720;width=1280".
func (r *Reader) format(v string) {
	parts := strings.Split(v, ";")
	switch strings.ToUpper(parts[0]) {
	case "EVT2":
		r.version = EVT2
	case "EVT3":
		r.version = EVT3
	default:
		r.version = parts[0]
	}
	ws, hs := "", ""
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(p, "=")
		switch k {
		case "width":
			ws = val
		case "height":
			hs = val
		}
	}
	if ws != "" && hs != "" {
		r.setSize(ws, hs)
	}
}

func (r *Reader) setSize(ws, hs string) {
	w, err1 := strconv.Atoi(strings.TrimSpace(ws))
	h, err2 := strconv.Atoi(strings.TrimSpace(hs))
	if err1 == nil && err2 == nil && w > 0 && h > 0 && w <= 1<<16 && h <= 1<<16 {
		r.w, r.h = w, h
	}
}

// Read decodes up to len(buf) events; it returns 0, io.EOF at the end.
func (r *Reader) Read(buf []aer.CameraEvent) (int, error) {
	var n int
	var err error
	if r.version == EVT2 {
		n, err = r.read2(buf)
	} else {
		n, err = r.read3(buf)
	}
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

func (r *Reader) emit(buf []aer.CameraEvent, n int, e aer.CameraEvent) (int, error) {
	if e.T < r.last {
		return n, fmt.Errorf("evt: byte %d: timestamp %d µs is before the previous %d µs", r.wordOff, e.T, r.last)
	}
	r.last = e.T
	buf[n] = e
	return n + 1, nil
}

func (r *Reader) next(size int) (uint32, error) {
	k, err := io.ReadFull(r.r, r.word[:size])
	if err == io.EOF {
		return 0, io.EOF
	}
	if err != nil {
		return 0, fmt.Errorf("evt: byte %d: partial %d-byte word (%d bytes): %w", r.off, size, k, io.ErrUnexpectedEOF)
	}
	r.wordOff = r.off
	r.off += int64(size)
	if size == 2 {
		return uint32(binary.LittleEndian.Uint16(r.word[:])), nil
	}
	return binary.LittleEndian.Uint32(r.word[:]), nil
}

// setHigh updates the time-high field, counting a wrap when it goes down.
func (r *Reader) setHigh(v int64, period int64) {
	if r.haveHigh && v < r.high {
		r.epoch += period
	}
	r.high, r.haveHigh = v, true
}

func (r *Reader) read2(buf []aer.CameraEvent) (int, error) {
	n := 0
	for n < len(buf) {
		w, err := r.next(4)
		if err != nil {
			return n, err
		}
		switch w >> 28 {
		case 0x0, 0x1:
			if !r.haveHigh {
				continue
			}
			t := r.epoch + (r.high<<6 | int64(w>>22&0x3f))
			n, err = r.emit(buf, n, aer.CameraEvent{T: t, X: uint16(w >> 11 & 0x7ff), Y: uint16(w & 0x7ff), P: uint8(w >> 28)})
			if err != nil {
				return n, err
			}
		case 0x8:
			r.setHigh(int64(w&0x0fffffff), 1<<34)
		}
	}
	return n, nil
}

func (r *Reader) read3(buf []aer.CameraEvent) (int, error) {
	n := 0
	var err error
	for n < len(buf) {
		if r.ipend < r.npend {
			n, err = r.emit(buf, n, r.pend[r.ipend])
			if err != nil {
				return n, err
			}
			r.ipend++
			continue
		}
		w, err := r.next(2)
		if err != nil {
			return n, err
		}
		t := r.epoch + (r.high<<12 | r.low)
		switch w >> 12 {
		case 0x0:
			r.y = uint16(w & 0x7ff)
		case 0x2:
			if r.haveHigh {
				n, err = r.emit(buf, n, aer.CameraEvent{T: t, X: uint16(w & 0x7ff), Y: r.y, P: uint8(w >> 11 & 1)})
				if err != nil {
					return n, err
				}
			}
		case 0x3:
			r.baseX, r.pol = uint16(w&0x7ff), uint8(w>>11&1)
		case 0x4, 0x5:
			bits, mask := 12, w&0xfff
			if w>>12 == 0x5 {
				bits, mask = 8, w&0xff
			}
			r.npend, r.ipend = 0, 0
			if r.haveHigh {
				for i := range bits {
					if mask>>i&1 != 0 {
						r.pend[r.npend] = aer.CameraEvent{T: t, X: r.baseX + uint16(i), Y: r.y, P: r.pol}
						r.npend++
					}
				}
			}
			r.baseX += uint16(bits)
		case 0x6:
			r.low = int64(w & 0xfff)
		case 0x8:
			r.setHigh(int64(w&0xfff), 1<<24)
		}
	}
	return n, nil
}
