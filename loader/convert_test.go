package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMoveListsToFiles(t *testing.T) {
	dir := t.TempDir()
	ints := func(i int) string { return []string{"1", "-2.5", "3e-1"}[i%3] }
	src := base + `projections:
  - {name: flow, pre: exc, post: inh, connector: {list: ` + longList(40, 6, 6, ints) + `}}  # kept
  - name: block
    pre: inh
    post: exc
    weight: 2
    connector:
      list:
` + strings.Repeat("        - [1, 2, 0.5, 0.3]\n        - [4, 9, 1, 0.2]\n", 10) + `  - {name: short, pre: exc, post: exc, connector: {list: [[0, 1, 2]]}}
  - {name: mixed, pre: exc, post: exc, weight: 1, connector: {list: [` + strings.Repeat("[0, 1, 2], [1, 2], ", 10) + `[3, 4]]}}
`
	in := filepath.Join(dir, "in.yaml")
	writeFile(t, dir, "in.yaml", []byte(src))
	out := filepath.Join(dir, "out.yaml")
	res, err := MoveListsToFiles(in, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "out.0.flow.npz"), filepath.Join(dir, "out.1.block.npz")}
	if !reflect.DeepEqual(res.Files, want) || res.Synapses != 60 {
		t.Fatalf("converted %v, %d synapses; want %v, 60", res.Files, res.Synapses, want)
	}
	text, _ := os.ReadFile(out)
	if !strings.Contains(string(text), `connector: {file: "out.0.flow.npz"}}  # kept`) || strings.Count(string(text), "list:") != 2 {
		t.Errorf("output:\n%s", text)
	}
	a, err := LoadNetwork(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadNetwork(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(explicit(a), explicit(b)) {
		t.Error("the converted network differs")
	}
	if _, err := MoveListsToFiles(in, in); err == nil {
		t.Error("converting a file onto itself: no error")
	}
	writeFile(t, dir, "bad.yaml", []byte(base+"projections: 3\n"))
	if _, err := MoveListsToFiles(filepath.Join(dir, "bad.yaml"), out); err == nil || !strings.Contains(err.Error(), "bad.yaml:8: projections: expected a list") {
		t.Errorf("bad input: %v", err)
	}
}
