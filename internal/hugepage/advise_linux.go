package hugepage

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Size is the size of an x86-64 or arm64 transparent huge page.
const Size = 2 << 20

// Advise asks the kernel to back the whole huge pages within the n bytes
// at p with huge pages when they are first touched. It is advice: a
// kernel that refuses it (transparent huge pages off) changes nothing.
// Linux backs anonymous memory with huge pages on its own only when
// /sys/kernel/mm/transparent_hugepage/enabled says "always"; many
// machines say "madvise".
func Advise(p unsafe.Pointer, n int) {
	lo := (uintptr(p) + Size - 1) &^ (Size - 1)
	hi := (uintptr(p) + uintptr(n)) &^ (Size - 1)
	if hi <= lo {
		return
	}
	// The memory is Go heap memory that the caller's slices keep alive;
	// madvise only reads the range.
	b := unsafe.Slice((*byte)(unsafe.Add(p, lo-uintptr(p))), hi-lo)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
}
