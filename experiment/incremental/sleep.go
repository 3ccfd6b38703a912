package incremental

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// SleepParams are the constants of the sleep phase (recipe §4.1, the
// MNIST vector of the reference code).
type SleepParams struct {
	MaxRate    float64    // input rate scale; a pixel s spikes with p = 2 dt MaxRate s
	Inc, Dec   float64    // potentiation and depression steps
	Beta       [3]float64 // per-layer thresholds (base threshold 1)
	AlphaScale float64    // multiplies the normalisation factors
	Decay      float64    // membrane multiplier per step
	Dt         float64    // s, enters the input rate only
	Knee       float64    // g(w) = 2 / (1 + exp(w/Knee)), raw weight units
	Window     int        // side of the square input window, pixels
	Steps      int        // steps of the first sleep
	StepsMore  int        // added per later task: task k sleeps Steps + (k-1) StepsMore
}

// RecipeSleep is the sleep of Tadros et al. (2022) on MNIST.
var RecipeSleep = SleepParams{
	MaxRate: 239.515363, Inc: 0.032064, Dec: 0.003344,
	Beta:       [3]float64{14.548273, 44.560317, 38.046326},
	AlphaScale: 55.882454, Decay: 0.999, Dt: 0.001, Knee: 0.001,
	Window: 11, Steps: 15000, StepsMore: 5000,
}

// SleepSteps returns the length of the sleep after task k (1-based).
func (p *SleepParams) SleepSteps(k int) int { return p.Steps + (k-1)*p.StepsMore }

// G is the weight dependence of the sleep rule, 2 / (1 + exp(w/knee)):
// 2 for clearly negative weights, 1 at zero, about 0 for clearly
// positive ones.
func G(w, knee float64) float64 { return 2 / (1 + math.Exp(w/knee)) }

// Scales returns the per-layer input scales α_l of the data-based
// normalisation (recipe §3.1): with s_l the larger of the largest weight
// of W_l (at least 0) and the largest test-mode activation of the layer it
// feeds over images idx of s, λ_l = s_l / λ_{l-1} (λ_0 = 1) and
// α_l = alphaScale / λ_l.
func Scales(n *Net, s *Set, idx []int, dropout, alphaScale float64) []float64 {
	L := len(n.W)
	amax := make([]float64, L)
	n.forward(s, idx, dropout, func(acts []*mat.Dense, _ []int) {
		for l := range L {
			amax[l] = math.Max(amax[l], mat.Max(acts[l+1]))
		}
	})
	alpha := make([]float64, L)
	prev := 1.0
	for l := range L {
		sc := math.Max(math.Max(0, mat.Max(n.W[l])), amax[l])
		lambda := sc / prev
		alpha[l] = alphaScale / lambda
		prev = lambda
	}
	return alpha
}

// MeanImage returns the mean of images idx of s, pixels / 255.
func MeanImage(s *Set, idx []int) []float64 {
	m := make([]float64, Pixels)
	for _, i := range idx {
		for k, p := range s.Image(i) {
			m[k] += float64(p)
		}
	}
	for k := range m {
		m[k] /= 255 * float64(len(idx))
	}
	return m
}

// InputTrain is the input of one sleep: the pixels that spike in each
// step, step t's pixels being Pixel[Start[t]:Start[t+1]] in increasing
// order.
type InputTrain struct {
	Start []int32
	Pixel []int16
}

// Steps returns the number of steps.
func (in *InputTrain) Steps() int { return len(in.Start) - 1 }

// At returns the pixels spiking in step t.
func (in *InputTrain) At(t int) []int16 { return in.Pixel[in.Start[t]:in.Start[t+1]] }

