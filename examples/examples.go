// Package examples holds the network and architecture files a new user can
// run as they are (spindle run examples/cuba.yaml). The binary embeds them,
// so that `spindle bench` runs the standard benchmarks without a checkout.
package examples

import "embed"

// Files are the example YAML files, by base name.
//
//go:embed *.yaml
var Files embed.FS
