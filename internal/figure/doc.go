// Package figure draws Spindle's figures with gonum/plot: the raster,
// population rates and core-to-core packet heatmap of a trace or camera
// file (Trace, for `spindle trace plot`) and the board of a mapping with
// its expected per-core load and per-link traffic (Mapping, for `spindle
// map -o`). It writes to any io.Writer; the command line decides where.
package figure
