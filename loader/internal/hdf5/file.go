package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"path"
)

var magic = []byte("\x89HDF\r\n\x1a\n")

// Limits that keep a malformed file from making the reader loop or
// allocate without bound.
const (
	maxDepth      = 32      // B-tree levels
	maxBlocks     = 1 << 10 // object header continuation blocks
	maxMessages   = 1 << 12 // messages in one object header
	maxRank       = 32      // dataset dimensions
	maxValueBytes = 1 << 30 // decoded size of one dataset or attribute
)

// File is an HDF5 file held in memory. It caches the global heaps it has
// read, so it is not safe for concurrent use.
type File struct {
	data     []byte
	base     uint64 // addresses are relative to this file offset
	osz, lsz int
	rootAddr uint64
	heaps    map[uint64]map[uint16][]byte // global heap collections by address
}

// Open parses the superblock of an HDF5 file. The file's objects are read
// on demand and data must not be modified while the File is in use.
func Open(data []byte) (*File, error) {
	// The superblock may sit at 0, 512, 1024, 2048, ... (a user block
	// precedes it otherwise).
	at := -1
	for off := 0; off+len(magic) <= len(data); off = max(512, off*2) {
		if bytes.Equal(data[off:off+len(magic)], magic) {
			at = off
			break
		}
	}
	if at < 0 {
		return nil, errors.New("hdf5: not an HDF5 file (no signature at offset 0, 512, 1024, ...)")
	}
	f := &File{data: data, heaps: map[uint64]map[uint16][]byte{}}
	c := &cursor{b: data, off: at + len(magic)}
	version := c.u8()
	if c.err == nil && version > 1 {
		return nil, fmt.Errorf("hdf5: superblock version %d: only versions 0 and 1 are supported", version)
	}
	c.skip(3) // free-space, root symbol table entry and reserved versions
	c.skip(1) // shared header message format version
	f.osz, f.lsz = int(c.u8()), int(c.u8())
	c.skip(1)
	c.skip(2 + 2 + 4) // group leaf and internal node K, consistency flags
	if version == 1 {
		c.skip(4) // indexed storage internal node K and reserved
	}
	if c.err != nil {
		return nil, fmt.Errorf("hdf5: superblock: %w", c.err)
	}
	if !validSize(f.osz) || !validSize(f.lsz) {
		return nil, fmt.Errorf("hdf5: superblock: sizes of offsets %d and lengths %d: expected 2, 4 or 8", f.osz, f.lsz)
	}
	c.osz, c.lsz = f.osz, f.lsz
	f.base = c.addr()
	c.addr() // free-space info
	c.addr() // end of file
	c.addr() // driver information block
	e := f.symbolEntry(c)
	if c.err != nil {
		return nil, fmt.Errorf("hdf5: superblock: %w", c.err)
	}
	if f.base == undefined || f.base > uint64(len(data)) {
		return nil, fmt.Errorf("hdf5: superblock: base address %#x outside the file", f.base)
	}
	f.rootAddr = e.header
	return f, nil
}

func validSize(n int) bool { return n == 2 || n == 4 || n == 8 }

// at returns a cursor over the file from address addr (relative to the base
// address).
func (f *File) at(addr uint64) (*cursor, error) {
	if addr == undefined || addr >= uint64(len(f.data))-f.base {
		return nil, fmt.Errorf("address %#x outside the file (%d bytes)", addr, len(f.data))
	}
	return &cursor{b: f.data[f.base:], off: int(addr), osz: f.osz, lsz: f.lsz}, nil
}

// span returns n bytes at addr.
func (f *File) span(addr, n uint64) ([]byte, error) {
	if addr == undefined || addr > uint64(len(f.data))-f.base || n > uint64(len(f.data))-f.base-addr {
		return nil, fmt.Errorf("%d bytes at address %#x: outside the file (%d bytes)", n, addr, len(f.data))
	}
	return f.data[f.base+addr : f.base+addr+n], nil
}

// Root returns the root group.
func (f *File) Root() (*Group, error) {
	o, err := f.object("/", f.rootAddr)
	if err != nil {
		return nil, err
	}
	return o.group()
}

// entry is a symbol table entry: a link name and an object header.
type entry struct {
	nameOff uint64
	header  uint64
}

func (f *File) symbolEntry(c *cursor) entry {
	e := entry{nameOff: c.length(), header: c.addr()}
	c.skip(4 + 4 + 16) // cache type, reserved, scratch pad
	return e
}

// Group is an HDF5 group: a directory of named members.
type Group struct {
	obj   *object
	names []string
	addrs []uint64
}

// Path returns the group's path in the file.
func (g *Group) Path() string { return g.obj.path }

// Members returns the names of the group's members in the order the file
// stores them (by name, for symbol-table groups).
func (g *Group) Members() []string { return append([]string(nil), g.names...) }

func (g *Group) child(name string) (*object, error) {
	for i, n := range g.names {
		if n == name {
			return g.obj.f.object(path.Join(g.obj.path, name), g.addrs[i])
		}
	}
	return nil, fmt.Errorf("hdf5: %s: no member %q", g.obj.path, name)
}

