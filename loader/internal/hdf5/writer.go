package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Tree is a group to write: its member groups and datasets by name, and
// its attributes. A name is unique among a group's members; it is not
// empty, not "." and holds no '/' or NUL.
type Tree struct {
	Groups   map[string]*Tree
	Datasets map[string]*Data
	Attrs    map[string]*Data
}

// Data is the shape and elements of a dataset or attribute to write.
// Exactly one of the element slices is not nil; its type is the stored
// type (little-endian IEEE binary32 or binary64, signed 64-bit integers,
// or variable-length UTF-8 strings, as h5py stores Python str).
type Data struct {
	// Shape is the dimensions; nil is a scalar, of one element.
	Shape   []int
	Float32 []float32
	Float64 []float64
	Int64   []int64
	Strings []string
}

// Encoding limits of the writer.
const (
	leafK     = 4  // symbol node entries: at most 2*leafK (the HDF5 default)
	internalK = 16 // B-tree node children: at most 2*internalK
	// minCollection is the smallest global heap collection the HDF5
	// library reads (H5HG_MINSIZE).
	minCollection = 4096
	maxHeapIndex  = math.MaxUint16 // objects of one global heap collection
	maxAttrBytes  = 60 << 10       // an attribute message's body stays below 64 KiB
)

// Encode returns the HDF5 file holding the tree t as its root group.
//
// The file has the layout the reader (and h5py with libver "earliest")
// uses: a version 0 superblock with 8-byte offsets and lengths, version 1
// object headers, groups as symbol tables (a version 1 B-tree of symbol
// nodes, names in a local heap), contiguous datasets, and strings in
// global heap collections. Members are stored in name order, as HDF5's
// symbol tables require.
func Encode(t *Tree) ([]byte, error) {
	if t == nil {
		return nil, errors.New("hdf5: write: nil root group")
	}
	w := &writer{}
	if err := w.check("/", t, 0); err != nil {
		return nil, err
	}
	const superblockSize = 96
	w.buf = make([]byte, superblockSize)
	w.collect(t)
	w.writeHeaps()
	root, err := w.group("/", t)
	if err != nil {
		return nil, err
	}
	// The superblock, now that the root group's addresses are known.
	b := append(w.buf[:0:0], magic...)
	b = append(b, 0, 0, 0, 0, 0, 8, 8, 0) // versions, sizes of offsets and lengths
	b = le16(b, leafK)
	b = le16(b, internalK)
	b = le32(b, 0)                  // consistency flags
	b = le64(b, 0)                  // base address
	b = le64(b, undefined)          // free-space info
	b = le64(b, uint64(len(w.buf))) // end of file
	b = le64(b, undefined)          // driver information
	b = w.entry(b, 0, root, true)   // root group symbol table entry
	copy(w.buf, b)
	return w.buf, nil
}

// writer lays out a file in memory; addresses are offsets into buf.
type writer struct {
	buf []byte

	strs  []string // every string element, in the order group writes them
	heaps []heapRef
	next  int // the next string to place
}

// heapRef is where a string element went: its collection and index.
type heapRef struct {
	addr uint64
	idx  uint32
}

// groupAddrs are the addresses a group's symbol table entry caches.
type groupAddrs struct {
	header, btree, heap uint64
}

