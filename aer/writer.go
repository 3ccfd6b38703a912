package aer

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Writer appends spikes and packets to a trace. Records are buffered until a
// chunk of ChunkRecords of one kind is full, then compressed and written in a
// single Write, so memory stays bounded by the chunk size and a process
// killed mid-run leaves only whole chunks behind (see Recover).
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	closer io.Closer
	off    int64
	meta   Meta
	n      int // records per chunk
	enc    *chunkEncoder

	times   []int64
	addrs   []uint32
	packets []Packet
	index   []indexEntry

	lastSpike, lastEmit int64
	spikes, pkts        int64 // records written so far, per kind
	err                 error

	header int64  // bytes of the file header
	crc    uint32 // CRC-32C of the bytes written after the header
	rename string // Close renames the file it wrote to this path (Continue)
	temp   string // the file Continue writes, when renamed at Close
}

// NewWriter writes the header for m to w and returns a Writer that emits a
// chunk every DefaultChunkRecords records of a kind.
func NewWriter(w io.Writer, m Meta) (*Writer, error) {
	return NewWriterSize(w, m, DefaultChunkRecords)
}

// NewWriterSize is NewWriter with n records per chunk: smaller chunks lose
// less to a crash and seek more finely, larger ones compress better.
func NewWriterSize(w io.Writer, m Meta, n int) (*Writer, error) {
	if n < 1 || n > maxChunkRecords {
		return nil, fmt.Errorf("aer: %d records per chunk, want 1..%d", n, maxChunkRecords)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	if len(m.Kinds) == 0 {
		m.Kinds = []string{KindSpike}
	}
	js, err := json.Marshal(&m)
	if err != nil {
		return nil, fmt.Errorf("aer: meta: %w", err)
	}
	if len(js) > maxMetaLen {
		return nil, fmt.Errorf("aer: meta is %d bytes of JSON, limit %d", len(js), maxMetaLen)
	}
	enc, err := newChunkEncoder()
	if err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	hdr := make([]byte, 0, fileHeaderFixed+len(js)+4)
	hdr = append(hdr, Magic...)
	hdr = binary.LittleEndian.AppendUint16(hdr, Version)
	hdr = binary.LittleEndian.AppendUint16(hdr, 0)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(js)))
	hdr = append(hdr, js...)
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))
	wr := &Writer{w: w, meta: m, n: n, enc: enc}
	if err := wr.write(hdr); err != nil {
		return nil, err
	}
	wr.header = wr.off
	if m.Has(KindSpike) {
		wr.times = make([]int64, 0, n)
		wr.addrs = make([]uint32, 0, n)
	}
	if m.Has(KindPacket) {
		wr.packets = make([]Packet, 0, n)
	}
	return wr, nil
}

// Create creates the file at path and writes a trace into it in place, so
// that a crash leaves the completed chunks for Recover. Close closes the file.
func Create(path string, m Meta) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	w, err := NewWriter(f, m)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	w.closer = f
	return w, nil
}

func (w *Writer) write(b []byte) error {
	if w.err != nil {
		return w.err
	}
	n, err := w.w.Write(b)
	if w.header > 0 {
		w.crc = crc32.Update(w.crc, castagnoli, b[:n])
	}
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("aer: write at byte %d: %w", w.off, err)
	}
	return w.err
}

// WriteSpike appends a spike. Times must not decrease.
func (w *Writer) WriteSpike(t int64, addr uint32) error {
	if w.err != nil {
		return w.err
	}
	if cap(w.times) == 0 {
		return errors.New("aer: spike record, but Meta.Kinds does not declare \"spike\"")
	}
	if t < w.lastSpike && w.spikes > 0 {
		return fmt.Errorf("aer: spike %d: time %d is before the previous spike's %d", w.spikes, t, w.lastSpike)
	}
	w.lastSpike = t
	w.spikes++
	w.times = append(w.times, t)
	w.addrs = append(w.addrs, addr)
	if len(w.times) == w.n {
		return w.flushSpikes()
	}
	return nil
}

// WritePacket appends a packet. Emit times must not decrease.
func (w *Writer) WritePacket(p Packet) error {
	if w.err != nil {
		return w.err
	}
	if cap(w.packets) == 0 {
		return errors.New("aer: packet record, but Meta.Kinds does not declare \"packet\"")
	}
	if p.Emit < w.lastEmit && w.pkts > 0 {
		return fmt.Errorf("aer: packet %d: emit time %d is before the previous packet's %d", w.pkts, p.Emit, w.lastEmit)
	}
	w.lastEmit = p.Emit
	w.pkts++
	w.packets = append(w.packets, p)
	if len(w.packets) == w.n {
		return w.flushPackets()
	}
	return nil
}

func (w *Writer) flushSpikes() error {
	if len(w.times) == 0 {
		return w.err
	}
	b := w.enc.spikes(w.times, w.addrs)
	w.index = append(w.index, indexEntry{offset: w.off, first: w.times[0], last: w.times[len(w.times)-1],
		count: uint32(len(w.times)), kind: kindSpikeByte})
	w.times, w.addrs = w.times[:0], w.addrs[:0]
	return w.write(b)
}

func (w *Writer) flushPackets() error {
	if len(w.packets) == 0 {
		return w.err
	}
	b := w.enc.packets(w.packets)
	w.index = append(w.index, indexEntry{offset: w.off, first: w.packets[0].Emit,
		last: w.packets[len(w.packets)-1].Emit, count: uint32(len(w.packets)), kind: kindPacketByte})
	w.packets = w.packets[:0]
	return w.write(b)
}

// Flush writes the buffered records as (possibly short) chunks, so that they
// survive a crash.
func (w *Writer) Flush() error {
	if err := w.flushSpikes(); err != nil {
		return err
	}
	return w.flushPackets()
}

// Close flushes, writes the index and trailer, and closes the file if the
// Writer came from Create. It does not close a writer given to NewWriter.
func (w *Writer) Close() error {
	err := w.Flush()
	if err == nil {
		err = w.write(appendIndex(nil, w.index, w.off))
	}
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("aer: %w", cerr)
		}
		w.closer = nil
	}
	if w.rename != "" {
		if err == nil {
			if rerr := os.Rename(w.temp, w.rename); rerr != nil {
				err = fmt.Errorf("aer: %w", rerr)
			}
		}
		if err != nil {
			os.Remove(w.temp)
		}
		w.rename = ""
	}
	if w.err == nil {
		w.err = errors.New("aer: write to a closed Writer")
	}
	return err
}
