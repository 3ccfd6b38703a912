package aer

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"

	"github.com/klauspost/compress/zstd"
)

// storedFlag in a section's stored length marks a section kept uncompressed
// because zstd did not make it smaller (typically bit-packed random addresses).
const storedFlag = 1 << 31

// chunkEncoder turns a batch of records into a chunk; its buffers and zstd
// encoder are reused so that steady-state writing does not allocate.
type chunkEncoder struct {
	enc  *zstd.Encoder
	raw  [2][]byte
	comp []byte
	out  []byte // header + body
}

func newChunkEncoder() (*chunkEncoder, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), // the chunk carries its own CRC-32C
		zstd.WithLowerEncoderMem(true),
	)
	if err != nil {
		return nil, err
	}
	return &chunkEncoder{enc: enc}, nil
}

func (c *chunkEncoder) spikes(times []int64, addrs []uint32) []byte {
	t := c.raw[0][:0]
	for i := 1; i < len(times); i++ {
		t = binary.AppendUvarint(t, uint64(times[i]-times[i-1]))
	}
	c.raw[0] = t
	c.raw[1] = packAddrs(c.raw[1][:0], addrs)
	return c.finish(kindSpikeByte, len(times), times[0], times[len(times)-1])
}

func (c *chunkEncoder) packets(ps []Packet) []byte {
	a := c.raw[0][:0]
	for i := 1; i < len(ps); i++ {
		a = binary.AppendUvarint(a, uint64(ps[i].Emit-ps[i-1].Emit))
	}
	for i := range ps {
		a = binary.AppendVarint(a, ps[i].Deliver-ps[i].Emit)
	}
	c.raw[0] = a
	b := c.raw[1][:0]
	for i := range ps {
		b = binary.AppendUvarint(b, uint64(ps[i].Src))
	}
	for i := range ps {
		b = binary.AppendUvarint(b, uint64(ps[i].Dst))
	}
	for i := range ps {
		b = binary.AppendUvarint(b, uint64(ps[i].Hops))
	}
	for i := range ps {
		b = append(b, ps[i].Flags)
	}
	c.raw[1] = b
	return c.finish(kindPacketByte, len(ps), ps[0].Emit, ps[len(ps)-1].Emit)
}

func (c *chunkEncoder) finish(kind byte, n int, first, last int64) []byte {
	out := append(c.out[:0], make([]byte, chunkHeaderSize)...)
	var crc uint32
	rawLen := 0
	for _, raw := range c.raw {
		crc = crc32.Update(crc, castagnoli, raw)
		rawLen += len(raw)
		c.comp = c.enc.EncodeAll(raw, c.comp[:0])
		if len(c.comp) < len(raw) {
			out = binary.LittleEndian.AppendUint32(out, uint32(len(raw)))
			out = binary.LittleEndian.AppendUint32(out, uint32(len(c.comp)))
			out = append(out, c.comp...)
		} else {
			out = binary.LittleEndian.AppendUint32(out, uint32(len(raw)))
			out = binary.LittleEndian.AppendUint32(out, uint32(len(raw))|storedFlag)
			out = append(out, raw...)
		}
	}
	h := chunkHeader{kind: kind, codec: codecColumns, count: uint32(n), first: first, last: last,
		rawLen: uint32(rawLen), bodyLen: uint32(len(out) - chunkHeaderSize), payloadCRC: crc}
	h.put(out)
	c.out = out
	return out
}

// packAddrs writes base (min address, uint32), the bit width of max-min, and
// the offsets from base packed LSB-first at that width.
func packAddrs(dst []byte, addrs []uint32) []byte {
	lo, hi := addrs[0], addrs[0]
	for _, a := range addrs {
		lo = min(lo, a)
		hi = max(hi, a)
	}
	w := uint(bits.Len32(hi - lo))
	dst = binary.LittleEndian.AppendUint32(dst, lo)
	dst = append(dst, byte(w))
	if w == 0 {
		return dst
	}
	var acc uint64
	var nb uint
	for _, a := range addrs {
		acc |= uint64(a-lo) << nb
		nb += w
		if nb >= 32 {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(acc))
			acc >>= 32
			nb -= 32
		}
	}
	for ; nb > 0; nb -= min(nb, 8) {
		dst = append(dst, byte(acc))
		acc >>= 8
	}
	return dst
}

