package hugepage

import "unsafe"

// Slice advises huge pages for the memory of s, up to its capacity
// (Advise), and returns s.
func Slice[T any](s []T) []T {
	var zero T
	Advise(unsafe.Pointer(unsafe.SliceData(s)), cap(s)*int(unsafe.Sizeof(zero)))
	return s
}
