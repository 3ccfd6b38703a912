package incremental

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestStepByHand trains a 2-2-1 network on one example for two steps and
// compares with the values worked out by hand (no dropout, lr 0.1,
// momentum 0.5):
//
//	step 1: a1 = relu([-0.5, 1.75]) = [0, 1.75], out = relu(-1.75) = 0,
//	        δ_out = 0 - 1 = -1 (no output ReLU derivative), δ_1 = [0, 1];
//	        v2 = 0.1 [0, -1.75], W2 = [1, -0.825];
//	        v1 = 0.1 [[0, 0], [1, 2]], W1 = [[0.5, -0.5], [0.15, 0.55]]
//	step 2: a1 = [0, 1.25], out = 0, δ_1 = [0, 0.825];
//	        v2 = 0.5 v2 + 0.1 [0, -1.25] = [0, -0.2125], W2 = [1, -0.6125];
//	        v1 = [[0, 0], [0.1325, 0.265]], W1 = [[0.5, -0.5], [0.0175, 0.285]]
func TestStepByHand(t *testing.T) {
	n := &Net{Sizes: []int{2, 2, 1},
		W: []*mat.Dense{mat.NewDense(2, 2, []float64{0.5, -0.5, 0.25, 0.75}), mat.NewDense(1, 2, []float64{1, -1})},
		V: []*mat.Dense{mat.NewDense(2, 2, nil), mat.NewDense(1, 2, nil)},
	}
	x := mat.NewDense(1, 2, []float64{1, 2})
	y := mat.NewDense(1, 1, []float64{1})
	cfg := Train{LR: 0.1, Momentum: 0.5, Batch: 1, Epochs: 1}
	rng := rand.New(rand.NewPCG(1, 1))
	steps := []struct{ w1, w2 []float64 }{
		{[]float64{0.5, -0.5, 0.15, 0.55}, []float64{1, -0.825}},
		{[]float64{0.5, -0.5, 0.0175, 0.285}, []float64{1, -0.6125}},
	}
	for k, want := range steps {
		n.Step(x, y, cfg, rng)
		for l, w := range [][]float64{want.w1, want.w2} {
			got := n.W[l].RawMatrix().Data
			for i := range w {
				if math.Abs(got[i]-w[i]) > 1e-12 {
					t.Errorf("step %d: W%d = %v, want %v", k+1, l+1, got, w)
					break
				}
			}
		}
	}
}

// TestStepBatchMean: a batch of two examples moves the weights by the
// mean of their gradients.
func TestStepBatchMean(t *testing.T) {
	mk := func() *Net {
		return &Net{Sizes: []int{2, 1},
			W: []*mat.Dense{mat.NewDense(1, 2, []float64{0.5, 0.25})},
			V: []*mat.Dense{mat.NewDense(1, 2, nil)},
		}
	}
	cfg := Train{LR: 1, Momentum: 0, Batch: 2, Epochs: 1}
	rng := rand.New(rand.NewPCG(1, 1))
	n := mk()
	n.Step(mat.NewDense(2, 2, []float64{1, 0, 0, 2}), mat.NewDense(2, 1, []float64{0, 1}), cfg, rng)
	// out = [0.5, 0.5]; δ = [0.5, -0.5]; grad = ([0.5, 0] + [0, -1]) / 2.
	want := []float64{0.5 - 0.25, 0.25 + 0.5}
	got := n.W[0].RawMatrix().Data
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("W = %v, want %v", got, want)
		}
	}
}

// TestDropoutMasks: in training a dropped hidden unit passes no gradient
// to its input weights; about a quarter of them are dropped.
func TestDropoutMasks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := NewNet([]int{4, 400, 1}, 0.1, rng)
	for i := range 400 {
		n.W[0].SetRow(i, []float64{0.1, 0.1, 0.1, 0.1})
	}
	before := mat.DenseCopyOf(n.W[0])
	n.Step(mat.NewDense(1, 4, []float64{1, 1, 1, 1}), mat.NewDense(1, 1, []float64{5}), Train{LR: 0.1, Dropout: 0.25, Batch: 1}, rng)
	unchanged := 0
	for i := range 400 {
		if n.W[0].At(i, 0) == before.At(i, 0) {
			unchanged++
		}
	}
	// Units with a negative output weight are still trained, so only the
	// dropped ones keep their input weights: 100 expected, sd 8.7.
	if unchanged < 60 || unchanged > 140 {
		t.Errorf("%d of 400 hidden units untouched, want about 100 (dropout 0.25)", unchanged)
	}
}
