package aedat

import (
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/spindle-sim/spindle/aer"
)

// AEDAT 4.0 compression types (IOHeader.compression).
const (
	compNone = iota
	compLZ4
	compLZ4High
	compZstd
	compZstdHigh
)

const (
	maxPacket   = 1 << 30 // bytes, compressed or not
	eventStruct = 16      // flatbuffers struct Event {t:int64; x:int16; y:int16; on:bool}
)

type v4state struct {
	compression int32
	dataTable   int64 // file offset of the data table; packets end there
	stream      int32 // id of the event stream we read
	zstd        *zstd.Decoder
	raw         []byte // decompressed payload, reused
	events      []byte // undecoded Event structs of the current packet
}

func (r *Reader) header4() error {
	var sz [4]byte
	// The IOHeader is a size-prefixed flatbuffer.
	if _, err := io.ReadFull(r.r, sz[:]); err != nil {
		return fmt.Errorf("aedat: byte %d: missing IOHeader size: %w", r.off, io.ErrUnexpectedEOF)
	}
	n := int32(binary.LittleEndian.Uint32(sz[:]))
	r.off += 4
	if n < 8 || n > maxHeader {
		return fmt.Errorf("aedat: byte %d: IOHeader size %d out of range 8..%d", r.off-4, n, maxHeader)
	}
	b := make([]byte, 0, min(int(n), 1<<16))
	b, err := readN(r, b, int(n))
	if err != nil {
		return err
	}
	base := r.off - int64(n)
	fb := flat{b: b, base: base}
	root, err := fb.root()
	if err != nil {
		return err
	}
	st := &v4state{dataTable: -1, stream: -1}
	if p, ok := fb.field(root, 0); ok {
		v, err := fb.i32(p)
		if err != nil {
			return err
		}
		st.compression = v
	}
	if st.compression < compNone || st.compression > compZstdHigh {
		return fmt.Errorf("aedat: byte %d: IOHeader: unknown compression %d", base, st.compression)
	}
	if p, ok := fb.field(root, 1); ok {
		if st.dataTable, err = fb.i64(p); err != nil {
			return err
		}
	}
	p, ok := fb.field(root, 2)
	if !ok {
		return fmt.Errorf("aedat: byte %d: IOHeader has no infoNode (stream description)", base)
	}
	info, err := fb.vector(p, 1)
	if err != nil {
		return err
	}
	st.stream, r.w, r.h, err = eventStream(info)
	if err != nil {
		return fmt.Errorf("aedat: byte %d: IOHeader infoNode: %v", base, err)
	}
	r.v4 = st
	return nil
}

// readN appends n bytes from r to b, growing b as data arrives.
func readN(r *Reader, b []byte, n int) ([]byte, error) {
	start := r.off
	for len(b) < n {
		step := min(n-len(b), 1<<20)
		b = append(b, make([]byte, step)...)
		k, err := io.ReadFull(r.r, b[len(b)-step:])
		r.off += int64(k)
		if err != nil {
			return b, fmt.Errorf("aedat: byte %d: truncated (%d of %d bytes): %w", start, len(b)-step+k, n, io.ErrUnexpectedEOF)
		}
	}
	return b, nil
}

type xnode struct {
	Name  string  `xml:"name,attr"`
	Attrs []xattr `xml:"attr"`
	Nodes []xnode `xml:"node"`
}

type xattr struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

func (n *xnode) attr(k string) string {
	for _, a := range n.Attrs {
		if a.Key == k {
			return a.Value
		}
	}
	return ""
}

// eventStream finds the lowest-numbered output stream of type EVTS and its
// sensor size in the XML description.
func eventStream(info []byte) (id int32, w, h int, err error) {
	var root xnode
	if err := xml.Unmarshal(info, &root); err != nil {
		return 0, 0, 0, err
	}
	id = -1
	for _, out := range root.Nodes {
		if out.Name != "outInfo" {
			continue
		}
		for _, s := range out.Nodes {
			if s.attr("typeIdentifier") != "EVTS" {
				continue
			}
			v, err := strconv.ParseInt(s.Name, 10, 32)
			if err != nil || (id >= 0 && int32(v) > id) {
				continue
			}
			id = int32(v)
			w, h = 0, 0
			for _, in := range s.Nodes {
				if in.Name == "info" {
					w, _ = strconv.Atoi(in.attr("sizeX"))
					h, _ = strconv.Atoi(in.attr("sizeY"))
				}
			}
		}
	}
	if id < 0 {
		return 0, 0, 0, fmt.Errorf("no stream of type EVTS")
	}
	if w < 0 || h < 0 || w > 1<<16 || h > 1<<16 {
		w, h = 0, 0
	}
	return id, w, h, nil
}

