package aer

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sort"
)

// Reader reads a complete trace: its metadata, chunk index, and the spike
// and packet streams, each with its own cursor. It is not safe for
// concurrent use.
type Reader struct {
	ra     io.ReaderAt
	size   int64
	name   string
	closer io.Closer

	meta      Meta
	headerLen int64
	version   uint16
	indexOff  int64
	index     []indexEntry
	dec       *chunkDecoder
	hdr       [chunkHeaderSize]byte
	body      []byte

	sp, pk cursor
}

// cursor walks the chunks of one kind; [pos, end) is what is left of the
// decoded chunk in the decoder's buffer for that kind.
type cursor struct {
	chunks   []int // positions in Reader.index
	next     int   // next chunk to load
	pos, end int
	seek     int64 // skip records before this time in the next loaded chunk
	seeking  bool
}

// ChunkInfo describes one chunk, as listed in the index.
type ChunkInfo struct {
	Kind        string // KindSpike or KindPacket
	Offset      int64
	Count       int
	First, Last int64
}

// Open opens the trace at path.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("aer: %w", err)
	}
	r, err := newReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a trace of size bytes from ra.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	return newReader(ra, size, "input")
}

func newReader(ra io.ReaderAt, size int64, name string) (*Reader, error) {
	r := &Reader{ra: ra, size: size, name: name}
	h, err := readHeader(ra, size, name)
	if err != nil {
		return nil, err
	}
	r.meta, r.headerLen, r.version = h.meta, h.len, h.version
	if err := r.readIndex(); err != nil {
		return nil, err
	}
	if r.dec, err = newChunkDecoder(); err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	for i, e := range r.index {
		if e.kind == kindSpikeByte {
			r.sp.chunks = append(r.sp.chunks, i)
		} else {
			r.pk.chunks = append(r.pk.chunks, i)
		}
	}
	return r, nil
}

// fileHeader is what readHeader finds in a file header.
type fileHeader struct {
	meta    Meta
	len     int64 // bytes: the first chunk starts here
	version uint16
}

// readHeader parses the file header.
func readHeader(ra io.ReaderAt, size int64, name string) (fileHeader, error) {
	var m Meta
	if size == 0 {
		return fileHeader{}, fmt.Errorf("aer: %s: empty file", name)
	}
	var fixed [fileHeaderFixed]byte
	if size < fileHeaderFixed+4 {
		return fileHeader{}, fmt.Errorf("aer: %s: %d bytes, too short for a trace header (%d)", name, size, fileHeaderFixed+4)
	}
	if _, err := ra.ReadAt(fixed[:], 0); err != nil {
		return fileHeader{}, fmt.Errorf("aer: %s: reading header: %w", name, err)
	}
	if string(fixed[:8]) != Magic {
		return fileHeader{}, fmt.Errorf("aer: %s: byte 0: not a Spindle trace (bad magic %q)", name, fixed[:8])
	}
	v := binary.LittleEndian.Uint16(fixed[8:])
	if v < 1 || v > Version {
		return fileHeader{}, fmt.Errorf("aer: %s: byte 8: format version %d, this reader knows 1 to %d", name, v, Version)
	}
	mlen := int64(binary.LittleEndian.Uint32(fixed[12:]))
	if mlen > maxMetaLen || fileHeaderFixed+mlen+4 > size {
		return fileHeader{}, fmt.Errorf("aer: %s: byte 12: metadata length %d exceeds the file (%d bytes) or the %d limit", name, mlen, size, maxMetaLen)
	}
	hdr := make([]byte, fileHeaderFixed+mlen+4)
	if _, err := ra.ReadAt(hdr, 0); err != nil {
		return fileHeader{}, fmt.Errorf("aer: %s: reading header: %w", name, err)
	}
	end := fileHeaderFixed + mlen
	if crc32.Checksum(hdr[:end], castagnoli) != binary.LittleEndian.Uint32(hdr[end:]) {
		return fileHeader{}, fmt.Errorf("aer: %s: byte %d: header checksum mismatch", name, end)
	}
	if err := json.Unmarshal(hdr[fileHeaderFixed:end], &m); err != nil {
		return fileHeader{}, fmt.Errorf("aer: %s: byte %d: metadata JSON: %v", name, fileHeaderFixed, err)
	}
	if err := m.Validate(); err != nil {
		return fileHeader{}, fmt.Errorf("aer: %s: byte %d: %w", name, fileHeaderFixed, err)
	}
	return fileHeader{meta: m, len: end + 4, version: v}, nil
}

