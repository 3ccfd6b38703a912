package loader

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/spindle-sim/spindle/snn"
	"gopkg.in/yaml.v3"
)

// Explicit synapse lists are most of a large network file: the 3.56 M
// synapses of SANA-FE's DVS-gesture network are 52 MB of [pre,post,weight]
// triples. Decoded as yaml.Node trees they take a node for every number, a
// field path for every item and gigabytes in all. So before yaml.v3 sees
// the document, liftLists takes out every `list:` value written as a flow
// or block sequence of items of plain numbers, parses it straight into an
// snn.ConnTable, and leaves a placeholder in its place that keeps every
// other byte's line: a flow sequence holding one tagged scalar, so that
// what follows it parses as before. The connector decoder then takes the
// parsed list for the placeholder.
//
// Lifting is an optimisation, never a change of meaning: the scanner
// accepts only number forms that yaml.v3 reads the same way and leaves
// anything else to yaml.v3; a placeholder that the decoder does not meet
// as a connector's list (the text was inside a comment or a string) makes
// ParseNetwork decode the original document instead.

// listTag marks the scalar of a placeholder; its value is the index of the
// lifted list.
const listTag = "!spindle-list"

// minLifted is the shortest list text worth lifting: shorter lists cost
// yaml.v3 little.
const minLifted = 64

// liftedList is one list taken out of the document.
type liftedList struct {
	start, end int // its bytes in the original document: '[' to past ']', or a block list's lines
	table      snn.ConnTable
	used       bool
}

// liftedLists are the lists taken out of one document.
type liftedLists struct {
	data  []byte // the original document, to locate errors
	lists []liftedList
}

// liftLists returns data with its number lists replaced by placeholders,
// and the lists; nil when it found none worth lifting.
func liftLists(data []byte) ([]byte, *liftedLists) {
	var ll *liftedLists
	var out bytes.Buffer
	copied := 0
	// lift replaces data[from:to], the list t, with a placeholder.
	lift := func(from, to int, t snn.ConnTable) {
		if ll == nil {
			ll = &liftedLists{data: data}
			out.Grow(len(data) / 16)
		}
		out.Write(data[copied:from])
		if data[from] == '\n' {
			out.WriteByte(' ') // a block list starts on the next line
		}
		fmt.Fprintf(&out, "[%s %d]", listTag, len(ll.lists))
		if nl := bytes.Count(data[from:to], []byte{'\n'}); nl > 0 {
			// Keep the lines, and the column of what follows the list.
			out.Write(bytes.Repeat([]byte{'\n'}, nl))
			out.Write(bytes.Repeat([]byte{' '}, to-1-bytes.LastIndexByte(data[from:to], '\n')-from))
		}
		ll.lists = append(ll.lists, liftedList{start: from, end: to, table: t})
		copied = to
	}
	var quote byte
	// flow is the depth of flow collections: a block list is lifted only
	// outside them. Brackets in plain scalars (a[1]) upset the count; once
	// it goes below zero no block list is lifted.
	flow, lost := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			// Quoted scalars may span lines, but a stray quote in a plain
			// scalar (it's) must not hide the rest of the file; losing
			// track only costs speed.
			quote = 0
			if flow != 0 || lost || !afterListKey(data, i) {
				continue
			}
			key, ok := blockKey(data, i)
			if !ok {
				continue
			}
			end, n, ok := scanBlockList(data, i, key, nil)
			if !ok || end-i < minLifted {
				continue
			}
			t := snn.NewConnTable(n)
			scanBlockList(data, i, key, &t)
			lift(i, end, t)
			i = end - 1
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\n'):
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
		case c == '[' && afterListKey(data, i):
			n := countItems(data, i)
			if n == 0 {
				flow++
				continue
			}
			t := snn.NewConnTable(n)
			end, n, ok := scanFlowList(data, i, &t)
			if !ok || end-i < minLifted {
				flow++
				continue
			}
			t.Pre, t.Post = t.Pre[:n], t.Post[:n]
			if t.Weight != nil {
				t.Weight = t.Weight[:n]
			}
			if t.Delay != nil {
				t.Delay = t.Delay[:n]
			}
			lift(i, end, t)
			i = end - 1
		case c == '[' || c == '{':
			flow++
		case c == ']' || c == '}':
			flow--
			lost = lost || flow < 0
		}
	}
	if ll == nil {
		return data, nil
	}
	out.Write(data[copied:])
	return out.Bytes(), ll
}

// afterListKey reports whether data[i] (a '[' or the end of the line)
// follows a plain key `list:` in block or flow style.
func afterListKey(data []byte, i int) bool {
	j := i - 1
	for j >= 0 && data[j] == ' ' {
		j--
	}
	const key = "list:"
	if j+1 < len(key) || string(data[j+1-len(key):j+1]) != key {
		return false
	}
	k := j - len(key)
	return k < 0 || data[k] == ' ' || data[k] == '{' || data[k] == ',' || data[k] == '\n'
}

