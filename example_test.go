package spindle_test

import (
	"encoding/csv"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spindle-sim/spindle"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// The program of the package documentation: CUBA in fixed mode on the
// loihi preset, one membrane potential probed.
func Example() {
	net, err := spindle.Load("examples/cuba_fixed.yaml")
	if err != nil {
		log.Fatal(err)
	}
	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	sim, err := spindle.New(net, arch, spindle.Options{Mapper: mapping.Balanced})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	v, err := sim.Probe("exc", 0, 1, chip.V) // neuron 0 of population exc
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Run(1000); err != nil {
		log.Fatal(err)
	}
	st := sim.Stats()
	fmt.Printf("%s mode, %d cores: %d spikes, %d packets, %.3g J\n",
		sim.Mode, sim.Mapping.CoresUsed(), len(sim.Spikes()), st.Router.Sent, st.EnergyJoules)
	fmt.Printf("v of exc[0] at tick %d: %.2f mV above rest\n", v.First()+999, v.Row(999)[0])
	// Output:
	// fixed mode, 5 cores: 2545 spikes, 12725 packets, 0.0003 J
	// v of exc[0] at tick 999: -5.42 mV above rest
}

// smallNet is a network built in code: a spike source driving ten LIF
// neurons, in fixed mode. Literal distributions work as well as snn.Const.
func smallNet() *snn.Network {
	lif := snn.Neuron{TauM: 20, VRest: -65, VReset: -65, VTh: -55, TRef: 2,
		VInit:     snn.Dist{Kind: snn.Constant, Value: -60},
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	return &snn.Network{
		Name: "small", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: 2, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{1, 3, 5, 7}, {2, 4, 6}}},
			{Name: "out", Size: 10, Neuron: lif},
		},
		Projections: []snn.Projection{{Name: "in-out", Pre: "in", Post: "out",
			Connector: snn.Connector{Kind: snn.AllToAll},
			Weight:    snn.Dist{Kind: snn.Constant, Value: 15}, Delay: snn.Const(1)}},
	}
}

// Build a network in code, map it onto the loihi preset and run it; the
// mode follows the network (fixed here).
func ExampleNew() {
	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	sim, err := spindle.New(smallNet(), arch, spindle.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	if err := sim.Run(20); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s mode, %s map, %d core(s)\n", sim.Mode, sim.Mapping.Strategy, sim.Mapping.CoresUsed())
	out, err := sim.Neuron("out", 0) // the global id of out[0]
	if err != nil {
		log.Fatal(err)
	}
	perTick := map[int64]int{}
	for _, s := range sim.Spikes() {
		if s.Addr >= out {
			perTick[s.Time]++
		}
	}
	fmt.Println("spikes of out by tick:", perTick)
	st := sim.Stats()
	fmt.Printf("%d spikes, %d synaptic events\n", st.Spikes, st.SynapticEvents)
	// Output:
	// fixed mode, sequential map, 1 core(s)
	// spikes of out by tick: map[6:10]
	// 17 spikes, 70 synaptic events
}

// Record an AER trace of a run and read it back.
func ExampleReadTrace() {
	dir, err := os.MkdirTemp("", "spindle")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "small.aer")

	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	sim, err := spindle.New(smallNet(), arch, spindle.Options{Trace: path, TracePackets: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Run(20); err != nil {
		log.Fatal(err)
	}
	if err := sim.Close(); err != nil { // finishes the trace
		log.Fatal(err)
	}

	meta, spikes, err := spindle.ReadTrace(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("dt %g ms, record kinds %v\n", meta.DtMs, meta.Kinds)
	for _, p := range meta.Populations {
		fmt.Printf("population %s: addresses %d to %d\n", p.Name, p.First, p.First+p.Size-1)
	}
	fmt.Printf("%d spikes, the first at tick %d from neuron %d\n", len(spikes), spikes[0].Time, spikes[0].Addr)
	// Output:
	// dt 1 ms, record kinds [spike packet]
	// population in: addresses 0 to 1
	// population out: addresses 2 to 11
	// 17 spikes, the first at tick 1 from neuron 0
}

// Compare the event engine with the dense reference: in fixed mode they
// agree bit for bit, the dense side quantising weights with the arch's
// weight bits.
func ExampleCompare() {
	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := spindle.Compare(smallNet(), arch, 50, spindle.Options{Mapper: mapping.Random})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s mode, %d-bit weights: identical %v, %d and %d spikes\n",
		rep.Mode, rep.WeightBits, rep.Identical, rep.EventSpikes, rep.DenseSpikes)
	// Output:
	// fixed mode, 8-bit weights: identical true, 17 and 17 spikes
}

// Sleep: run the network's sleep protocol on the cores. Here a plastic
// network (STDP from "hidden" to "out") sleeps after a waking run, its
// input silenced and its hidden layer driven by noise at the rates it
// showed awake.
func ExampleSim_Sleep() {
	lif := snn.Neuron{TauM: 20, VTh: 10, TRef: 2, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	net := &snn.Network{
		Name: "sleepy", Dt: 1, Seed: 5, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: 20, Kind: snn.Poisson, RateHz: 50},
			{Name: "hidden", Size: 20, Neuron: lif},
			{Name: "out", Size: 4, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "ih", Pre: "in", Post: "hidden", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(100)},
			{Name: "ho", Pre: "hidden", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(8),
				Plasticity: &snn.Plasticity{Rule: snn.STDP, TauPlus: 20, TauMinus: 20, APlus: 0.2, AMinus: 0.25, WMin: 0, WMax: 16}},
		},
		Sleep: &snn.SleepSpec{Ticks: 200, Silence: []string{"in"}, Drive: []string{"hidden"}, Mute: []string{"ih"}},
	}
	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	sim, err := spindle.New(net, arch, spindle.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	if err := sim.Run(300); err != nil {
		log.Fatal(err)
	}
	sum := func(w []float64) (s float64) {
		for _, x := range w {
			s += x
		}
		return s
	}
	awake := sum(sim.Engine.Weights(1))
	if err := sim.Sleep(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ticks %d, summed hidden->out weight %.2f awake, %.2f after sleep\n",
		sim.Engine.Tick(), awake, sum(sim.Engine.Weights(1)))
	// Output:
	// ticks 500, summed hidden->out weight 556.56 awake, 555.31 after sleep
}

// Probe the membrane potential of one neuron every tick and write it as
// CSV (tick, time in ms, v in mV), which a plot tool or a spreadsheet
// reads; here it goes to standard output.
func ExampleSim_Probe() {
	arch, err := spindle.Arch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	net := smallNet()
	sim, err := spindle.New(net, arch, spindle.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	v, err := sim.Probe("out", 3, 4, chip.V) // neuron 3 of "out"
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Run(8); err != nil {
		log.Fatal(err)
	}
	vRest := net.Populations[1].Neuron.VRest // the probe gives v relative to rest
	w := csv.NewWriter(os.Stdout)
	w.Write([]string{"tick", "time_ms", "v_mV"})
	for k := 0; k < v.Len(); k++ {
		tick := v.First() + int64(k)
		w.Write([]string{
			strconv.FormatInt(tick, 10),
			strconv.FormatFloat(float64(tick)*net.Dt, 'g', -1, 64),
			strconv.FormatFloat(vRest+v.Row(k)[0], 'f', 3, 64),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// tick,time_ms,v_mV
	// 0,0,-60.244
	// 1,1,-60.476
	// 2,2,-59.965
	// 3,3,-58.879
	// 4,4,-57.355
	// 5,5,-55.503
	// 6,6,-65.000
	// 7,7,-65.000
}
