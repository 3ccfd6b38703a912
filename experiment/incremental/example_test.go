package incremental_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/experiment/incremental"
	"gonum.org/v1/gonum/mat"
)

// A network of two inputs and one neuron per layer sleeps three steps:
// both inputs spike, then input 0, then input 1. The first two steps
// fire every layer (potentiation of the paired synapses, depression of
// the unpaired one); the third is too weak to fire anything.
func ExampleReferenceSleep() {
	n := &incremental.Net{Sizes: []int{2, 1, 1, 1},
		W: []*mat.Dense{mat.NewDense(1, 2, []float64{1.5, 0}), mat.NewDense(1, 1, []float64{2}), mat.NewDense(1, 1, []float64{2})},
		V: []*mat.Dense{mat.NewDense(1, 2, nil), mat.NewDense(1, 1, nil), mat.NewDense(1, 1, nil)},
	}
	p := incremental.SleepParams{Inc: 0.5, Dec: 0.25, Beta: [3]float64{1, 1, 1}, Decay: 0.5, Knee: 1}
	in := &incremental.InputTrain{Start: []int32{0, 2, 3, 4}, Pixel: []int16{0, 1, 0, 1}}
	st, err := incremental.ReferenceSleep(n, []float64{1, 1, 1}, in, &p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("spikes per layer %v\n", st.Spikes)
	fmt.Printf("W1 %.4f, W2 %.4f\n", n.W[0].RawRowView(0), n.W[1].At(0, 0))
	// Output:
	// spikes per layer [4 2 2 2]
	// W1 [1.8392 0.3112], W2 2.2264
}

// The quick preset changes the network and the share of the data the
// protocol sees, not the sleep; Apply writes it into the options of Run.
func ExamplePreset_Apply() {
	opt := incremental.Options{Trials: 1, Seed: 1}
	incremental.Quick.Apply(&opt)
	fmt.Println(opt.Sizes, opt.PerTask, opt.Train.Epochs, opt.Train.Batch, opt.SeenLimit, opt.TestLimit, opt.StepsScale)
	// Output:
	// [784 400 400 10] 800 3 40 500 2000 0.5
}
