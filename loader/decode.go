package loader

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem found in a network or architecture file. Its message
// names the file, the line, the field path and what was expected, on one
// line:
//
//	loader: net.yaml:12: populations[1].size: expected a non-negative integer, got -5
type Error struct {
	File string
	Line int    // 0 when the problem has no line (an empty file, say)
	Path string // field path such as "projections[0].pre"; may be empty
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("loader: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxAliasExpansion bounds how many nodes aliases may add to a document,
// so that a small file cannot expand into a huge one ("billion laughs").
const maxAliasExpansion = 1 << 20

// dec walks a parsed YAML document, producing errors that carry the file
// name, line and field path.
type dec struct {
	file string
}

func (d *dec) errAt(n *yaml.Node, path, format string, args ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: d.file, Line: line, Path: path, Msg: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine keeps an error message on a single line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads the first YAML document of data and returns its root node,
// refusing documents whose aliases expand too far. yaml.v3 is not
// expected to panic, but a panic on hostile input is turned into an error
// all the same.
func (d *dec) parse(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &Error{File: d.file, Msg: oneLine(fmt.Sprintf("invalid YAML: %v", r))}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: d.file, Line: line, Msg: oneLine("invalid YAML: " + m[2])}
		}
		return nil, &Error{File: d.file, Msg: oneLine("invalid YAML: " + strings.TrimPrefix(msg, "yaml: "))}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: d.file, Msg: "empty document: expected a mapping"}
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	raw := countNodes(n)
	sizes := map[*yaml.Node]int{}
	exp, ok := expandedSize(n, sizes, map[*yaml.Node]bool{}, 0)
	if !ok || exp > raw+maxAliasExpansion {
		return nil, &Error{File: d.file, Line: n.Line, Msg: fmt.Sprintf("aliases expand the document beyond %d nodes", raw+maxAliasExpansion)}
	}
	return n, nil
}

// countNodes counts the nodes of a tree without following aliases.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, ch := range n.Content {
		c += countNodes(ch)
	}
	return c
}

// expandedSize counts the nodes of a tree with aliases expanded, memoised
// so the count itself is linear. It reports false on a cycle or when the
// count exceeds any sensible bound.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int, active map[*yaml.Node]bool, depth int) (int, bool) {
	if n == nil {
		return 0, true
	}
	if s, ok := memo[n]; ok {
		return s, true
	}
	if active[n] || depth > 20000 {
		return 0, false
	}
	active[n] = true
	defer delete(active, n)
	s := 1
	if n.Kind == yaml.AliasNode {
		c, ok := expandedSize(n.Alias, memo, active, depth+1)
		if !ok {
			return 0, false
		}
		s += c
	}
	for _, ch := range n.Content {
		c, ok := expandedSize(ch, memo, active, depth+1)
		if !ok {
			return 0, false
		}
		s += c
		if s > math.MaxInt32 {
			return 0, false
		}
	}
	memo[n] = s
	return s, true
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe says what a node is, for "got ..." in error messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return strconv.Quote(clip(n.Value))
		}
		return clip(n.Value)
	}
	return "an unexpected node"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// field is one key/value pair of a mapping.
type field struct {
	key, val *yaml.Node
}

// fields is a decoded mapping: its pairs by key, in file order.
type fields struct {
	node   *yaml.Node // the mapping node, for "missing field" lines
	order  []string
	m      map[string]field
	merged map[string]bool // keys that came from a merge key
}

func (f *fields) get(k string) (field, bool) {
	v, ok := f.m[k]
	return v, ok
}

func (f *fields) has(k string) bool {
	_, ok := f.m[k]
	return ok
}

// mapping decodes a mapping whose keys must be among allowed. A null node
// decodes as an empty mapping.
func (d *dec) mapping(n *yaml.Node, path string, allowed []string) (*fields, error) {
	n = resolve(n)
	f := &fields{node: n, m: map[string]field{}}
	if isNull(n) {
		return f, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errAt(n, path, "expected a mapping, got %s", describe(n))
	}
	if err := d.collect(n, path, allowed, f, false); err != nil {
		return nil, err
	}
	return f, nil
}