// blockKey returns the column of the key `list:` that ends the line at
// data[end] = '\n', if the line holds nothing else but sequence dashes:
// the column a block list's lines are measured against.
func blockKey(data []byte, end int) (int, bool) {
	line := bytes.LastIndexByte(data[:end], '\n') + 1
	text := bytes.TrimRight(data[line:end], " ")
	col := 0
	for col < len(text) && text[col] == ' ' {
		col++
	}
	for col+1 < len(text) && text[col] == '-' && text[col+1] == ' ' {
		col += 2
		for col < len(text) && text[col] == ' ' {
			col++
		}
	}
	return col, string(text[col:]) == "list:"
}

// listScanner reads number lists: flow sequences of items [pre, post,
// weight?, delay?], pre and post being integers.
type listScanner struct {
	data []byte
	i    int
	// indent is the indentation that the lines inside a flow list must
	// exceed, as yaml.v3 requires; -1 keeps an item on its line.
	indent int
}

// skip passes spaces and, unless indent is -1, line breaks followed by
// deeper indentation; it reports whether anything follows.
func (s *listScanner) skip() bool {
	// Most lists are written without spaces: this much is inlined.
	if s.i < len(s.data) && s.data[s.i] > ' ' {
		return true
	}
	return s.skipSpace()
}

func (s *listScanner) skipSpace() bool {
	data := s.data
	for s.i < len(data) {
		switch data[s.i] {
		case ' ':
			s.i++
		case '\r', '\n':
			if s.indent < 0 || (data[s.i] == '\r' && (s.i+1 >= len(data) || data[s.i+1] != '\n')) {
				return false
			}
			if data[s.i] == '\r' {
				s.i++
			}
			s.i++
			col := 0
			for s.i < len(data) && data[s.i] == ' ' {
				s.i++
				col++
			}
			if col <= s.indent && s.i < len(data) && data[s.i] != '\n' && data[s.i] != '\r' {
				return false
			}
		default:
			return true
		}
	}
	return false
}

// item reads one item at data[i] = '['.
func (s *listScanner) item() (c snn.Conn, ok bool) {
	data := s.data
	s.i++
	for n := 0; ; n++ {
		if !s.skip() {
			return c, false
		}
		tok := numberToken(data[s.i:])
		if len(tok) == 0 || n == 4 {
			return c, false
		}
		s.i += len(tok)
		iv, isInt := parseInt(tok)
		if n < 2 && !isInt {
			return c, false
		}
		v := float64(iv)
		if !isInt {
			f, err := strconv.ParseFloat(string(tok), 64)
			if err != nil {
				return c, false
			}
			v = f
		}
		switch n {
		case 0:
			c.Pre = int(iv)
		case 1:
			c.Post = int(iv)
		case 2:
			c.Weight, c.HasWeight = v, true
		case 3:
			c.Delay, c.HasDelay = v, true
		}
		if !s.skip() {
			return c, false
		}
		switch data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return c, n >= 1
		default:
			return c, false
		}
	}
}

// countItems bounds the items of the flow list at data[start] = '[' by
// the brackets inside it, without reading its numbers: 0 if it holds
// something else than flat items or has fewer than minLifted bytes.
func countItems(data []byte, start int) int {
	depth, n := 0, 0
	for i := start; i < len(data); i++ {
		if !listSyntax[data[i]] {
			continue
		}
		switch data[i] {
		case '[':
			depth++
			if depth > 2 {
				return 0
			}
			n++
		case ']':
			depth--
			if depth == 0 {
				if i-start < minLifted {
					return 0
				}
				return n - 1
			}
		case '{', '}', '#', '\'', '"':
			return 0
		}
	}
	return 0
}

// listSyntax marks the bytes countItems looks at.
var listSyntax = func() (t [256]bool) {
	for _, c := range []byte("[]{}#'\"") {
		t[c] = true
	}
	return t
}()

// scanFlowList reads the flow sequence of items at data[start] = '[' into
// t (room for countItems) and returns the index past its closing
// bracket and its item count; ok is false if it is anything else (then
// yaml.v3 reads it).
func scanFlowList(data []byte, start int, t *snn.ConnTable) (end, items int, ok bool) {
	s := &listScanner{data: data, i: start + 1, indent: lineIndent(data, start)}
	for {
		if !s.skip() || data[s.i] != '[' {
			return 0, 0, false
		}
		c, ok := s.item()
		if !ok || items == t.Len() {
			return 0, 0, false
		}
		t.Set(items, c)
		items++
		if !s.skip() {
			return 0, 0, false
		}
		switch data[s.i] {
		case ',':
			s.i++
		case ']':
			return s.i + 1, items, true
		default:
			return 0, 0, false
		}
	}
}