// ErrNoIndex is wrapped by the error Open and NewReader return for a trace
// whose writer never finished (killed, crashed, disk full).
var ErrNoIndex = errors.New("no index: the writer did not finish")

func (r *Reader) readIndex() error {
	incomplete := func(why string) error {
		return fmt.Errorf("aer: %s: %s (%w); run `spindle trace recover %s OUT.aer` to salvage its complete chunks",
			r.name, why, ErrNoIndex, r.name)
	}
	if r.size < r.headerLen+trailerSize+8 {
		return incomplete("file ends before the trailer")
	}
	var tr [trailerSize]byte
	if _, err := r.ra.ReadAt(tr[:], r.size-trailerSize); err != nil {
		return fmt.Errorf("aer: %s: reading trailer: %w", r.name, err)
	}
	if string(tr[8:]) != trailerMagic {
		return incomplete(fmt.Sprintf("byte %d: no trailer", r.size-trailerSize))
	}
	off := int64(binary.LittleEndian.Uint64(tr[:]))
	if off < r.headerLen || off > r.size-trailerSize-12 {
		return fmt.Errorf("aer: %s: byte %d: index offset %d outside the file", r.name, r.size-trailerSize, off)
	}
	n := (r.size - trailerSize - 12 - off) / indexEntrySize
	if off+8+n*indexEntrySize+4+trailerSize != r.size {
		return fmt.Errorf("aer: %s: byte %d: index size does not match the file length", r.name, off)
	}
	b := make([]byte, r.size-trailerSize-off)
	if _, err := r.ra.ReadAt(b, off); err != nil {
		return fmt.Errorf("aer: %s: reading index: %w", r.name, err)
	}
	if string(b[:4]) != indexMagic || int64(binary.LittleEndian.Uint32(b[4:])) != n {
		return fmt.Errorf("aer: %s: byte %d: bad index header", r.name, off)
	}
	if crc32.Checksum(b[:len(b)-4], castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return fmt.Errorf("aer: %s: byte %d: index checksum mismatch", r.name, off)
	}
	r.index = make([]indexEntry, n)
	prev := r.headerLen
	var last [3]int64
	var seen [3]bool
	for i := range r.index {
		e := &r.index[i]
		e.parse(b[8+i*indexEntrySize:])
		where := fmt.Sprintf("aer: %s: index entry %d (chunk at byte %d)", r.name, i, e.offset)
		switch {
		case i == 0 && e.offset != prev, e.offset < prev:
			return fmt.Errorf("%s: offset out of order or overlapping", where)
		case e.offset+chunkHeaderSize > off:
			return fmt.Errorf("%s: offset past the index", where)
		case e.kind != kindSpikeByte && e.kind != kindPacketByte:
			return fmt.Errorf("%s: unknown record kind %d", where, e.kind)
		case e.count == 0 || e.count > maxChunkRecords || e.first > e.last:
			return fmt.Errorf("%s: bad count or time range", where)
		case seen[e.kind] && e.first < last[e.kind]:
			return fmt.Errorf("%s: first time %d is before the previous %s chunk's last time %d (timestamps go backwards)",
				where, e.first, kindName(e.kind), last[e.kind])
		}
		seen[e.kind], last[e.kind] = true, e.last
		prev = e.offset + chunkHeaderSize
	}
	if n == 0 && off != r.headerLen {
		return fmt.Errorf("aer: %s: byte %d: empty index but %d bytes of chunks", r.name, off, off-r.headerLen)
	}
	r.indexOff = off
	return nil
}

// Close closes the file opened by Open.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}

// Meta returns the trace metadata.
func (r *Reader) Meta() Meta { return r.meta }

