// Package state encodes and decodes the binary state of a simulation for
// checkpoints: little-endian fixed-width values and length-prefixed
// slices, appended to a byte slice by Enc and read back by Dec, which
// checks every length against what remains and what the reader expects
// and remembers the first error.
package state
