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
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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
	fmt.Fprintln(stderr, "spindle:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
