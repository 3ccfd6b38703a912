// Command _asm generates core's AVX2 and AVX-512 kernels of the one- and
// two-receptor LIF update (lif_amd64.s and its stubs lif_amd64.go). Run it with
// 'go generate' in core. It is a module of its own so that avo is not a
// dependency of the simulator.
//
// The kernels do what the scalar loops of core/core.go do, eight
// compartments at a time, with the same operations in the same order, so
// that the results are bit-identical: refractory compartments and spikes
// are selected with masks instead of branches. A spiking compartment's
// reset is left to the caller, which reads the spike bit mask.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("!purego")
	for _, receptors := range []int{1, 2} {
		fixedAVX2(receptors)
		fixedAVX512(receptors)
		floatAVX2(receptors)
		floatAVX512(receptors)
	}
	Generate()
}

// broadcast copies n constants of size bytes from *p into a vector each,
// in a block on the stack, which the AVX2 kernels read as memory operands:
// they have too few registers to keep them all.
func broadcast(p Register, n, size int) func(int) Mem {
	block := AllocLocal(32 * n)
	t := YMM()
	for c := 0; c < n; c++ {
		if size == 4 {
			VPBROADCASTD(Mem{Base: p, Disp: size * c}, t)
		} else {
			VBROADCASTSD(Mem{Base: p, Disp: size * c}, t)
		}
		VMOVDQU(t, block.Offset(32*c))
	}
	return func(c int) Mem { return block.Offset(32 * c) }
}

// The constants, in the order in which the caller (core/lif_vec_amd64.go)
// passes them: the kernels broadcast them.
const (
	fK0 = iota
	fK1
	fKeepV
	fGainV
	fBias
	fVTh
	fLow12
	fInMax
	fInMin
	fStateMax
	fStateMin
	fRestful // -1 for a profile whose compartments at rest are skipped, else 0
	fixedConstants
)

const (
	gK0 = iota
	gK1
	gKeepV
	gGainV
	gBias
	gVTh
	floatConstants
)

// signature returns the Go signature of a kernel for the given receptors.
func signature(fixed bool, receptors int) string {
	if fixed && receptors == 1 {
		return "func(v, c0, ref []int32, in0 []int64, k *[12]int32, mask *[128]byte) (updated, fired int)"
	}
	if fixed {
		return "func(v, c0, c1, ref []int32, in0, in1 []int64, k *[12]int32, mask *[128]byte) (updated, fired int)"
	}
	if receptors == 1 {
		return "func(v, c0, in0 []float64, ref []int32, k *[6]float64, mask *[128]byte) (fired int)"
	}
	return "func(v, c0, c1, in0, in1 []float64, ref []int32, k *[6]float64, mask *[128]byte) (fired int)"
}

// load loads the base of each slice parameter present and the length of v.
func load(receptors int) (n Register, p map[string]Register) {
	n = Load(Param("v").Len(), GP64())
	p = map[string]Register{}
	for _, name := range []string{"v", "c0", "c1", "ref", "in0", "in1"} {
		if receptors == 1 && (name == "c1" || name == "in1") {
			continue
		}
		p[name] = Load(Param(name).Base(), GP64())
	}
	p["k"] = Load(Param("k"), GP64())
	p["mask"] = Load(Param("mask"), GP64())
	return n, p
}

