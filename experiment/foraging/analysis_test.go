package foraging

import (
	"math"
	"testing"
)

func TestSummarise(t *testing.T) {
	s := Summarise([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if s.Mean != 5 || math.Abs(s.SD-math.Sqrt(32.0/7)) > 1e-12 {
		t.Fatalf("Summarise = %+v", s)
	}
	if s := Summarise([]float64{0.7}); s.Mean != 0.7 || s.SD != 0 {
		t.Fatalf("one value: %+v", s)
	}
}

func TestDistance(t *testing.T) {
	if d := Distance([]float64{0, 0, 0}, []float64{1, 2, 2}); d != 3 {
		t.Fatalf("Distance = %v, want 3", d)
	}
	if d := dist32([]float32{1, 1}, []float32{4, 5}); d != 5 {
		t.Fatalf("dist32 = %v, want 5", d)
	}
}

// Points on a line in 3-D, plus a small orthogonal wobble: the first
// component must be the line's direction and carry almost all variance.
func TestPCAKnownData(t *testing.T) {
	dir := []float64{1 / math.Sqrt(3), 1 / math.Sqrt(3), 1 / math.Sqrt(3)}
	ortho := []float64{1 / math.Sqrt(2), -1 / math.Sqrt(2), 0}
	var pts [][]float64
	var as []float64
	for i := -10; i <= 10; i++ {
		if i == 0 {
			continue
		}
		// The wobble has zero mean and no correlation with the line.
		b := 0.1
		if i%2 != 0 {
			b = -0.1
		}
		a := float64(i)
		as = append(as, a)
		p := make([]float64, 3)
		for k := range p {
			p[k] = 5 + a*dir[k] + b*ortho[k]
		}
		pts = append(pts, p)
	}
	proj, expl, err := PCA(pts, 2)
	if err != nil {
		t.Fatal(err)
	}
	if expl[0] < 0.99 || expl[0]+expl[1] < 0.999999 {
		t.Fatalf("explained %v", expl)
	}
	for i, p := range proj {
		a := as[i]
		if math.Abs(math.Abs(p[0])-math.Abs(a)) > 1e-6 {
			t.Fatalf("point %d: PC1 %v, want ±%v", i, p[0], a)
		}
		if math.Abs(math.Abs(p[1])-0.1) > 1e-6 {
			t.Fatalf("point %d: PC2 %v, want ±0.1", i, p[1])
		}
	}
	if _, _, err := PCA(pts[:1], 2); err == nil {
		t.Fatal("PCA of one point accepted")
	}
}

func TestHistogram(t *testing.T) {
	h := Histogram([]float64{-1, 0, 0.1, 0.5, 0.99, 1, 2}, 0, 1, 2)
	if h[0] != 3 || h[1] != 4 {
		t.Fatalf("Histogram = %v, want [3 4]", h)
	}
}

func TestProtocolScaled(t *testing.T) {
	p := LearnedProtocol.Scaled(0.01)
	if p.Task1 != 100 || p.Pretrain != 60 || p.Blocks != 10 || p.SnapshotEvery < 1 || p.CurveEvery < 1 {
		t.Fatalf("scaled protocol %+v", p)
	}
	pa := PaperParams()
	if q := PaperProtocol(&pa).Scaled(0.02); q.Task2 != 600 || q.BlockCycles != 100 || q.Blocks != 6 || q.SleepTicks != 400*(pa.PresentTicks+pa.RestTicks) {
		t.Errorf("paper protocol at 2%%: %+v; want 6 blocks of 100 cycles, each sleep four times as long", q)
	}
	if q := LearnedProtocol.Scaled(1e-6); q.Task2 != 1 || q.Blocks != 1 {
		t.Fatalf("tiny protocol %+v", q)
	}
}