// NewInputTrain draws the masked Bernoulli noise of the recipe (§4.2):
// every step a fresh random Window x Window window of the mean image; a
// pixel inside it spikes with probability 2 dt MaxRate m (a uniform u
// with u <= 2 dt MaxRate m), pixels outside are silent.
func (p *SleepParams) NewInputTrain(mean []float64, steps int, rng *rand.Rand) *InputTrain {
	in := &InputTrain{Start: make([]int32, 1, steps+1)}
	k := 2 * p.Dt * p.MaxRate
	side := 28 - p.Window + 1
	for range steps {
		x, y := rng.IntN(side), rng.IntN(side)
		for r := x; r < x+p.Window; r++ {
			for c := y; c < y+p.Window; c++ {
				i := r*28 + c
				if rng.Float64() <= k*mean[i] && mean[i] > 0 {
					in.Pixel = append(in.Pixel, int16(i))
				}
			}
		}
		in.Start = append(in.Start, int32(len(in.Pixel)))
	}
	return in
}

// SleepStats counts the spikes of one sleep per layer (input first).
type SleepStats struct {
	Spikes []int64
}

// ReferenceSleep is the float64 sleep of the recipe (§4.3-4.4) on the
// weights of n, changed in place: for every step, layer after layer,
// v <- Decay v + α_l W_l s_{l-1}; a neuron with v >= θ_l spikes; for each
// spiking neuron every incoming weight gains Inc g(w) if its pre-synaptic
// neuron spiked in the same step and loses Dec g(w) otherwise; then the
// spiking neurons reset to 0. A spike crosses every layer in its step.
func ReferenceSleep(n *Net, alpha []float64, in *InputTrain, p *SleepParams) (SleepStats, error) {
	L := len(n.W)
	if len(alpha) != L || L != len(p.Beta) {
		return SleepStats{}, fmt.Errorf("incremental: %d scales and %d thresholds for %d weight layers", len(alpha), len(p.Beta), L)
	}
	// Propagation reads the columns of the spiking neurons: keep a
	// transposed copy (pre x post) beside W (post x pre).
	wt := make([][]float64, L)
	v := make([][]float64, L)
	pre := make([][]bool, L)
	for l := range L {
		wt[l] = transpose(n.W[l])
		v[l] = make([]float64, n.Sizes[l+1])
		pre[l] = make([]bool, n.Sizes[l])
	}
	st := SleepStats{Spikes: make([]int64, L+1)}
	spk := make([][]int, L+1)
	inputs := make([][]float64, L)
	for l := range L {
		inputs[l] = make([]float64, n.Sizes[l+1])
	}
	for t := range in.Steps() {
		spk[0] = spk[0][:0]
		for _, i := range in.At(t) {
			spk[0] = append(spk[0], int(i))
		}
		st.Spikes[0] += int64(len(spk[0]))
		for l := range L {
			post := n.Sizes[l+1]
			nin := n.Sizes[l]
			input := inputs[l]
			vl := v[l]
			spk[l+1] = spk[l+1][:0]
			if len(spk[l]) == 0 {
				// No input: the membrane only decays and stays below threshold.
				for i := range vl {
					vl[i] *= p.Decay
				}
				continue
			}
			clear(input)
			for _, j := range spk[l] {
				row := wt[l][j*post : (j+1)*post]
				for i, w := range row {
					input[i] += w
				}
			}
			theta := p.Beta[l]
			for i := range vl {
				vl[i] = p.Decay*vl[i] + alpha[l]*input[i]
				if vl[i] >= theta {
					spk[l+1] = append(spk[l+1], i)
				}
			}
			if len(spk[l+1]) == 0 {
				continue
			}
			st.Spikes[l+1] += int64(len(spk[l+1]))
			for _, j := range spk[l] {
				pre[l][j] = true
			}
			w := n.W[l].RawMatrix()
			for _, i := range spk[l+1] {
				row := w.Data[i*w.Stride : i*w.Stride+nin]
				for j, x := range row {
					g := G(x, p.Knee)
					if pre[l][j] {
						x += p.Inc * g
					} else {
						x -= p.Dec * g
					}
					row[j] = x
					wt[l][j*post+i] = x
				}
				vl[i] = 0
			}
			for _, j := range spk[l] {
				pre[l][j] = false
			}
		}
	}
	return st, nil
}

func transpose(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, r*c)
	for i := range r {
		for j := range c {
			out[j*r+i] = m.At(i, j)
		}
	}
	return out
}