// check validates the tree before anything is written; depth bounds
// the nesting to what the reader follows.
func (w *writer) check(p string, t *Tree, depth int) error {
	if depth > maxDepth*8 {
		return fmt.Errorf("hdf5: write: %s: groups nested deeper than %d", p, maxDepth*8)
	}
	for name := range t.Datasets {
		if _, ok := t.Groups[name]; ok {
			return fmt.Errorf("hdf5: write: %s: %q is both a group and a dataset", p, name)
		}
	}
	for _, name := range sortedKeys(t.Groups) {
		if err := checkName(p, name); err != nil {
			return err
		}
		g := t.Groups[name]
		if g == nil {
			return fmt.Errorf("hdf5: write: %s: nil group", join(p, name))
		}
		if err := w.check(join(p, name), g, depth+1); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(t.Datasets) {
		if err := checkName(p, name); err != nil {
			return err
		}
		if err := checkData(join(p, name), t.Datasets[name]); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(t.Attrs) {
		if name == "" || strings.IndexByte(name, 0) >= 0 {
			return fmt.Errorf("hdf5: write: %s: attribute name %q: expected a non-empty name without NUL", p, name)
		}
		if err := checkData(p+"@"+name, t.Attrs[name]); err != nil {
			return err
		}
	}
	return nil
}

func checkName(p, name string) error {
	if name == "" || name == "." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("hdf5: write: %s: member name %q: expected a non-empty name without '/' or NUL, other than \".\"", p, name)
	}
	return nil
}

func join(p, name string) string {
	if p == "/" {
		return "/" + name
	}
	return p + "/" + name
}

// checkData checks that d has one element slice of the size of its shape.
func checkData(p string, d *Data) error {
	if d == nil {
		return fmt.Errorf("hdf5: write: %s: nil data", p)
	}
	set := 0
	for _, ok := range []bool{d.Float32 != nil, d.Float64 != nil, d.Int64 != nil, d.Strings != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("hdf5: write: %s: %d element slices set, expected exactly one", p, set)
	}
	if len(d.Shape) > maxRank {
		return fmt.Errorf("hdf5: write: %s: %d dimensions: at most %d supported", p, len(d.Shape), maxRank)
	}
	n := uint64(1)
	for i, s := range d.Shape {
		if s < 0 || uint64(s) > maxValueBytes {
			return fmt.Errorf("hdf5: write: %s: dimension %d of size %d: expected 0 to %d", p, i, s, maxValueBytes)
		}
		n *= uint64(s)
		if n > maxValueBytes {
			return fmt.Errorf("hdf5: write: %s: shape %v: more than %d elements", p, d.Shape, maxValueBytes)
		}
	}
	if uint64(d.len()) != n {
		return fmt.Errorf("hdf5: write: %s: %d elements, but shape %v holds %d", p, d.len(), d.Shape, n)
	}
	for i, s := range d.Strings {
		if len(s) > maxValueBytes || strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			return fmt.Errorf("hdf5: write: %s: string %d: expected UTF-8 text without NUL of at most %d bytes", p, i, maxValueBytes)
		}
	}
	return nil
}

