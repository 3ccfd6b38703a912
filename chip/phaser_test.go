package chip

import "testing"

// BenchmarkPhaser times one phase of no work on one worker beside the
// caller: the least a tick stepped on two workers pays for its barrier,
// against which half a tick's update must win (CUBA's whole tick on one
// goroutine is 3.5-4.5 µs; docs/benchmarks.md, session 12).
func BenchmarkPhaser(b *testing.B) {
	p := newPhaser(1)
	go p.run(0, func() {})
	defer p.stop()
	for b.Loop() {
		p.start()
		p.wait()
	}
}
