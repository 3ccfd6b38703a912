package hdf5_test

import (
	"fmt"
	"log"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
)

// A group with a string and a matrix, written and read back.
func ExampleEncode() {
	data, err := hdf5.Encode(&hdf5.Tree{Groups: map[string]*hdf5.Tree{
		"fc": {Datasets: map[string]*hdf5.Data{
			"type":   {Strings: []string{"Linear"}},
			"weight": {Shape: []int{2, 3}, Float32: []float32{1, 2, 3, 4, 5, 6}},
		}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	f, err := hdf5.Open(data)
	if err != nil {
		log.Fatal(err)
	}
	root, _ := f.Root()
	fc, _ := root.Group("fc")
	typ, _ := fc.Dataset("type")
	s, _, _ := typ.Strings()
	w, _ := fc.Dataset("weight")
	v, shape, _ := w.Float64s()
	fmt.Println(fc.Members(), s, shape, v)
	// Output: [type weight] [Linear] [2 3] [1 2 3 4 5 6]
}
