package aer

import (
	"fmt"
	"io"
)

// RecoverReport says what Recover kept.
type RecoverReport struct {
	Chunks       int   // complete chunks copied
	Spikes       int64 // records in them
	Packets      int64
	DroppedBytes int64  // bytes after the last good chunk (partial chunk, old index, garbage)
	Reason       string // why the scan stopped, if it did not reach the end
}

// Recover scans the trace in src (size bytes) from the header on, checks
// every chunk in full (header and payload checksums, decoding, time order),
// and writes the header, the chunks up to the first bad or partial one, and
// a fresh index to dst. It works on a complete trace too, rebuilding its
// index. The header itself must be intact.
func Recover(dst io.Writer, src io.ReaderAt, size int64) (RecoverReport, error) {
	var rep RecoverReport
	fh, err := readHeader(src, size, "input")
	if err != nil {
		return rep, err
	}
	hlen := fh.len
	hdr := make([]byte, hlen)
	if _, err := src.ReadAt(hdr, 0); err != nil {
		return rep, fmt.Errorf("aer: reading header: %w", err)
	}
	if _, err := dst.Write(hdr); err != nil {
		return rep, fmt.Errorf("aer: %w", err)
	}
	dec, err := newChunkDecoder()
	if err != nil {
		return rep, fmt.Errorf("aer: %w", err)
	}
	var (
		index []indexEntry
		buf   []byte
		last  [3]int64
		seen  [3]bool
		off   = hlen
	)
	for {
		if off == size {
			break
		}
		if size-off < chunkHeaderSize {
			rep.Reason = fmt.Sprintf("byte %d: %d bytes left, less than a chunk header", off, size-off)
			break
		}
		if cap(buf) < chunkHeaderSize {
			buf = make([]byte, chunkHeaderSize)
		}
		buf = buf[:chunkHeaderSize]
		if _, err := src.ReadAt(buf, off); err != nil {
			return rep, fmt.Errorf("aer: byte %d: %w", off, err)
		}
		if string(buf[:4]) == indexMagic {
			rep.Reason = fmt.Sprintf("byte %d: old index", off)
			break
		}
		var h chunkHeader
		if msg := h.parse(buf, fh.version); msg != "" {
			rep.Reason = fmt.Sprintf("chunk %d at byte %d: %s", len(index), off, msg)
			break
		}
		if int64(h.bodyLen) > size-off-chunkHeaderSize {
			rep.Reason = fmt.Sprintf("chunk %d at byte %d: truncated (%d of %d body bytes)", len(index), off, size-off-chunkHeaderSize, h.bodyLen)
			break
		}
		n := chunkHeaderSize + int(h.bodyLen)
		if cap(buf) < n {
			buf = append(buf[:chunkHeaderSize], make([]byte, n-chunkHeaderSize)...)
		}
		buf = buf[:n]
		if _, err := src.ReadAt(buf[chunkHeaderSize:], off+chunkHeaderSize); err != nil {
			return rep, fmt.Errorf("aer: byte %d: %w", off, err)
		}
		if err := dec.decode(&h, buf[chunkHeaderSize:]); err != nil {
			rep.Reason = fmt.Sprintf("chunk %d at byte %d: %v", len(index), off, err)
			break
		}
		if seen[h.kind] && h.first < last[h.kind] {
			rep.Reason = fmt.Sprintf("chunk %d at byte %d: time %d before the previous chunk's %d", len(index), off, h.first, last[h.kind])
			break
		}
		seen[h.kind], last[h.kind] = true, h.last
		// Good chunks are contiguous from the header on, so they keep their offsets.
		if _, err := dst.Write(buf); err != nil {
			return rep, fmt.Errorf("aer: %w", err)
		}
		index = append(index, indexEntry{offset: off, first: h.first, last: h.last, count: h.count, kind: h.kind})
		if h.kind == kindSpikeByte {
			rep.Spikes += int64(h.count)
		} else {
			rep.Packets += int64(h.count)
		}
		off += int64(n)
	}
	rep.Chunks = len(index)
	rep.DroppedBytes = size - off
	if _, err := dst.Write(appendIndex(nil, index, off)); err != nil {
		return rep, fmt.Errorf("aer: %w", err)
	}
	return rep, nil
}