func (d *dec) collect(n *yaml.Node, path string, allowed []string, f *fields, merged bool) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			return d.errAt(n.Content[i], path, "expected a key, got %s", describe(k))
		}
		if k.Tag == "!!merge" {
			if err := d.merge(v, path, allowed, f); err != nil {
				return err
			}
			continue
		}
		name := k.Value
		if !contains(allowed, name) {
			return d.errAt(k, join(path, name), "unknown key (allowed: %s)", strings.Join(allowed, ", "))
		}
		if prev, dup := f.m[name]; dup {
			if merged {
				continue // the first merged mapping wins
			}
			if !f.merged[name] {
				return d.errAt(k, join(path, name), "defined twice (first at line %d)", prev.key.Line)
			}
			// A key given directly overrides a merged one.
			delete(f.merged, name)
			f.m[name] = field{key: k, val: v}
			continue
		}
		f.m[name] = field{key: k, val: v}
		f.order = append(f.order, name)
	}
	return nil
}

// merge applies a YAML merge key ("<<: *anchor"): the merged mapping's
// keys apply where the mapping does not give them itself.
func (d *dec) merge(v *yaml.Node, path string, allowed []string, f *fields) error {
	v = resolve(v)
	var srcs []*yaml.Node
	switch {
	case v != nil && v.Kind == yaml.MappingNode:
		srcs = []*yaml.Node{v}
	case v != nil && v.Kind == yaml.SequenceNode:
		for _, s := range v.Content {
			srcs = append(srcs, resolve(s))
		}
	}
	if len(srcs) == 0 {
		return d.errAt(v, path, "merge key <<: expected a mapping or a list of mappings, got %s", describe(v))
	}
	// Collect into a temporary set, then add the keys not already present;
	// keys given directly after the merge key replace these.
	for _, s := range srcs {
		if s == nil || s.Kind != yaml.MappingNode {
			return d.errAt(v, path, "merge key <<: expected a mapping, got %s", describe(s))
		}
		tmp := &fields{m: map[string]field{}}
		if err := d.collect(s, path, allowed, tmp, true); err != nil {
			return err
		}
		for _, k := range tmp.order {
			if _, ok := f.m[k]; !ok {
				f.m[k] = tmp.m[k]
				f.order = append(f.order, k)
				if f.merged == nil {
					f.merged = map[string]bool{}
				}
				f.merged[k] = true
			}
		}
	}
	return nil
}

// seq decodes a list; null is an empty list.
func (d *dec) seq(n *yaml.Node, path string) ([]*yaml.Node, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errAt(n, path, "expected a list, got %s", describe(n))
	}
	return n.Content, nil
}

func (d *dec) number(n *yaml.Node, path, what string) (float64, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	return v, nil
}

// float decodes a finite number.
func (d *dec) float(n *yaml.Node, path string) (float64, error) {
	v, err := d.number(n, path, "a number")
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, d.errAt(n, path, "expected a finite number, got %s", describe(n))
	}
	return v, nil
}

// floatCheck decodes a finite number and checks it with ok; what says
// what was expected.
func (d *dec) floatCheck(n *yaml.Node, path, what string, ok func(float64) bool) (float64, error) {
	v, err := d.number(n, path, what)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || !ok(v) {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	return v, nil
}

// integer decodes an integer in [lo, hi]; what says what was expected.
func (d *dec) integer(n *yaml.Node, path, what string, lo, hi int64) (int64, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	var v int64
	if err := n.Decode(&v); err != nil || v < lo || v > hi {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	return v, nil
}

func (d *dec) uint64(n *yaml.Node, path, what string) (uint64, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" || strings.HasPrefix(strings.TrimSpace(n.Value), "-") {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	var v uint64
	if err := n.Decode(&v); err != nil {
		return 0, d.errAt(n, path, "expected %s, got %s", what, describe(n))
	}
	return v, nil
}

func (d *dec) boolean(n *yaml.Node, path string) (bool, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, d.errAt(n, path, "expected true or false, got %s", describe(n))
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		return false, d.errAt(n, path, "expected true or false, got %s", describe(n))
	}
	return v, nil
}

// name decodes a non-empty scalar used as a name. Numbers are accepted as
// their text, so `name: 1` names something "1".
func (d *dec) name(n *yaml.Node, path string) (string, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" {
		return "", d.errAt(n, path, "expected a non-empty name, got %s", describe(n))
	}
	return n.Value, nil
}

// word decodes a scalar that must be one of choices.
func (d *dec) word(n *yaml.Node, path, what string, choices []string) (string, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errAt(n, path, "expected %s (%s), got %s", what, strings.Join(choices, " | "), describe(n))
	}
	if !contains(choices, n.Value) {
		return "", d.errAt(n, path, "unknown %s %q (have: %s)", what, clip(n.Value), strings.Join(choices, ", "))
	}
	return n.Value, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