func fixedAVX2(receptors int) {
	name := fmt.Sprintf("fixed%dAVX2", receptors)
	TEXT(name, 0, signature(true, receptors))
	Doc(fmt.Sprintf("%s is updateFixed%d's loop over len(v) compartments, a multiple", name, receptors),
		"of 8 up to 1024, in eight 32-bit lanes; it reads the inputs and leaves",
		"them for the caller to clear. It returns",
		"the number of compartments updated (not skipped at rest) and sets bit i",
		"of mask for each compartment i that spiked; their reset is the caller's.",
		"fired is non-zero when any did: the caller then need not read mask.")
	Pragma("noescape")
	n, p := load(receptors)
	v, ref, mp := p["v"], p["ref"], p["mask"]
	k := broadcast(p["k"], fixedConstants, 4)

	i, updated, fired := GP64(), GP64(), GP64()
	XORQ(i, i)
	XORQ(updated, updated)
	XORQ(fired, fired)
	zero := YMM()
	VPXOR(zero, zero, zero)

	Label(name + "loop")
	CMPQ(i, n)
	JAE(LabelRef(name + "done"))

	// I_r <- Saturate(MulShift(I_r, KeepI[r]) + input_r)
	current := func(c, in Register, kc int) (old, cur VecVirtual) {
		old = YMM()
		VMOVDQU(Mem{Base: c, Index: i, Scale: 4}, old)
		cur = mulShift(old, k(kc), k(fLow12))
		VPADDD(narrow(in, i, k(fInMax), k(fInMin)), cur, cur)
		VPMINSD(k(fStateMax), cur, cur)
		VPMAXSD(k(fStateMin), cur, cur)
		return old, cur
	}
	var cur, old [2]VecVirtual
	for r := range receptors {
		c, in := p[fmt.Sprint("c", r)], p[fmt.Sprint("in", r)]
		old[r], cur[r] = current(c, in, fK0+r)
	}

	x, r := YMM(), YMM()
	VMOVDQU(Mem{Base: v, Index: i, Scale: 4}, x)
	VMOVDQU(Mem{Base: ref, Index: i, Scale: 4}, r)

	Comment("A compartment at rest with no current is skipped and not counted;",
		"with two receptors its currents keep their old values, as in the",
		"scalar loop.")
	skip := YMM()
	VPOR(x, r, skip)
	for _, c := range cur[:receptors] {
		VPOR(c, skip, skip)
	}
	VPCMPEQD(zero, skip, skip)
	VPAND(k(fRestful), skip, skip)
	for r := range receptors {
		if receptors == 2 {
			VPBLENDVB(skip, old[r], cur[r], old[r])
		} else {
			old[r] = cur[r]
		}
		VMOVDQU(old[r], Mem{Base: p[fmt.Sprint("c", r)], Index: i, Scale: 4})
	}
	sk := GP32()
	VMOVMSKPS(skip, sk)
	POPCNTL(sk, sk)
	ADDQ(Imm(8), updated)
	SUBQ(sk.As64(), updated)

	Comment("v <- Saturate(MulShift(v, KeepV) + MulShift(sum of I_r + Bias, GainV))")
	a := cur[0]
	if receptors == 2 {
		VPADDD(cur[1], a, a)
	}
	VPADDD(k(fBias), a, a)
	y := mulShift(x, k(fKeepV), k(fLow12))
	VPADDD(mulShift(a, k(fGainV), k(fLow12)), y, y)
	VPMINSD(k(fStateMax), y, y)
	VPMAXSD(k(fStateMin), y, y)

	Comment("A refractory compartment counts down and keeps v.")
	busy := YMM()
	VPCMPGTD(zero, r, busy)
	VPADDD(busy, r, r)
	VMOVDQU(r, Mem{Base: ref, Index: i, Scale: 4})
	VPBLENDVB(busy, x, y, x)
	VMOVDQU(x, Mem{Base: v, Index: i, Scale: 4})

	spike := YMM()
	VPCMPGTD(k(fVTh), y, spike)
	VPANDN(spike, busy, spike)
	m := GP32()
	VMOVMSKPS(spike, m)
	MOVB(m.As8(), Mem{Base: mp})
	ORL(m, fired.As32())

	INCQ(mp)
	ADDQ(Imm(8), i)
	JMP(LabelRef(name + "loop"))

	Label(name + "done")
	VZEROUPPER()
	Store(updated, ReturnIndex(0))
	Store(fired, ReturnIndex(1))
	RET()
}

// mulShift returns snn.MulShift(x, k) in 32-bit lanes, for 0 <= k <= 4096
// and |x| < 2^31 (the caller checks the constants): |x| is split at bit 12
// so that both partial products fit, |x|*k >> 12 = hi*k + (lo*k >> 12),
// and the sign of x is applied to the magnitude, which rounds toward zero.
func mulShift(x VecVirtual, k, low12 Mem) VecVirtual {
	abs, hi, out := YMM(), YMM(), YMM()
	VPABSD(x, abs)
	VPSRLD(Imm(12), abs, hi)
	VPAND(low12, abs, abs)
	VPMULLD(k, hi, hi)
	VPMULLD(k, abs, abs)
	VPSRLD(Imm(12), abs, abs)
	VPADDD(abs, hi, hi)
	VPSIGND(x, hi, out)
	return out
}

