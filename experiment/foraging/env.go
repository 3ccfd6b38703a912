package foraging

import (
	"fmt"
	"math/rand/v2"
)

// Shape is the orientation of a two-pixel particle.
type Shape uint8

const (
	// Horizontal occupies (x, y) and (x+1, y).
	Horizontal Shape = iota
	// Vertical occupies (x, y) and (x, y+1).
	Vertical
	// PosDiagonal ("/") occupies (x, y) and (x+1, y-1): rows grow
	// downwards, so the second pixel is up and to the right.
	PosDiagonal
	// NegDiagonal ("\") occupies (x, y) and (x+1, y+1).
	NegDiagonal
	numShapes
)

var shapeNames = [...]string{"horizontal", "vertical", "pos-diagonal", "neg-diagonal"}

func (s Shape) String() string {
	if s < numShapes {
		return shapeNames[s]
	}
	return fmt.Sprintf("shape(%d)", uint8(s))
}

// offset returns the displacement of a particle's second pixel from its
// first.
func (s Shape) offset() (dx, dy int) {
	switch s {
	case Horizontal:
		return 1, 0
	case Vertical:
		return 0, 1
	case PosDiagonal:
		return 1, -1
	}
	return 1, 1
}

// The agent's eight moves, numbered as the 3x3 grid around it read row by
// row without its centre; the output neuron of the same number votes for
// the move. Rows grow downwards.
var moves = [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}

// Moves is the number of possible moves (and output neurons).
const Moves = len(moves)

// MoveDelta returns the (dx, dy) of move m.
func MoveDelta(m int) (dx, dy int) { return moves[m][0], moves[m][1] }

// Task says which particle shapes appear and what eating each one earns.
type Task struct {
	Name     string
	Shapes   []Shape // the shapes present, in equal numbers
	Reward   Shape   // eating it earns +1
	Punish   Shape   // eating it earns -1
	Rewarded bool    // false for unsupervised exposure (no reward at all)
}

// The tasks of Golden et al. 2022.
var (
	// Pretrain shows all four shapes without reward.
	Pretrain = Task{Name: "pretrain", Shapes: []Shape{Horizontal, Vertical, PosDiagonal, NegDiagonal}}
	// Task1 rewards horizontal and punishes negative-diagonal particles.
	Task1 = Task{Name: "task1", Shapes: []Shape{Horizontal, NegDiagonal}, Reward: Horizontal, Punish: NegDiagonal, Rewarded: true}
	// Task2 rewards vertical and punishes positive-diagonal particles.
	Task2 = Task{Name: "task2", Shapes: []Shape{Vertical, PosDiagonal}, Reward: Vertical, Punish: PosDiagonal, Rewarded: true}
)

// Value returns what eating a particle of shape s earns in the task: +1,
// -1 or 0.
func (t *Task) Value(s Shape) int {
	if !t.Rewarded {
		return 0
	}
	switch s {
	case t.Reward:
		return 1
	case t.Punish:
		return -1
	}
	return 0
}

// WorldConfig sizes a world.
type WorldConfig struct {
	Size    int     // the world is Size x Size pixels
	Density float64 // fraction of pixels covered by particles
}

// DefaultWorld is the paper's 50x50 world at 10% density.
var DefaultWorld = WorldConfig{Size: 50, Density: 0.10}

// World is a square grid whose edges wrap around (a torus), so that every
// pixel has the same neighbourhood and the view never leaves the world.
// Particles never touch: no pixel of one particle is among the eight
// neighbours of a pixel of another, initially and after every respawn.
type World struct {
	size int
	task Task
	rng  *rand.Rand
	// cell holds, per pixel, 0 for empty or 1 + the index of the
	// particle covering it.
	cell      []int32
	particles []particle
	// The agent.
	X, Y int
}

type particle struct {
	shape  Shape
	x0, y0 int // first pixel; the second is at offset()
}

// NewWorld fills a world with particles of the task's shapes, in equal
// numbers, and puts the agent in the middle of an empty pixel.
func NewWorld(cfg WorldConfig, task Task, rng *rand.Rand) (*World, error) {
	if cfg.Size < 8 {
		return nil, fmt.Errorf("world size %d: expected at least 8", cfg.Size)
	}
	if !(cfg.Density > 0 && cfg.Density <= 0.15) {
		return nil, fmt.Errorf("world density %v: expected a fraction in (0, 0.15]", cfg.Density)
	}
	if len(task.Shapes) == 0 {
		return nil, fmt.Errorf("task %q: no particle shapes", task.Name)
	}
	w := &World{size: cfg.Size, task: task, rng: rng, cell: make([]int32, cfg.Size*cfg.Size)}
	w.X, w.Y = cfg.Size/2, cfg.Size/2
	n := int(cfg.Density*float64(cfg.Size*cfg.Size)/2 + 0.5)
	for i := 0; i < n; i++ {
		p := particle{shape: task.Shapes[i%len(task.Shapes)]}
		if !w.place(&p) {
			return nil, fmt.Errorf("world %dx%d: no room for particle %d of %d at density %v", cfg.Size, cfg.Size, i+1, n, cfg.Density)
		}
		w.particles = append(w.particles, p)
		w.mark(len(w.particles)-1, int32(len(w.particles)))
	}
	return w, nil
}

