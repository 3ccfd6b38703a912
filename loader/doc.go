// Package loader turns files into models: network YAML and NIR graphs into
// snn.Network values and architecture YAML into chip.Arch values, with the
// Loihi-, Pohoiki Springs-, TrueNorth- and SpiNNaker-like presets embedded.
// It also writes networks back as NIR graphs (NIRWriteOptions.Encode).
//
// Every error names the file, the line, the field path and what was
// expected, on one line:
//
//	loader: net.yaml:20: projections[0].pre: unknown population "exc2" (have: exc, inh)
//
// The formats are specified in docs/yaml.md and docs/nir.md; the presets
// and the sources of their numbers in docs/presets.md.
package loader
