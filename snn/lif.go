package snn

// The one definition of a LIF compartment's tick (see LIFParams), in both
// numeric modes. The event engine's loops (core: one, two and any number
// of receptors) and the dense reference call these functions, which the
// compiler inlines; core's vector kernels are checked against them
// (core.TestVectorMatchesScalar runs both on the same state). A
// refractory compartment skips the membrane step: its currents integrate,
// its potential holds, and its counter counts down.

// CurrentFloat returns one receptor's current after a tick: cur·keep +
// input, the product rounded before the sum (no fused multiply-add).
func CurrentFloat(cur, keep, input float64) float64 {
	return float64(cur*keep) + input
}

// MembraneFloat returns the potential after a tick of a compartment that
// is not refractory, from its potential v and the sum of its currents,
// and whether it fired; a compartment that fired is at vReset.
func MembraneFloat(v, current, keepV, gainV, bias, vTh, vReset float64) (float64, bool) {
	x := float64(v*keepV) + float64((current+bias)*gainV)
	if x > vTh {
		return vReset, true
	}
	return x, false
}

// CurrentFixed returns one receptor's current after a tick in fixed mode:
// the 12-bit product of cur by keep plus the input, saturated to 24 bits.
func CurrentFixed(cur int64, keep int32, input int64) int64 {
	return Saturate(MulShift(cur, keep) + input)
}

// MembraneFixed is MembraneFloat in fixed mode: every product by a 12-bit
// constant, the result saturated to 24 bits.
func MembraneFixed(v, current int64, keepV, gainV int32, bias, vTh, vReset int64) (int64, bool) {
	y := Saturate(MulShift(v, keepV) + MulShift(current+bias, gainV))
	if y > vTh {
		return vReset, true
	}
	return y, false
}
