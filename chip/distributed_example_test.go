package chip_test

import (
	"fmt"
	"log"
	"sync"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// chanComm is a chip.Comm between goroutines: ranks of one process. A
// distributed run uses internal/mpi's, on MPI_COMM_WORLD.
type chanComm struct {
	rank, n int
	boxes   []chan []byte // boxes[to*n+from]
}

func chanComms(n int) []chip.Comm {
	boxes := make([]chan []byte, n*n)
	for i := range boxes {
		boxes[i] = make(chan []byte, 1)
	}
	out := make([]chip.Comm, n)
	for r := range out {
		out[r] = &chanComm{rank: r, n: n, boxes: boxes}
	}
	return out
}

func (c *chanComm) Rank() int { return c.rank }
func (c *chanComm) Size() int { return c.n }

func (c *chanComm) Alltoallv(send, recv [][]byte) ([][]byte, error) {
	n := c.n
	for to := range n {
		c.boxes[to*n+c.rank] <- append([]byte(nil), send[to]...)
	}
	recv = make([][]byte, n)
	for from := range n {
		recv[from] = <-c.boxes[c.rank*n+from]
	}
	return recv, nil
}

// Two ranks, each stepping its block of cores, give the totals of one
// process.
func ExamplePartition() {
	lif := snn.Neuron{TauM: 20, VTh: 10, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	net := &snn.Network{
		Name: "example", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: 50, Kind: snn.Poisson, RateHz: 40},
			{Name: "out", Size: 30, Neuron: lif},
		},
		Projections: []snn.Projection{{Name: "in-out", Pre: "in", Post: "out",
			Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.3}, Weight: snn.Const(4), Delay: snn.Const(3)}},
	}
	g, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	arch := &chip.Arch{Name: "small", NeuronsPerCore: 16, InputAxonsPerCore: 1024, OutputAxonsPerCore: 1024, SynapsesPerCore: 4096,
		MaxFanIn: 1024, MaxDelayTicks: 16, WeightBits: 8, CoresPerTile: 4, TilesX: 2, TilesY: 2, LinkBuffer: 16, Sync: chip.Barrier}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("cores:", len(m.Cores), "blocks of 2 ranks:", chip.Partition(m, arch, 2))

	one, err := chip.NewEngine(g, arch, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		log.Fatal(err)
	}
	one.Run(200)
	want := one.Stats()
	one.Close()

	comms := chanComms(2)
	stats := make([]chip.Stats, 2)
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Add(1)
		go func() { // in practice, one process per rank under mpirun
			defer wg.Done()
			e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: snn.Fixed, Comm: comms[k]})
			if err != nil {
				log.Fatal(err)
			}
			defer e.Close()
			e.Run(200)
			if err := e.Err(); err != nil {
				log.Fatal(err)
			}
			stats[k] = e.Stats()
		}()
	}
	wg.Wait()
	fmt.Println("spikes:", want.Spikes, stats[0].Spikes, stats[1].Spikes)
	fmt.Println("same packets and energy:", stats[0].Router == want.Router && stats[0].EnergyJoules == want.EnergyJoules)
	// Output:
	// cores: 5 blocks of 2 ranks: [0 3 5]
	// spikes: 593 593 593
	// same packets and energy: true
}
