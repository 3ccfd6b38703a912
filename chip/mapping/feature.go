package mapping

import (
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// featureOrder returns the order in which the greedy fill takes the
// neurons: network order, except that the feature map a convolution
// writes (a population whose inputs include a conv projection) is taken
// in spatial tiles, every channel of a tile together, so that a core
// holds whole tiles: a tile's neurons share most of their inputs, which
// keeps a core's input axons (and, with shared kernels, its weights) few.
// A tile is T x T positions with T the largest for which all C channels
// of it fit on a core, C*T*T <= neurons_per_core. Nil when no
// convolution feeds a population: neuron order.
func featureOrder(g *snn.Graph, a *chip.Arch) []uint32 {
	net := g.Net
	shape := make([][3]int, len(net.Populations))
	any := false
	for k := range net.Projections {
		pr := &net.Projections[k]
		if pr.Connector.Kind == snn.Convolution && pr.Connector.Conv != nil {
			shape[net.PopulationIndex(pr.Post)] = pr.Connector.Conv.OutShape()
			any = true
		}
	}
	if !any {
		return nil
	}
	order := make([]uint32, 0, g.N)
	for pi := range net.Populations {
		lo, hi := g.PopStart[pi], g.PopStart[pi+1]
		s := shape[pi]
		if s[0] == 0 || s[0]*s[1]*s[2] != hi-lo {
			for i := lo; i < hi; i++ {
				order = append(order, uint32(i))
			}
			continue
		}
		C, H, W := s[0], s[1], s[2]
		t := 1
		for C*(t+1)*(t+1) <= a.NeuronsPerCore && t < max(H, W) {
			t++
		}
		for ty := 0; ty < H; ty += t {
			for tx := 0; tx < W; tx += t {
				for c := range C {
					for y := ty; y < min(H, ty+t); y++ {
						for x := tx; x < min(W, tx+t); x++ {
							order = append(order, uint32(lo+(c*H+y)*W+x))
						}
					}
				}
			}
		}
	}
	return order
}