// scanBlockList reads the block sequence of items that starts on the
// line after data[start] = '\n', the value of a key at column key, one
// `- [...]` per line, and returns the index of the line break that ends
// its last item and its item count; ok is false unless the line after it
// leaves the key's value (it is no deeper than the key, and no item
// unless shallower). With t non-nil it also stores the items.
func scanBlockList(data []byte, start, key int, t *snn.ConnTable) (end, items int, ok bool) {
	s := &listScanner{data: data, indent: -1}
	dash := -1
	for i := start; i < len(data) && data[i] == '\n'; {
		line := i + 1
		col := 0
		for line+col < len(data) && data[line+col] == ' ' {
			col++
		}
		rest := data[line+col:]
		// A dash alone, or before a blank, is an entry too: "-" is a null.
		isItem := len(rest) >= 1 && rest[0] == '-' &&
			(len(rest) == 1 || rest[1] == ' ' || rest[1] == '\t' || rest[1] == '\n' || rest[1] == '\r')
		if dash < 0 {
			dash = col
			if !isItem || dash < key {
				return 0, 0, false
			}
		}
		if len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == '#' {
			return 0, 0, false // the sequence may go on after a blank line or a comment
		}
		if col < dash || (col == dash && !isItem) {
			if col > key {
				return 0, 0, false // neither the key's value nor a key after it
			}
			break
		}
		if col > dash || !isItem || len(rest) < 2 || rest[1] != ' ' {
			return 0, 0, false // deeper, or an entry that is no `- [...]`
		}
		s.i = line + col + 2
		if !s.skip() || data[s.i] != '[' {
			return 0, 0, false
		}
		c, ok := s.item()
		if !ok {
			return 0, 0, false
		}
		if t != nil {
			t.Set(items, c)
		}
		items++
		if s.skip() {
			return 0, 0, false // text after the item
		}
		if s.i < len(data) && data[s.i] == '\r' {
			s.i++
		}
		i, end = s.i, s.i
	}
	return end, items, items > 0 && (end == len(data) || data[end] == '\n')
}

// lineIndent is the indentation of the line holding data[i].
func lineIndent(data []byte, i int) int {
	s := bytes.LastIndexByte(data[:i], '\n') + 1
	n := 0
	for s+n < i && data[s+n] == ' ' {
		n++
	}
	return n
}

// numberToken returns the number at the start of b, in the forms yaml.v3
// reads as the same number: an integer without leading zeros (yaml.v3
// reads 010 as octal) of at most 18 digits, or a decimal
// -?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?. Anything else, or a token
// running into other characters, is nil.
func numberToken(b []byte) []byte {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	d := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == d {
		return nil
	}
	intEnd := i
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		e := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == e {
			return nil
		}
	}
	if i < len(b) && b[i] != ',' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\r' {
		return nil
	}
	if i == intEnd && ((b[d] == '0' && intEnd-d > 1) || intEnd-d > 18) {
		return nil
	}
	return b[:i]
}

// parseInt reads a token of numberToken that is an integer.
func parseInt(tok []byte) (int64, bool) {
	neg := tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	var v int64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// list returns the lifted list a placeholder node stands for, marking it
// used; ok is false if n is no placeholder.
func (ll *liftedLists) list(n *yaml.Node) (*liftedList, bool) {
	if ll == nil || n == nil || n.Kind != yaml.SequenceNode || len(n.Content) != 1 {
		return nil, false
	}
	n = n.Content[0]
	if n.Kind != yaml.ScalarNode || n.Tag != listTag {
		return nil, false
	}
	k, err := strconv.Atoi(n.Value)
	if err != nil || k < 0 || k >= len(ll.lists) {
		return nil, false
	}
	l := &ll.lists[k]
	l.used = true
	return l, true
}

// allUsed reports whether the decoder met every placeholder as a list.
func (ll *liftedLists) allUsed() bool {
	for i := range ll.lists {
		if !ll.lists[i].used {
			return false
		}
	}
	return true
}

// locate returns the line and text of number j of item k of list l, for
// error messages: only errors pay for counting lines.
func (ll *liftedLists) locate(l *liftedList, k, j int) (line int, text string) {
	data := ll.data
	// Items are nested in the brackets of a flow list, or stand alone in
	// a block list, which starts at the line break after its key.
	itemDepth := 2
	if data[l.start] == '\n' {
		itemDepth = 1
	}
	depth, item, elem := 0, -1, 0
	for i := l.start; i < l.end; i++ {
		switch data[i] {
		case '[':
			depth++
			if depth == itemDepth {
				item++
				elem = 0
			}
		case ']':
			depth--
		case ',':
			if depth == itemDepth {
				elem++
			}
		case ' ', '\n', '\r':
		default:
			if depth == itemDepth && item == k && elem == j {
				tok := numberToken(data[i:])
				return bytes.Count(data[:i], []byte{'\n'}) + 1, string(tok)
			}
		}
	}
	return bytes.Count(data[:l.start], []byte{'\n'}) + 1, ""
}
