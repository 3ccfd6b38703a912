package foraging

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func newTestWorld(t *testing.T, task Task, seed uint64) *World {
	t.Helper()
	w, err := NewWorld(DefaultWorld, task, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkInvariants verifies density, shapes and that no two particles touch.
func checkInvariants(t *testing.T, w *World) {
	t.Helper()
	n := w.Size()
	covered := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if w.Occupied(x, y) {
				covered++
			}
		}
	}
	if want := 2 * w.Particles(); covered != want {
		t.Fatalf("%d pixels covered, want %d (2 per particle)", covered, want)
	}
	for i, p := range w.particles {
		px := p.pixels()
		dx, dy := px[1][0]-px[0][0], px[1][1]-px[0][1]
		if ox, oy := p.shape.offset(); dx != ox || dy != oy {
			t.Fatalf("particle %d: offset (%d,%d) is not a %v", i, dx, dy, p.shape)
		}
		for _, q := range px {
			if int(w.cell[w.idx(q[0], q[1])]) != i+1 {
				t.Fatalf("particle %d: pixel %v not marked", i, q)
			}
			for ey := -1; ey <= 1; ey++ {
				for ex := -1; ex <= 1; ex++ {
					c := w.cell[w.idx(q[0]+ex, q[1]+ey)]
					if c != 0 && int(c) != i+1 {
						t.Fatalf("particle %d touches particle %d", i, c-1)
					}
				}
			}
		}
	}
}

func TestWorldDensityAndShapes(t *testing.T) {
	for _, task := range []Task{Pretrain, Task1, Task2} {
		w := newTestWorld(t, task, 7)
		if got, want := 2*w.Particles(), 250; got != want {
			t.Errorf("%s: %d covered pixels, want 10%% of 2500 = %d", task.Name, got, want)
		}
		counts := w.ShapeCounts()
		for s := Shape(0); s < numShapes; s++ {
			present := false
			for _, ts := range task.Shapes {
				present = present || ts == s
			}
			if !present && counts[s] != 0 {
				t.Errorf("%s: %d particles of absent shape %v", task.Name, counts[s], s)
			}
			if share := w.Particles() / len(task.Shapes); present && (counts[s] < share || counts[s] > share+1) {
				t.Errorf("%s: %d %v particles, want an equal share of %d", task.Name, counts[s], s, w.Particles())
			}
		}
		checkInvariants(t, w)
	}
}

func TestRespawnNeverAdjacent(t *testing.T) {
	w := newTestWorld(t, Task1, 3)
	rng := rand.New(rand.NewPCG(5, 5))
	before := w.ShapeCounts()
	eaten := 0
	for i := 0; i < 20000; i++ {
		if _, ok := w.Move(rng.IntN(Moves)); ok {
			eaten++
			if w.Occupied(w.X, w.Y) {
				t.Fatal("a particle respawned under the agent")
			}
			checkInvariants(t, w)
		}
	}
	if eaten < 100 {
		t.Fatalf("a random walk ate only %d particles", eaten)
	}
	if w.ShapeCounts() != before {
		t.Fatalf("shape counts changed from %v to %v", before, w.ShapeCounts())
	}
}

func TestMoveEatsWholeParticle(t *testing.T) {
	w := &World{size: 10, task: Task1, rng: rand.New(rand.NewPCG(1, 1)), cell: make([]int32, 100), X: 5, Y: 5}
	w.particles = []particle{{shape: Horizontal, x0: 6, y0: 5}}
	w.mark(0, 1)
	s, ok := w.Move(4) // east
	if !ok || s != Horizontal {
		t.Fatalf("Move east = %v, %v; want horizontal, true", s, ok)
	}
	if w.X != 6 || w.Y != 5 {
		t.Fatalf("agent at (%d,%d), want (6,5)", w.X, w.Y)
	}
	if w.Occupied(7, 5) && w.particles[0].x0 == 6 {
		t.Fatal("the second pixel of the eaten particle stayed")
	}
	if v := Task1.Value(s); v != 1 {
		t.Fatalf("Task 1 values horizontal at %d, want 1", v)
	}
	if v := Task1.Value(NegDiagonal); v != -1 {
		t.Fatalf("Task 1 values neg-diagonal at %d, want -1", v)
	}
	if v := Task2.Value(Horizontal); v != 0 {
		t.Fatalf("Task 2 values horizontal at %d, want 0", v)
	}
	if v := Pretrain.Value(Horizontal); v != 0 {
		t.Fatalf("pre-training values horizontal at %d, want 0", v)
	}
}

func TestViewWrapsAround(t *testing.T) {
	w := &World{size: 10, task: Task1, rng: rand.New(rand.NewPCG(1, 1)), cell: make([]int32, 100), X: 0, Y: 0}
	// A vertical particle at the far corner: (9,9) and (9,10) = (9,0).
	w.particles = []particle{{shape: Vertical, x0: 9, y0: 9}}
	w.mark(0, 1)
	var v [ViewPixels]bool
	w.View(v[:])
	// The agent is at view (3,3); world (9,9) is (-1,-1) from it: view
	// (2,2); world (9,0) is (-1,0): view row 3, column 2.
	want := map[int]bool{2*ViewSide + 2: true, 3*ViewSide + 2: true}
	for i, on := range v {
		if on != want[i] {
			t.Fatalf("view pixel %d (row %d, col %d) = %v, want %v", i, i/ViewSide, i%ViewSide, on, want[i])
		}
	}
	// Moving north-west (move 0) wraps to (9,9) and eats it.
	if s, ok := w.Move(0); !ok || s != Vertical || w.X != 9 || w.Y != 9 {
		t.Fatalf("Move NW: %v %v at (%d,%d)", s, ok, w.X, w.Y)
	}
}

