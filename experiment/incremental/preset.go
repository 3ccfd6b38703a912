package incremental

// Preset is a named configuration of the protocol: the network, how much
// of the data the training, the normalisation and the test see, the
// length of the sleeps and the training constants. The sleep rule and
// its constants (RecipeSleep) are the same in every preset.
type Preset struct {
	Name    string `json:"name"`
	Sizes   []int  `json:"sizes"`           // layer sizes, Pixels first and Classes last
	PerTask int    `json:"images_per_task"` // training images per task (the first of each task)
	// SeenLimit, if > 0, keeps the first SeenLimit training images of
	// each task seen for the normalisation and the mean image (0: all).
	SeenLimit int `json:"seen_limit"`
	// TestImages is the number of test images scored: the first
	// TestImages of the test file (10,000: all).
	TestImages int     `json:"test_images"`
	StepsScale float64 `json:"sleep_steps_scale"` // multiplies the recipe's sleep lengths
	Train      Train   `json:"train"`
}

// Recipe is the protocol of Tadros et al. (2022): the 784-1200-1200-10
// network trained on 5,000 images per task for 2 epochs in batches of
// 100, normalised over every training image of the tasks seen, the
// recipe's sleep lengths, scored on all 10,000 test images.
var Recipe = Preset{
	Name: "recipe", Sizes: Sizes, PerTask: 5000, TestImages: 10000, StepsScale: 1, Train: RecipeTrain,
}

// Quick is a preview of the protocol that runs in seconds: hidden
// layers of 400 instead of 1,200 (a fifth of the multiply-adds), 800
// images per task trained for 3 epochs in batches of 40 (60 steps per
// task instead of 100: fewer steps leave the network of ±0.01 initial
// weights silent), 500 images per task seen for the normalisation and
// the mean image, half the recipe's sleep lengths, and the first 2,000
// test images. The sleep rule and its constants are the recipe's.
var Quick = Preset{
	Name: "quick", Sizes: []int{Pixels, 400, 400, Classes}, PerTask: 800, SeenLimit: 500, TestImages: 2000, StepsScale: 0.5,
	Train: Train{LR: 0.1, Momentum: 0.5, Dropout: 0.25, Batch: 40, Epochs: 3},
}

// Apply sets the network, data and sleep-length fields of o from p and
// leaves the others (data, trials, seed, sleeper, ...) alone.
func (p *Preset) Apply(o *Options) {
	o.Sizes = append([]int(nil), p.Sizes...)
	o.PerTask, o.SeenLimit, o.StepsScale, o.Train = p.PerTask, p.SeenLimit, p.StepsScale, p.Train
	o.TestLimit = p.TestImages
}
