package core

import (
	"testing"
	"unsafe"
)

// The memory budget of the issue: at most 8 bytes of synapse memory per
// synapse in fixed mode (target, packed delay and receptor, weight).
func TestFixedSynapseIsEightBytes(t *testing.T) {
	var c Core
	n := unsafe.Sizeof(c.synX[0])
	if n != 8 {
		t.Errorf("a fixed-mode synapse takes %d bytes, want 8", n)
	}
}
