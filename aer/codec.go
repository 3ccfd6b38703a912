package aer

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"

	"github.com/klauspost/compress/zstd"
)

// storedFlag in a section's stored length marks a section kept uncompressed
// because zstd did not make it smaller (typically bit-packed random addresses).
const storedFlag = 1 << 31

// Gap coding of spike chunks (codecGaps) Rice-codes each gap v with a
// parameter k: its k low bits go to a column of k-bit fields, its quotient
// q = v>>k to a stream of unary codes (q zero bits, then a one). A quotient
// of escapeQuotient or more is coded as escapeQuotient and stored as a
// uvarint in section 0 instead. The column has fixed-width fields and the
// unary codes are found a word at a time, so that decoding a record does
// not wait for the position of the one before. k is at most maxRiceBits
// for a field to come in one 64-bit load at any bit offset.
const (
	escapeQuotient = 32
	maxRiceBits    = 56
	gapsHeader     = 9       // base, range, Rice parameter
	keyLimit       = 1 << 62 // keys, and so gaps, stay below
)

// chunkEncoder turns a batch of records into a chunk; its buffers and zstd
// encoder are reused so that steady-state writing does not allocate.
type chunkEncoder struct {
	enc  *zstd.Encoder
	raw  [2][]byte
	comp []byte
	out  []byte   // header + body
	gaps []uint64 // key gaps of the spike chunk being encoded
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
	first, last := times[0], times[len(times)-1]
	lo, hi := addrs[0], addrs[0]
	for _, a := range addrs {
		lo = min(lo, a)
		hi = max(hi, a)
	}
	if c.keyGaps(times, addrs, lo, hi) {
		c.raw[0], c.raw[1] = c.riceGaps(c.raw[0][:0], c.raw[1][:0], lo, hi)
		return c.finish(kindSpikeByte, codecGaps, len(times), first, last)
	}
	t := c.raw[0][:0]
	for i := 1; i < len(times); i++ {
		t = binary.AppendUvarint(t, uint64(times[i]-times[i-1]))
	}
	c.raw[0] = t
	c.raw[1] = packAddrs(c.raw[1][:0], addrs, lo, hi)
	return c.finish(kindSpikeByte, codecColumns, len(times), first, last)
}

// keyGaps fills c.gaps with the differences between successive keys
// (t - first)*(hi-lo+1) + (a - lo), or reports false if the chunk cannot be
// gap coded: keys that decrease
// (addresses out of order within a tick) or that reach keyLimit (too many
// ticks times addresses). Because the keys of the spikes of a tick in
// address order increase, a tick of k spikes over N addresses costs about
// k gaps of N/k, instead of k whole addresses and k time deltas.
func (c *chunkEncoder) keyGaps(times []int64, addrs []uint32, lo, hi uint32) bool {
	first := uint64(times[0])
	span := uint64(hi-lo) + 1
	ticks := uint64(times[len(times)-1]) - first
	if ticks >= keyLimit {
		return false
	}
	if h, l := bits.Mul64(ticks+1, span); h != 0 || l > keyLimit {
		return false
	}
	g := c.gaps[:0]
	prev := uint64(0)
	for i, t := range times {
		key := (uint64(t)-first)*span + uint64(addrs[i]-lo)
		if key < prev {
			return false
		}
		g = append(g, key-prev)
		prev = key
	}
	c.gaps = g
	return true
}

// riceGaps Rice-codes c.gaps with the parameter that makes them smallest:
// it appends the escaped quotients to esc and the base, range, parameter,
// low bits and unary codes to b.
func (c *chunkEncoder) riceGaps(esc, b []byte, lo, hi uint32) ([]byte, []byte) {
	k := riceParam(c.gaps)
	b = binary.LittleEndian.AppendUint32(b, lo)
	b = binary.LittleEndian.AppendUint32(b, hi-lo)
	b = append(b, byte(k))
	bw := bitWriter{b: b}
	mask := uint64(1)<<k - 1
	for _, v := range c.gaps {
		if k > 32 {
			bw.put(v&(1<<32-1), 32)
			bw.put(v&mask>>32, k-32)
		} else {
			bw.put(v&mask, k)
		}
	}
	bw = bitWriter{b: bw.flush()}
	for _, v := range c.gaps {
		q := v >> k
		if q >= escapeQuotient {
			esc = binary.AppendUvarint(esc, q)
			bw.put(0, escapeQuotient)
			bw.put(1, 1)
			continue
		}
		bw.put(1<<q, uint(q)+1)
	}
	return esc, bw.flush()
}

