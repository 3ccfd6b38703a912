package loader

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// longList writes n items [i%10, i%5, w] as a flow sequence, wrapped every
// wrap items onto lines indented by indent spaces (0: one line).
func longList(n, wrap, indent int, weight func(i int) string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
			if wrap > 0 && i%wrap == 0 {
				b.WriteString("\n" + strings.Repeat(" ", indent))
			}
		}
		fmt.Fprintf(&b, "[%d,%d,%s]", i%10, i%5, weight(i))
	}
	b.WriteString("]")
	return b.String()
}

// explicit returns n with every list connector's synapses as one List,
// to compare networks whatever storage their lists took.
func explicit(n *snn.Network) *snn.Network {
	if n == nil {
		return nil
	}
	for i := range n.Projections {
		c := &n.Projections[i].Connector
		if c.Kind != snn.FromList {
			continue
		}
		l := make([]snn.Conn, c.Len())
		for k := range l {
			l[k] = c.At(k)
		}
		c.List, c.Table = l, snn.ConnTable{}
	}
	return n
}

// sameAsDecoded checks that lifting lists out of doc changes nothing: the
// same network or the same error as decoding every node with yaml.v3.
func sameAsDecoded(t *testing.T, doc string) {
	t.Helper()
	fast, ferr := parseNetwork("net.yaml", []byte(doc), true)
	slow, serr := parseNetwork("net.yaml", []byte(doc), false)
	if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
		t.Fatalf("errors differ:\n lifted  %v\n decoded %v", ferr, serr)
	}
	if !reflect.DeepEqual(explicit(fast), explicit(slow)) {
		t.Fatalf("networks differ for %q", clip(doc))
	}
}

func TestLiftedListsMatchDecoded(t *testing.T) {
	ints := func(i int) string { return fmt.Sprint(i%7 - 3) }
	mixed := func(i int) string {
		return []string{"1.5", "-2", "3e1", "0.25E-1", "7.", "-0", "-0.0", "12"}[i%8]
	}
	proj := "projections:\n  - {pre: exc, post: inh, connector: {list: %s}}\n"
	cases := map[string]string{
		"flow, one line":     fmt.Sprintf(proj, longList(200, 0, 0, ints)),
		"flow, number forms": fmt.Sprintf(proj, longList(200, 0, 0, mixed)),
		"flow, wrapped":      fmt.Sprintf(proj, longList(200, 7, 6, ints)),
		"flow, wrapped too shallow": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list: " +
			longList(50, 7, 2, ints) + "\n",
		"block key": "projections:\n  - pre: exc\n    post: inh\n    weight: 1\n    connector:\n      list: " +
			longList(50, 9, 8, ints) + "\n    delay: 0.2\n",
		"delays": fmt.Sprintf(proj, strings.Repeat("[[1,2,3,0.3],[2,3,4,0.1],", 10)+"[0,0]]") +
			"    weight: 2\n",
		"pre out of range": fmt.Sprintf(proj, longList(100, 10, 6, ints)[:400]+",\n      [10,0,1]]"),
		"post out of range": fmt.Sprintf(proj, "[[0,1,2],[3,4,5],[6,7,8],"+
			strings.Repeat("[1,1,1],", 20)+"[0,5,1]]"),
		"negative pre":      fmt.Sprintf(proj, strings.Repeat("[1,1,1],\n   ", 20)+"[-1,4,1]]"),
		"delay too short":   fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1,0.1],", 20)+"[2,4,1,0.01]]"),
		"delay too long":    fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1,0.1],", 20)+"[2,4,1,1e6]]"),
		"octal-looking":     fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[01,4,1]]"),
		"hex":               fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[0x1,4,1]]"),
		"float index":       fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1.0,4,1]]"),
		"overflow":          fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1,4,1e999]]"),
		"five numbers":      fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1,4,1,1,1]]"),
		"one number":        fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1]]") + "    weight: 1\n",
		"missing weight":    fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1,2]]"),
		"comment inside":    fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1], # c\n      ", 20)+"[1,2,3]]"),
		"in a comment":      "# list: " + longList(100, 0, 0, ints) + "\n" + fmt.Sprintf(proj, longList(100, 0, 0, ints)),
		"in a string":       "name: 'list: " + longList(100, 0, 0, ints) + "'\n" + fmt.Sprintf(proj, longList(100, 0, 0, ints)),
		"in a block scalar": "name: |\n  list: " + longList(100, 0, 0, ints) + "\n" + fmt.Sprintf(proj, longList(100, 0, 0, ints)),
		"anchor and alias": "projections:\n  - {pre: exc, post: inh, connector: {list: &l " + longList(100, 0, 0, ints) +
			"}}\n  - {pre: exc, post: inh, name: again, connector: {list: *l}}\n",
		"block list": "projections:\n  - pre: exc\n    post: inh\n    weight: 1\n    connector:\n      list:\n" +
			strings.Repeat("        - [1, 2, 3]\n        - [4,0]\n", 20) + "    delay: 0.2\n",
		"block list, same indent": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, -3.5, 0.2]\n", 20) + "    weight: 1\n",
		"block list at the end": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      - [1, 2, 3]",
		"block list, blank line": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "\n      - [1, 2, 3]\n",
		"block list, comment": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      # c\n      - [1, 2, 3]\n",
		"block list, deeper line": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "        - [1, 2, 3]\n",
		"block list, nested": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      - - 1\n        - 2\n",
		"block list, out of range": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      - [1, -2, 3]\n",
		"block list, null entry": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      -\n[1, 2]\n",
		"block list, deeper value": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("        - [1, 2, 3]\n", 20) + "        x: 1\n",
		"block list, key in text": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      a list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20),
		"block list, text after": "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" +
			strings.Repeat("      - [1, 2, 3]\n", 20) + "      - [1, 2, 3] # c\n",
		"unknown key":    "projections:\n  - {pre: exc, post: inh, list: " + longList(100, 0, 0, ints) + "}\n",
		"trailing text":  fmt.Sprintf(proj, longList(100, 0, 0, ints)+" x"),
		"spike times":    "populations:\n  - {name: s, kind: spike_source, spike_times: " + longList(30, 0, 0, ints) + "}\n",
		"CRLF":           strings.ReplaceAll(fmt.Sprintf(proj, longList(100, 9, 6, ints)), "\n", "\r\n"),
		"tab":            fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],\t", 20)+"[1,2,3]]"),
		"empty items":    fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[]]"),
		"trailing comma": fmt.Sprintf(proj, "["+strings.Repeat("[1,1,1],", 20)+"[1,2,3],]"),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) { sameAsDecoded(t, base+c) })
	}
}

