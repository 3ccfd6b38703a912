package incremental

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Net is a fully connected ReLU network without biases, trained on the
// host: W[l] holds the weights from layer l to layer l+1, one row per
// post-synaptic unit, and V[l] its momentum buffer.
type Net struct {
	Sizes []int
	W     []*mat.Dense
	V     []*mat.Dense
}

// Train holds the constants of the training (recipe §2).
type Train struct {
	LR       float64 `json:"lr"`       // 0.1
	Momentum float64 `json:"momentum"` // 0.5
	Dropout  float64 `json:"dropout"`  // fraction dropped on the hidden layers; 0.25
	Batch    int     `json:"batch"`    // 100
	Epochs   int     `json:"epochs"`   // 2
}

// RecipeTrain is the training of Tadros et al. (2022).
var RecipeTrain = Train{LR: 0.1, Momentum: 0.5, Dropout: 0.25, Batch: 100, Epochs: 2}

// NewNet returns a network of the given layer sizes with weights drawn
// uniformly from [-init, init] and zero momentum.
func NewNet(sizes []int, init float64, rng *rand.Rand) *Net {
	n := &Net{Sizes: append([]int(nil), sizes...)}
	for l := 0; l+1 < len(sizes); l++ {
		w := mat.NewDense(sizes[l+1], sizes[l], nil)
		raw := w.RawMatrix().Data
		for i := range raw {
			raw[i] = init * (2*rng.Float64() - 1)
		}
		n.W = append(n.W, w)
		n.V = append(n.V, mat.NewDense(sizes[l+1], sizes[l], nil))
	}
	return n
}

// Clone returns a deep copy (weights and momentum).
func (n *Net) Clone() *Net {
	c := &Net{Sizes: append([]int(nil), n.Sizes...)}
	for l := range n.W {
		c.W = append(c.W, mat.DenseCopyOf(n.W[l]))
		c.V = append(c.V, mat.DenseCopyOf(n.V[l]))
	}
	return c
}

// images copies images idx of s into the rows of x, pixels / 255.
func images(x *mat.Dense, s *Set, idx []int) {
	raw := x.RawMatrix()
	for r, i := range idx {
		row := raw.Data[r*raw.Stride : r*raw.Stride+Pixels]
		for k, p := range s.Image(i) {
			row[k] = float64(p) / 255
		}
	}
}

// trainer holds the buffers of one mini-batch.
type trainer struct {
	a, d, mask []*mat.Dense
	grad       []*mat.Dense
}

func newTrainer(sizes []int, batch int) *trainer {
	t := &trainer{}
	for l, s := range sizes {
		t.a = append(t.a, mat.NewDense(batch, s, nil))
		t.d = append(t.d, mat.NewDense(batch, s, nil))
		t.mask = append(t.mask, mat.NewDense(batch, s, nil))
		if l+1 < len(sizes) {
			t.grad = append(t.grad, mat.NewDense(sizes[l+1], s, nil))
		}
	}
	return t
}

// Fit trains n on images idx of s: cfg.Epochs passes, each over a new
// random permutation in mini-batches of cfg.Batch (a remainder smaller
// than a batch is left out, as the recipe's 5,000 and 60,000 images have
// none); squared error on ReLU outputs, dropout on the hidden layers,
// SGD with momentum (v <- m v + lr grad; w <- w - v).
func (n *Net) Fit(s *Set, idx []int, cfg Train, rng *rand.Rand) error {
	if cfg.Batch <= 0 || len(idx) < cfg.Batch {
		return fmt.Errorf("incremental: %d images for batches of %d: expected at least one batch", len(idx), cfg.Batch)
	}
	if n.Sizes[0] != Pixels || n.Sizes[len(n.Sizes)-1] != Classes {
		return fmt.Errorf("incremental: layer sizes %v: expected %d inputs and %d outputs", n.Sizes, Pixels, Classes)
	}
	t := newTrainer(n.Sizes, cfg.Batch)
	y := mat.NewDense(cfg.Batch, Classes, nil)
	order := append([]int(nil), idx...)
	for range cfg.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b := 0; b+cfg.Batch <= len(order); b += cfg.Batch {
			batch := order[b : b+cfg.Batch]
			images(t.a[0], s, batch)
			y.Zero()
			for r, i := range batch {
				y.Set(r, int(s.Labels[i]), 1)
			}
			n.step(t, y, cfg, rng)
		}
	}
	return nil
}

