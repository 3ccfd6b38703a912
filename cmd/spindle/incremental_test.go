package main

import (
	"strings"
	"testing"
)

func TestSleepIncrementalErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--trials", "0"}, 2, "--trials 0: expected 1 to 100"},
		{[]string{"--mode", "double"}, 2, `--mode "double": expected fixed, float or reference`},
		{[]string{"--weight-bits", "40"}, 2, "--weight-bits 40: expected 2 to 24"},
		{[]string{"--seed", "-1"}, 2, "--seed -1: expected a non-negative seed"},
		{[]string{"--mnist", t.TempDir()}, 1, "train-images-idx3-ubyte.gz"},
	} {
		code, _, errs := spindle(t, append([]string{"sleep", "incremental"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}
