package aer

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/spindle-sim/spindle/internal/state"
)

// WriterState is where a Writer stands in its trace: the bytes written
// (header and whole chunks) with their checksum, the index so far and
// the records buffered for the next chunks. Continue carries a trace on
// from it in another process, so that the trace it finishes is the one
// the Writer would have finished, byte for byte, given the same header.
type WriterState struct {
	chunks    int64  // chunk bytes written after the header
	header    int64  // the header's length
	crc       uint32 // CRC-32C of the chunk bytes
	n         int    // records per chunk
	kinds     []string
	index     []indexEntry
	times     []int64
	addrs     []uint32
	packets   []Packet
	lastSpike int64
	lastEmit  int64
	spikes    int64
	pkts      int64
}

// State returns the Writer's position. It writes nothing: the chunks
// already written stay as they are, the buffered records stay buffered.
func (w *Writer) State() (*WriterState, error) {
	if w.err != nil {
		return nil, w.err
	}
	return &WriterState{
		chunks: w.off - w.header, header: w.header, crc: w.crc, n: w.n, kinds: append([]string(nil), w.meta.Kinds...),
		index: append([]indexEntry(nil), w.index...),
		times: append([]int64(nil), w.times...), addrs: append([]uint32(nil), w.addrs...),
		packets:   append([]Packet(nil), w.packets...),
		lastSpike: w.lastSpike, lastEmit: w.lastEmit, spikes: w.spikes, pkts: w.pkts,
	}, nil
}

// Sync commits the file a Writer from Create writes to stable storage,
// so that a State taken now finds its chunks after a crash.
func (w *Writer) Sync() error {
	if f, ok := w.closer.(*os.File); ok {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("aer: %w", err)
		}
	}
	return nil
}

// Records returns the number of spikes and packets written so far.
func (s *WriterState) Records() (spikes, packets int64) { return s.spikes, s.pkts }

// MarshalBinary encodes the state.
func (s *WriterState) MarshalBinary() ([]byte, error) {
	e := state.Enc{}
	e.U8(1) // version of this encoding
	e.I64(s.header)
	e.I64(s.chunks)
	e.U32(s.crc)
	e.Len(s.n)
	e.Len(len(s.kinds))
	for _, k := range s.kinds {
		e.String(k)
	}
	e.Len(len(s.index))
	for _, x := range s.index {
		e.I64(x.offset)
		e.I64(x.first)
		e.I64(x.last)
		e.U32(x.count)
		e.U8(x.kind)
	}
	e.I64s(s.times)
	e.U32s(s.addrs)
	e.Len(len(s.packets))
	for _, p := range s.packets {
		e.I64(p.Emit)
		e.I64(p.Deliver)
		e.U32(p.Src)
		e.U32(p.Dst)
		e.U32(uint32(p.Hops))
		e.U8(p.Flags)
	}
	e.I64(s.lastSpike)
	e.I64(s.lastEmit)
	e.I64(s.spikes)
	e.I64(s.pkts)
	return e.B, nil
}

// UnmarshalBinary decodes a state MarshalBinary encoded, checking that it
// is consistent.
func (s *WriterState) UnmarshalBinary(b []byte) error {
	d := state.NewDec(b)
	if v := d.U8(); d.Err() == nil && v != 1 {
		return fmt.Errorf("aer: writer state version %d, expected 1", v)
	}
	*s = WriterState{header: d.I64(), chunks: d.I64(), crc: d.U32(), n: int(d.U64())}
	if d.Err() == nil && (s.n < 1 || s.n > maxChunkRecords) {
		d.Fail("%d records per chunk, want 1..%d", s.n, maxChunkRecords)
	}
	if d.Err() == nil && (s.header < fileHeaderFixed || s.chunks < 0) {
		d.Fail("a header of %d bytes and %d chunk bytes", s.header, s.chunks)
	}
	nk := d.Len(8, "record kinds")
	for i := 0; i < nk && d.Err() == nil; i++ {
		s.kinds = append(s.kinds, d.String("record kind"))
	}
	ni := d.Len(29, "index entries")
	for i := 0; i < ni && d.Err() == nil; i++ {
		x := indexEntry{offset: d.I64(), first: d.I64(), last: d.I64(), count: d.U32(), kind: d.U8()}
		if d.Err() == nil && (x.offset < s.header || x.offset >= s.header+s.chunks) {
			d.Fail("index entry %d at byte %d, outside the chunks", i, x.offset)
		}
		s.index = append(s.index, x)
	}
	s.times = d.I64Slice(s.n-1, "buffered spike times")
	s.addrs = d.U32s(s.n-1, "buffered spike addresses")
	if d.Err() == nil && len(s.times) != len(s.addrs) {
		d.Fail("%d buffered spike times, %d addresses", len(s.times), len(s.addrs))
	}
	np := d.Len(29, "buffered packets")
	if d.Err() == nil && np >= s.n {
		d.Fail("%d buffered packets, a chunk holds %d", np, s.n)
	}
	for i := 0; i < np && d.Err() == nil; i++ {
		p := Packet{Emit: d.I64(), Deliver: d.I64(), Src: d.U32(), Dst: d.U32()}
		hops := d.U32()
		p.Hops, p.Flags = uint16(hops), d.U8()
		if hops > 0xFFFF {
			d.Fail("buffered packet %d: %d hops", i, hops)
		}
		s.packets = append(s.packets, p)
	}
	s.lastSpike, s.lastEmit, s.spikes, s.pkts = d.I64(), d.I64(), d.I64(), d.I64()
	if d.Err() == nil && len(d.Rest()) > 0 {
		d.Fail("%d bytes after the state", len(d.Rest()))
	}
	if d.Err() != nil {
		return fmt.Errorf("aer: writer state: %w", d.Err())
	}
	return nil
}