// chunkDecoder decodes chunk bodies into reusable record buffers.
type chunkDecoder struct {
	dec     *zstd.Decoder
	raw     [2][]byte
	spikes  []Spike
	packets []Packet
}

func newChunkDecoder() (*chunkDecoder, error) {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(maxChunkRecords)*maxPacketBytes+64),
		zstd.WithDecodeAllCapLimit(true),
		zstd.IgnoreChecksum(true),
	)
	if err != nil {
		return nil, err
	}
	return &chunkDecoder{dec: dec}, nil
}

// decode checks and decodes body (the bytes after header h). The returned
// message says what is wrong, for the caller to place in the file.
func (d *chunkDecoder) decode(h *chunkHeader, body []byte) error {
	var crc uint32
	total := 0
	for s := range d.raw {
		if len(body) < sectionHeader {
			return fmt.Errorf("section %d: body truncated", s)
		}
		rawLen := binary.LittleEndian.Uint32(body)
		stored := binary.LittleEndian.Uint32(body[4:])
		body = body[sectionHeader:]
		n := stored &^ storedFlag
		if uint64(n) > uint64(len(body)) {
			return fmt.Errorf("section %d: stored length %d exceeds the %d bytes left in the chunk", s, n, len(body))
		}
		total += int(rawLen)
		if uint64(total) > uint64(h.rawLen) {
			return fmt.Errorf("section %d: uncompressed lengths exceed the header's %d", s, h.rawLen)
		}
		// 8 spare bytes let the bit unpacker read whole words at the end.
		buf := d.raw[s][:0]
		if cap(buf) < int(rawLen)+8 {
			buf = make([]byte, 0, int(rawLen)+8)
		}
		if stored&storedFlag != 0 {
			if n != rawLen {
				return fmt.Errorf("section %d: stored section of %d bytes, header says %d", s, n, rawLen)
			}
			buf = append(buf, body[:n]...)
		} else {
			// The capacity limit makes zstd refuse to write past rawLen
			// bytes, whatever the frame claims.
			out, err := d.dec.DecodeAll(body[:n], buf[:0:rawLen])
			if err != nil {
				return fmt.Errorf("section %d: zstd: %v", s, err)
			}
			if len(out) != int(rawLen) {
				return fmt.Errorf("section %d: decompressed to %d bytes, header says %d", s, len(out), rawLen)
			}
			if rawLen > 0 && &out[0] != &buf[:1][0] {
				out = append(buf[:0], out...)
			}
			buf = buf[:rawLen]
		}
		crc = crc32.Update(crc, castagnoli, buf)
		d.raw[s] = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)[:rawLen]
		body = body[n:]
	}
	if len(body) != 0 {
		return fmt.Errorf("%d unexpected bytes after the last section", len(body))
	}
	if uint32(total) != h.rawLen {
		return fmt.Errorf("uncompressed length %d, header says %d", total, h.rawLen)
	}
	if crc != h.payloadCRC {
		return fmt.Errorf("payload checksum mismatch (CRC-32C %08x, header says %08x)", crc, h.payloadCRC)
	}
	if h.kind == kindSpikeByte {
		return d.decodeSpikes(h)
	}
	return d.decodePackets(h)
}

func (d *chunkDecoder) decodeSpikes(h *chunkHeader) error {
	n := int(h.count)
	if cap(d.spikes) < n {
		d.spikes = make([]Spike, n)
	}
	s := d.spikes[:n]
	d.spikes = s
	b := d.raw[0]
	// Same walk as decodeTimes, written out: this loop is the decoder's hot path.
	t, p := h.first, 0
	s[0].Time = t
	for i := 1; i < n; i++ {
		if p >= len(b) {
			return fmt.Errorf("time section: truncated at record %d", i)
		}
		if c := b[p]; c < 0x80 {
			t += int64(c)
			p++
		} else {
			v, k := binary.Uvarint(b[p:])
			if k <= 0 || v > uint64(h.last-t) {
				return fmt.Errorf("time section: bad delta at record %d", i)
			}
			t += int64(v)
			p += k
		}
		s[i].Time = t
	}
	if t != h.last {
		return fmt.Errorf("time section: last time %d, header says %d", t, h.last)
	}
	if p != len(b) {
		return fmt.Errorf("time section: %d trailing bytes", len(b)-p)
	}
	return unpackAddrs(d.raw[1], s)
}

