package foraging

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// MeanSD is a sample mean and standard deviation (n-1 in the
// denominator; 0 for a single value).
type MeanSD struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// Summarise returns the mean and standard deviation of xs.
func Summarise(xs []float64) MeanSD {
	if len(xs) == 0 {
		return MeanSD{Mean: math.NaN(), SD: math.NaN()}
	}
	if len(xs) == 1 {
		return MeanSD{Mean: xs[0]}
	}
	m, sd := stat.MeanStdDev(xs, nil)
	return MeanSD{Mean: m, SD: sd}
}

// Distance returns the Euclidean distance between two weight vectors of
// the same length.
func Distance(a, b []float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("foraging: distance between vectors of %d and %d values", len(a), len(b)))
	}
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// PCA projects the rows of points (one weight vector per row) onto their
// first k principal components, computed with gonum's stat.PC on the
// centred rows. It returns the projections (len(points) rows of k values)
// and the fraction of the variance each component explains.
func PCA(points [][]float64, k int) (proj [][]float64, explained []float64, err error) {
	if len(points) < 2 {
		return nil, nil, errors.New("pca: need at least two points")
	}
	d := len(points[0])
	for _, p := range points {
		if len(p) != d {
			return nil, nil, errors.New("pca: points of different lengths")
		}
	}
	k = min(k, d, len(points))
	x := mat.NewDense(len(points), d, nil)
	for i, p := range points {
		x.SetRow(i, p)
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil, nil, errors.New("pca: decomposition failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	total := 0.0
	for _, v := range vars {
		total += v
	}
	explained = make([]float64, k)
	for j := range explained {
		if total > 0 {
			explained[j] = vars[j] / total
		}
	}
	// Centre, then project onto the first k components.
	means := make([]float64, d)
	for j := 0; j < d; j++ {
		means[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	for i := 0; i < len(points); i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, x.At(i, j)-means[j])
		}
	}
	var y mat.Dense
	y.Mul(x, vecs.Slice(0, d, 0, k))
	proj = make([][]float64, len(points))
	for i := range proj {
		proj[i] = mat.Row(nil, i, &y)
	}
	return proj, explained, nil
}

// Histogram counts xs in bins equal-width bins over [lo, hi]; values
// outside fall in the end bins.
func Histogram(xs []float64, lo, hi float64, bins int) []int {
	h := make([]int, bins)
	if bins == 0 || !(hi > lo) {
		return h
	}
	for _, x := range xs {
		b := int((x - lo) / (hi - lo) * float64(bins))
		h[max(0, min(bins-1, b))]++
	}
	return h
}
