// Package nmnist reads the binary event files of the N-MNIST and
// N-Caltech101 datasets (Orchard et al. 2015): 5 bytes per event, x, y, then
// a big-endian 24-bit word holding the polarity (bit 23) and a 23-bit
// microsecond timestamp. An event with y = 240 marks a timestamp overflow:
// 2^23 µs are added to every later timestamp.
package nmnist
