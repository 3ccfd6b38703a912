//go:build !unix

package aer

import "time"

func cpuTime() time.Duration { return 0 }
