package aer

import (
	"fmt"
	"math"
)

// CameraEvent is one event-camera event: a brightness change at pixel (X, Y)
// at time T in microseconds. P is 1 for ON (brighter), 0 for OFF.
type CameraEvent struct {
	T    int64
	X, Y uint16
	P    uint8
}

// AddressRule turns camera pixels into neuron addresses:
//
//	addr = ((y/k)*ceil(Width/k) + x/k)*2 + p   (k = Downsample, default 1)
//	addr =  (y/k)*ceil(Width/k) + x/k          (MergePolarity)
//
// so that ON and OFF of one pixel are neighbours and the address space is
// dense. Events outside Width×Height are an error for the caller to report.
type AddressRule struct {
	Width         int  `json:"width"`
	Height        int  `json:"height"`
	Downsample    int  `json:"downsample,omitempty"`
	MergePolarity bool `json:"merge_polarity,omitempty"`
}

// MaxSensorSide is the largest sensor width or height, and so the largest
// useful downsampling block: one block of that side covers any sensor.
const MaxSensorSide = 1 << 16

// Validate reports whether the rule can produce 32-bit addresses.
func (r AddressRule) Validate() error {
	if r.Width <= 0 || r.Height <= 0 || r.Width > MaxSensorSide || r.Height > MaxSensorSide {
		return fmt.Errorf("sensor size %dx%d, want 1..%d in each dimension", r.Width, r.Height, MaxSensorSide)
	}
	// A larger block would overflow the 32-bit address arithmetic.
	if r.Downsample < 0 || r.Downsample > MaxSensorSide {
		return fmt.Errorf("downsample %d, want 1..%d", r.Downsample, MaxSensorSide)
	}
	return nil
}

func (r AddressRule) k() int {
	if r.Downsample < 1 {
		return 1
	}
	return r.Downsample
}

// cols is the number of address columns after downsampling.
func (r AddressRule) cols() int { return (r.Width + r.k() - 1) / r.k() }

// rows is the number of address rows after downsampling.
func (r AddressRule) rows() int { return (r.Height + r.k() - 1) / r.k() }

// NumAddrs is the size of the address space the rule produces.
func (r AddressRule) NumAddrs() int {
	n := r.cols() * r.rows()
	if !r.MergePolarity {
		n *= 2
	}
	return n
}

// Addr applies the rule. The caller checks x < Width and y < Height.
func (r AddressRule) Addr(x, y uint16, p uint8) uint32 {
	k := uint32(r.k())
	a := (uint32(y)/k)*uint32(r.cols()) + uint32(x)/k
	if r.MergePolarity {
		return a
	}
	return a*2 + uint32(p&1)
}

// Pixel inverts Addr up to the downsampling: it returns the top-left pixel of
// the block and the polarity (0 when polarities were merged).
func (r AddressRule) Pixel(addr uint32) (x, y int, p uint8) {
	if !r.MergePolarity {
		p = uint8(addr & 1)
		addr >>= 1
	}
	c := uint32(r.cols())
	return int(addr%c) * r.k(), int(addr/c) * r.k(), p
}

// TickRule maps microsecond timestamps to ticks of DtMs milliseconds:
//
//	tick = floor((t_us - T0) / (DtMs*1000))
//
// DtMs*1000 is rounded to whole nanoseconds first so that the division is
// exact integer arithmetic (0.1 ms is exactly 100 µs, not 100.00000000000001).
type TickRule struct {
	DtMs float64
	T0   int64 // microseconds; usually the first event's time
}

// Tick applies the rule. A tick is taken to last at least 1 ns.
func (r TickRule) Tick(tUS int64) int64 {
	ns := int64(math.Round(r.DtMs * 1e6))
	if ns <= 0 {
		ns = 1
	}
	// floor(d*1000/ns) without forming d*1000, which overflows for times
	// 292 years apart (absolute clocks): d = q*ns + m, 0 <= m < ns.
	d := tUS - r.T0
	q, m := d/ns, d%ns
	if m < 0 {
		q, m = q-1, m+ns
	}
	return q*1000 + m*1000/ns
}
