package loader

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/spindle-sim/spindle/snn"
)

var (
	convKeys = []string{"in_shape", "out_channels", "kernel", "stride", "padding", "dilation", "groups", "weights", "pool"}
	poolKeys = []string{"kernel", "stride", "padding", "average"}
)

// convConnector decodes {conv: {in_shape: [C, H, W], out_channels, kernel,
// stride, padding, dilation, groups, weights: [...], pool: {...}}}: see
// snn.Conv and docs/yaml.md. A size is one whole number or a pair
// [height, width]; padding is also same, valid or [top, bottom, left,
// right].
func (p *netParser) convConnector(v *yaml.Node, path string, npre, npost int) (snn.Connector, error) {
	c := snn.Connector{Kind: snn.Convolution}
	f, err := p.mapping(v, path, convKeys)
	if err != nil {
		return c, err
	}
	cv := &snn.Conv{}
	need := func(key string) (*yaml.Node, error) {
		g, ok := f.get(key)
		if !ok {
			return nil, p.errAt(v, path, "missing required field %s", key)
		}
		return g.val, nil
	}
	n, err := need("in_shape")
	if err != nil {
		return c, err
	}
	in, err := p.wholes(n, join(path, "in_shape"), 3, 1)
	if err != nil {
		return c, err
	}
	cv.InShape = [3]int{in[0], in[1], in[2]}
	if n, err = need("out_channels"); err != nil {
		return c, err
	}
	oc, err := p.integer(n, join(path, "out_channels"), "a channel count", 1, snn.MaxConvSide)
	if err != nil {
		return c, err
	}
	cv.OutChannels = int(oc)
	if n, err = need("kernel"); err != nil {
		return c, err
	}
	if cv.Kernel, err = p.pair(n, join(path, "kernel"), 1); err != nil {
		return c, err
	}
	for _, o := range []struct {
		key string
		dst *[2]int
	}{{"stride", &cv.Stride}, {"dilation", &cv.Dilation}} {
		*o.dst = [2]int{1, 1}
		if g, ok := f.get(o.key); ok {
			if *o.dst, err = p.pair(g.val, join(path, o.key), 1); err != nil {
				return c, err
			}
		}
	}
	cv.Groups = 1
	if g, ok := f.get("groups"); ok {
		k, err := p.integer(g.val, join(path, "groups"), "a group count", 1, snn.MaxConvSide)
		if err != nil {
			return c, err
		}
		cv.Groups = int(k)
	}
	if g, ok := f.get("pool"); ok {
		if cv.Pool, err = p.convPool(g.val, join(path, "pool")); err != nil {
			return c, err
		}
	}
	if g, ok := f.get("padding"); ok {
		if cv.Padding, err = p.padding(g.val, join(path, "padding"), cv); err != nil {
			return c, err
		}
	}
	if n, err = need("weights"); err != nil {
		return c, err
	}
	items, err := p.seq(n, join(path, "weights"))
	if err != nil {
		return c, err
	}
	cv.Weight = make([]float64, len(items))
	for i, it := range items {
		if cv.Weight[i], err = p.float(it, index(join(path, "weights"), i)); err != nil {
			return c, err
		}
	}
	c.Conv = cv
	// The shapes against the populations, with the line of the connector.
	probe := snn.Network{Dt: 1, Populations: []snn.Population{
		{Name: "pre", Size: npre, Kind: snn.Poisson},
		{Name: "post", Size: npost, Neuron: snn.Neuron{TauM: 1, VTh: 1, Receptors: []snn.Receptor{{Name: "r", TauSyn: 1}}}},
	}, Projections: []snn.Projection{{Name: "p", Pre: "pre", Post: "post", Connector: c}}}
	if err := probe.Validate(); err != nil {
		return c, p.errAt(v, path, "%s", trimProbe(err.Error()))
	}
	return c, nil
}

// trimProbe drops the probe network's prefix from a validation error.
func trimProbe(s string) string {
	const prefix = `projection "p": `
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

// wholes decodes a list of n whole numbers, each at least lo.
func (p *netParser) wholes(v *yaml.Node, path string, n, lo int) ([]int, error) {
	items, err := p.seq(v, path)
	if err != nil {
		return nil, err
	}
	if len(items) != n {
		return nil, p.errAt(v, path, "expected %d whole numbers, got %d", n, len(items))
	}
	out := make([]int, n)
	for i, it := range items {
		k, err := p.integer(it, index(path, i), fmt.Sprintf("a whole number from %d to %d", lo, snn.MaxConvSide), int64(lo), snn.MaxConvSide)
		if err != nil {
			return nil, err
		}
		out[i] = int(k)
	}
	return out, nil
}

// pair decodes one whole number (for height and width) or [height, width].
func (p *netParser) pair(v *yaml.Node, path string, lo int) ([2]int, error) {
	if r := resolve(v); r != nil && r.Kind == yaml.SequenceNode {
		s, err := p.wholes(v, path, 2, lo)
		if err != nil {
			return [2]int{}, err
		}
		return [2]int{s[0], s[1]}, nil
	}
	k, err := p.integer(v, path, fmt.Sprintf("a whole number from %d to %d, or [height, width]", lo, snn.MaxConvSide), int64(lo), snn.MaxConvSide)
	return [2]int{int(k), int(k)}, err
}

// padding decodes valid, same, a number, [height, width] or [top, bottom,
// left, right].
func (p *netParser) padding(v *yaml.Node, path string, cv *snn.Conv) ([4]int, error) {
	r := resolve(v)
	if r != nil && r.Kind == yaml.ScalarNode && (r.Value == "same" || r.Value == "valid") {
		var pad [4]int
		if r.Value == "same" {
			if cv.Stride != [2]int{1, 1} {
				return pad, p.errAt(v, path, "same needs stride 1, got %v", cv.Stride)
			}
			for k := range 2 {
				total := cv.Dilation[k] * (cv.Kernel[k] - 1)
				pad[2*k], pad[2*k+1] = total/2, total-total/2
			}
		}
		return pad, nil
	}
	if r != nil && r.Kind == yaml.SequenceNode && len(r.Content) == 4 {
		s, err := p.wholes(v, path, 4, 0)
		if err != nil {
			return [4]int{}, err
		}
		return [4]int{s[0], s[1], s[2], s[3]}, nil
	}
	hw, err := p.pair(v, path, 0)
	return [4]int{hw[0], hw[0], hw[1], hw[1]}, err
}

// convPool decodes {kernel, stride, padding, average}.
func (p *netParser) convPool(v *yaml.Node, path string) (*snn.Pool, error) {
	f, err := p.mapping(v, path, poolKeys)
	if err != nil {
		return nil, err
	}
	pl := &snn.Pool{}
	g, ok := f.get("kernel")
	if !ok {
		return nil, p.errAt(v, path, "missing required field kernel")
	}
	if pl.Kernel, err = p.pair(g.val, join(path, "kernel"), 1); err != nil {
		return nil, err
	}
	pl.Stride = pl.Kernel
	if g, ok := f.get("stride"); ok {
		if pl.Stride, err = p.pair(g.val, join(path, "stride"), 1); err != nil {
			return nil, err
		}
	}
	if g, ok := f.get("padding"); ok {
		if pl.Padding, err = p.pair(g.val, join(path, "padding"), 0); err != nil {
			return nil, err
		}
	}
	if g, ok := f.get("average"); ok {
		if pl.Average, err = p.boolean(g.val, join(path, "average")); err != nil {
			return nil, err
		}
	}
	return pl, nil
}