func (d *Data) len() int {
	switch {
	case d.Float32 != nil:
		return len(d.Float32)
	case d.Float64 != nil:
		return len(d.Float64)
	case d.Int64 != nil:
		return len(d.Int64)
	}
	return len(d.Strings)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// collect gathers the string elements of the tree in the order group
// writes them: a group's members in name order, then its attributes.
func (w *writer) collect(t *Tree) {
	for _, name := range members(t) {
		if g, ok := t.Groups[name]; ok {
			w.collect(g)
			continue
		}
		w.strs = append(w.strs, t.Datasets[name].Strings...)
	}
	for _, name := range sortedKeys(t.Attrs) {
		w.strs = append(w.strs, t.Attrs[name].Strings...)
	}
}

// members returns the names of t's groups and datasets in name order.
func members(t *Tree) []string {
	names := append(sortedKeys(t.Groups), sortedKeys(t.Datasets)...)
	slices.Sort(names)
	return names
}

// writeHeaps writes the strings into global heap collections, each of at
// least minCollection bytes and at most maxHeapIndex objects.
func (w *writer) writeHeaps() {
	const objHeader = 16 // index, reference count, reserved, size
	w.heaps = make([]heapRef, len(w.strs))
	for start := 0; start < len(w.strs); {
		size, end := 16, start // the collection header
		for end < len(w.strs) && end-start < maxHeapIndex && (end == start || size < 1<<20) {
			size += objHeader + pad8(len(w.strs[end]))
			end++
		}
		// The free-space object fills the rest of a collection; one
		// smaller than an object header is left as bare zeros, which the
		// HDF5 library reads as free space too.
		size = max(size+objHeader, minCollection)
		addr := w.align()
		b := append(w.buf, "GCOL"...)
		b = append(b, 1, 0, 0, 0)
		b = le64(b, uint64(size))
		for i := start; i < end; i++ {
			s := w.strs[i]
			idx := uint32(i - start + 1)
			w.heaps[i] = heapRef{addr, idx}
			b = le16(b, uint16(idx))
			b = le16(b, 0) // reference count, as h5py leaves it
			b = le32(b, 0)
			b = le64(b, uint64(len(s)))
			b = append(b, s...)
			b = append(b, make([]byte, pad8(len(s))-len(s))...)
		}
		free := int(addr) + size - len(b)
		b = le16(b, 0)
		b = le16(b, 0)
		b = le32(b, 0)
		b = le64(b, uint64(free))
		w.buf = append(b, make([]byte, free-objHeader)...)
		start = end
	}
}

func pad8(n int) int { return (n + 7) &^ 7 }

// align pads buf to 8 bytes and returns its length, the next address.
func (w *writer) align() uint64 {
	for len(w.buf)%8 != 0 {
		w.buf = append(w.buf, 0)
	}
	return uint64(len(w.buf))
}

// group writes group t and everything below it and returns its
// addresses.
func (w *writer) group(p string, t *Tree) (groupAddrs, error) {
	names := members(t)
	type child struct {
		addrs groupAddrs
		group bool
	}
	children := make([]child, len(names))
	for i, name := range names {
		if g, ok := t.Groups[name]; ok {
			a, err := w.group(join(p, name), g)
			if err != nil {
				return groupAddrs{}, err
			}
			children[i] = child{a, true}
			continue
		}
		children[i] = child{addrs: groupAddrs{header: w.dataset(t.Datasets[name])}}
	}

	// The local heap: the empty name at offset 0, then the member names,
	// each NUL-terminated and padded to 8 bytes.
	heap := make([]byte, 8, 8+len(names)*16)
	offs := make([]uint64, len(names))
	for i, name := range names {
		offs[i] = uint64(len(heap))
		heap = append(heap, name...)
		heap = append(heap, make([]byte, pad8(len(name)+1)-len(name))...)
	}
	var ga groupAddrs
	ga.heap = w.align()
	w.buf = append(w.buf, "HEAP"...)
	w.buf = append(w.buf, 0, 0, 0, 0)
	w.buf = le64(w.buf, uint64(len(heap)))
	w.buf = le64(w.buf, 1) // no free block (the HDF5 library's H5HL_FREE_NULL)
	w.buf = le64(w.buf, ga.heap+32)
	w.buf = append(w.buf, heap...)

	// Symbol nodes of at most 2*leafK entries, in name order. An empty
	// group has none: its B-tree is one node without children.
	var level []uint64 // the nodes of the current B-tree level
	var keys []uint64  // heap offset of the largest name under each node
	for start := 0; start < len(names); start += 2 * leafK {
		end := min(start+2*leafK, len(names))
		addr := w.align()
		b := append(w.buf, "SNOD"...)
		b = append(b, 1, 0)
		b = le16(b, uint16(end-start))
		for i := start; i < end; i++ {
			b = w.entry(b, offs[i], children[i].addrs, children[i].group)
		}
		// The HDF5 library reads a symbol node at its full size.
		b = append(b, make([]byte, (2*leafK-(end-start))*40)...)
		w.buf = b
		level, keys = append(level, addr), append(keys, offs[end-1])
	}
	// B-tree levels of at most 2*internalK children, up to one root.
	for lvl := 0; ; lvl++ {
		var up, upKeys []uint64
		for start := 0; start < len(level) || start == 0; start += 2 * internalK {
			end := min(start+2*internalK, len(level))
			addr := w.align()
			b := append(w.buf, "TREE"...)
			b = append(b, 0, uint8(lvl))
			b = le16(b, uint16(end-start))
			b = le64(b, undefined) // siblings, linked below
			b = le64(b, undefined)
			b = le64(b, 0) // key 0: the empty name
			for i := start; i < end; i++ {
				b = le64(b, level[i])
				b = le64(b, keys[i])
			}
			b = append(b, make([]byte, (2*internalK-(end-start))*16)...)
			w.buf = b
			up = append(up, addr)
			if end > start {
				upKeys = append(upKeys, keys[end-1])
			}
			if len(level) == 0 {
				break
			}
		}
		for i := 1; i < len(up); i++ {
			binary.LittleEndian.PutUint64(w.buf[up[i]+8:], up[i-1])
			binary.LittleEndian.PutUint64(w.buf[up[i-1]+16:], up[i])
		}
		level, keys = up, upKeys
		if len(level) <= 1 {
			break
		}
	}
	ga.btree = level[0]

	msgs := [][]byte{symbolTableMsg(ga.btree, ga.heap)}
	attrs, err := w.attributes(p, t.Attrs)
	if err != nil {
		return groupAddrs{}, err
	}
	ga.header = w.objectHeader(append(msgs, attrs...))
	return ga, nil
}

// entry appends a symbol table entry; a group's caches its B-tree and
// local heap, as the HDF5 library writes it.
func (w *writer) entry(b []byte, nameOff uint64, a groupAddrs, group bool) []byte {
	b = le64(b, nameOff)
	b = le64(b, a.header)
	if !group {
		return append(b, make([]byte, 4+4+16)...)
	}
	b = le32(b, 1)
	b = le32(b, 0)
	b = le64(b, a.btree)
	return le64(b, a.heap)
}

func symbolTableMsg(btree, heap uint64) []byte {
	return headerMsg(msgSymbolTable, le64(le64(nil, btree), heap))
}

// headerMsg returns a version 1 header message: type, size, flags and the
// body padded to 8 bytes.
func headerMsg(typ uint16, body []byte) []byte {
	n := pad8(len(body))
	b := le16(nil, typ)
	b = le16(b, uint16(n))
	b = append(b, 0, 0, 0, 0)
	b = append(b, body...)
	return append(b, make([]byte, n-len(body))...)
}

// objectHeader writes a version 1 object header holding msgs and returns
// its address.
func (w *writer) objectHeader(msgs [][]byte) uint64 {
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	addr := w.align()
	b := append(w.buf, 1, 0)
	b = le16(b, uint16(len(msgs)))
	b = le32(b, 1) // reference count
	b = le32(b, uint32(size))
	b = le32(b, 0) // the messages start 8-byte aligned
	for _, m := range msgs {
		b = append(b, m...)
	}
	w.buf = b
	return addr
}

// dataset writes a dataset's elements and its object header and returns
// the header's address.
func (w *writer) dataset(d *Data) uint64 {
	raw := w.elements(d)
	layout := []byte{3, 1}
	if len(raw) == 0 {
		layout = le64(layout, undefined)
	} else {
		layout = le64(layout, w.align())
		w.buf = append(w.buf, raw...)
	}
	layout = le64(layout, uint64(len(raw)))
	return w.objectHeader([][]byte{
		headerMsg(msgDataspace, dataspace(d.Shape)),
		headerMsg(msgDatatype, datatypeMsg(d)),
		headerMsg(msgLayout, layout),
	})
}

// attributes returns the attribute messages of attrs, in name order.
func (w *writer) attributes(p string, attrs map[string]*Data) ([][]byte, error) {
	var msgs [][]byte
	for _, name := range sortedKeys(attrs) {
		d := attrs[name]
		nameB := append([]byte(name), 0)
		dt, ds := datatypeMsg(d), dataspace(d.Shape)
		raw := w.elements(d)
		body := []byte{1, 0}
		body = le16(body, uint16(len(nameB)))
		body = le16(body, uint16(len(dt)))
		body = le16(body, uint16(len(ds)))
		for _, f := range [][]byte{nameB, dt, ds} {
			body = append(body, f...)
			body = append(body, make([]byte, pad8(len(f))-len(f))...)
		}
		body = append(body, raw...)
		if len(body) > maxAttrBytes {
			return nil, fmt.Errorf("hdf5: write: %s@%s: attribute of %d bytes: at most %d fit an object header message", p, name, len(body), maxAttrBytes)
		}
		msgs = append(msgs, headerMsg(msgAttribute, body))
	}
	return msgs, nil
}

// elements returns the stored bytes of d's elements; a string element is
// a reference to its global heap object.
func (w *writer) elements(d *Data) []byte {
	var b []byte
	switch {
	case d.Float32 != nil:
		b = make([]byte, 0, 4*len(d.Float32))
		for _, v := range d.Float32 {
			b = le32(b, math.Float32bits(v))
		}
	case d.Float64 != nil:
		b = make([]byte, 0, 8*len(d.Float64))
		for _, v := range d.Float64 {
			b = le64(b, math.Float64bits(v))
		}
	case d.Int64 != nil:
		b = make([]byte, 0, 8*len(d.Int64))
		for _, v := range d.Int64 {
			b = le64(b, uint64(v))
		}
	default:
		b = make([]byte, 0, 16*len(d.Strings))
		for _, s := range d.Strings {
			r := w.heaps[w.next]
			w.next++
			b = le32(b, uint32(len(s)))
			b = le64(b, r.addr)
			b = le32(b, r.idx)
		}
	}
	return b
}

// dataspace returns a version 1 dataspace message body: rank 0 is a
// scalar.
func dataspace(shape []int) []byte {
	b := []byte{1, uint8(len(shape)), 0, 0, 0, 0, 0, 0}
	for _, s := range shape {
		b = le64(b, uint64(s))
	}
	return b
}

// datatypeMsg returns the datatype message body of d's elements.
func datatypeMsg(d *Data) []byte {
	switch {
	case d.Float32 != nil:
		// Version 1 float: implied mantissa MSB, sign at bit 31.
		b := []byte{0x11, 0x20, 31, 0}
		b = le32(b, 4)
		b = le16(b, 0)
		b = le16(b, 32)
		b = append(b, 23, 8, 0, 23)
		return le32(b, 127)
	case d.Float64 != nil:
		b := []byte{0x11, 0x20, 63, 0}
		b = le32(b, 8)
		b = le16(b, 0)
		b = le16(b, 64)
		b = append(b, 52, 11, 0, 52)
		return le32(b, 1023)
	case d.Int64 != nil:
		b := []byte{0x10, 0x08, 0, 0} // signed, little-endian
		b = le32(b, 8)
		b = le16(b, 0)
		return le16(b, 64)
	}
	// A variable-length string (type 1, NUL-terminated, UTF-8) of
	// unsigned bytes, as h5py writes str.
	b := []byte{0x19, 0x01, 0x01, 0}
	b = le32(b, 16)
	b = append(b, 0x10, 0, 0, 0)
	b = le32(b, 1)
	b = le16(b, 0)
	return le16(b, 8)
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// Check reports whether Encode would accept t: member names, element
// slices, shapes and strings, without writing anything.
func Check(t *Tree) error {
	if t == nil {
		return errors.New("hdf5: write: nil root group")
	}
	return (&writer{}).check("/", t, 0)
}
