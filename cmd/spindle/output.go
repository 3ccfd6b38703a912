package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeOutput writes path through a temporary file in the same directory,
// renamed over path only once fn succeeded, so that a failed or interrupted
// command never leaves a partial file that looks complete, nor destroys the
// file it would have replaced. The file is readable by all (0644), as the
// traces that the aer package creates are: os.CreateTemp alone would leave
// it private to the user.
func writeOutput(path string, fn func(f *os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	err = fn(tmp)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// sameFile reports whether a and b name one existing file, however
// spelled (relative, through a link).
func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// listOf formats the values for people, each by format, separated by
// commas: never Go's slice syntax.
func listOf[T any](vals []T, format string) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(parts, ", ")
}
