package presets_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip/presets"
)

func TestEveryPresetReads(t *testing.T) {
	names := presets.Names()
	if len(names) < 5 {
		t.Fatalf("presets %v: expected at least loihi, loihi-presilicon, pohoiki, truenorth, spinnaker", names)
	}
	for _, n := range names {
		b, ok := presets.YAML(n)
		if !ok || !strings.Contains(string(b), "name: "+n) {
			t.Errorf("preset %q: %d bytes, found %v, or no name: %s line", n, len(b), ok, n)
		}
	}
	for _, bad := range []string{"", "nope", "../presets", "loihi.yaml"} {
		if _, ok := presets.YAML(bad); ok {
			t.Errorf("YAML(%q) found a preset", bad)
		}
	}
}

func ExampleNames() {
	fmt.Println(presets.Names())
	// Output: [loihi loihi-presilicon pohoiki spinnaker truenorth]
}
