package hdf5

import (
	"fmt"
)

// Header message types used here.
const (
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLayout       = 0x08
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
)

// flagShared marks a message stored elsewhere (a committed datatype, a
// shared message table entry); this reader does not follow those.
const flagShared = 0x02

type message struct {
	typ   uint16
	flags uint8
	body  []byte
}

// object is a parsed object header.
type object struct {
	f    *File
	path string
	msgs []message

	attrs    []*Attribute // decoded on first use
	attrsErr error
	attrsOK  bool
}

func (f *File) object(p string, addr uint64) (*object, error) {
	o := &object{f: f, path: p}
	c, err := f.at(addr)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: object header: %w", p, err)
	}
	if c.off+4 <= len(c.b) && string(c.b[c.off:c.off+4]) == "OHDR" {
		return nil, fmt.Errorf("hdf5: %s: object header version 2: only version 1 is supported", p)
	}
	version := c.u8()
	c.skip(1)
	nmsgs := int(c.u16())
	c.u32() // reference count
	size := uint64(c.u32())
	c.skip(4) // the first message is aligned to 8 bytes
	if c.err != nil {
		return nil, fmt.Errorf("hdf5: %s: object header: %w", p, c.err)
	}
	if version != 1 {
		return nil, fmt.Errorf("hdf5: %s: object header version %d: expected 1", p, version)
	}
	if nmsgs > maxMessages {
		return nil, fmt.Errorf("hdf5: %s: object header claims %d messages, more than %d", p, nmsgs, maxMessages)
	}
	type block struct{ addr, size uint64 }
	blocks := []block{{uint64(c.off), size}}
	seen := map[uint64]bool{}
	for i := 0; i < len(blocks) && len(o.msgs) < nmsgs; i++ {
		if i == maxBlocks {
			return nil, fmt.Errorf("hdf5: %s: more than %d object header blocks", p, maxBlocks)
		}
		// A block read twice would repeat its messages without end.
		if seen[blocks[i].addr] {
			return nil, fmt.Errorf("hdf5: %s: object header block %#x referenced twice", p, blocks[i].addr)
		}
		seen[blocks[i].addr] = true
		b, err := f.span(blocks[i].addr, blocks[i].size)
		if err != nil {
			return nil, fmt.Errorf("hdf5: %s: object header block %d: %w", p, i, err)
		}
		bc := &cursor{b: b, osz: f.osz, lsz: f.lsz}
		for bc.off+8 <= len(b) && len(o.msgs) < nmsgs {
			m := message{typ: bc.u16()}
			n := int(bc.u16())
			m.flags = bc.u8()
			bc.skip(3)
			m.body = bc.take(n)
			if bc.err != nil {
				return nil, fmt.Errorf("hdf5: %s: header message %d: %w", p, len(o.msgs), bc.err)
			}
			o.msgs = append(o.msgs, m)
			if m.typ == msgContinuation {
				cc := &cursor{b: m.body, osz: f.osz, lsz: f.lsz}
				next := block{cc.addr(), cc.length()}
				if cc.err != nil {
					return nil, fmt.Errorf("hdf5: %s: continuation message: %w", p, cc.err)
				}
				blocks = append(blocks, next)
			}
		}
	}
	return o, nil
}

// find returns the first message of type t.
func (o *object) find(t uint16) (message, bool) {
	for _, m := range o.msgs {
		if m.typ == t {
			return m, true
		}
	}
	return message{}, false
}

func (o *object) cursor(m message) *cursor {
	return &cursor{b: m.body, osz: o.f.osz, lsz: o.f.lsz}
}

// Dataset is an HDF5 dataset: an n-dimensional array of one datatype.
type Dataset struct {
	obj *object
	value
}

// Path returns the dataset's path in the file.
func (d *Dataset) Path() string { return d.obj.path }

// Attributes returns the names of the dataset's attributes.
func (d *Dataset) Attributes() ([]string, error) { return d.obj.attributeNames() }

// Attribute returns the dataset's attribute called name.
func (d *Dataset) Attribute(name string) (*Attribute, error) { return d.obj.attribute(name) }

// Attribute is a small named value attached to a group or dataset.
type Attribute struct {
	Name string
	value
}

// value is the type, shape and raw elements of a dataset or attribute.
type value struct {
	f     *File
	path  string
	dt    *datatype
	shape []int
	raw   []byte // the elements, dt.size bytes each, in row-major order
}

// Shape returns the dimensions; a scalar has none.
func (v *value) Shape() []int { return append([]int(nil), v.shape...) }

