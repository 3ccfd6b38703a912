package nmnist

import (
	"bufio"
	"fmt"
	"io"

	"github.com/spindle-sim/spindle/aer"
)

const (
	eventSize      = 5
	overflowY      = 240
	overflowPeriod = 1 << 23
)

// Sensor sizes: N-MNIST is 34×34; N-Caltech101 files span at most 240×180
// (the ATIS region its saccades cover).
const (
	MNISTWidth, MNISTHeight     = 34, 34
	CaltechWidth, CaltechHeight = 240, 180
)

// Reader decodes an N-MNIST stream.
type Reader struct {
	r     *bufio.Reader
	off   int64
	epoch int64 // overflow periods seen, in µs
	last  int64
	rec   [eventSize]byte
}

// NewReader returns a Reader for the stream in r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), last: -1}
}

// Read decodes up to len(buf) events. It returns io.EOF after the last one,
// io.ErrUnexpectedEOF wrapped with the offset for a partial final event, and
// an error for a timestamp that goes backwards without an overflow marker.
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
			return n, fmt.Errorf("nmnist: byte %d: partial event (%d of %d bytes): %w", r.off, k, eventSize, io.ErrUnexpectedEOF)
		}
		b := r.rec
		if b[1] == overflowY {
			r.epoch += overflowPeriod
			r.off += eventSize
			continue
		}
		t := r.epoch + (int64(b[2]&0x7f)<<16 | int64(b[3])<<8 | int64(b[4]))
		if t < r.last {
			return n, fmt.Errorf("nmnist: byte %d: timestamp %d µs is before the previous %d µs without an overflow marker", r.off, t, r.last)
		}
		r.last = t
		buf[n] = aer.CameraEvent{T: t, X: uint16(b[0]), Y: uint16(b[1]), P: b[2] >> 7}
		n++
		r.off += eventSize
	}
	return n, nil
}

// SensorSize guesses the sensor from the largest coordinates seen: N-MNIST
// if they fit 34×34, N-Caltech101 if they fit 240×180, else just large enough.
func SensorSize(maxX, maxY int) (w, h int) {
	switch {
	case maxX < MNISTWidth && maxY < MNISTHeight:
		return MNISTWidth, MNISTHeight
	case maxX < CaltechWidth && maxY < CaltechHeight:
		return CaltechWidth, CaltechHeight
	}
	return maxX + 1, maxY + 1
}
