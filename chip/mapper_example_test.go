package chip_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/chip"
)

// Read a strategy by the name the command line's --map takes.
func ExampleParseMapper() {
	fmt.Println(chip.Mappers())
	m, err := chip.ParseMapper("locality")
	fmt.Println(m == chip.Locality, err)
	_, err = chip.ParseMapper("greedy")
	fmt.Println(err)
	// Output:
	// [sequential balanced random locality]
	// true <nil>
	// map: strategy "greedy": expected one of sequential, balanced, random, locality
}