func (o *object) dataset() (*Dataset, error) {
	d := &Dataset{obj: o, value: value{f: o.f, path: o.path}}
	var err error
	if d.dt, err = o.datatype(); err != nil {
		return nil, err
	}
	if d.shape, err = o.dataspace(); err != nil {
		return nil, err
	}
	n, err := d.byteSize()
	if err != nil {
		return nil, err
	}
	m, ok := o.find(msgLayout)
	if !ok {
		return nil, fmt.Errorf("hdf5: %s: not a dataset (no data layout message)", o.path)
	}
	if d.raw, err = o.readLayout(m, n); err != nil {
		return nil, err
	}
	return d, nil
}

// byteSize returns the number of bytes the value's elements occupy.
func (v *value) byteSize() (uint64, error) {
	n := uint64(v.dt.size)
	for _, d := range v.shape {
		if d != 0 && n > maxValueBytes/uint64(d) {
			return 0, fmt.Errorf("hdf5: %s: shape %v of %d-byte elements: larger than %d bytes", v.path, v.shape, v.dt.size, maxValueBytes)
		}
		n *= uint64(d)
	}
	return n, nil
}

func (o *object) datatype() (*datatype, error) {
	m, ok := o.find(msgDatatype)
	if !ok {
		return nil, fmt.Errorf("hdf5: %s: no datatype message", o.path)
	}
	if m.flags&flagShared != 0 {
		return nil, fmt.Errorf("hdf5: %s: committed (shared) datatype: not supported", o.path)
	}
	dt, err := parseDatatype(o.cursor(m), 0)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: datatype: %w", o.path, err)
	}
	return dt, nil
}

func (o *object) dataspace() ([]int, error) {
	m, ok := o.find(msgDataspace)
	if !ok {
		return nil, fmt.Errorf("hdf5: %s: no dataspace message", o.path)
	}
	shape, err := parseDataspace(o.cursor(m))
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: dataspace: %w", o.path, err)
	}
	return shape, nil
}

// parseDataspace returns the current dimensions. A null dataspace (no
// elements) is reported as shape [0].
func parseDataspace(c *cursor) ([]int, error) {
	version, rank := c.u8(), int(c.u8())
	c.skip(1) // flags: maximum dimensions and permutations follow the sizes; reading ignores them
	null := false
	switch version {
	case 1:
		c.skip(5)
	case 2:
		null = c.u8() == 2
	default:
		if c.err == nil {
			return nil, fmt.Errorf("version %d: expected 1 or 2", version)
		}
	}
	if rank > maxRank {
		return nil, fmt.Errorf("%d dimensions: at most %d supported", rank, maxRank)
	}
	shape := make([]int, rank)
	for i := range shape {
		d := c.length()
		if d > maxValueBytes {
			return nil, fmt.Errorf("dimension %d has size %d: larger than supported", i, d)
		}
		shape[i] = int(d)
	}
	if c.err != nil {
		return nil, c.err
	}
	if null {
		return []int{0}, nil
	}
	return shape, nil
}

// readLayout returns the n bytes of a dataset's elements.
func (o *object) readLayout(m message, n uint64) ([]byte, error) {
	c := o.cursor(m)
	version, class := c.u8(), c.u8()
	if c.err != nil {
		return nil, fmt.Errorf("hdf5: %s: data layout: %w", o.path, c.err)
	}
	if version != 3 {
		return nil, fmt.Errorf("hdf5: %s: data layout version %d: only version 3 is supported", o.path, version)
	}
	switch class {
	case 0: // compact: the data is in the message
		size := uint64(c.u16())
		raw := c.take(int(size))
		if c.err != nil {
			return nil, fmt.Errorf("hdf5: %s: compact data: %w", o.path, c.err)
		}
		if size != n {
			return nil, fmt.Errorf("hdf5: %s: compact data of %d bytes, expected %d", o.path, size, n)
		}
		return raw, nil
	case 1: // contiguous
		addr, size := c.addr(), c.length()
		if c.err != nil {
			return nil, fmt.Errorf("hdf5: %s: contiguous layout: %w", o.path, c.err)
		}
		if addr == undefined {
			if n == 0 {
				return nil, nil
			}
			return nil, fmt.Errorf("hdf5: %s: contiguous data never written (fill values are not supported)", o.path)
		}
		if size < n {
			return nil, fmt.Errorf("hdf5: %s: contiguous data of %d bytes, expected %d", o.path, size, n)
		}
		raw, err := o.f.span(addr, n)
		if err != nil {
			return nil, fmt.Errorf("hdf5: %s: contiguous data: %w", o.path, err)
		}
		return raw, nil
	case 2:
		return nil, fmt.Errorf("hdf5: %s: chunked data layout: not supported (only compact and contiguous)", o.path)
	}
	return nil, fmt.Errorf("hdf5: %s: data layout class %d: expected compact or contiguous", o.path, class)
}
