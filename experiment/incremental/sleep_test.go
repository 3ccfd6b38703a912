package incremental

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// tinyNet is 2 inputs -> 1 -> 1 -> 1 with W1 = [1.5, 0], W2 = W3 = [2].
func tinyNet() *Net {
	return &Net{Sizes: []int{2, 1, 1, 1},
		W: []*mat.Dense{mat.NewDense(1, 2, []float64{1.5, 0}), mat.NewDense(1, 1, []float64{2}), mat.NewDense(1, 1, []float64{2})},
		V: []*mat.Dense{mat.NewDense(1, 2, nil), mat.NewDense(1, 1, nil), mat.NewDense(1, 1, nil)},
	}
}

// tinyParams: thresholds 1, leak 0.5, inc 0.5, dec 0.25, knee 1.
var tinyParams = SleepParams{Inc: 0.5, Dec: 0.25, Beta: [3]float64{1, 1, 1}, Decay: 0.5, Knee: 1}

// TestReferenceSleepByHand runs three steps of the recipe's sleep by hand,
// g(w) = 2/(1+e^w), α = 1:
//
//	step 0, inputs 0 and 1: v1 = 1.5 spikes, W1 = [1.5 + 0.5 g(1.5), 0 + 0.5 g(0)]
//	        = [1.682426, 0.5]; in the same step v2 = 2 and v3 = 2 spike:
//	        W2 = W3 = 2 + 0.5 g(2) = 2.119203
//	step 1, input 0: v1 = 1.682426 spikes, W1 = [1.682426 + 0.5 g(1.682426),
//	        0.5 - 0.25 g(0.5)] = [1.839200, 0.311230]; W2 = W3 = 2.119203 +
//	        0.5 g(2.119203) = 2.226447
//	step 2, input 1: v1 = 0.311230 < 1, no spike, nothing changes.
func TestReferenceSleepByHand(t *testing.T) {
	n := tinyNet()
	in := &InputTrain{Start: []int32{0, 2, 3, 4}, Pixel: []int16{0, 1, 0, 1}}
	st, err := ReferenceSleep(n, []float64{1, 1, 1}, in, &tinyParams)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1.839200, 0.311230}, {2.226447}, {2.226447}}
	for l, w := range want {
		got := n.W[l].RawMatrix().Data
		for i := range w {
			if math.Abs(got[i]-w[i]) > 1e-6 {
				t.Errorf("W%d = %v, want %v", l+1, got, w)
			}
		}
	}
	if wantSpikes := []int64{4, 2, 2, 2}; !equalInts(st.Spikes, wantSpikes) {
		t.Errorf("spikes per layer %v, want %v", st.Spikes, wantSpikes)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestG(t *testing.T) {
	for _, c := range []struct{ w, want float64 }{
		{0, 1}, {-0.1, 2}, {0.1, 0}, {0.002, 0.238406}, {0.005, 0.013386},
	} {
		if got := G(c.w, 0.001); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("G(%v) = %v, want %v", c.w, got, c.want)
		}
	}
}

// TestInputTrain: pixels spike only inside an 11 x 11 window, with
// probability 2 dt MaxRate m.
func TestInputTrain(t *testing.T) {
	p := RecipeSleep
	mean := make([]float64, Pixels)
	for i := range mean {
		mean[i] = 1
	}
	steps := 4000
	in := p.NewInputTrain(mean, steps, newRand(5))
	rate := float64(len(in.Pixel)) / float64(steps*p.Window*p.Window)
	if want := 2 * p.Dt * p.MaxRate; math.Abs(rate-want) > 0.01 {
		t.Errorf("spike probability inside the window %.4f, want %.4f", rate, want)
	}
	for s := range steps {
		px := in.At(s)
		if len(px) == 0 {
			continue
		}
		r0, c0, r1, c1 := 28, 28, -1, -1
		for _, i := range px {
			r, c := int(i)/28, int(i)%28
			r0, c0, r1, c1 = min(r0, r), min(c0, c), max(r1, r), max(c1, c)
		}
		if r1-r0 >= p.Window || c1-c0 >= p.Window {
			t.Fatalf("step %d: spikes span rows %d-%d, columns %d-%d: wider than the window", s, r0, r1, c0, c1)
		}
	}
}