// narrow loads eight int64 ring sums from base+8i and returns them in
// 32-bit lanes clamped to [min, max]. The bounds lie beyond the 24-bit
// state by more than any decayed current, so the saturated sum with a
// current is the same as with the exact input.
func narrow(base, i Register, max, min Mem) VecVirtual {
	q, lo, hi, out := YMM(), YMM(), YMM(), YMM()
	VMOVDQU(Mem{Base: base, Index: i, Scale: 8}, q)
	// The low and the high halves of the eight values, in order.
	VSHUFPS(Imm(0x88), Mem{Base: base, Index: i, Scale: 8, Disp: 32}, q, lo)
	VPERMQ(Imm(0xd8), lo, lo)
	VSHUFPS(Imm(0xdd), Mem{Base: base, Index: i, Scale: 8, Disp: 32}, q, hi)
	VPERMQ(Imm(0xd8), hi, hi)
	// A value fits in 32 bits when its high half is its low half's sign;
	// one that does not is replaced by a bound of its sign.
	fits := YMM()
	VPSRAD(Imm(31), lo, fits)
	VPCMPEQD(hi, fits, fits)
	VPSRAD(Imm(31), hi, hi)
	VPXOR(max, hi, hi)
	VPBLENDVB(fits, lo, hi, out)
	VPMINSD(max, out, out)
	VPMAXSD(min, out, out)
	return out
}

func floatAVX2(receptors int) {
	name := fmt.Sprintf("float%dAVX2", receptors)
	TEXT(name, 0, signature(false, receptors))
	Doc(fmt.Sprintf("%s is updateFloat%d's loop over len(v) compartments, a multiple", name, receptors),
		"of 8 up to 1024; it reads the inputs and leaves them for the caller to",
		"clear. It sets bit i of mask for each",
		"compartment i that spiked; their reset is the caller's. fired is",
		"non-zero when any did: the caller then need not read mask.")
	Pragma("noescape")
	n, p := load(receptors)
	v, ref, mp := p["v"], p["ref"], p["mask"]
	k := broadcast(p["k"], floatConstants, 8)

	i, fired := GP64(), GP64()
	XORQ(i, i)
	XORQ(fired, fired)
	zero := YMM()
	VPXOR(zero, zero, zero)

	Label(name + "loop")
	CMPQ(i, n)
	JAE(LabelRef(name + "done"))

	Comment("A refractory compartment counts down and keeps v.")
	r, busy := YMM(), YMM()
	VMOVDQU(Mem{Base: ref, Index: i, Scale: 4}, r)
	VPCMPGTD(zero, r, busy)
	VPADDD(busy, r, r)
	VMOVDQU(r, Mem{Base: ref, Index: i, Scale: 4})
	busy0, busy1 := YMM(), YMM()
	VPMOVSXDQ(busy.AsX(), busy0)
	VEXTRACTI128(Imm(1), busy, busy1.AsX())
	VPMOVSXDQ(busy1.AsX(), busy1)

	bits := [2]GPVirtual{}
	for h, bz := range []VecVirtual{busy0, busy1} {
		at := func(base Register) Mem { return Mem{Base: base, Index: i, Scale: 8, Disp: 32 * h} }
		Commentf("Compartments i+%d to i+%d, in the order of the scalar loop's operations.", 4*h, 4*h+3)
		// I_r <- I_r*KeepI[r] + input_r.
		var cur [2]VecVirtual
		for r := range receptors {
			c, in := p[fmt.Sprint("c", r)], p[fmt.Sprint("in", r)]
			cur[r] = YMM()
			VMOVUPD(at(c), cur[r])
			VMULPD(k(gK0+r), cur[r], cur[r])
			VADDPD(at(in), cur[r], cur[r])
			VMOVUPD(cur[r], at(c))
		}
		// x*KeepV + (sum of I_r + Bias)*GainV, the left operand first.
		a := cur[0]
		if receptors == 2 {
			VADDPD(cur[1], a, a)
		}
		VADDPD(k(gBias), a, a)
		VMULPD(k(gGainV), a, a)
		x, y := YMM(), YMM()
		VMOVUPD(at(v), x)
		VMULPD(k(gKeepV), x, y)
		VADDPD(a, y, y)
		spike := YMM()
		VCMPPD(Imm(0x1e), k(gVTh), y, spike) // y > VTh, ordered
		VANDNPD(spike, bz, spike)
		VBLENDVPD(bz, x, y, y)
		VMOVUPD(y, at(v))
		bits[h] = GP32()
		VMOVMSKPD(spike, bits[h])
	}
	SHLL(Imm(4), bits[1])
	ORL(bits[1], bits[0])
	MOVB(bits[0].As8(), Mem{Base: mp})
	ORL(bits[0], fired.As32())

	INCQ(mp)
	ADDQ(Imm(8), i)
	JMP(LabelRef(name + "loop"))

	Label(name + "done")
	VZEROUPPER()
	Store(fired, ReturnIndex(0))
	RET()
}

