package chip

import "time"

// adapt chooses, stretch by stretch, between stepping the cores on every
// worker and on the caller of Step alone. Both give identical results, but
// a tick of a small network can cost less than the barrier between
// workers, and on a busy machine a worker may be descheduled while the
// others wait for it. adapt times a short trial of each way and keeps the
// faster for a longer stretch, then tries again.
type adapt struct {
	parallel bool
	phase    int // timingParallel, timingSerial or keeping
	left     int // ticks left in the phase
	start    time.Time
	par      time.Duration
}

const (
	timingParallel = iota
	timingSerial
	keeping

	trialTicks = 64
	keepTicks  = 8192
)

func newAdapt() *adapt {
	return &adapt{parallel: true, phase: timingParallel, left: trialTicks, start: time.Now()}
}

// next is called before each tick and says whether to step it in parallel.
func (a *adapt) next() bool {
	if a.left > 0 {
		a.left--
		return a.parallel
	}
	elapsed := time.Since(a.start)
	switch a.phase {
	case timingParallel:
		a.par = elapsed
		a.phase, a.left, a.parallel = timingSerial, trialTicks, false
	case timingSerial:
		a.phase, a.left, a.parallel = keeping, keepTicks, a.par < elapsed
	default:
		a.phase, a.left, a.parallel = timingParallel, trialTicks, true
	}
	a.start = time.Now()
	a.left--
	return a.parallel
}