// TestLiftedListsLifted checks that the long lists are in fact lifted, so
// that TestLiftedListsMatchDecoded compares two different paths.
func TestLiftedListsLifted(t *testing.T) {
	ints := func(i int) string { return fmt.Sprint(i % 3) }
	for _, doc := range []string{
		"connector: {list: " + longList(100, 0, 0, ints) + "}\n",
		"connector:\n  list: " + longList(100, 5, 4, ints) + "\n",
		"connector:\n  list:\n" + strings.Repeat("  - [0, 1, 2]\n", 100) + "name: x\n",
	} {
		reduced, ll := liftLists([]byte(doc))
		if ll == nil || len(ll.lists) != 1 || ll.lists[0].table.Len() != 100 {
			t.Fatalf("not lifted: %q", doc)
		}
		if strings.Count(string(reduced), "\n") != strings.Count(doc, "\n") {
			t.Errorf("lines not kept: %q", reduced)
		}
	}
}

func TestLiftedListErrorLines(t *testing.T) {
	list := "[" + strings.Repeat("[1,1,1],\n      ", 30) + "[1,9,1]]"
	doc := base + "projections:\n  - pre: exc\n    post: inh\n    connector: {list: " + list + "}\n"
	_, err := ParseNetwork("net.yaml", []byte(doc))
	want := "loader: net.yaml:41: projections[0].connector.list[30][1]: expected a postsynaptic index in [0, 5), got 9"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func FuzzLiftedLists(f *testing.F) {
	f.Add([]byte(base + "projections:\n  - pre: exc\n    post: inh\n    connector:\n      list:\n" + strings.Repeat("      - [1, 2, 3, 0.5]\n", 10) + "    weight: 1\n"))
	f.Add([]byte(base + "projections:\n  - {pre: exc, post: inh, connector: {list: " + strings.Repeat("[[1,2,3],[4,0,-1.5e1]", 5) + "]}}\n"))
	f.Add([]byte(base + "projections:\n  - pre: exc\n    post: inh\n    weight: 1\n    connector:\n      list: [[1,2],\n        [3,4,5,0.2], [0,0]," + strings.Repeat(" [1,1]", 12) + "]\n"))
	f.Add([]byte("# list: [[0,0,0],[0,0,0],[0,0,0],[0,0,0],[0,0,0],[0,0,0],[0,0,0]]\nname: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		sameAsDecoded(t, string(data))
	})
}
