//go:build !purego

package core

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/sys/cpu"

	"github.com/spindle-sim/spindle/snn"
)

// The kernel sets, best last.
const (
	scalarLoops = iota
	avx2
	avx512
)

// kernels is the best kernel set the CPU runs; the tests lower it to
// compare the sets with each other and with the scalar loops.
var kernels = bestKernels()

func bestKernels() int {
	switch x := &cpu.X86; {
	case x.HasAVX512F && x.HasAVX512VL && x.HasAVX2 && x.HasPOPCNT:
		return avx512
	case x.HasAVX2 && x.HasPOPCNT:
		return avx2
	}
	return scalarLoops
}

const (
	// vecChunk is the most compartments per kernel call: a Loihi core's
	// 1,024 in one call (CUBA's cores: 819), whose mask, 128 bytes, is on
	// the stack.
	vecChunk = 1024

	stateMax = 1<<(snn.StateBits-1) - 1
	stateMin = -stateMax - 1
	// inBound clamps a ring sum to 32 bits (fixed2AVX2): it exceeds the
	// state range by more than any decayed current.
	inBound = 1 << (snn.StateBits + 1)
)

// kernelConstant reports whether the fixed kernels' 32-bit product
// handles k.
func kernelConstant(k int32) bool { return 0 <= k && k <= 1<<snn.DecayBits }

// fixedVec advances the first multiple of the kernel's block of the
// compartments of a run sharing profile p, numbered from base, with a
// kernel, if the CPU and the profile's constants allow; c1 and in1 are nil
// with one receptor. It returns how many it advanced, how many of those
// were updated, and spikes with those that spiked appended.
func fixedVec(p *snn.LIFParams, base int, v, c0, c1, ref []int32, in0, in1 []int64, spikes []uint16) (done, updated int, _ []uint16) {
	if kernels == scalarLoops || !kernelConstant(p.FKeepI[0]) || !kernelConstant(p.FKeepI[1]) ||
		!kernelConstant(p.FKeepV) || !kernelConstant(p.FGainV) {
		return 0, 0, spikes
	}
	block := 8
	if kernels == avx512 {
		block = 16
	}
	var restful int32
	if p.FBias == 0 && p.FVTh >= 0 {
		restful = -1
	}
	// In the order of core/_asm's constants.
	k := [12]int32{p.FKeepI[0], p.FKeepI[1], p.FKeepV, p.FGainV, p.FBias, p.FVTh,
		1<<snn.DecayBits - 1, inBound, ^inBound, stateMax, stateMin, restful}
	end := len(v) &^ (block - 1)
	for done < end {
		m := min(end-done, vecChunk)
		v, c0, ref, in0 := v[done:done+m], c0[done:done+m], ref[done:done+m], in0[done:done+m]
		var mask [vecChunk / 8]byte
		var u, fired int
		// Direct calls: through a func value k and mask would escape
		// (go:noescape holds for the declared function only).
		switch {
		case c1 == nil && kernels == avx512:
			u, fired = fixed1AVX512(v, c0, ref, in0, &k, &mask)
		case c1 == nil:
			u, fired = fixed1AVX2(v, c0, ref, in0, &k, &mask)
		case kernels == avx512:
			u, fired = fixed2AVX512(v, c0, c1[done:done+m], ref, in0, in1[done:done+m], &k, &mask)
		default:
			u, fired = fixed2AVX2(v, c0, c1[done:done+m], ref, in0, in1[done:done+m], &k, &mask)
		}
		updated += u
		if fired != 0 {
			spikes = spiked(mask[:m/8], base+done, v, ref, p.FVReset, p.RefTicks, spikes)
		}
		done += m
	}
	return done, updated, spikes
}

// floatVec is fixedVec in float mode; every compartment it advances is
// updated.
func floatVec(p *snn.LIFParams, base int, v, c0, c1, in0, in1 []float64, ref []int32, spikes []uint16) (done int, _ []uint16) {
	if kernels == scalarLoops {
		return 0, spikes
	}
	k := [6]float64{p.KeepI[0], p.KeepI[1], p.KeepV, p.GainV, p.Bias, p.VTh}
	end := len(v) &^ 7
	for done < end {
		m := min(end-done, vecChunk)
		v, c0, in0, ref := v[done:done+m], c0[done:done+m], in0[done:done+m], ref[done:done+m]
		var mask [vecChunk / 8]byte
		var fired int
		switch {
		case c1 == nil && kernels == avx512:
			fired = float1AVX512(v, c0, in0, ref, &k, &mask)
		case c1 == nil:
			fired = float1AVX2(v, c0, in0, ref, &k, &mask)
		case kernels == avx512:
			fired = float2AVX512(v, c0, c1[done:done+m], in0, in1[done:done+m], ref, &k, &mask)
		default:
			fired = float2AVX2(v, c0, c1[done:done+m], in0, in1[done:done+m], ref, &k, &mask)
		}
		if fired != 0 {
			spikes = spiked(mask[:m/8], base+done, v, ref, p.VReset, p.RefTicks, spikes)
		}
		done += m
	}
	return done, spikes
}

// spiked resets the compartments set in mask (bit j for compartment j of
// v), as the scalar loops do, and appends them, numbered from base, to
// spikes in order.
//
// Spikes are rare, so the mask is read eight bytes at a time and the
// words without a spike cost one test each: byte by byte, the scan was a
// tenth of CUBA's tick.
func spiked[T int32 | float64](mask []byte, base int, v []T, ref []int32, reset T, refTicks int32, spikes []uint16) []uint16 {
	for b := 0; b < len(mask); b += 8 {
		var w uint64
		if b+8 <= len(mask) {
			w = binary.LittleEndian.Uint64(mask[b:])
		} else {
			for k, m := range mask[b:] {
				w |= uint64(m) << (8 * k)
			}
		}
		for ; w != 0; w &= w - 1 {
			j := 8*b + bits.TrailingZeros64(w)
			v[j] = reset
			ref[j] = refTicks
			spikes = append(spikes, uint16(base+j))
		}
	}
	return spikes
}
