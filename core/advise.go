package core

import (
	"unsafe"

	"github.com/spindle-sim/spindle/internal/hugepage"
)

// adviseHuge asks for huge pages for the n bytes at p (hugepage.Advise).
func adviseHuge(p unsafe.Pointer, n int) { hugepage.Advise(p, n) }
