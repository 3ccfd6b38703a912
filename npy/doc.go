// Package npy writes NumPy arrays: .npy files (format version 1.0) and
// .npz archives of them, as numpy.load reads them with allow_pickle=False.
//
// Header builds the header of a plain or structured array; StructHeader
// builds one whose record count is padded to a fixed width, so that a
// writer streaming records of unknown number can rewrite it in place at
// the end. Zip writes an .npz archive (stored, not deflated, as numpy.savez
// does) of scalars, string arrays, numeric columns and members copied
// from .npy data written elsewhere.
package npy