// Has reports whether the group has a member called name.
func (g *Group) Has(name string) bool {
	for _, n := range g.names {
		if n == name {
			return true
		}
	}
	return false
}

// IsGroup reports whether member name is a group.
func (g *Group) IsGroup(name string) (bool, error) {
	o, err := g.child(name)
	if err != nil {
		return false, err
	}
	_, ok := o.find(msgSymbolTable)
	return ok, nil
}

// Group returns the member group called name.
func (g *Group) Group(name string) (*Group, error) {
	o, err := g.child(name)
	if err != nil {
		return nil, err
	}
	return o.group()
}

// Dataset returns the member dataset called name.
func (g *Group) Dataset(name string) (*Dataset, error) {
	o, err := g.child(name)
	if err != nil {
		return nil, err
	}
	return o.dataset()
}

// Attributes returns the names of the group's attributes.
func (g *Group) Attributes() ([]string, error) { return g.obj.attributeNames() }

// Attribute returns the group's attribute called name.
func (g *Group) Attribute(name string) (*Attribute, error) { return g.obj.attribute(name) }

func (o *object) group() (*Group, error) {
	m, ok := o.find(msgSymbolTable)
	if !ok {
		if _, link := o.find(msgLinkInfo); link {
			return nil, fmt.Errorf("hdf5: %s: group stored with link messages: only symbol-table groups are supported", o.path)
		}
		return nil, fmt.Errorf("hdf5: %s: not a group (no symbol table message)", o.path)
	}
	c := o.cursor(m)
	btree, heap := c.addr(), c.addr()
	if c.err != nil {
		return nil, fmt.Errorf("hdf5: %s: symbol table message: %w", o.path, c.err)
	}
	names, err := o.f.localHeap(heap)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: local heap: %w", o.path, err)
	}
	g := &Group{obj: o}
	seen := map[uint64]bool{}
	err = o.f.walkBTree(btree, 0, maxDepth, seen, func(c *cursor) error {
		return o.f.symbolNode(c, names, g)
	})
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: %w", o.path, err)
	}
	return g, nil
}

// localHeap returns the data segment of the local heap at addr.
func (f *File) localHeap(addr uint64) ([]byte, error) {
	c, err := f.at(addr)
	if err != nil {
		return nil, err
	}
	c.signature("HEAP")
	c.skip(4) // version, reserved
	size := c.length()
	c.length() // free list head
	data := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	return f.span(data, size)
}

// walkBTree visits the leaves of the version 1 group B-tree at addr,
// calling leaf with a cursor at each symbol node.
func (f *File) walkBTree(addr uint64, wantType uint8, depth int, seen map[uint64]bool, leaf func(*cursor) error) error {
	if depth == 0 {
		return errors.New("B-tree deeper than expected")
	}
	if seen[addr] {
		return fmt.Errorf("B-tree node %#x visited twice", addr)
	}
	seen[addr] = true
	c, err := f.at(addr)
	if err != nil {
		return fmt.Errorf("B-tree node: %w", err)
	}
	c.signature("TREE")
	typ, level, used := c.u8(), c.u8(), int(c.u16())
	c.addr() // left sibling
	c.addr() // right sibling
	if c.err != nil {
		return fmt.Errorf("B-tree node %#x: %w", addr, c.err)
	}
	if typ != wantType {
		return fmt.Errorf("B-tree node %#x: type %d, expected %d", addr, typ, wantType)
	}
	children := make([]uint64, 0, min(used, 1024))
	for i := 0; i < used && c.err == nil; i++ {
		c.length() // key: heap offset of the largest name to the left
		children = append(children, c.addr())
	}
	if c.err != nil {
		return fmt.Errorf("B-tree node %#x: %w", addr, c.err)
	}
	for _, ch := range children {
		if level > 0 {
			err = f.walkBTree(ch, wantType, depth-1, seen, leaf)
		} else if seen[ch] {
			err = fmt.Errorf("symbol node %#x referenced twice", ch)
		} else {
			seen[ch] = true
			var c *cursor
			if c, err = f.at(ch); err == nil {
				err = leaf(c)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// symbolNode appends the entries of the symbol node at c to g.
func (f *File) symbolNode(c *cursor, names []byte, g *Group) error {
	start := c.off
	c.signature("SNOD")
	c.skip(2) // version, reserved
	n := int(c.u16())
	for i := 0; i < n && c.err == nil; i++ {
		e := f.symbolEntry(c)
		if c.err != nil {
			break
		}
		name, err := cString(names, e.nameOff)
		if err != nil {
			return fmt.Errorf("symbol node %#x entry %d: %w", start, i, err)
		}
		g.names = append(g.names, name)
		g.addrs = append(g.addrs, e.header)
	}
	if c.err != nil {
		return fmt.Errorf("symbol node %#x: %w", start, c.err)
	}
	return nil
}

// cString returns the NUL-terminated string at off in b.
func cString(b []byte, off uint64) (string, error) {
	if off >= uint64(len(b)) {
		return "", fmt.Errorf("name offset %d outside the heap (%d bytes)", off, len(b))
	}
	s := b[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", fmt.Errorf("name at heap offset %d is not terminated", off)
	}
	return string(s[:i]), nil
}