func fixedAVX512(receptors int) {
	name := fmt.Sprintf("fixed%dAVX512", receptors)
	TEXT(name, NOSPLIT, signature(true, receptors))
	Doc(fmt.Sprintf("%s is fixed%dAVX2 in sixteen lanes, for a multiple of 16", name, receptors),
		"compartments up to 1024.")
	Pragma("noescape")
	n, p := load(receptors)
	v, ref, kp, mp := p["v"], p["ref"], p["k"], p["mask"]

	Comment("Every constant has a register of its own.")
	var k [fixedConstants]VecVirtual
	for c := range k[:fRestful] {
		k[c] = ZMM()
		VPBROADCASTD(Mem{Base: kp, Disp: 4 * c}, k[c])
	}
	restful, tmp := K(), GP32()
	MOVL(Mem{Base: kp, Disp: 4 * fRestful}, tmp)
	KMOVW(tmp, restful)
	zero, ones := ZMM(), ZMM()
	VPXORD(zero, zero, zero)
	VPTERNLOGD(Imm(0xff), ones, ones, ones)

	i, updated, fired := GP64(), GP64(), GP64()
	XORQ(i, i)
	XORQ(updated, updated)
	XORQ(fired, fired)

	Label(name + "loop")
	CMPQ(i, n)
	JAE(LabelRef(name + "done"))

	current := func(c, in Register, kc int) (old, cur VecVirtual) {
		old = ZMM()
		VMOVDQU32(Mem{Base: c, Index: i, Scale: 4}, old)
		cur = mulShift512(old, k[kc], k[fLow12], zero)
		// The ring's sums narrowed with signed saturation, then clamped.
		q, lo, hi := ZMM(), ZMM(), ZMM()
		VMOVDQU64(Mem{Base: in, Index: i, Scale: 8}, q)
		VPMOVSQD(q, lo.AsY())
		VMOVDQU64(Mem{Base: in, Index: i, Scale: 8, Disp: 64}, q)
		VPMOVSQD(q, hi.AsY())
		VINSERTI64X4(Imm(1), hi.AsY(), lo, lo)
		VPMINSD(k[fInMax], lo, lo)
		VPMAXSD(k[fInMin], lo, lo)
		VPADDD(lo, cur, cur)
		VPMINSD(k[fStateMax], cur, cur)
		VPMAXSD(k[fStateMin], cur, cur)
		return old, cur
	}
	var cur [2]VecVirtual
	for r := range receptors {
		_, cur[r] = current(p[fmt.Sprint("c", r)], p[fmt.Sprint("in", r)], fK0+r)
	}

	x, r := ZMM(), ZMM()
	VMOVDQU32(Mem{Base: v, Index: i, Scale: 4}, x)
	VMOVDQU32(Mem{Base: ref, Index: i, Scale: 4}, r)

	Comment("Compartments at rest with no current are not counted; with two",
		"receptors they keep their old currents.")
	o, rest, live := ZMM(), K(), K()
	VPORD(x, r, o)
	for _, c := range cur[:receptors] {
		VPORD(c, o, o)
	}
	VPTESTNMD(o, o, rest)
	KANDW(restful, rest, rest)
	KNOTW(rest, live)
	for r := range receptors {
		at := Mem{Base: p[fmt.Sprint("c", r)], Index: i, Scale: 4}
		if receptors == 2 {
			VMOVDQU32(cur[r], live, at)
		} else {
			VMOVDQU32(cur[r], at)
		}
	}
	cnt := GP32()
	KMOVW(live, cnt)
	POPCNTL(cnt, cnt)
	ADDQ(cnt.As64(), updated)

	a := cur[0]
	if receptors == 2 {
		VPADDD(cur[1], a, a)
	}
	VPADDD(k[fBias], a, a)
	y := mulShift512(x, k[fKeepV], k[fLow12], zero)
	VPADDD(mulShift512(a, k[fGainV], k[fLow12], zero), y, y)
	VPMINSD(k[fStateMax], y, y)
	VPMAXSD(k[fStateMin], y, y)

	busy := K()
	VPCMPGTD(zero, r, busy)
	VPADDD(ones, r, busy, r)
	VMOVDQU32(r, Mem{Base: ref, Index: i, Scale: 4})
	VPBLENDMD(x, y, busy, y)
	VMOVDQU32(y, Mem{Base: v, Index: i, Scale: 4})

	spike := K()
	VPCMPGTD(k[fVTh], y, spike)
	KANDNW(spike, busy, spike)
	m := GP32()
	KMOVW(spike, m)
	MOVW(m.As16(), Mem{Base: mp})
	ORL(m, fired.As32())

	ADDQ(Imm(2), mp)
	ADDQ(Imm(16), i)
	JMP(LabelRef(name + "loop"))

	Label(name + "done")
	VZEROUPPER()
	Store(updated, ReturnIndex(0))
	Store(fired, ReturnIndex(1))
	RET()
}