// Step trains n on one mini-batch: x (rows are inputs) with targets y.
// It is the unit the hand-checked test exercises.
func (n *Net) Step(x, y *mat.Dense, cfg Train, rng *rand.Rand) {
	rows, _ := x.Dims()
	t := newTrainer(n.Sizes, rows)
	t.a[0].Copy(x)
	n.step(t, y, cfg, rng)
}

func (n *Net) step(t *trainer, y *mat.Dense, cfg Train, rng *rand.Rand) {
	L := len(n.W)
	batch, _ := t.a[0].Dims()
	for l := range L {
		t.a[l+1].Mul(t.a[l], n.W[l].T())
		relu(t.a[l+1])
		if l+1 < L && cfg.Dropout > 0 {
			m := t.mask[l+1].RawMatrix().Data
			a := t.a[l+1].RawMatrix().Data
			for i := range m {
				if rng.Float64() > cfg.Dropout {
					m[i] = 1
				} else {
					m[i] = 0
					a[i] = 0
				}
			}
		}
	}
	// Output delta: a - y, without the output ReLU's derivative.
	t.d[L].Sub(t.a[L], y)
	for l := L - 1; l >= 1; l-- {
		t.d[l].Mul(t.d[l+1], n.W[l])
		d := t.d[l].RawMatrix().Data
		a := t.a[l].RawMatrix().Data
		for i := range d {
			if a[i] <= 0 {
				d[i] = 0 // ReLU derivative; a dropped unit has a = 0
			}
		}
	}
	for l := range L {
		t.grad[l].Mul(t.d[l+1].T(), t.a[l])
		g := t.grad[l].RawMatrix().Data
		v := n.V[l].RawMatrix().Data
		w := n.W[l].RawMatrix().Data
		k := cfg.LR / float64(batch)
		for i := range g {
			v[i] = cfg.Momentum*v[i] + k*g[i]
			w[i] -= v[i]
		}
	}
}

func relu(m *mat.Dense) {
	d := m.RawMatrix().Data
	for i, v := range d {
		if v < 0 {
			d[i] = 0
		}
	}
}

// chunk is the number of images a test-mode forward pass takes at once.
const chunk = 500

// forward runs images idx of s through n in test mode (hidden
// activations scaled by 1 - dropout) and calls visit with the
// activations of every layer for each chunk.
func (n *Net) forward(s *Set, idx []int, dropout float64, visit func(acts []*mat.Dense, idx []int)) {
	L := len(n.W)
	var acts []*mat.Dense
	for b := 0; b < len(idx); b += chunk {
		part := idx[b:min(b+chunk, len(idx))]
		if acts == nil || len(part) != chunk {
			acts = acts[:0]
			for _, sz := range n.Sizes {
				acts = append(acts, mat.NewDense(len(part), sz, nil))
			}
		}
		images(acts[0], s, part)
		for l := range L {
			acts[l+1].Mul(acts[l], n.W[l].T())
			relu(acts[l+1])
			if l+1 < L && dropout > 0 {
				acts[l+1].Scale(1-dropout, acts[l+1])
			}
		}
		visit(acts, part)
	}
}

// Predict returns the predicted digit of images idx of s: the index of
// the largest output, the lowest index on ties (so an image whose outputs
// are all zero counts as digit 0, as in the recipe).
func (n *Net) Predict(s *Set, idx []int, dropout float64) []uint8 {
	out := make([]uint8, 0, len(idx))
	n.forward(s, idx, dropout, func(acts []*mat.Dense, part []int) {
		o := acts[len(acts)-1]
		for r := range part {
			row := o.RawRowView(r)
			best := 0
			for k := 1; k < len(row); k++ {
				if row[k] > row[best] {
					best = k
				}
			}
			out = append(out, uint8(best))
		}
	})
	return out
}

// Score is the accuracy of a network on a test set.
type Score struct {
	Total    float64          // fraction correct over all images
	PerDigit [Classes]float64 // fraction correct among the images of each digit
}

// Evaluate scores n on every image of s.
func (n *Net) Evaluate(s *Set, dropout float64) Score {
	idx := make([]int, s.Len())
	for i := range idx {
		idx[i] = i
	}
	pred := n.Predict(s, idx, dropout)
	var right, count [Classes]int
	total := 0
	for i, p := range pred {
		y := s.Labels[i]
		count[y]++
		if p == y {
			right[y]++
			total++
		}
	}
	var sc Score
	if len(pred) > 0 {
		sc.Total = float64(total) / float64(len(pred))
	}
	for k := range sc.PerDigit {
		if count[k] > 0 {
			sc.PerDigit[k] = float64(right[k]) / float64(count[k])
		}
	}
	return sc
}
