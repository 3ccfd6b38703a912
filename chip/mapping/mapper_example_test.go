package mapping_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/chip/mapping"
)

// Read a strategy by the name the command line's --map takes.
func ExampleParseMapper() {
	fmt.Println(mapping.Mappers())
	m, err := mapping.ParseMapper("locality")
	fmt.Println(m == mapping.Locality, err)
	_, err = mapping.ParseMapper("greedy")
	fmt.Println(err)
	// Output:
	// [sequential balanced random locality]
	// true <nil>
	// map: strategy "greedy": expected one of sequential, balanced, random, locality
}
