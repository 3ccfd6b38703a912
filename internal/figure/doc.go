// Package figure draws Spindle's figures with gonum/plot: the raster,
// population rates and core-to-core packet heatmap of a trace or camera
// file (`spindle trace plot`). It writes PNG to any io.Writer; the command
// line decides where.
package figure
