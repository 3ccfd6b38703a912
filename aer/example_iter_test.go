package aer_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/spindle-sim/spindle/aer"
)

// Read a trace's spikes with a range loop.
func ExampleReader_Spikes() {
	dir, err := os.MkdirTemp("", "spikes")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.aer")
	w, err := aer.Create(path, aer.Meta{DtMs: 0.1, TimeUnit: aer.UnitTick})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []aer.Spike{{Time: 0, Addr: 3}, {Time: 2, Addr: 1}, {Time: 5, Addr: 3}} {
		if err := w.WriteSpike(s.Time, s.Addr); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := aer.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for s, err := range r.Spikes() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("tick %d: neuron %d\n", s.Time, s.Addr)
	}
	// Output:
	// tick 0: neuron 3
	// tick 2: neuron 1
	// tick 5: neuron 3
}