// packet4 reads packets until one of the event stream, and leaves its Event
// structs in r.v4.events.
func (r *Reader) packet4() error {
	st := r.v4
	for {
		if st.dataTable > 0 && r.off >= st.dataTable {
			return io.EOF
		}
		var h [8]byte
		k, err := io.ReadFull(r.r, h[:])
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("aedat: byte %d: partial packet header (%d of 8 bytes): %w", r.off, k, io.ErrUnexpectedEOF)
		}
		start := r.off
		r.off += 8
		id := int32(binary.LittleEndian.Uint32(h[:]))
		size := int32(binary.LittleEndian.Uint32(h[4:]))
		if size < 0 || size > maxPacket {
			return fmt.Errorf("aedat: byte %d: packet size %d out of range 0..%d", start, size, maxPacket)
		}
		if id != st.stream {
			if d, err := r.r.Discard(int(size)); err != nil {
				r.off += int64(d)
				return fmt.Errorf("aedat: byte %d: packet of stream %d truncated: %w", start, id, io.ErrUnexpectedEOF)
			}
			r.off += int64(size)
			continue
		}
		if err := r.fill(int(size)); err != nil {
			return err
		}
		payload, err := st.decompress(r.pkt)
		if err != nil {
			return fmt.Errorf("aedat: byte %d: packet of stream %d: %v", start, id, err)
		}
		// Payloads are size-prefixed flatbuffers.
		if len(payload) < 4 || uint64(binary.LittleEndian.Uint32(payload)) > uint64(len(payload)-4) {
			return fmt.Errorf("aedat: packet at byte %d: flatbuffer size prefix exceeds the %d-byte payload", start, len(payload))
		}
		fb := flat{b: payload[4 : 4+binary.LittleEndian.Uint32(payload)], base: start + 8}
		root, err := fb.root()
		if err != nil {
			return fmt.Errorf("aedat: packet at byte %d: %v", start, err)
		}
		p, ok := fb.field(root, 0)
		if !ok {
			continue // an empty packet
		}
		if st.events, err = fb.vector(p, eventStruct); err != nil {
			return fmt.Errorf("aedat: packet at byte %d: %v", start, err)
		}
		return nil
	}
}

func (st *v4state) decompress(b []byte) ([]byte, error) {
	switch st.compression {
	case compLZ4, compLZ4High:
		out, err := unLZ4(b, st.raw[:0])
		if err != nil {
			return nil, fmt.Errorf("lz4: %v", err)
		}
		st.raw = out
		return out, nil
	case compZstd, compZstdHigh:
		if st.zstd == nil {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxPacket))
			if err != nil {
				return nil, err
			}
			st.zstd = d
		}
		out, err := st.zstd.DecodeAll(b, st.raw[:0])
		if err != nil {
			return nil, fmt.Errorf("zstd: %v", err)
		}
		st.raw = out
		return out, nil
	}
	return b, nil
}

func (r *Reader) read4(buf []aer.CameraEvent) (int, error) {
	st := r.v4
	n := 0
	for n < len(buf) {
		if len(st.events) == 0 {
			if err := r.packet4(); err != nil {
				return n, err
			}
			continue
		}
		e := st.events
		buf[n] = aer.CameraEvent{
			T: int64(binary.LittleEndian.Uint64(e)),
			X: uint16(int16(binary.LittleEndian.Uint16(e[8:]))),
			Y: uint16(int16(binary.LittleEndian.Uint16(e[10:]))),
			P: e[12] & 1,
		}
		st.events = e[eventStruct:]
		n++
	}
	return n, nil
}

// flat reads the few flatbuffers constructs AEDAT 4.0 uses, checking every
// offset against the buffer. base is the buffer's file offset, for errors.
type flat struct {
	b    []byte
	base int64
}

func (f flat) errf(pos uint64, format string, a ...any) error {
	return fmt.Errorf("aedat: byte %d: flatbuffer: %s", f.base+int64(pos), fmt.Sprintf(format, a...))
}

func (f flat) u32(pos uint64) (uint32, error) {
	if pos+4 > uint64(len(f.b)) {
		return 0, f.errf(pos, "offset past the end (%d bytes)", len(f.b))
	}
	return binary.LittleEndian.Uint32(f.b[pos:]), nil
}

func (f flat) i32(pos uint64) (int32, error) {
	v, err := f.u32(pos)
	return int32(v), err
}

func (f flat) i64(pos uint64) (int64, error) {
	if pos+8 > uint64(len(f.b)) {
		return 0, f.errf(pos, "offset past the end (%d bytes)", len(f.b))
	}
	return int64(binary.LittleEndian.Uint64(f.b[pos:])), nil
}

