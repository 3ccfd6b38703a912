package chip

import "time"

// adapt chooses, stretch by stretch, between stepping the cores on every
// worker and on the caller of Step alone. Both give identical results, but
// a tick of a small network can cost less than the barrier between
// workers, and on a busy machine a worker may be descheduled while the
// others wait for it. adapt times a short trial of each way and keeps the
// faster for a longer stretch, then tries again.
//
// A trial lasts at least trialTicks ticks and minTrial of wall time, so
// that one descheduling does not decide it (64 ticks of CUBA take 0.3 ms),
// and the workers must beat one goroutine by parallelMargin: on a tie the
// second processor is better left to other work. Each time one goroutine
// wins again it is kept twice as long, up to maxKeepTicks: on a network
// whose tick is a few microseconds (CUBA) the workers lose every trial,
// and each trial costs what it loses.
type adapt struct {
	parallel bool
	phase    int // timingParallel, timingSerial or keeping
	left     int // ticks left in the phase, at least
	ticks    int // ticks of the trial so far
	start    time.Time
	par      float64          // seconds per tick of the parallel trial
	keep     int              // ticks to keep one goroutine when it wins next
	now      func() time.Time // time.Now; tests set a clock of their own
}

const (
	timingParallel = iota
	timingSerial
	keeping

	trialTicks     = 64
	keepTicks      = 8192
	maxKeepTicks   = 1 << 20
	minTrial       = 2 * time.Millisecond
	parallelMargin = 1.1
)

func newAdapt() *adapt {
	return &adapt{parallel: true, phase: timingParallel, left: trialTicks, keep: keepTicks, start: time.Now(), now: time.Now}
}

// next is called before each tick and says whether to step it in parallel.
func (a *adapt) next() bool {
	if a.left == 0 {
		a.end()
	}
	a.left--
	a.ticks++
	return a.parallel
}

// end ends a phase whose ticks are done: a trial too short to tell is
// lengthened, else the next phase begins.
func (a *adapt) end() {
	elapsed := a.now().Sub(a.start)
	if a.phase != keeping && elapsed < minTrial {
		a.left = trialTicks
		return
	}
	perTick := elapsed.Seconds() / float64(a.ticks)
	switch a.phase {
	case timingParallel:
		a.par = perTick
		a.phase, a.left, a.parallel = timingSerial, trialTicks, false
	case timingSerial:
		a.phase, a.left, a.parallel = keeping, keepTicks, a.par*parallelMargin < perTick
		if a.parallel {
			a.keep = keepTicks
		} else {
			a.left, a.keep = a.keep, min(2*a.keep, maxKeepTicks)
		}
	default:
		a.phase, a.left, a.parallel = timingParallel, trialTicks, true
	}
	a.start, a.ticks = a.now(), 0
}
