package loader

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/snn"
)

// Converted reports what MoveListsToFiles wrote.
type Converted struct {
	Files    []string // the .npz files, beside the network file
	Synapses int      // the synapses they hold
}

// MoveListsToFiles writes out, a copy of the network file in in which
// every explicit synapse list written inline (`list: [[pre, post, w],
// ...]`, flow or block style) is replaced by `file: NAME.npz`, and writes
// those .npz files beside out, named after out, the projection's index and
// its name. Everything else, comments included, is copied as it is, so
// out describes the same network as in; only a network without a name:
// key changes name, as it takes the name of its file. Short lists, and
// lists where only some synapses give a weight or a delay, stay inline.
func MoveListsToFiles(in, out string) (*Converted, error) {
	if abs(in) == abs(out) {
		return nil, fmt.Errorf("loader: convert: %s: the output must be another file than the input", out)
	}
	data, err := os.ReadFile(in)
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	reduced, lists := liftLists(data)
	if lists == nil {
		lists = &liftedLists{data: data}
	}
	p := &netParser{dec: dec{file: in}, lists: lists}
	n, err := p.parse(reduced)
	if err != nil {
		return nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	res := &Converted{}
	var doc bytes.Buffer
	copied := 0
	for _, l := range lists.lists {
		i := projectionOf(n, &l.table)
		if !l.used || i < 0 {
			continue // not a connector's list after all
		}
		if partial(l.table.Weight) || partial(l.table.Delay) {
			continue // a .npz column is all or nothing
		}
		name := fmt.Sprintf("%s.%d.%s.npz", safeName(stem), i, safeName(n.Projections[i].Name))
		path := filepath.Join(filepath.Dir(out), name)
		if err := writeNPZFile(path, &l.table); err != nil {
			return nil, err
		}
		res.Files = append(res.Files, path)
		res.Synapses += l.table.Len()
		// Replace the key too: `list: [...]` becomes `file: "NAME"`.
		key := l.start - 1
		for data[key] == ' ' {
			key--
		}
		key -= len("list:") - 1
		doc.Write(data[copied:key])
		doc.WriteString("file: " + strconv.Quote(name))
		copied = l.end
	}
	doc.Write(data[copied:])
	if err := os.WriteFile(out, doc.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("loader: convert: %w", err)
	}
	return res, nil
}

func abs(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// projectionOf returns the projection whose table is t, or -1.
func projectionOf(n *snn.Network, t *snn.ConnTable) int {
	for i := range n.Projections {
		if p := n.Projections[i].Connector.Table.Pre; len(p) > 0 && &p[0] == &t.Pre[0] {
			return i
		}
	}
	return -1
}

// partial reports whether a column gives some values but not all.
func partial(col []float64) bool {
	some, all := false, true
	for _, v := range col {
		given := !math.IsNaN(v)
		some, all = some || given, all && given
	}
	return some && !all
}

// safeName keeps the letters, digits, '-', '_' and '.' of s for a file
// name; others become '_' (L0->L1 is L0-_L1).
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func writeNPZFile(path string, t *snn.ConnTable) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("loader: convert: %w", err)
	}
	if err := writeNPZ(f, t); err != nil {
		f.Close()
		return fmt.Errorf("loader: convert: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("loader: convert: %w", err)
	}
	return nil
}