// Chunks lists the chunks in file order.
func (r *Reader) Chunks() []ChunkInfo {
	out := make([]ChunkInfo, len(r.index))
	for i, e := range r.index {
		out[i] = ChunkInfo{Kind: kindName(e.kind), Offset: e.offset, Count: int(e.count), First: e.first, Last: e.last}
	}
	return out
}

// Count returns the number of records of a kind (KindSpike or KindPacket)
// in the trace, from its index.
func (r *Reader) Count(kind string) int64 {
	var n int64
	for _, e := range r.index {
		if kindName(e.kind) == kind {
			n += int64(e.count)
		}
	}
	return n
}

// SeekTime positions both streams at their first record with time >= t
// (emit time for packets).
func (r *Reader) SeekTime(t int64) {
	for _, c := range []*cursor{&r.sp, &r.pk} {
		c.next = sort.Search(len(c.chunks), func(i int) bool { return r.index[c.chunks[i]].last >= t })
		c.pos, c.end = 0, 0
		c.seek, c.seeking = t, true
	}
}

// load decodes the next chunk of c into the decoder's buffers.
func (r *Reader) load(c *cursor) error {
	if c.next >= len(c.chunks) {
		return io.EOF
	}
	i := c.chunks[c.next]
	e := r.index[i]
	limit := r.indexOff
	if i+1 < len(r.index) {
		limit = r.index[i+1].offset
	}
	where := func(format string, a ...any) error {
		return fmt.Errorf("aer: %s: chunk %d at byte %d: %s", r.name, i, e.offset, fmt.Sprintf(format, a...))
	}
	if _, err := r.ra.ReadAt(r.hdr[:], e.offset); err != nil {
		return where("reading header: %v", err)
	}
	var h chunkHeader
	if msg := h.parse(r.hdr[:], r.version); msg != "" {
		return where("%s", msg)
	}
	if h.kind != e.kind || h.count != e.count || h.first != e.first || h.last != e.last {
		return where("header does not match the index")
	}
	if int64(h.bodyLen) != limit-e.offset-chunkHeaderSize {
		return where("body length %d does not fit before byte %d", h.bodyLen, limit)
	}
	if cap(r.body) < int(h.bodyLen) {
		r.body = make([]byte, h.bodyLen)
	}
	r.body = r.body[:h.bodyLen]
	if _, err := r.ra.ReadAt(r.body, e.offset+chunkHeaderSize); err != nil {
		return where("reading body: %v", err)
	}
	if err := r.dec.decode(&h, r.body); err != nil {
		return where("%v", err)
	}
	c.next++
	c.pos, c.end = 0, int(h.count)
	if c.seeking && c.seek > e.first {
		if h.kind == kindPacketByte {
			c.pos = sort.Search(c.end, func(j int) bool { return r.dec.packets[j].Emit >= c.seek })
		} else {
			c.pos = sort.Search(c.end, func(j int) bool { return r.dec.spikes[j].Time >= c.seek })
		}
	}
	c.seeking = false
	return nil
}

// ReadSpikes fills buf with the next spikes and returns how many it
// stored; at the end of the stream it returns 0, io.EOF.
func (r *Reader) ReadSpikes(buf []Spike) (int, error) {
	return readStream(r, &r.sp, buf, func() []Spike { return r.dec.spikes })
}

// ReadPackets is ReadSpikes for the packet stream.
func (r *Reader) ReadPackets(buf []Packet) (int, error) {
	return readStream(r, &r.pk, buf, func() []Packet { return r.dec.packets })
}

// readStream copies the records of one stream into buf, loading chunks
// of that stream as it goes; decoded returns the records of the chunk
// loaded last.
func readStream[T any](r *Reader, c *cursor, buf []T, decoded func() []T) (int, error) {
	n := 0
	for n < len(buf) {
		if c.pos == c.end {
			if err := r.load(c); err != nil {
				if err == io.EOF && n > 0 {
					return n, nil
				}
				return n, err
			}
			continue
		}
		k := copy(buf[n:], decoded()[c.pos:c.end])
		c.pos += k
		n += k
	}
	return n, nil
}
