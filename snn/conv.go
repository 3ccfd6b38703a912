package snn

import (
	"fmt"
	"math"
)

// Conv describes a convolutional connector: the presynaptic population
// holds a feature map of InShape = [channels, height, width] in row-major
// order (neuron (c*H + y)*W + x), the postsynaptic one the map
// OutShape() returns. A 1-D convolution has height 1 and a kernel height
// of 1. Before the convolution, an optional Pool sums (or averages) the
// presynaptic map over windows, as a pooling layer followed by a
// convolution does; the synapses then run from every pixel of a window.
//
// Output neuron (o, oy, ox) receives, for every input channel c of o's
// group and kernel tap (ky, kx), the (pooled) input at row
// oy*Stride[0] - Padding[0] + ky*Dilation[0] and column
// ox*Stride[1] - Padding[2] + kx*Dilation[1] with weight
// Weight[((o*cin + c)*Kernel[0] + ky)*Kernel[1] + kx], cin =
// InShape[0]/Groups; positions in the padding contribute nothing. Zero
// weights make no synapse.
type Conv struct {
	InShape     [3]int
	OutChannels int
	Kernel      [2]int // height, width
	Stride      [2]int // zero: 1
	// Padding is top, bottom, left, right: rows and columns of zeros
	// around the (pooled) input.
	Padding  [4]int
	Dilation [2]int // zero: 1
	Groups   int    // zero: 1
	// Weight in mV, [OutChannels][InShape[0]/Groups][Kernel[0]][Kernel[1]].
	Weight []float64
	Pool   *Pool // nil: none
}

// Pool is a pooling stage before a convolution: each pooled pixel is the
// sum of a Kernel window of the map taken every Stride pixels, with
// Padding rows and columns of zeros on each side, or with Average the sum
// divided by the window's area (padding included, as PyTorch counts it).
type Pool struct {
	Kernel  [2]int
	Stride  [2]int // zero: Kernel
	Padding [2]int
	Average bool
}

// MaxConvSide bounds every dimension and parameter of a Conv, so that no
// product of them overflows.
const MaxConvSide = 1 << 16

func one(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

func (p *Pool) stride(d int) int {
	if p.Stride[d] == 0 {
		return p.Kernel[d]
	}
	return p.Stride[d]
}

// PoolShape returns the height and width of the map the convolution
// reads: the pooled map, or InShape's without a Pool.
func (c *Conv) PoolShape() (h, w int) {
	h, w = c.InShape[1], c.InShape[2]
	if p := c.Pool; p != nil {
		h = (h+2*p.Padding[0]-p.Kernel[0])/p.stride(0) + 1
		w = (w+2*p.Padding[1]-p.Kernel[1])/p.stride(1) + 1
	}
	return h, w
}

// OutShape returns [channels, height, width] of the postsynaptic map.
func (c *Conv) OutShape() [3]int {
	h, w := c.PoolShape()
	oh := (h+c.Padding[0]+c.Padding[1]-one(c.Dilation[0])*(c.Kernel[0]-1)-1)/one(c.Stride[0]) + 1
	ow := (w+c.Padding[2]+c.Padding[3]-one(c.Dilation[1])*(c.Kernel[1]-1)-1)/one(c.Stride[1]) + 1
	return [3]int{c.OutChannels, oh, ow}
}

// validate checks c against the sizes of its populations.
func (c *Conv) validate(npre, npost int) error {
	for _, f := range []struct {
		name string
		v    []int
		min  int
	}{
		{"in_shape", c.InShape[:], 1}, {"out_channels", []int{c.OutChannels}, 1},
		{"kernel", c.Kernel[:], 1}, {"stride", c.Stride[:], 0}, {"padding", c.Padding[:], 0},
		{"dilation", c.Dilation[:], 0}, {"groups", []int{c.Groups}, 0},
	} {
		for _, v := range f.v {
			if v < f.min || v > MaxConvSide {
				return fmt.Errorf("conv: %s %v: expected values from %d to %d", f.name, f.v, f.min, MaxConvSide)
			}
		}
	}
	if p := c.Pool; p != nil {
		for d := range 2 {
			if p.Kernel[d] < 1 || p.Kernel[d] > MaxConvSide || p.Stride[d] < 0 || p.Stride[d] > MaxConvSide ||
				p.Padding[d] < 0 || 2*p.Padding[d] > p.Kernel[d] {
				return fmt.Errorf("conv: pool kernel %v, stride %v, padding %v: expected kernels from 1 to %d and padding at most half the kernel", p.Kernel, p.Stride, p.Padding, MaxConvSide)
			}
			if c.InShape[d+1]+2*p.Padding[d] < p.Kernel[d] {
				return fmt.Errorf("conv: pool kernel %v larger than the padded input %v", p.Kernel, c.InShape[1:])
			}
		}
	}
	g := one(c.Groups)
	if c.InShape[0]%g != 0 || c.OutChannels%g != 0 {
		return fmt.Errorf("conv: groups %d: expected a divisor of the %d input and %d output channels", g, c.InShape[0], c.OutChannels)
	}
	if in := c.InShape[0] * c.InShape[1] * c.InShape[2]; in != npre {
		return fmt.Errorf("conv: in_shape %v holds %d neurons, but pre has %d", c.InShape, in, npre)
	}
	out := c.OutShape()
	if out[1] < 1 || out[2] < 1 {
		return fmt.Errorf("conv: kernel %v with dilation %v is larger than the padded input %dx%d", c.Kernel, c.Dilation, out[1], out[2])
	}
	if n := out[0] * out[1] * out[2]; n != npost {
		return fmt.Errorf("conv: output shape %v holds %d neurons, but post has %d", out, n, npost)
	}
	if n := float64(c.OutChannels) * float64(c.InShape[0]/g) * float64(c.Kernel[0]) * float64(c.Kernel[1]); n > 1<<40 {
		// Compared in floats first: the product of four sides may
		// overflow an int.
		return fmt.Errorf("conv: out_channels x in_channels/groups x kernel = %.0f weights: expected at most 2^40", n)
	}
	if want := c.OutChannels * (c.InShape[0] / g) * c.Kernel[0] * c.Kernel[1]; len(c.Weight) != want {
		return fmt.Errorf("conv: %d weights: expected %d (out_channels x in_channels/groups x kernel)", len(c.Weight), want)
	}
	for i, w := range c.Weight {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("conv: weight[%d] = %v: expected a finite value", i, w)
		}
	}
	return nil
}

