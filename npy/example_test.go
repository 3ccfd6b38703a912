package npy_test

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/spindle-sim/spindle/npy"
)

// An .npz holding a tick length and the names and first addresses of two
// populations; in Python, numpy.load returns them as z["dt_ms"],
// z["names"] and z["first"].
func ExampleZip() {
	var buf bytes.Buffer
	z := npy.NewZip(&buf)
	z.Float64("dt_ms", 0.1)
	z.Strings("names", []string{"exc", "inh"})
	z.Uint32s("first", []uint32{0, 3200})
	if err := z.Close(); err != nil {
		fmt.Println(err)
		return
	}
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	for _, f := range zr.File {
		fmt.Println(f.Name, f.UncompressedSize64)
	}
	// Output:
	// dt_ms.npy 136
	// names.npy 152
	// first.npy 136
}