func TestShapeOffsets(t *testing.T) {
	// Rows grow downwards: "/" rises to the right, "\" falls.
	cases := map[Shape][2]int{Horizontal: {1, 0}, Vertical: {0, 1}, PosDiagonal: {1, -1}, NegDiagonal: {1, 1}}
	for s, want := range cases {
		if dx, dy := s.offset(); dx != want[0] || dy != want[1] {
			t.Errorf("%v offset (%d,%d), want %v", s, dx, dy, want)
		}
	}
	for m := 0; m < Moves; m++ {
		dx, dy := MoveDelta(m)
		if dx == 0 && dy == 0 || dx < -1 || dx > 1 || dy < -1 || dy > 1 {
			t.Errorf("move %d = (%d,%d)", m, dx, dy)
		}
	}
}

func TestNewWorldRejectsBadConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, cfg := range []WorldConfig{{Size: 4, Density: 0.1}, {Size: 50, Density: 0}, {Size: 50, Density: 0.5}} {
		if _, err := NewWorld(cfg, Task1, rng); err == nil {
			t.Errorf("NewWorld(%+v) accepted", cfg)
		}
	}
}

// TestPairFields checks the two-pixel conjunction detectors: two inputs
// each, the second at an orientation's offset from the first, 624 neurons
// for 4 per orientation, none shared.
func TestPairFields(t *testing.T) {
	list := pairFields(4, 12)
	in := map[int][]int{}
	for _, c := range list {
		if !c.HasWeight || c.Weight != 12 {
			t.Fatalf("conn %+v: expected weight 12", c)
		}
		in[c.Post] = append(in[c.Post], c.Pre)
	}
	if len(in) != 624 {
		t.Fatalf("%d detector neurons, expected 624", len(in))
	}
	for j, pre := range in {
		if len(pre) != 2 {
			t.Fatalf("neuron %d: %d inputs, expected 2", j, len(pre))
		}
		x1, y1, x2, y2 := pre[0]%ViewSide, pre[0]/ViewSide, pre[1]%ViewSide, pre[1]/ViewSide
		ok := false
		for o := Shape(0); o < numShapes; o++ {
			dx, dy := o.offset()
			ok = ok || x2-x1 == dx && y2-y1 == dy
		}
		// The neuron sits over its first pixel.
		if !ok || (j/28)/4 != y1 || (j%28)/4 != x1 {
			t.Fatalf("neuron %d: inputs %v", j, pre)
		}
	}
	if pairFields(0, 12) != nil {
		t.Fatal("pairFields(0) should be empty")
	}
}

// TestConjunctionFields checks the random local conjunction detectors:
// every hidden neuron is fed by its own pixel and k distinct neighbours of
// it inside the view, all at the given weight, and the draw is fixed by
// the seed.
func TestConjunctionFields(t *testing.T) {
	for _, k := range []int{1, 2, 3, 8} {
		list := conjunctionFields(k, 12, 7)
		in := map[int][]int{}
		for _, c := range list {
			if !c.HasWeight || c.Weight != 12 {
				t.Fatalf("k %d: conn %+v: expected weight 12", k, c)
			}
			in[c.Post] = append(in[c.Post], c.Pre)
		}
		if len(in) != HiddenSize {
			t.Fatalf("k %d: %d neurons fed, expected %d", k, len(in), HiddenSize)
		}
		for j, pre := range in {
			x, y := (j%28)/4, (j/28)/4
			if pre[0] != y*ViewSide+x {
				t.Fatalf("k %d: neuron %d: first input %d, expected its own pixel %d", k, j, pre[0], y*ViewSide+x)
			}
			inView := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if (dx != 0 || dy != 0) && x+dx >= 0 && x+dx < ViewSide && y+dy >= 0 && y+dy < ViewSide {
						inView++
					}
				}
			}
			if len(pre) != 1+min(k, inView) {
				t.Fatalf("k %d: neuron %d: %d inputs, expected %d", k, j, len(pre), 1+min(k, inView))
			}
			seen := map[int]bool{pre[0]: true}
			for _, p := range pre[1:] {
				dx, dy := p%ViewSide-x, p/ViewSide-y
				if seen[p] || dx < -1 || dx > 1 || dy < -1 || dy > 1 {
					t.Fatalf("k %d: neuron %d: inputs %v are not distinct neighbours", k, j, pre)
				}
				seen[p] = true
			}
		}
	}
	a, b, c := conjunctionFields(2, 12, 7), conjunctionFields(2, 12, 7), conjunctionFields(2, 12, 8)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Fatal("the draw should depend on the seed only")
	}
}
