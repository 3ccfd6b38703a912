// Package hdf5 reads and writes the subset of the HDF5 file format that
// NIR graph files use, so the loader can read and write them without cgo
// or a third-party library.
//
// It reads version 0 and 1 superblocks, version 1 object headers (with
// continuation blocks), groups stored as symbol tables (version 1 B-trees,
// symbol nodes and local heaps), and datasets and attributes of
// fixed-point, IEEE floating-point, fixed-length string and variable-length
// string types (the latter from global heap collections), stored compact
// or contiguous. Chunked storage, version 2 object headers and link-message
// groups are reported as unsupported: the h5py-written NIR files seen so
// far use none of them.
//
// Encode writes a Tree of groups, datasets and attributes in the same
// subset (version 0 superblock, version 1 object headers, symbol-table
// groups, contiguous datasets of little-endian float32, float64 and int64
// and variable-length UTF-8 strings in global heap collections): the
// layout h5py gives with libver "earliest", which the HDF5 library and
// this reader both read.
//
// The input is untrusted: every address and length is checked against the
// file, and a malformed file gives an error naming the object path and what
// was expected, never a panic.
package hdf5
