package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/internal/figure"
)

// checkPlotName refuses an output name plotMapping cannot write, before
// anything is mapped or written.
func checkPlotName(path string) error {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if !slices.Contains(figure.ImageFormats(), ext) {
		return usagef("map: -o %s: expected an image file name ending in one of .%s", path, strings.Join(figure.ImageFormats(), ", ."))
	}
	return nil
}

// plotMapping draws the board of a mapping (figure.Mapping) into the
// image file path.
func plotMapping(path string, b *built, e *mapping.Estimate) error {
	var img bytes.Buffer
	err := figure.Mapping(&img, filepath.Ext(path)[1:], b.net.Name, b.arch, b.mapping, e)
	if err == nil {
		err = writeOutput(path, func(f *os.File) error {
			_, err := img.WriteTo(f)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	return nil
}
