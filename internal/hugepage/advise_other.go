//go:build !linux

package hugepage

import "unsafe"

// Size is the size of an x86-64 or arm64 transparent huge page.
const Size = 2 << 20

// Advise does nothing where huge pages are not advised.
func Advise(p unsafe.Pointer, n int) {}
