//go:build purego || !amd64

package core

import "github.com/spindle-sim/spindle/snn"

// This build has no vector kernels.
const (
	scalarLoops = iota
	avx2
	avx512
)

var kernels = scalarLoops

// fixedVec advances no compartment: the scalar loop does them all.
func fixedVec(p *snn.LIFParams, base int, v, c0, c1, ref []int32, in0, in1 []int64, spikes []uint16) (done, updated int, _ []uint16) {
	return 0, 0, spikes
}

// floatVec advances no compartment: the scalar loop does them all.
func floatVec(p *snn.LIFParams, base int, v, c0, c1, in0, in1 []float64, ref []int32, spikes []uint16) (done int, _ []uint16) {
	return 0, spikes
}
