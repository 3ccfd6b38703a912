//go:build unix

package chip_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used, as
// chip's own tests count it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
