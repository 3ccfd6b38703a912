package chip

import (
	"runtime"
	"sync/atomic"
)

// phaser starts one phase of work on a fixed set of worker goroutines and
// waits until all have finished it. A tick's work takes microseconds, about
// what it costs to wake a sleeping goroutine, so workers spin for a while
// before they sleep, and the caller spins while it waits.
type phaser struct {
	epoch   atomic.Int64 // incremented to start a phase
	pending atomic.Int64 // workers still busy in the current phase
	stopped atomic.Bool
	asleep  []atomic.Bool
	wake    []chan struct{}
}

// A waiting goroutine looks spinChecks times, yielding the processor
// between looks after the first busyChecks (so that it cannot starve the
// goroutine it waits for when workers outnumber processors), then sleeps.
const (
	busyChecks = 1 << 8
	spinChecks = 1 << 12
)

func newPhaser(workers int) *phaser {
	p := &phaser{asleep: make([]atomic.Bool, workers), wake: make([]chan struct{}, workers)}
	for k := range p.wake {
		p.wake[k] = make(chan struct{}, 1)
	}
	return p
}

// run is the loop of worker k: it calls work once per phase until stop.
func (p *phaser) run(k int, work func()) {
	seen := int64(0)
	for {
		seen = p.await(k, seen)
		if p.stopped.Load() {
			return
		}
		work()
		p.pending.Add(-1)
	}
}

func (p *phaser) await(k int, seen int64) int64 {
	for i := 0; ; i++ {
		if e := p.epoch.Load(); e != seen {
			return e
		}
		if i < busyChecks {
			continue
		}
		if i < spinChecks {
			runtime.Gosched()
			continue
		}
		p.asleep[k].Store(true)
		if e := p.epoch.Load(); e != seen {
			p.asleep[k].Store(false)
			return e
		}
		<-p.wake[k]
		i = 0
	}
}

// start begins a phase on all workers.
func (p *phaser) start() {
	p.pending.Store(int64(len(p.wake)))
	p.epoch.Add(1)
	p.wakeAll()
}

func (p *phaser) wakeAll() {
	for k := range p.wake {
		if p.asleep[k].Swap(false) {
			select {
			case p.wake[k] <- struct{}{}:
			default:
			}
		}
	}
}

// wait returns when every worker has finished the current phase.
func (p *phaser) wait() {
	for i := 0; p.pending.Load() != 0; i++ {
		if i >= busyChecks {
			runtime.Gosched()
		}
	}
}

// stop ends the workers' loops.
func (p *phaser) stop() {
	p.stopped.Store(true)
	p.epoch.Add(1)
	for k := range p.wake {
		p.asleep[k].Store(false)
		select {
		case p.wake[k] <- struct{}{}:
		default:
		}
	}
}
