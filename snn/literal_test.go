package snn

import (
	"strings"
	"testing"
)

// TestDistLiterals: a Dist written as a literal is as good as one made by
// Const, UniformDist or NormalDist, for an initial potential and for a
// weight; only the zero Dist means "not given".
func TestDistLiterals(t *testing.T) {
	for _, c := range []struct {
		name    string
		lit, fn Dist
	}{
		{"constant", Dist{Kind: Constant, Value: -55}, Const(-55)},
		{"constant, kind left out", Dist{Value: -58}, Const(-58)},
		{"uniform", Dist{Kind: Uniform, Low: -60, High: -55}, UniformDist(-60, -55)},
		{"normal", Dist{Kind: Normal, Mean: -57, SD: 1, Low: -60, High: -54}, NormalDist(-57, 1, -60, -54)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.lit.IsSet() {
				t.Fatal("the literal counts as not given")
			}
			build := func(d Dist) *Graph {
				n := twoPops(Connector{Kind: AllToAll}, false)
				n.Populations[0].Neuron.VInit = d
				n.Projections[0].Weight = d
				g, err := n.Build()
				if err != nil {
					t.Fatal(err)
				}
				return g
			}
			lit, fn := build(c.lit), build(c.fn)
			for i := range fn.VInit {
				if lit.VInit[i] != fn.VInit[i] {
					t.Fatalf("VInit[%d]: literal %v, constructor %v", i, lit.VInit[i], fn.VInit[i])
				}
			}
			if lit.VInit[0] == -65 {
				t.Fatal("VInit left at v_rest")
			}
			for s := range fn.Post {
				if lit.Weight(s) != fn.Weight(s) {
					t.Fatalf("weight %d: literal %v, constructor %v", s, lit.Weight(s), fn.Weight(s))
				}
			}
		})
	}
	if (Dist{}).IsSet() || !Const(0).IsSet() {
		t.Error("the zero Dist must be the one not given, Const(0) given")
	}
}

// TestUnnamedProjectionError: an error about a projection without a name
// (built in code) says which one it is.
func TestUnnamedProjectionError(t *testing.T) {
	n := twoPops(Connector{Kind: AllToAll}, false)
	n.Projections[0].Name = ""
	n.Projections[0].Weight = Dist{}
	err := n.Validate()
	if err == nil || !strings.Contains(err.Error(), `projection 0 (a -> b): weight: expected a weight`) {
		t.Errorf("error %v", err)
	}
}

func TestModeResolve(t *testing.T) {
	for _, c := range []struct {
		m, net, want Mode
		name         string
	}{
		{NetworkMode, NetworkMode, Float, "network"},
		{NetworkMode, Fixed, Fixed, "network"},
		{NetworkMode, Float, Float, "network"},
		{Float, Fixed, Float, "float"},
		{Fixed, Float, Fixed, "fixed"},
		{Fixed, NetworkMode, Fixed, "fixed"},
	} {
		if got := c.m.Resolve(c.net); got != c.want {
			t.Errorf("%v.Resolve(%v) = %v, want %v", c.m, c.net, got, c.want)
		}
		if c.m.String() != c.name {
			t.Errorf("%d.String() = %q, want %q", c.m, c.m.String(), c.name)
		}
	}
	for _, s := range []string{"float", "fixed"} {
		m, err := ParseMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMode("network"); err == nil {
		t.Error(`ParseMode("network") accepted: a file names its mode`)
	}
}