// Continue carries on the trace whose writer was at s, which must still
// lie in file from (its chunks unchanged; the file may have grown since,
// or lack its index after a crash), into path, with header meta: the
// new file holds meta's header, from's chunks up to s, and then what
// the returned Writer writes. When path is from, the trace is written
// to a temporary file beside it and renamed over it by Close, so a run
// that fails leaves from as it was. meta must declare the kinds of s.
func Continue(path, from string, meta Meta, s *WriterState) (w *Writer, err error) {
	if len(meta.Kinds) == 0 {
		meta.Kinds = []string{KindSpike}
	}
	if fmt.Sprint(meta.Kinds) != fmt.Sprint(s.kinds) {
		return nil, fmt.Errorf("aer: the trace records %v, the continuation %v", s.kinds, meta.Kinds)
	}
	src, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("aer: the trace to continue: %w", err)
	}
	defer src.Close()
	if _, err := src.Seek(s.header, io.SeekStart); err != nil {
		return nil, fmt.Errorf("aer: %s: %w", from, err)
	}
	out, rename := path, ""
	if same(path, from) {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
		if err != nil {
			return nil, fmt.Errorf("aer: %w", err)
		}
		f.Close()
		out, rename = f.Name(), path
	}
	f, err := os.Create(out)
	if err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(out)
		}
	}()
	w, err = NewWriterSize(f, meta, s.n)
	if err != nil {
		return nil, err
	}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := io.Copy(io.MultiWriter(bw, crc), io.LimitReader(src, s.chunks))
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return nil, fmt.Errorf("aer: %s: %w", from, err)
	}
	if n < s.chunks {
		return nil, fmt.Errorf("aer: %s holds %d bytes of chunks, the trace to continue %d: it was cut", from, n, s.chunks)
	}
	if crc.Sum32() != s.crc {
		return nil, fmt.Errorf("aer: %s: its first %d bytes of chunks are not those of the trace to continue: it was changed or replaced", from, s.chunks)
	}
	shift := w.off - s.header
	w.off += s.chunks
	w.crc = s.crc
	w.closer = f
	w.rename, w.temp = rename, out
	for _, x := range s.index {
		x.offset += shift
		w.index = append(w.index, x)
	}
	if len(s.times) > 0 && cap(w.times) == 0 || len(s.packets) > 0 && cap(w.packets) == 0 {
		return nil, errors.New("aer: the state buffers records of a kind the trace does not record")
	}
	w.times = append(w.times, s.times...)
	w.addrs = append(w.addrs, s.addrs...)
	w.packets = append(w.packets, s.packets...)
	w.lastSpike, w.lastEmit, w.spikes, w.pkts = s.lastSpike, s.lastEmit, s.spikes, s.pkts
	return w, nil
}

// Discard closes the Writer and removes the file it was writing: the
// one Create made, or Continue's (never the trace Continue read).
func (w *Writer) Discard() {
	name := ""
	if f, ok := w.closer.(*os.File); ok {
		name = f.Name()
	}
	w.rename = ""
	w.Close()
	if name != "" {
		os.Remove(name)
	}
}

// same reports whether two paths name the same file (or, for a file
// that does not exist yet, the same path).
func same(a, b string) bool {
	fa, ea := os.Stat(a)
	fb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(fa, fb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}
