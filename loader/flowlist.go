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
// sequence of plain numbers, parses it straight into snn.Conn, and leaves
// a placeholder in its place, keeping every other byte's line: a flow
// sequence, as the list was, so that what follows it parses as before,
// holding one tagged scalar.
// The connector decoder then takes the parsed list for the placeholder.
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
	start, end int // its bytes in the original document, '[' to past ']'
	conns      []snn.Conn
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
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			// Quoted scalars may span lines, but a stray quote in a plain
			// scalar (it's) must not hide the rest of the file; losing
			// track only costs speed.
			quote = 0
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
			end, n, ok := scanList(data, i, nil)
			if !ok || end-i < minLifted {
				continue
			}
			conns := make([]snn.Conn, n)
			scanList(data, i, conns)
			if ll == nil {
				ll = &liftedLists{data: data}
				out.Grow(len(data) / 16)
			}
			out.Write(data[copied:i])
			fmt.Fprintf(&out, "[%s %d]", listTag, len(ll.lists))
			if nl := bytes.Count(data[i:end], []byte{'\n'}); nl > 0 {
				// Keep the lines, and the column of what follows the list.
				out.Write(bytes.Repeat([]byte{'\n'}, nl))
				out.Write(bytes.Repeat([]byte{' '}, end-1-bytes.LastIndexByte(data[i:end], '\n')-i))
			}
			ll.lists = append(ll.lists, liftedList{start: i, end: end, conns: conns})
			copied = end
			i = end - 1
		}
	}
	if ll == nil {
		return data, nil
	}
	out.Write(data[copied:])
	return out.Bytes(), ll
}

// afterListKey reports whether the '[' at i is the value of a plain key
// `list` in block or flow style.
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

// scanList reads the flow sequence of number lists at data[start] = '['
// and returns the index past its closing bracket and its item count; ok is
// false if it is anything else (then yaml.v3 reads it). Every item has two
// to four numbers, pre and post being integers. With conns non-nil (of the
// item count) it also stores the items. Lines inside the list must be
// indented deeper than the line it starts on, as yaml.v3 requires.
func scanList(data []byte, start int, conns []snn.Conn) (end, items int, ok bool) {
	indent := lineIndent(data, start)
	i := start + 1
	// skip passes spaces and line breaks, checking the indentation of
	// every new line.
	skip := func() bool {
		for i < len(data) {
			switch data[i] {
			case ' ':
				i++
			case '\r', '\n':
				if data[i] == '\r' && (i+1 >= len(data) || data[i+1] != '\n') {
					return false
				}
				if data[i] == '\r' {
					i++
				}
				i++
				col := 0
				for i < len(data) && data[i] == ' ' {
					i++
					col++
				}
				if col <= indent && i < len(data) && data[i] != '\n' && data[i] != '\r' {
					return false
				}
			default:
				return true
			}
		}
		return false
	}
	for {
		if !skip() || data[i] != '[' {
			return 0, 0, false
		}
		i++
		var c snn.Conn
		n := 0
		for {
			if !skip() {
				return 0, 0, false
			}
			tok := numberToken(data[i:])
			if len(tok) == 0 || n == 4 {
				return 0, 0, false
			}
			i += len(tok)
			iv, isInt := parseInt(tok)
			if n < 2 && !isInt {
				return 0, 0, false
			}
			var v float64
			if isInt {
				v = float64(iv)
			} else {
				f, err := strconv.ParseFloat(string(tok), 64)
				if err != nil {
					return 0, 0, false
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
			n++
			if !skip() {
				return 0, 0, false
			}
			if data[i] == ',' {
				i++
				continue
			}
			if data[i] != ']' {
				return 0, 0, false
			}
			i++
			break
		}
		if n < 2 {
			return 0, 0, false
		}
		if conns != nil {
			conns[items] = c
		}
		items++
		if !skip() {
			return 0, 0, false
		}
		switch data[i] {
		case ',':
			i++
		case ']':
			return i + 1, items, true
		default:
			return 0, 0, false
		}
	}
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
	depth, item, elem := 0, -1, 0
	for i := l.start; i < l.end; i++ {
		switch data[i] {
		case '[':
			depth++
			if depth == 2 {
				item++
				elem = 0
			}
		case ']':
			depth--
		case ',':
			if depth == 2 {
				elem++
			}
		case ' ', '\n', '\r':
		default:
			if depth == 2 && item == k && elem == j {
				tok := numberToken(data[i:])
				return bytes.Count(data[:i], []byte{'\n'}) + 1, string(tok)
			}
		}
	}
	return bytes.Count(data[:l.start], []byte{'\n'}) + 1, ""
}
