package spikestats

import (
	"encoding/json"
	"math"
)

// Agreement is how closely two spike lists (a and b) agree, spike for
// spike: the figures that every comparison of two runs reports, Report
// here and compare.SpikesReport beside its own. Agree computes it.
type Agreement struct {
	// Identical says the lists hold the same spikes (FirstDivergence
	// finds where they part when not).
	Identical bool `json:"identical"`
	SpikesA   int  `json:"spikes_a"`
	SpikesB   int  `json:"spikes_b"`
	// IdenticalFraction is Identical(a, b) over the whole recording.
	IdenticalFraction float64 `json:"identical_fraction"`
	// VanRossum is VanRossum(a, b, dt, VanRossumTauMs) over the whole
	// recording.
	VanRossum      float64 `json:"van_rossum"`
	VanRossumTauMs float64 `json:"van_rossum_tau_ms"`
}

// Agree returns the agreement of spike lists a and b, recorded in ticks
// of dt ms, with the van Rossum distance of time constant tauMs. SpikesA
// and SpikesB count the lists as given.
func Agree(a, b []Spike, dt, tauMs float64) Agreement {
	_, _, differ := FirstDivergence(a, b)
	return Agreement{
		Identical: !differ,
		SpikesA:   len(a), SpikesB: len(b),
		IdenticalFraction: Identical(a, b),
		VanRossum:         VanRossum(a, b, dt, tauMs),
		VanRossumTauMs:    tauMs,
	}
}

// Report is the agreement of two runs (a and b) of one network, and of
// the distributions of their populations. It encodes to JSON with
// undefined values as null.
type Report struct {
	Populations []PopReport `json:"populations"`
	Agreement

	WarmupTicks int64   `json:"warmup_ticks"`
	EndTick     int64   `json:"end_tick"`
	DtMs        float64 `json:"dt_ms"`
	BinMs       float64 `json:"bin_ms"` // the correlation bin actually used
}

// PopReport compares the distributions of one population: means of each
// run and the two-sample KS statistic between the runs' distributions.
type PopReport struct {
	Name   string
	RateA  float64 // mean rate, Hz
	RateB  float64
	CVA    float64 // mean ISI CV
	CVB    float64
	CorrA  float64 // mean spike-count correlation
	CorrB  float64
	KSRate float64
	KSCV   float64
	KSCorr float64
}

type popReportJSON struct {
	Name   string   `json:"name"`
	RateA  *float64 `json:"rate_a"`
	RateB  *float64 `json:"rate_b"`
	CVA    *float64 `json:"cv_a"`
	CVB    *float64 `json:"cv_b"`
	CorrA  *float64 `json:"corr_a"`
	CorrB  *float64 `json:"corr_b"`
	KSRate *float64 `json:"ks_rate"`
	KSCV   *float64 `json:"ks_cv"`
	KSCorr *float64 `json:"ks_corr"`
}

// Finite returns a pointer to x, or nil when x is NaN or infinite: a
// statistic that could not be computed (too few spikes) becomes a JSON
// null, since JSON has no NaN.
func Finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Value is the inverse of Finite: *p, or NaN for nil.
func Value(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes NaN as null.
func (p PopReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(popReportJSON{p.Name, Finite(p.RateA), Finite(p.RateB), Finite(p.CVA), Finite(p.CVB),
		Finite(p.CorrA), Finite(p.CorrB), Finite(p.KSRate), Finite(p.KSCV), Finite(p.KSCorr)})
}

// UnmarshalJSON reads null as NaN.
func (p *PopReport) UnmarshalJSON(b []byte) error {
	var j popReportJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = PopReport{j.Name, Value(j.RateA), Value(j.RateB), Value(j.CVA), Value(j.CVB),
		Value(j.CorrA), Value(j.CorrB), Value(j.KSRate), Value(j.KSCV), Value(j.KSCorr)}
	return nil
}

// Compare computes the report of two spike lists of the same network. When
// opt.End is zero the recording is taken to end one tick after the last
// spike of either list. Both runs use the same sampled neuron pairs.
func Compare(a, b []Spike, pops []Population, opt Options) (*Report, error) {
	n, err := popsEnd(pops)
	if err != nil {
		return nil, err
	}
	opt, err = opt.withDefaults(lastTick(a, b))
	if err != nil {
		return nil, err
	}
	a, b = normalise(a), normalise(b)
	r := &Report{
		Populations: make([]PopReport, len(pops)),
		Agreement:   Agree(a, b, opt.Dt, opt.TauMs),
		WarmupTicks: opt.Warmup, EndTick: opt.End, DtMs: opt.Dt,
		BinMs: float64(binTicks(opt)) * opt.Dt,
	}
	ta, tb := newTrains(a, n), newTrains(b, n)
	for pi, p := range pops {
		sa, sb := popStats(ta, pi, p, opt), popStats(tb, pi, p, opt)
		r.Populations[pi] = PopReport{
			Name:  p.Name,
			RateA: sa.MeanRate(), RateB: sb.MeanRate(),
			CVA: sa.MeanCV(), CVB: sb.MeanCV(),
			CorrA: sa.MeanCorr(), CorrB: sb.MeanCorr(),
			KSRate: KS(sa.Rates, sb.Rates),
			KSCV:   KS(sa.CVs, sb.CVs),
			KSCorr: KS(sa.Corrs, sb.Corrs),
		}
	}
	return r, nil
}
