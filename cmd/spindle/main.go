// Command spindle simulates spiking networks mapped onto neuromorphic
// hardware: see "spindle --help" and the README.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	if world != nil {
		// A rank that fails alone would leave the others waiting in an
		// exchange: end the whole job.
		if code != 0 && world.Size() > 1 {
			world.Abort(code)
		}
		if err := world.Finalize(); err != nil && code == 0 {
			fmt.Fprintln(os.Stderr, "spindle:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// run executes one command line and returns the process exit status:
// 0 on success, 1 on a runtime error, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	if world != nil && world.Rank() > 0 {
		// Every rank of a distributed run reports its own error.
		fmt.Fprintf(stderr, "spindle: rank %d of %d: %v\n", world.Rank(), world.Size(), err)
	} else {
		fmt.Fprintln(stderr, "spindle:", err)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
