package loader_test

import (
	"fmt"
	"log"

	"github.com/spindle-sim/spindle/loader"
)

// A network written in YAML, exported as a NIR graph and read back.
func ExampleEncodeNIR() {
	net, err := loader.ParseNetwork("tiny.yaml", []byte(`
dt: 1
populations:
  - {name: in, kind: spike_source, spike_times: [[], []]}
  - {name: lif, size: 3, neuron: {tau_m: 10, v_th: 1, receptors: [{name: syn, tau_syn: 5}]}}
projections:
  - {name: fc, pre: in, post: lif, connector: all_to_all, weight: 0.5}
`))
	if err != nil {
		log.Fatal(err)
	}
	data, err := loader.EncodeNIR(net)
	if err != nil {
		log.Fatal(err)
	}
	back, err := loader.NIROptions{Dt: net.Dt}.Parse("tiny.nir", data)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range back.Populations {
		fmt.Printf("%s: %d %s\n", p.Name, p.Size, p.Kind)
	}
	for _, pr := range back.Projections {
		fmt.Printf("%s: %s -> %s, %d synapses of %.3g mV\n", pr.Name, pr.Pre, pr.Post, pr.Connector.Len(), pr.Connector.List[0].Weight)
	}
	// Output:
	// in: 2 spike_source
	// lif: 3 lif
	// fc: in -> lif, 6 synapses of 0.5 mV
}
