package loader

import (
	"bytes"
	"strconv"
)

// A SANA-FE file of explicit synapses has one edge a line,
//
//	- pre.3 -> post.17: {weight: -2}
//
// millions of them. Decoding those into a YAML node tree would take
// gigabytes, so they are read here straight from the text, their lines
// blanked so that the decoder skips them and every line number stays.
// Lines of any other form are left to the decoder.

// liftedEdge is one synapse read from its line.
type liftedEdge struct {
	pre, post string
	i, j      int
	w         float64
	line      int
}

// liftSANAFEEdges returns data with the single-synapse edge lines of its
// edges section blanked, and those edges. data itself is not changed.
func liftSANAFEEdges(data []byte) ([]byte, []liftedEdge) {
	var edges []liftedEdge
	var out []byte
	inEdges := false
	names := map[string]string{} // interned group names
	line := 0
	for start := 0; start < len(data); {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		line++
		text := data[start:end]
		switch {
		case len(text) > 0 && text[0] != ' ' && text[0] != '\t' && text[0] != '#' && text[0] != '\r':
			inEdges = false // a top-level key ends the network section
		case !inEdges:
			if t := bytes.TrimSpace(text); bytes.Equal(t, []byte("edges:")) {
				inEdges = true
			}
		default:
			if e, ok := parseEdgeLine(text, names); ok {
				e.line = line
				edges = append(edges, e)
				if out == nil {
					out = bytes.Clone(data)
				}
				for k := start; k < end; k++ {
					out[k] = ' '
				}
			}
		}
		start = end + 1
	}
	if out == nil {
		return data, nil
	}
	return out, edges
}

// parseEdgeLine reads "- g.i -> h.j: {weight: w}" (or w: w), with any
// spacing and a trailing comment.
func parseEdgeLine(b []byte, names map[string]string) (e liftedEdge, ok bool) {
	s := edgeScanner{b: b}
	s.space()
	if !s.lit("-") || !s.space() {
		return e, false
	}
	if e.pre, e.i, ok = s.address(names); !ok {
		return e, false
	}
	s.space()
	if !s.lit("->") {
		return e, false
	}
	s.space()
	if e.post, e.j, ok = s.address(names); !ok {
		return e, false
	}
	if !s.lit(":") {
		return e, false
	}
	s.space()
	if !s.lit("{") {
		return e, false
	}
	s.space()
	if !s.lit("weight") && !s.lit("w") {
		return e, false
	}
	if !s.lit(":") {
		return e, false
	}
	s.space()
	st := s.k
	for s.k < len(s.b) && bytes.IndexByte([]byte("+-.0123456789eE"), s.b[s.k]) >= 0 {
		s.k++
	}
	w, err := strconv.ParseFloat(string(s.b[st:s.k]), 64)
	if err != nil {
		return e, false
	}
	e.w = w
	s.space()
	if !s.lit("}") {
		return e, false
	}
	s.space()
	if s.k < len(s.b) && s.b[s.k] != '#' && s.b[s.k] != '\r' {
		return e, false
	}
	return e, true
}

type edgeScanner struct {
	b []byte
	k int
}

// space skips blanks and reports whether there were any.
func (s *edgeScanner) space() bool {
	st := s.k
	for s.k < len(s.b) && (s.b[s.k] == ' ' || s.b[s.k] == '\t') {
		s.k++
	}
	return s.k > st
}

func (s *edgeScanner) lit(t string) bool {
	if len(s.b)-s.k >= len(t) && string(s.b[s.k:s.k+len(t)]) == t {
		s.k += len(t)
		return true
	}
	return false
}

// address reads group.id: a plain group name (letters, digits, _ and -
// that do not start a YAML indicator) and a decimal id.
func (s *edgeScanner) address(names map[string]string) (string, int, bool) {
	st := s.k
	for s.k < len(s.b) {
		c := s.b[s.k]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' && s.k > st {
			s.k++
			continue
		}
		break
	}
	if s.k == st || !s.lit(".") {
		return "", 0, false
	}
	name := s.b[st : s.k-1]
	ds := s.k
	id := 0
	for s.k < len(s.b) && s.b[s.k] >= '0' && s.b[s.k] <= '9' && s.k-ds < 9 {
		id = id*10 + int(s.b[s.k]-'0')
		s.k++
	}
	if s.k == ds || s.k < len(s.b) && s.b[s.k] >= '0' && s.b[s.k] <= '9' {
		return "", 0, false
	}
	g, ok := names[string(name)]
	if !ok {
		g = string(name)
		names[g] = g
	}
	return g, id, true
}