// root returns the position of the root table.
func (f flat) root() (uint64, error) {
	off, err := f.u32(0)
	if err != nil {
		return 0, err
	}
	if _, err := f.u32(uint64(off)); err != nil {
		return 0, err
	}
	return uint64(off), nil
}

// field returns the position of field i of the table at tab, or false if
// the field is absent (default value) or the vtable is malformed.
func (f flat) field(tab uint64, i int) (uint64, bool) {
	so, err := f.i32(tab)
	if err != nil {
		return 0, false
	}
	vt := int64(tab) - int64(so)
	if vt < 0 || uint64(vt)+4 > uint64(len(f.b)) {
		return 0, false
	}
	vlen := uint64(binary.LittleEndian.Uint16(f.b[vt:]))
	slot := uint64(vt) + 4 + 2*uint64(i)
	if 4+2*uint64(i)+2 > vlen || slot+2 > uint64(len(f.b)) {
		return 0, false
	}
	fo := uint64(binary.LittleEndian.Uint16(f.b[slot:]))
	if fo == 0 {
		return 0, false
	}
	return tab + fo, true
}

// vector follows the offset at pos to a vector of elem-byte elements and
// returns their bytes.
func (f flat) vector(pos uint64, elem int) ([]byte, error) {
	rel, err := f.u32(pos)
	if err != nil {
		return nil, err
	}
	at := pos + uint64(rel)
	n, err := f.u32(at)
	if err != nil {
		return nil, err
	}
	end := at + 4 + uint64(n)*uint64(elem)
	if end > uint64(len(f.b)) {
		return nil, f.errf(at, "vector of %d elements runs past the end (%d bytes)", n, len(f.b))
	}
	return f.b[at+4 : end], nil
}

// unLZ4 decodes the LZ4 frames (lz4_Frame_format.md) in src, appending to
// dst, block by block into one buffer so that linked blocks find their
// history in the output itself. Checksums are not verified.
func unLZ4(src, dst []byte) ([]byte, error) {
	const magic, skippable = 0x184D2204, 0x184D2A50
	for p := 0; p < len(src); {
		if len(src)-p < 7 {
			return nil, fmt.Errorf("frame at %d: truncated header", p)
		}
		m := binary.LittleEndian.Uint32(src[p:])
		if m&0xFFFFFFF0 == skippable {
			if len(src)-p < 8 {
				return nil, fmt.Errorf("skippable frame at %d: truncated", p)
			}
			n := int64(binary.LittleEndian.Uint32(src[p+4:]))
			if n > int64(len(src)-p-8) {
				return nil, fmt.Errorf("skippable frame at %d: truncated", p)
			}
			p += 8 + int(n)
			continue
		}
		if m != magic {
			return nil, fmt.Errorf("frame at %d: bad magic %08x", p, m)
		}
		flg, bd := src[p+4], src[p+5]
		if flg>>6 != 1 {
			return nil, fmt.Errorf("frame at %d: version %d, want 1", p, flg>>6)
		}
		sizes := [...]int{4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}
		bs := int(bd >> 4 & 7)
		if bs < 4 {
			return nil, fmt.Errorf("frame at %d: bad block size code %d", p, bs)
		}
		blockMax := sizes[bs]
		p += 6
		if flg&0x08 != 0 { // content size
			p += 8
		}
		if flg&0x01 != 0 { // dictionary id
			p += 4
		}
		p++ // header checksum
		for {
			if p+4 > len(src) {
				return nil, fmt.Errorf("block at %d: truncated", p)
			}
			h := binary.LittleEndian.Uint32(src[p:])
			p += 4
			if h == 0 {
				break
			}
			n := int(h & 0x7FFFFFFF)
			if n > blockMax || n > len(src)-p {
				return nil, fmt.Errorf("block at %d: size %d exceeds the block maximum %d or the data left", p-4, n, blockMax)
			}
			if len(dst)+blockMax > maxPacket {
				return nil, fmt.Errorf("decompresses past %d bytes", maxPacket)
			}
			if h&0x80000000 != 0 {
				dst = append(dst, src[p:p+n]...)
			} else {
				dst = slices.Grow(dst, blockMax)
				hist := dst[max(0, len(dst)-64<<10):]
				k, err := lz4.UncompressBlockWithDict(src[p:p+n], dst[len(dst):len(dst)+blockMax], hist)
				if err != nil {
					return nil, fmt.Errorf("block at %d: %v", p-4, err)
				}
				dst = dst[:len(dst)+k]
			}
			p += n
			if flg&0x10 != 0 { // block checksum
				p += 4
			}
		}
		if flg&0x04 != 0 { // content checksum
			p += 4
		}
		if p > len(src) {
			return nil, fmt.Errorf("frame ends past the data")
		}
	}
	return dst, nil
}