// mulShift512 is mulShift in sixteen lanes: AVX-512 has no VPSIGND, so the
// magnitude of the lanes where x is negative is negated under a mask.
func mulShift512(x, k, low12, zero VecVirtual) VecVirtual {
	abs, hi, neg := ZMM(), ZMM(), K()
	VPABSD(x, abs)
	VPSRLD(Imm(12), abs, hi)
	VPANDD(low12, abs, abs)
	VPMULLD(k, hi, hi)
	VPMULLD(k, abs, abs)
	VPSRLD(Imm(12), abs, abs)
	VPADDD(abs, hi, hi)
	VPCMPGTD(x, zero, neg)
	VPSUBD(hi, zero, neg, hi)
	return hi
}

func floatAVX512(receptors int) {
	name := fmt.Sprintf("float%dAVX512", receptors)
	TEXT(name, NOSPLIT, signature(false, receptors))
	Doc(fmt.Sprintf("%s is float%dAVX2 in eight 64-bit lanes.", name, receptors))
	Pragma("noescape")
	n, p := load(receptors)
	v, ref, kp, mp := p["v"], p["ref"], p["k"], p["mask"]

	var k [floatConstants]VecVirtual
	for c := range k {
		k[c] = ZMM()
		VBROADCASTSD(Mem{Base: kp, Disp: 8 * c}, k[c])
	}
	zero, ones := ZMM(), ZMM()
	VPXORD(zero, zero, zero)
	VPTERNLOGD(Imm(0xff), ones, ones, ones)

	i, fired := GP64(), GP64()
	XORQ(i, i)
	XORQ(fired, fired)

	Label(name + "loop")
	CMPQ(i, n)
	JAE(LabelRef(name + "done"))

	r, busy := YMM(), K()
	VMOVDQU32(Mem{Base: ref, Index: i, Scale: 4}, r)
	VPCMPGTD(zero.AsY(), r, busy)
	VPADDD(ones.AsY(), r, busy, r)
	VMOVDQU32(r, Mem{Base: ref, Index: i, Scale: 4})

	at := func(base Register) Mem { return Mem{Base: base, Index: i, Scale: 8} }
	var cur [2]VecVirtual
	for r := range receptors {
		c, in := p[fmt.Sprint("c", r)], p[fmt.Sprint("in", r)]
		cur[r] = ZMM()
		VMOVUPD(at(c), cur[r])
		VMULPD(k[gK0+r], cur[r], cur[r])
		VADDPD(at(in), cur[r], cur[r])
		VMOVUPD(cur[r], at(c))
	}
	a := cur[0]
	if receptors == 2 {
		VADDPD(cur[1], a, a)
	}
	VADDPD(k[gBias], a, a)
	VMULPD(k[gGainV], a, a)
	x, y := ZMM(), ZMM()
	VMOVUPD(at(v), x)
	VMULPD(k[gKeepV], x, y)
	VADDPD(a, y, y)
	spike := K()
	VCMPPD(Imm(0x1e), k[gVTh], y, spike)
	KANDNW(spike, busy, spike)
	VBLENDMPD(x, y, busy, y)
	VMOVUPD(y, at(v))
	m := GP32()
	KMOVW(spike, m)
	MOVB(m.As8(), Mem{Base: mp})
	ORL(m, fired.As32())

	INCQ(mp)
	ADDQ(Imm(8), i)
	JMP(LabelRef(name + "loop"))

	Label(name + "done")
	VZEROUPPER()
	Store(fired, ReturnIndex(0))
	RET()
}
