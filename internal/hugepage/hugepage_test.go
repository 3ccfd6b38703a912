package hugepage

import (
	"testing"
)

// Advice leaves the memory as it was, whatever its size and alignment,
// and a nil or small slice is no error.
func TestSliceKeepsContents(t *testing.T) {
	for _, n := range []int{0, 1, 1000, Size/8 + 3, 3 * Size / 8} {
		s := make([]uint64, n, n+5)
		for i := range s {
			s[i] = uint64(i) * 7
		}
		got := Slice(s)
		if len(got) != n || cap(got) != n+5 {
			t.Fatalf("n %d: len %d cap %d", n, len(got), cap(got))
		}
		for i, v := range got {
			if v != uint64(i)*7 {
				t.Fatalf("n %d: element %d is %d", n, i, v)
			}
		}
	}
	if Slice[int](nil) != nil {
		t.Fatal("nil slice: not nil")
	}
}
