package aer

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Byte layout; docs/formats/aer.md is the specification.
const (
	// Magic starts every .aer file. The high byte and the CR LF / ^Z / LF
	// tail catch text-mode transfers, as in PNG.
	Magic = "\x89AER\r\n\x1a\n"
	// Version is the format version this package writes. It reads
	// version 1 too, whose chunks all use the columns codec.
	Version = 2

	trailerMagic = "\x89AEREND\n"
	chunkMagic   = "ACHK"
	indexMagic   = "AIDX"

	fileHeaderFixed = 16 // magic, version, flags, meta length
	chunkHeaderSize = 44
	indexEntrySize  = 32
	trailerSize     = 16

	kindSpikeByte  = 1
	kindPacketByte = 2
	codecColumns   = 1
	codecGaps      = 2 // spike chunks only, from version 2

	// Bounds that keep a hostile file from making us allocate without limit.
	maxMetaLen      = 16 << 20
	maxChunkRecords = 1 << 22
	maxSpikeBytes   = 10 + 5 // varint time delta + worst-case address share
	maxPacketBytes  = 10 + 10 + 5 + 5 + 3 + 1
	sectionHeader   = 8
)

// DefaultChunkRecords is the number of records per chunk NewWriter uses.
const DefaultChunkRecords = 1 << 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// chunkHeader is the fixed 44-byte header in front of every chunk body.
type chunkHeader struct {
	kind        byte
	codec       byte
	count       uint32
	first, last int64
	rawLen      uint32 // sum of the uncompressed section lengths
	bodyLen     uint32 // bytes after the header
	payloadCRC  uint32 // CRC-32C of the uncompressed sections, concatenated
}

func (h *chunkHeader) put(b []byte) {
	copy(b[0:4], chunkMagic)
	b[4] = h.kind
	b[5] = h.codec
	b[6], b[7] = 0, 0
	le := binary.LittleEndian
	le.PutUint32(b[8:], h.count)
	le.PutUint64(b[12:], uint64(h.first))
	le.PutUint64(b[20:], uint64(h.last))
	le.PutUint32(b[28:], h.rawLen)
	le.PutUint32(b[32:], h.bodyLen)
	le.PutUint32(b[36:], h.payloadCRC)
	le.PutUint32(b[40:], crc32.Checksum(b[:40], castagnoli))
}

// parse decodes b[:44], a chunk header of a file of the given format
// version, and reports what is wrong with it, if anything.
func (h *chunkHeader) parse(b []byte, version uint16) string {
	if string(b[0:4]) != chunkMagic {
		return "bad chunk magic (want \"ACHK\")"
	}
	le := binary.LittleEndian
	if crc32.Checksum(b[:40], castagnoli) != le.Uint32(b[40:]) {
		return "chunk header checksum mismatch"
	}
	h.kind, h.codec = b[4], b[5]
	h.count = le.Uint32(b[8:])
	h.first = int64(le.Uint64(b[12:]))
	h.last = int64(le.Uint64(b[20:]))
	h.rawLen = le.Uint32(b[28:])
	h.bodyLen = le.Uint32(b[32:])
	h.payloadCRC = le.Uint32(b[36:])
	switch {
	case h.kind != kindSpikeByte && h.kind != kindPacketByte:
		return "unknown record kind"
	case h.codec == codecGaps && (h.kind != kindSpikeByte || version < 2),
		h.codec != codecColumns && h.codec != codecGaps:
		return fmt.Sprintf("unknown chunk codec %d for %s records in a version %d file", h.codec, kindName(h.kind), version)
	case h.count == 0 || h.count > maxChunkRecords:
		return "record count out of range"
	case h.first > h.last:
		return "first time after last time"
	case uint64(h.rawLen) > uint64(h.count)*maxBytes(h.kind)+64:
		return "uncompressed length too large for record count"
	}
	return ""
}

func maxBytes(kind byte) uint64 {
	if kind == kindPacketByte {
		return maxPacketBytes
	}
	return maxSpikeBytes
}

func kindName(k byte) string {
	if k == kindPacketByte {
		return KindPacket
	}
	return KindSpike
}

// indexEntry locates one chunk.
type indexEntry struct {
	offset      int64
	first, last int64
	count       uint32
	kind        byte
}

func (e *indexEntry) put(b []byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(e.offset))
	le.PutUint64(b[8:], uint64(e.first))
	le.PutUint64(b[16:], uint64(e.last))
	le.PutUint32(b[24:], e.count)
	b[28] = e.kind
	b[29], b[30], b[31] = 0, 0, 0
}

func (e *indexEntry) parse(b []byte) {
	le := binary.LittleEndian
	e.offset = int64(le.Uint64(b[0:]))
	e.first = int64(le.Uint64(b[8:]))
	e.last = int64(le.Uint64(b[16:]))
	e.count = le.Uint32(b[24:])
	e.kind = b[28]
}

// appendIndex appends the index block and trailer for entries written at
// offset off.
func appendIndex(b []byte, entries []indexEntry, off int64) []byte {
	start := len(b)
	b = append(b, indexMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(entries)))
	var e [indexEntrySize]byte
	for i := range entries {
		entries[i].put(e[:])
		b = append(b, e[:]...)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
	b = binary.LittleEndian.AppendUint64(b, uint64(off))
	return append(b, trailerMagic...)
}
