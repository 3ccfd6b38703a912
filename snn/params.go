package snn

import "math"

// Fixed-point constants shared by every simulator in fixed mode.
const (
	// DecayBits is the width of decay and gain constants: a decay constant
	// d multiplies the state by (4096-d)/4096 each tick.
	DecayBits = 12
	decayOne  = 1 << DecayBits
	// StateBits is the width of the saturating voltage and current state.
	StateBits = 24
	stateMax  = 1<<(StateBits-1) - 1
	stateMin  = -(1 << (StateBits - 1))
	// fixedRange is the number of state units the larger of |v_th - v_rest|
	// and |v_reset - v_rest| maps to when a population gives no scale.
	fixedRange = 1 << 16
)

// LIFParams are the per-tick update constants of one LIF population in
// both numeric modes. Voltages are relative to v_rest. One tick is
//
//	I_r <- I_r*KeepI[r] + input_r
//	v   <- v*KeepV + (sum_r I_r + Bias)*GainV      (unless refractory)
//	spike if v > VTh, then v <- VReset for RefTicks ticks
//
// In fixed mode every product is by a 12-bit constant k and computed as
// sign(x)*(|x|*k >> 12), so that state decays to exactly zero, and the
// state saturates at 24 bits.
type LIFParams struct {
	Receptors int
	RefTicks  int32

	KeepV, GainV      float64
	KeepI             [MaxReceptors]float64
	VTh, VReset, Bias float64

	Scale                float64 // fixed-mode state units per mV
	FKeepV, FGainV       int32
	FKeepI               [MaxReceptors]int32
	FVTh, FVReset, FBias int32
}

func lifParams(nu *Neuron, dt float64) LIFParams {
	p := LIFParams{Receptors: len(nu.Receptors)}
	p.RefTicks = int32(math.Round(nu.TRef / dt))
	switch {
	case nu.LeakDecay > 0:
		p.KeepV = nu.LeakDecay
		p.GainV = 1
	case nu.NoLeak:
		p.KeepV = 1
		p.GainV = 1
		if nu.TauM > 0 {
			p.GainV = dt / nu.TauM
		}
	default:
		p.KeepV = math.Exp(-dt / nu.TauM)
		p.GainV = 1 - p.KeepV
	}
	for r, rc := range nu.Receptors {
		p.KeepI[r] = math.Exp(-dt / rc.TauSyn)
	}
	p.VTh = nu.VTh - nu.VRest
	p.VReset = nu.VReset - nu.VRest
	p.Bias = nu.Bias

	p.Scale = nu.FixedScale
	if p.Scale <= 0 {
		span := math.Max(math.Abs(p.VTh), math.Abs(p.VReset))
		if span < 1e-6 {
			span = 1
		}
		p.Scale = fixedRange / span
	}
	p.FKeepV = constant12(p.KeepV)
	p.FGainV = constant12(p.GainV)
	for r := range nu.Receptors {
		p.FKeepI[r] = constant12(p.KeepI[r])
	}
	p.FVTh = p.ToFixed(p.VTh)
	p.FVReset = p.ToFixed(p.VReset)
	p.FBias = p.ToFixed(p.Bias)
	return p
}

// constant12 rounds a factor to a 12-bit fixed-point constant. Factors
// above one (a gain with tau_m < dt) keep their magnitude.
func constant12(f float64) int32 {
	return int32(math.Round(f * decayOne))
}

// ToFixed converts mV (relative to v_rest) to saturated state units.
func (p *LIFParams) ToFixed(mv float64) int32 {
	return int32(saturateFloat(math.Round(mv * p.Scale)))
}

// saturateFloat clamps before converting: converting a float outside the
// int64 range gives an unspecified value.
func saturateFloat(x float64) int64 {
	return int64(min(max(x, stateMin), stateMax))
}

// Saturate clamps x to the signed 24-bit state range.
func Saturate(x int64) int64 {
	return min(max(x, stateMin), stateMax)
}

// MulShift returns sign(x)*(|x|*k >> 12): a product by a 12-bit constant
// (k >= 0) rounded toward zero, so that a decaying state reaches exactly
// zero. Go's integer division truncates toward zero, which is that
// rounding, and compiles to a shift and a sign fix-up.
func MulShift(x int64, k int32) int64 {
	return x * int64(k) / decayOne
}