// Size returns the side of the world in pixels.
func (w *World) Size() int { return w.size }

// Task returns the world's task.
func (w *World) Task() Task { return w.task }

// Particles returns the number of particles.
func (w *World) Particles() int { return len(w.particles) }

// Occupied reports whether pixel (x, y), taken modulo the size, is covered.
func (w *World) Occupied(x, y int) bool { return w.cell[w.idx(x, y)] != 0 }

// ShapeAt returns the shape of the particle covering (x, y).
func (w *World) ShapeAt(x, y int) (Shape, bool) {
	c := w.cell[w.idx(x, y)]
	if c == 0 {
		return 0, false
	}
	return w.particles[c-1].shape, true
}

// ShapeCounts returns the number of particles of each shape.
func (w *World) ShapeCounts() [numShapes]int {
	var n [numShapes]int
	for _, p := range w.particles {
		n[p.shape]++
	}
	return n
}

func (w *World) wrap(v int) int {
	v %= w.size
	if v < 0 {
		v += w.size
	}
	return v
}

func (w *World) idx(x, y int) int { return w.wrap(y)*w.size + w.wrap(x) }

func (p *particle) pixels() [2][2]int {
	dx, dy := p.shape.offset()
	return [2][2]int{{p.x0, p.y0}, {p.x0 + dx, p.y0 + dy}}
}

func (w *World) mark(i int, v int32) {
	for _, px := range w.particles[i].pixels() {
		w.cell[w.idx(px[0], px[1])] = v
	}
}

// free reports whether a particle could cover (x, y): the pixel and its
// eight neighbours are empty and it is not the agent's pixel.
func (w *World) free(x, y int) bool {
	if w.wrap(x) == w.X && w.wrap(y) == w.Y {
		return false
	}
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			if w.cell[w.idx(x+dx, y+dy)] != 0 {
				return false
			}
		}
	}
	return true
}

// place draws a position for p where it touches no other particle and
// does not cover the agent.
func (w *World) place(p *particle) bool {
	dx, dy := p.shape.offset()
	ok := func(x, y int) bool { return w.free(x, y) && w.free(x+dx, y+dy) }
	for try := 0; try < 1000; try++ {
		x, y := w.rng.IntN(w.size), w.rng.IntN(w.size)
		if ok(x, y) {
			p.x0, p.y0 = x, y
			return true
		}
	}
	// A crowded world: scan every position from a random start.
	start := w.rng.IntN(w.size * w.size)
	for k := 0; k < w.size*w.size; k++ {
		i := (start + k) % (w.size * w.size)
		if x, y := i%w.size, i/w.size; ok(x, y) {
			p.x0, p.y0 = x, y
			return true
		}
	}
	return false
}

// Move moves the agent by move m. If the new pixel is covered, the agent
// eats the whole particle, which respawns elsewhere with the same shape;
// Move returns the eaten shape and true.
func (w *World) Move(m int) (Shape, bool) {
	dx, dy := MoveDelta(m)
	w.X, w.Y = w.wrap(w.X+dx), w.wrap(w.Y+dy)
	c := w.cell[w.idx(w.X, w.Y)]
	if c == 0 {
		return 0, false
	}
	i := int(c - 1)
	s := w.particles[i].shape
	w.mark(i, 0)
	if w.place(&w.particles[i]) {
		w.mark(i, c)
	}
	// else: no room anywhere (not at the densities NewWorld accepts); the
	// particle stays eaten.
	return s, true
}

// ViewSide is the side of the agent's square view.
const ViewSide = 7

// ViewPixels is the number of pixels in the view.
const ViewPixels = ViewSide * ViewSide

// View writes the agent's 7x7 view into v, row by row from the top left,
// true for a covered pixel; the agent is at the centre, index 24.
func (w *World) View(v []bool) {
	const h = ViewSide / 2
	for r := 0; r < ViewSide; r++ {
		for c := 0; c < ViewSide; c++ {
			v[r*ViewSide+c] = w.cell[w.idx(w.X+c-h, w.Y+r-h)] != 0
		}
	}
}