// riceParam returns the Rice parameter that codes gaps in the fewest bits,
// as estimated from their counts and sums by bit length: v>>k is taken as
// v/2^k, and v escapes exactly when its bit length exceeds k+5.
func riceParam(gaps []uint64) uint {
	var count, sum [65]uint64
	for _, v := range gaps {
		n := bits.Len64(v)
		count[n]++
		sum[n] += v
	}
	best, bestCost := uint(0), uint64(math.MaxUint64)
	for k := uint(0); k <= maxRiceBits; k++ {
		cost := uint64(len(gaps)) * (uint64(k) + 1)
		for n := range count {
			switch {
			case count[n] == 0:
			case uint(n) <= k+5:
				cost += sum[n] >> k
			default:
				cost += count[n] * (escapeQuotient + 8*uint64(uvarintLen(uint64(1)<<(n-1)>>k)))
			}
		}
		if cost < bestCost {
			best, bestCost = k, cost
		}
	}
	return best
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// bitWriter appends bits to b least significant first.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint // bits in acc, < 32 between calls
}

// put appends the n <= 32 low bits of x; x has no bits above them.
func (w *bitWriter) put(x uint64, n uint) {
	w.acc |= x << w.n
	w.n += n
	if w.n >= 32 {
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// flush appends the bits left, padded with zeros to a whole byte.
func (w *bitWriter) flush() []byte {
	for ; w.n > 0; w.n -= min(w.n, 8) {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
	}
	return w.b
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
	return c.finish(kindPacketByte, codecColumns, len(ps), ps[0].Emit, ps[len(ps)-1].Emit)
}

func (c *chunkEncoder) finish(kind, codec byte, n int, first, last int64) []byte {
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
	h := chunkHeader{kind: kind, codec: codec, count: uint32(n), first: first, last: last,
		rawLen: uint32(rawLen), bodyLen: uint32(len(out) - chunkHeaderSize), payloadCRC: crc}
	h.put(out)
	c.out = out
	return out
}

// packAddrs writes base lo (the least address, uint32), the bit width of
// hi-lo, and the offsets from base packed LSB-first at that width.
func packAddrs(dst []byte, addrs []uint32, lo, hi uint32) []byte {
	w := uint(bits.Len32(hi - lo))
	dst = binary.LittleEndian.AppendUint32(dst, lo)
	dst = append(dst, byte(w))
	if w == 0 {
		return dst
	}
	bw := bitWriter{b: dst}
	for _, a := range addrs {
		bw.put(uint64(a-lo), w)
	}
	return bw.flush()
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
		// Spare bytes let the bit readers load whole words at the end.
		buf := d.raw[s][:0]
		if cap(buf) < int(rawLen)+spare {
			buf = make([]byte, 0, int(rawLen)+spare)
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
		d.raw[s] = append(buf, make([]byte, spare)...)[:rawLen]
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
	switch {
	case h.kind == kindPacketByte:
		return d.decodePackets(h)
	case h.codec == codecGaps:
		return d.decodeGaps(h)
	}
	return d.decodeSpikes(h)
}

// spare is how many zero bytes decode keeps readable past each section:
// the bit readers load 8 bytes from any byte of a section.
const spare = 8

func (d *chunkDecoder) spikeBuf(n int) []Spike {
	if cap(d.spikes) < n {
		d.spikes = make([]Spike, n)
	}
	d.spikes = d.spikes[:n]
	return d.spikes
}

func (d *chunkDecoder) decodeSpikes(h *chunkHeader) error {
	n := int(h.count)
	s := d.spikeBuf(n)
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

// decodeGaps decodes a gap-coded spike chunk (see chunkEncoder.keyGaps).
func (d *chunkDecoder) decodeGaps(h *chunkHeader) error {
	s := d.spikeBuf(int(h.count))
	esc, b := d.raw[0], d.raw[1]
	if len(b) < gapsHeader {
		return fmt.Errorf("gap section: %d bytes, want at least %d", len(b), gapsHeader)
	}
	lo := binary.LittleEndian.Uint32(b)
	span := uint64(binary.LittleEndian.Uint32(b[4:])) + 1
	k := uint(b[8])
	if uint64(lo)+span > 1<<32 {
		return fmt.Errorf("gap section: addresses %d + %d exceed 32 bits", lo, span-1)
	}
	if k > maxRiceBits {
		return fmt.Errorf("gap section: Rice parameter %d > %d", k, maxRiceBits)
	}
	codes := b[gapsHeader:]
	lowBytes := (uint64(len(s))*uint64(k) + 7) / 8
	if lowBytes > uint64(len(codes)) {
		return fmt.Errorf("gap section: %d bytes of codes, want at least %d for the low bits", len(codes), lowBytes)
	}
	// Blocks of records go through three passes, each a function of its
	// own so that its loop keeps its variables in registers, and over a
	// block small enough to stay in the L1 cache: the low bits of the
	// gaps, their quotients added, then the gaps summed into keys, times
	// and addresses.
	full := codes[:len(codes)+spare]
	unary := full[lowBytes:len(codes)]
	u := unaryReader{b: unary[: len(unary) : len(unary)+spare], esc: esc}
	u.word = binary.LittleEndian.Uint64(u.b[:8])
	m, l := divMagic(span)
	var g [512]uint64
	var key, seen uint64
	for i := 0; i < len(s); i += len(g) {
		blk := g[:min(len(g), len(s)-i)]
		unpackLow(blk, full, uint(i)*k, k)
		if n := u.add(blk, k); n < len(blk) {
			return fmt.Errorf("unary codes: record %d: code missing, of more than %d zero bits, or escaping to a bad quotient", i+n, escapeQuotient)
		}
		key, seen = addKeys(s[i:i+len(blk)], blk, key, seen, m, l, span, h.first, lo)
	}
	// Gaps are below keyLimit, so a key past it is caught before the sum
	// wraps; keys below it increase, and times with them.
	switch {
	case (u.next+7)/8 != uint(len(unary)):
		return fmt.Errorf("unary codes: %d bits in %d bytes", u.next, len(unary))
	case u.p != len(esc):
		return fmt.Errorf("escape section: %d trailing bytes", len(esc)-u.p)
	case seen >= keyLimit:
		return fmt.Errorf("gap section: keys reach 2^62, want them below")
	case s[0].Time != h.first:
		return fmt.Errorf("gap section: first time %d, header says %d", s[0].Time, h.first)
	case s[len(s)-1].Time != h.last:
		return fmt.Errorf("gap section: last time %d, header says %d", s[len(s)-1].Time, h.last)
	}
	return nil
}

// unpackLow stores in g the k-bit fields packed in b from bit on; b has 8
// readable bytes past them. It is not inlined, nor is addKeys: inlined in
// decodeGaps, their loops run out of registers and spill to memory.
//
//go:noinline
func unpackLow(g []uint64, b []byte, bit, k uint) {
	mask := uint64(1)<<k - 1
	i := 0
	if 2*k <= 57 {
		// A load holds 57 bits past its first byte: two fields at once.
		for ; i+1 < len(g); i += 2 {
			w := binary.LittleEndian.Uint64(b[bit>>3:]) >> (bit & 7)
			g[i], g[i+1] = w&mask, w>>(k&63)&mask
			bit += 2 * k
		}
	}
	for ; i < len(g); i++ {
		g[i] = binary.LittleEndian.Uint64(b[bit>>3:]) >> (bit & 7) & mask
		bit += k
	}
}

// unaryReader reads unary codes a word at a time.
type unaryReader struct {
	b, esc []byte // codes (8 zero bytes readable past them), escaped quotients
	base   uint   // the bit of b that word starts at
	word   uint64 // the bits of b from base on, those read cleared
	next   uint   // the bit after the last code read
	p      int    // escape bytes read
}

// add adds the quotients of the next len(g) codes, shifted left by k, to
// g. It returns how many it added: fewer than len(g) if the codes end
// early or hold a bad code or escape.
func (r *unaryReader) add(g []uint64, k uint) int {
	b, esc := r.b[:cap(r.b)], r.esc
	end := uint(len(r.b)) * 8
	base, word, next, p := r.base, r.word, r.next, r.p
	i := 0
	for i < len(g) {
		if word == 0 {
			if base += 64; base >= end {
				break
			}
			word = binary.LittleEndian.Uint64(b[base>>3:])
			continue
		}
		one := base + uint(bits.TrailingZeros64(word))
		word &= word - 1
		q := uint64(one - next)
		next = one + 1
		if q >= escapeQuotient {
			v, n := binary.Uvarint(esc[p:])
			if q > escapeQuotient || n <= 0 || v < escapeQuotient || v >= keyLimit>>k {
				break
			}
			q = v
			p += n
		}
		g[i] |= q << (k & 63)
		i++
	}
	r.base, r.word, r.next, r.p = base, word, next, p
	return i
}

// addKeys sums the gaps g onto key, stores the spikes the keys code in s,
// and returns the last key and seen ORed with every key.
//
//go:noinline
func addKeys(s []Spike, g []uint64, key, seen, m uint64, l uint, span uint64, first int64, lo uint32) (uint64, uint64) {
	s = s[:len(g)]
	for i, v := range g {
		key += v
		seen |= key
		hi, _ := bits.Mul64(key<<2, m)
		t := hi >> (l & 63) // key / span; the mask spares Go a test for l >= 64
		s[i] = Spike{Time: first + int64(t), Addr: lo + uint32(key-t*span)}
	}
	return key, seen
}

// divMagic returns m and l such that key/d = hi(key<<2 * m) >> l for every
// key below 2^62, hi being the high word of the 128-bit product: with
// l = ceil(log2 d) and m = ceil(2^(62+l) / d) < 2^63, this is Theorem 4.2 of
// Granlund and Montgomery, "Division by invariant integers using
// multiplication" (PLDI 1994). A multiplication keeps the decoder's loop
// free of branches and divisions.
func divMagic(d uint64) (m uint64, l uint) {
	l = uint(bits.Len64(d - 1))
	var hi, lo uint64 // 2^(62+l)
	if l < 2 {
		lo = 1 << (62 + l)
	} else {
		hi = 1 << (l - 2)
	}
	m, rem := bits.Div64(hi, lo, d)
	if rem != 0 {
		m++
	}
	return m, l
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

// unpackAddrs needs 8 readable bytes past len(b) (decode keeps spare).
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
