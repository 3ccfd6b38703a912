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
// that one descheduling does not decide it: a trial too short starts over
// twice as long (CUBA: 512 ticks; scale_1m: trialTicks, 0.15 s), which
// also leaves the first ticks of a run, slow while its memory is first
// touched, out of the first trial,
// and the workers must beat one goroutine by parallelMargin: on a tie the
// second processor is better left to other work. One goroutine is tried
// first; when its ticks take less than minParallelTick the workers are not
// tried at all, since half a tick that short saves less than the barrier
// and the moves of the cores' state between the processors' caches cost
// (CUBA: about 4 µs a tick on one goroutine, 8 µs on two). Each time one
// goroutine wins again it is kept twice as long, up to maxKeepTicks: a
// trial of the workers costs what they lose.
type adapt struct {
	parallel bool
	phase    int // timingParallel, timingSerial or keeping
	left     int // ticks left in the phase, at least
	ticks    int // ticks of the trial so far
	start    time.Time
	ser      float64          // seconds per tick of the serial trial
	keep     int              // ticks to keep one goroutine when it wins next
	now      func() time.Time // time.Now; tests set a clock of their own
}

const (
	timingParallel = iota
	timingSerial
	keeping

	trialTicks      = 4
	keepTicks       = 8192
	maxKeepTicks    = 1 << 20
	minTrial        = 2 * time.Millisecond
	parallelMargin  = 1.1
	minParallelTick = 20 * time.Microsecond
)

func newAdapt() *adapt {
	return &adapt{phase: timingSerial, left: trialTicks, keep: keepTicks, now: time.Now}
}

// keepSerial keeps one goroutine, twice as long as the last time it won.
func (a *adapt) keepSerial() {
	a.phase, a.left, a.parallel = keeping, a.keep, false
	a.keep = min(2*a.keep, maxKeepTicks)
}

// next is called before each tick and says whether to step it in parallel.
func (a *adapt) next() bool {
	if a.left == 0 {
		a.end()
	}
	if a.ticks == 0 {
		// A phase's clock starts at its first tick: the first phase's
		// would otherwise count the time before the run.
		a.start = a.now()
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
		a.left, a.ticks = 2*a.ticks, 0
		return
	}
	perTick := elapsed.Seconds() / float64(a.ticks)
	switch a.phase {
	case timingSerial:
		a.ser = perTick
		if perTick < minParallelTick.Seconds() {
			a.keepSerial()
			break
		}
		a.phase, a.left, a.parallel = timingParallel, trialTicks, true
	case timingParallel:
		if perTick*parallelMargin < a.ser {
			a.phase, a.left, a.parallel, a.keep = keeping, keepTicks, true, keepTicks
			break
		}
		a.keepSerial()
	default:
		a.phase, a.left, a.parallel = timingSerial, trialTicks, false
	}
	a.ticks = 0
}
