package loader

import (
	"bytes"
	"math"
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

// liftedEdge is one synapse read from its line, in 24 bytes: files of
// this form run to millions of lines.
type liftedEdge struct {
	pre, post int32 // group names, indices into liftedEdges.names
	i, j      int32
	line      int32
	w         float64
}

// liftedEdges are the edges of a file and the group names they use.
type liftedEdges struct {
	names []string
	edges []liftedEdge
}

// liftSANAFEEdges returns data with the single-synapse edge lines of its
// edges section blanked, and those edges. data itself is not changed.
func liftSANAFEEdges(data []byte) ([]byte, liftedEdges) {
	var l liftedEdges
	var out []byte
	inEdges := false
	ids := map[string]int32{} // group name -> index into l.names
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
			if e, ok := parseEdgeLine(text, ids, &l.names); ok && line <= math.MaxInt32 {
				e.line = int32(line)
				l.edges = append(l.edges, e)
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
		return data, liftedEdges{}
	}
	return out, l
}

// parseEdgeLine reads "- g.i -> h.j: {weight: w}" (or w: w), with any
// spacing and a trailing comment.
func parseEdgeLine(b []byte, ids map[string]int32, names *[]string) (e liftedEdge, ok bool) {
	s := edgeScanner{b: b}
	s.space()
	if !s.lit("-") || !s.space() {
		return e, false
	}
	if e.pre, e.i, ok = s.address(ids, names); !ok {
		return e, false
	}
	s.space()
	if !s.lit("->") {
		return e, false
	}
	s.space()
	if e.post, e.j, ok = s.address(ids, names); !ok {
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
func (s *edgeScanner) address(ids map[string]int32, names *[]string) (group, id int32, ok bool) {
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
		return 0, 0, false
	}
	name := s.b[st : s.k-1]
	ds := s.k
	for s.k < len(s.b) && s.b[s.k] >= '0' && s.b[s.k] <= '9' && s.k-ds < 9 {
		id = id*10 + int32(s.b[s.k]-'0')
		s.k++
	}
	if s.k == ds || s.k < len(s.b) && s.b[s.k] >= '0' && s.b[s.k] <= '9' {
		return 0, 0, false
	}
	group, ok = ids[string(name)]
	if !ok {
		group = int32(len(*names))
		*names = append(*names, string(name))
		ids[string(name)] = group
	}
	return group, id, true
}
