// Package presets holds Spindle's architecture presets: one commented YAML
// file per chip or board (loihi, loihi-presilicon, pohoiki, truenorth,
// spinnaker), in the architecture schema of docs/arch.md, each citing the
// sources of its figures (docs/presets.md).
//
// The files live beside the chip model they describe and are embedded in
// every binary. Package loader decodes them into a chip.Arch
// (loader.LoadArch), with the line-numbered errors and the "base:" files
// built on a preset that any architecture file gets; the front door takes
// them by name (spindle.Arch).
package presets

import (
	"embed"
	"slices"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Names returns the names of the presets, sorted.
func Names() []string {
	ents, err := files.ReadDir(".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// YAML returns the text of preset name, comments included, and whether
// there is such a preset.
func YAML(name string) ([]byte, bool) {
	if !slices.Contains(Names(), name) {
		return nil, false
	}
	b, err := files.ReadFile(name + ".yaml")
	return b, err == nil
}
