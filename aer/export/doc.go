// Package export writes the events of any source aer/anyformat reads (a
// Spindle trace, a camera or dataset file) as an .aer trace, a CSV table
// (encoding/csv), a NumPy .npy structured array or a NumPy .npz archive
// that carries the trace's metadata beside the arrays (dt, time unit,
// source, populations, the JSON header), for `spindle trace convert` and
// for programs. python/spindle_aer reads what it writes (docs/python.md).
package export
