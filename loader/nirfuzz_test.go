package loader

import (
	"math"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// FuzzNIRConv builds a chain Input -> [SumPool2d or AvgPool2d] -> Conv2d ->
// IF (or Input -> Conv1d -> IF for an input of height 1) from fuzzed
// parameters and holds three readings of it to one weight
// matrix: the loader's composition of the chain (scatter from each input),
// the snn.Conv connector the loader makes of it (gathered per output,
// expanded by Build) and the frame reference's evaluation of unit inputs.
// Parameters that do not fit must be refused with an error, not a panic.
func FuzzNIRConv(f *testing.F) {
	f.Add(uint8(2), uint8(5), uint8(4), uint8(3), uint8(3), uint8(1), uint8(1), uint8(1), uint8(1), uint8(0), uint8(0))
	f.Add(uint8(4), uint8(6), uint8(6), uint8(2), uint8(3), uint8(2), uint8(2), uint8(1), uint8(2), uint8(2), uint8(1))
	f.Add(uint8(1), uint8(8), uint8(3), uint8(1), uint8(5), uint8(3), uint8(0), uint8(2), uint8(1), uint8(3), uint8(2))
	f.Add(uint8(2), uint8(0), uint8(8), uint8(2), uint8(2), uint8(1), uint8(4), uint8(2), uint8(1), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, ch, h, w, out, k, stride, pad, dil, groups, pool, poolK uint8) {
		C, H, W := int(ch%4)+1, int(h%9)+1, int(w%9)+1
		c := &nirConv{out: int(out%4) + 1, kernel: [2]int{int(k%4) + 1, int(k/4%4) + 1},
			stride: [2]int{int(stride%3) + 1, int(stride/3%3) + 1}, dilation: [2]int{int(dil%2) + 1, int(dil/2%2) + 1}, groups: int(groups%2) + 1}
		c.pad = [4]int{int(pad % 3), int(pad % 3), int(pad / 3 % 3), int(pad / 3 % 3)}
		if C%c.groups != 0 || c.out%c.groups != 0 {
			c.groups = 1
		}
		input := &nirNode{name: "in", typ: "Input", size: C * H * W, shape: []int{C, H, W}}
		nodes := []*nirNode{input}
		edges := [][2]string{}
		prev := "in"
		inShape := []int{C, H, W}
		if pool%3 != 0 {
			kk := int(poolK%3) + 1
			pl := &nirPool{kernel: [2]int{kk, kk}, stride: [2]int{kk, int(poolK/3%2) + 1}, average: pool%3 == 2}
			pn := &nirNode{name: "pool", typ: "SumPool2d", pool: pl}
			if pl.average {
				pn.typ = "AvgPool2d"
			}
			if H < kk || W < kk {
				return
			}
			oh, ow := poolOut(pl, H, W)
			inShape = []int{C, oh, ow}
			nodes, edges, prev = append(nodes, pn), append(edges, [2]string{prev, "pool"}), "pool"
		}
		c.in = C / c.groups
		typ := "Conv2d"
		if H == 1 && prev == "in" {
			// A Conv1d over [C, W]: height 1 throughout.
			typ, c.oneD = "Conv1d", true
			c.kernel[0], c.stride[0], c.dilation[0], c.pad[0], c.pad[1] = 1, 1, 1, 0, 0
			input.shape, inShape = []int{C, W}, []int{C, 1, W}
		}
		oh, ow := convOut(c, inShape[1], inShape[2])
		cn := &nirNode{name: "conv", typ: typ, conv: c, weight: make([]float64, c.out*c.in*c.kernel[0]*c.kernel[1])}
		for i := range cn.weight {
			cn.weight[i] = float64((i*7)%11) - 5 // zeros included
		}
		size := c.out * max(oh, 0) * max(ow, 0)
		ifn := &nirNode{name: "if", typ: "IF", size: max(size, 1), nirParams: nirParams{r: 1, vTh: 1}}
		nodes = append(nodes, cn, ifn)
		edges = append(edges, [2]string{prev, "conv"}, [2]string{"conv", "if"})
		p := nirGraph(nodes, edges)
		net := &snn.Network{Name: "g", Dt: 1, Seed: 1}
		err := p.build(net)
		if oh < 1 || ow < 1 {
			if err == nil {
				t.Fatalf("kernel larger than the input accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		// The matrix Build expanded from the connector.
		built := make([]float64, input.size*size)
		for i := range input.size {
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				built[i*size+int(g.Post[s])-g.PopStart[1]] += g.Weight(s)
			}
		}
		// The loader's own composition of the chain.
		ops, err := p.resolve(input, nodes[1:len(nodes)-1])
		if err != nil {
			t.Fatal(err)
		}
		composed := make([]float64, input.size*size)
		for i := range input.size {
			cur := []nirEntry{{idx: i, w: 1}}
			for _, op := range ops {
				var next []nirEntry
				for _, e := range cur {
					next, _ = p.scatter(op, e, next)
				}
				cur = mergeEntries(next)
			}
			for _, e := range cur {
				composed[i*size+e.idx] += e.w
			}
		}
		// The frame reference on unit inputs.
		ref := newFrameRef(t, p)
		for i := range input.size {
			x := make([]float64, input.size)
			x[i] = 1
			v := x
			for _, n := range ref.order[1 : len(ref.order)-1] {
				v = ref.apply(n, ref.shape[n.ins[0]], v)
			}
			for j, y := range v {
				for _, m := range []struct {
					name string
					w    float64
				}{{"connector", built[i*size+j]}, {"composition", composed[i*size+j]}} {
					if math.Abs(m.w-y) > 1e-9*math.Max(1, math.Abs(y)) {
						t.Fatalf("input %d -> output %d: %s %v, frame reference %v", i, j, m.name, m.w, y)
					}
				}
			}
		}
	})
}
