package loader_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
)

// A network whose synapses come from a CSV file beside it and whose
// populations are pinned to cores.
func Example() {
	dir, err := os.MkdirTemp("", "spindle-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"synapses.csv": "pre,post,weight\n0,0,2.5\n1,0,-1\n1,2,3\n",
		"net.yaml": `dt: 1
populations:
  - {name: in, size: 2, kind: poisson, rate: 100}
  - {name: out, size: 3, neuron: {tau_m: 10, v_th: 1}}
projections:
  - {pre: in, post: out, connector: {file: synapses.csv}}
placement:
  in: {cores: 1}
  out: {cores: "2-3", counts: [1, 2]}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	net, err := loader.LoadNetwork(filepath.Join(dir, "net.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	c := net.Projections[0].Connector
	for k := range c.Len() {
		s := c.At(k)
		fmt.Printf("in[%d] -> out[%d]: %v mV\n", s.Pre, s.Post, s.Weight)
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Strategy, m.Cores)
	// Output:
	// in[0] -> out[0]: 2.5 mV
	// in[1] -> out[0]: -1 mV
	// in[1] -> out[2]: 3 mV
	// placement [[] [0 1] [2] [3 4]]
}
