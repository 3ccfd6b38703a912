//go:build !linux

package core

import "unsafe"

// adviseHuge does nothing where huge pages are not advised.
func adviseHuge(p unsafe.Pointer, n int) {}