// decodeTimes reads count-1 uvarint deltas from first and checks they end at
// last. It returns the number of bytes read.
func decodeTimes(b []byte, h *chunkHeader, set func(int, int64)) (int, error) {
	t := h.first
	set(0, t)
	p := 0
	for i := 1; i < int(h.count); i++ {
		v, k := binary.Uvarint(b[p:])
		// One-byte deltas cannot overflow: t stays <= last or the final check fails.
		if k <= 0 || v > uint64(h.last-t) {
			return p, fmt.Errorf("time section: bad delta at record %d", i)
		}
		t += int64(v)
		p += k
		set(i, t)
	}
	if t != h.last {
		return p, fmt.Errorf("time section: last time %d, header says %d", t, h.last)
	}
	return p, nil
}

// unpackAddrs needs 8 readable bytes past len(b) (decode guarantees them).
func unpackAddrs(b []byte, s []Spike) error {
	if len(b) < 5 {
		return fmt.Errorf("address section: %d bytes, want at least 5", len(b))
	}
	base := binary.LittleEndian.Uint32(b)
	w := uint(b[4])
	if w > 32 {
		return fmt.Errorf("address section: bit width %d > 32", w)
	}
	packed := b[5:]
	if need := (uint64(len(s))*uint64(w) + 7) / 8; uint64(len(packed)) != need {
		return fmt.Errorf("address section: %d packed bytes, want %d", len(packed), need)
	}
	if w == 0 {
		for i := range s {
			s[i].Addr = base
		}
		return nil
	}
	mask := uint64(1)<<w - 1
	full := packed[:len(packed)+8]
	if uint64(base)+mask > 1<<32-1 {
		// Some offsets could overflow 32 bits: check each one.
		for i, bit := 0, uint(0); i < len(s); i, bit = i+1, bit+w {
			a := uint64(base) + binary.LittleEndian.Uint64(full[bit>>3:])>>(bit&7)&mask
			if a > 1<<32-1 {
				return fmt.Errorf("address section: record %d: address %d exceeds 32 bits", i, a)
			}
			s[i].Addr = uint32(a)
		}
		return nil
	}
	bit := uint(0)
	for i := range s {
		s[i].Addr = base + uint32(binary.LittleEndian.Uint64(full[bit>>3:])>>(bit&7)&mask)
		bit += w
	}
	return nil
}

func (d *chunkDecoder) decodePackets(h *chunkHeader) error {
	n := int(h.count)
	if cap(d.packets) < n {
		d.packets = make([]Packet, n)
	}
	ps := d.packets[:n]
	d.packets = ps
	a := d.raw[0]
	p, err := decodeTimes(a, h, func(i int, t int64) { ps[i].Emit = t })
	if err != nil {
		return err
	}
	for i := range ps {
		v, k := binary.Varint(a[p:])
		if k <= 0 {
			return fmt.Errorf("latency column: bad varint at record %d", i)
		}
		p += k
		ps[i].Deliver = ps[i].Emit + v
	}
	if p != len(a) {
		return fmt.Errorf("time section: %d trailing bytes", len(a)-p)
	}
	b := d.raw[1]
	p = 0
	col := func(name string, lim uint64, set func(int, uint64)) error {
		for i := range ps {
			v, k := binary.Uvarint(b[p:])
			if k <= 0 || v > lim {
				return fmt.Errorf("%s column: bad value at record %d", name, i)
			}
			p += k
			set(i, v)
		}
		return nil
	}
	if err := col("source", 1<<32-1, func(i int, v uint64) { ps[i].Src = uint32(v) }); err != nil {
		return err
	}
	if err := col("destination", 1<<32-1, func(i int, v uint64) { ps[i].Dst = uint32(v) }); err != nil {
		return err
	}
	if err := col("hops", 1<<16-1, func(i int, v uint64) { ps[i].Hops = uint16(v) }); err != nil {
		return err
	}
	if len(b)-p != n {
		return fmt.Errorf("flags column: %d bytes, want %d", len(b)-p, n)
	}
	for i := range ps {
		ps[i].Flags = b[p+i]
	}
	return nil
}