// KernelSize returns the weights one output channel holds: input channels
// per group times the kernel's area. With shared weights it is what one
// output channel costs a core's synapse memory, whatever its positions.
func (c *Conv) KernelSize() int {
	return c.InShape[0] / one(c.Groups) * c.Kernel[0] * c.Kernel[1]
}

// Synapses calls fn for every synapse of the connector, output neuron by
// output neuron, with the presynaptic and postsynaptic neuron and the
// weight; a pooled input makes a synapse from every pixel of its window
// (scaled by the window's area with Average). c must be valid for its
// populations (Network.Validate).
func (c *Conv) Synapses(fn func(pre, post int, w float64)) {
	out := c.OutShape()
	g := one(c.Groups)
	cin, cout := c.InShape[0]/g, c.OutChannels/g
	ph, pw := c.PoolShape()
	H, W := c.InShape[1], c.InShape[2]
	kh, kw := c.Kernel[0], c.Kernel[1]
	sy, sx, dy, dx := one(c.Stride[0]), one(c.Stride[1]), one(c.Dilation[0]), one(c.Dilation[1])
	scale := 1.0
	if p := c.Pool; p != nil && p.Average {
		scale = 1 / float64(p.Kernel[0]*p.Kernel[1])
	}
	post := 0
	for o := range out[0] {
		ch0 := o / cout * cin // first input channel of o's group
		for oy := range out[1] {
			for ox := range out[2] {
				for ci := range cin {
					for ky := range kh {
						py := oy*sy - c.Padding[0] + ky*dy
						if py < 0 || py >= ph {
							continue
						}
						for kx := range kw {
							px := ox*sx - c.Padding[2] + kx*dx
							if px < 0 || px >= pw {
								continue
							}
							w := c.Weight[((o*cin+ci)*kh+ky)*kw+kx]
							if w == 0 {
								continue
							}
							ch := ch0 + ci
							p := c.Pool
							if p == nil {
								fn((ch*H+py)*W+px, post, w)
								continue
							}
							for u := range p.Kernel[0] {
								y := py*p.stride(0) - p.Padding[0] + u
								if y < 0 || y >= H {
									continue
								}
								for v := range p.Kernel[1] {
									x := px*p.stride(1) - p.Padding[1] + v
									if x >= 0 && x < W {
										fn((ch*H+y)*W+x, post, w*scale)
									}
								}
							}
						}
					}
				}
				post++
			}
		}
	}
}
