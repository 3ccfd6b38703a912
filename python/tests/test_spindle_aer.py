"""Tests of spindle_aer (stdlib unittest).

    PYTHONPATH=python python3 -m unittest discover -s python/tests

Traces written by Go come from TestPython in cmd/spindle, which passes
their expected contents in the JSON file named by SPINDLE_AER_CASES; the
tests that need them skip without it.
"""

import json
import os
import random
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import spindle_aer  # noqa: E402
from spindle_aer import _aer, _crc  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
V1 = os.path.join(REPO, "aer", "testdata", "v1.aer")


def crc_bytewise(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


class TestPrimitives(unittest.TestCase):
    def test_crc32c(self):
        self.assertEqual(spindle_aer.crc32c(b"123456789"), 0xE3069283)
        rng = random.Random(1)
        for n in (0, 1, 255, 256, 257, 1000, 4099, 70000):
            b = bytes(rng.getrandbits(8) for _ in range(n))
            self.assertEqual(_crc.crc32c(b), crc_bytewise(b), n)

    def test_uvarints(self):
        vals = [0, 1, 127, 128, 300, 2**32 - 1, 2**63, 2**64 - 1]
        buf = np.frombuffer(b"".join(uvarint(v) for v in vals) + b"\x07", dtype=np.uint8)
        got, used = _aer._uvarints(buf, len(vals), "test")
        self.assertEqual(got.tolist(), vals)
        self.assertEqual(used, len(buf) - 1)
        with self.assertRaisesRegex(_aer._Bad, "truncated"):
            _aer._uvarints(buf[:5], 5, "test")
        over = np.frombuffer(b"\xff" * 9 + b"\x02", dtype=np.uint8)
        with self.assertRaisesRegex(_aer._Bad, "overflows"):
            _aer._uvarints(over, 1, "test")

    def test_unpack(self):
        rng = random.Random(2)
        for w in (1, 3, 8, 13, 32, 56):
            vals = [rng.getrandbits(w) for _ in range(101)]
            acc = sum(v << (i * w) for i, v in enumerate(vals))
            nbytes = (101 * w + 7) // 8
            buf = np.frombuffer(acc.to_bytes(nbytes, "little"), dtype=np.uint8)
            self.assertEqual(_aer._unpack(buf, 101, w).tolist(), vals, w)


def corrupt(src, dst, pos, value=None, cut=None):
    with open(src, "rb") as f:
        b = bytearray(f.read())
    if cut is not None:
        b = b[:cut]
    if pos is not None:
        b[pos] = value if value is not None else b[pos] ^ 0x40
    with open(dst, "wb") as f:
        f.write(b)


class TestFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def read_v1(self, path=V1):
        if not os.path.exists(V1):
            self.skipTest(f"{V1} is absent")
        return spindle_aer.read(path)

    def test_version1(self):
        try:
            tr = self.read_v1()
        except spindle_aer.ZstdUnavailableError as e:
            self.assertFalse(spindle_aer.zstd_available())
            self.assertIn("spindle trace convert", str(e))
            self.skipTest("no zstd decoder: " + str(e))
        self.assertEqual(tr.version, 1)
        self.assertEqual((len(tr.spikes), len(tr.packets)), (1220, 250))
        self.assertTrue(np.all(np.diff(tr.spikes["t"]) >= 0))
        self.assertTrue(np.all(np.diff(tr.packets["emit"]) >= 0))
        self.assertEqual([p.name for p in tr.populations], ["exc", "inh"])
        self.assertEqual(tr.time_unit, "tick")
        inh = tr.population("inh")
        sel = tr.select("inh")
        self.assertTrue(np.all(inh.contains(sel["addr"])))
        self.assertEqual(len(sel) + len(tr.select("exc")), len(tr.spikes))
        np.testing.assert_allclose(tr.times_ms()[:5], tr.spikes["t"][:5] * tr.dt_ms)
        with self.assertRaisesRegex(KeyError, "have: exc, inh"):
            tr.population("nope")

    def test_no_zstd(self):
        if not os.path.exists(V1):
            self.skipTest(f"{V1} is absent")
        saved, _aer._zstd = _aer._zstd, None
        try:
            with self.assertRaises(spindle_aer.ZstdUnavailableError) as cm:
                spindle_aer.read(V1)
        finally:
            _aer._zstd = saved
        msg = str(cm.exception)
        self.assertRegex(msg, r"^.*v1\.aer: chunk \d+ at byte \d+: section \d is zstd-compressed")
        self.assertIn("spindle trace convert", msg)
        self.assertNotIn("\n", msg)

    def test_bad_files(self):
        if not os.path.exists(V1):
            self.skipTest(f"{V1} is absent")
        size = os.path.getsize(V1)
        with open(V1, "rb") as f:
            (mlen,) = struct.unpack_from("<I", f.read(16), 12)
        hlen = 20 + mlen
        cases = [
            ("empty.aer", dict(pos=None, cut=0), "expected the magic"),
            ("magic.aer", dict(pos=1), "expected the magic"),
            ("version.aer", dict(pos=8, value=9), "format version 9, expected 1 or 2"),
            ("header.aer", dict(pos=20), "header checksum mismatch"),
            ("unfinished.aer", dict(pos=None, cut=size - 200), "spindle trace recover"),
            ("chunkhdr.aer", dict(pos=hlen + 9), f"chunk 0 at byte {hlen}: chunk header checksum mismatch"),
            ("index.aer", dict(pos=size - 30), "index at byte"),
        ]
        for name, kw, want in cases:
            with self.subTest(name):
                p = self.path(name)
                corrupt(V1, p, **kw)
                with self.assertRaises(spindle_aer.TraceError) as cm:
                    spindle_aer.read_aer(p)
                msg = str(cm.exception)
                self.assertTrue(msg.startswith(p + ": "), msg)
                self.assertIn(want, msg)
                self.assertNotIn("\n", msg)
        # A flipped byte in a chunk body: a zstd or payload error, placed.
        p = self.path("body.aer")
        corrupt(V1, p, pos=hlen + 44 + 20)
        with self.assertRaisesRegex(spindle_aer.TraceError, f"chunk 0 at byte {hlen}: "):
            spindle_aer.read_aer(p)
        with self.assertRaisesRegex(spindle_aer.TraceError, "nothing.aer: "):
            spindle_aer.read(self.path("nothing.aer"))
        p = self.path("text.txt")
        with open(p, "w") as f:
            f.write("t,addr\n")
        with self.assertRaisesRegex(spindle_aer.TraceError, "expected a Spindle .aer trace"):
            spindle_aer.read(p)

    def test_npz(self):
        spikes = np.array([(0, 3), (2, 12), (2, 13), (7, 1)], dtype=spindle_aer.SPIKE_DTYPE)
        meta = {"dt_ms": 0.5, "time_unit": "tick", "source": "test", "record_kinds": ["spike"],
                "populations": [{"name": "a", "first_address": 0, "size": 10}, {"name": "b", "first_address": 10, "size": 5}]}
        p = self.path("m.npz")
        np.savez(p, spikes=spikes, meta=np.array(json.dumps(meta)))
        tr = spindle_aer.read(p)
        self.assertEqual(tr.dt_ms, 0.5)
        self.assertIsNone(tr.packets)
        self.assertEqual(tr.select("b")["addr"].tolist(), [12, 13])
        self.assertEqual(tr.population("b").stop, 15)
        # Without meta, from the separate arrays.
        p = self.path("arrays.npz")
        np.savez(p, spikes=spikes, dt_ms=np.float64(0.25), time_unit=np.array("tick"), source=np.array("s"),
                 population_names=np.array(["a", "b"]), population_first=np.array([0, 10], dtype=np.uint32),
                 population_size=np.array([10, 5], dtype=np.uint32))
        tr = spindle_aer.read_npz(p)
        self.assertEqual((tr.dt_ms, tr.source, tr.population("b").first), (0.25, "s", 10))
        for name, kw, want in [
            ("nospikes.npz", dict(other=spikes), "expected a 'spikes' array"),
            ("plain.npz", dict(spikes=np.arange(3)), "fields t and addr"),
        ]:
            p = self.path(name)
            np.savez(p, **kw)
            with self.assertRaisesRegex(spindle_aer.TraceError, want):
                spindle_aer.read_npz(p)
        p = self.path("single.npy")
        np.save(p, spikes)
        with self.assertRaisesRegex(spindle_aer.TraceError, "single array"):
            spindle_aer.read_npz(p)


class TestExample(unittest.TestCase):
    def test_raster(self):
        import subprocess

        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "r.npz")
            spikes = np.array([(0, 3), (2, 12), (9, 13)], dtype=spindle_aer.SPIKE_DTYPE)
            meta = {"dt_ms": 1.0, "time_unit": "tick", "populations": [{"name": "a", "first_address": 0, "size": 10},
                                                                       {"name": "b", "first_address": 10, "size": 5}]}
            np.savez(p, spikes=spikes, meta=np.array(json.dumps(meta)))
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "raster.py")
            out = subprocess.run([sys.executable, script, p, "-o", os.path.join(d, "r.png")],
                                 capture_output=True, text=True, check=True).stdout
            self.assertIn("3 spikes over 0.010 s", out)
            self.assertIn("b            addresses 10..14: 2 spikes, 40.00 Hz per neuron", out)


class TestGoTraces(unittest.TestCase):
    """Traces written by Go, against what Go's reader found in them."""

    def test_cases(self):
        cases = os.environ.get("SPINDLE_AER_CASES")
        if not cases:
            self.skipTest("SPINDLE_AER_CASES is not set (TestPython in cmd/spindle sets it)")
        with open(cases) as f:
            cases = json.load(f)
        self.assertGreater(len(cases), 0)
        for c in cases:
            with self.subTest(c["path"]):
                try:
                    tr = spindle_aer.read(c["path"])
                except spindle_aer.ZstdUnavailableError as e:
                    self.assertFalse(spindle_aer.zstd_available())
                    self.assertIn("spindle trace convert", str(e))
                    continue
                self.check(tr, c)

    def check(self, tr, c):
        s = tr.spikes
        self.assertEqual(len(s), c["spikes"])
        if len(s):
            self.assertEqual([int(s["t"][0]), int(s["addr"][0])], c["first_spike"])
            self.assertEqual([int(s["t"][-1]), int(s["addr"][-1])], c["last_spike"])
            i = np.arange(len(s), dtype=np.uint64)
            self.assertEqual(int(np.sum(s["t"].astype(np.uint64))), c["sum_t"])
            self.assertEqual(int(np.sum(i * s["addr"].astype(np.uint64))), c["weighted_addr"])
        if c["packets"] is None:
            self.assertIsNone(tr.packets)
        else:
            p = tr.packets
            self.assertEqual(len(p), c["packets"])
            if len(p):
                self.assertEqual([int(x) for x in p[0].tolist()], c["first_packet"])
                self.assertEqual([int(x) for x in p[-1].tolist()], c["last_packet"])
                self.assertEqual(int(np.sum(p["deliver"] - p["emit"])), c["sum_latency"])
                self.assertEqual(int(np.sum(p["hops"].astype(np.int64) * p["dst"])), c["hops_dst"])
        self.assertEqual(tr.dt_ms, c["dt_ms"])
        self.assertEqual(tr.time_unit, c["time_unit"])
        self.assertEqual(tr.source, c["source"])
        self.assertEqual([[p.name, p.first, p.size] for p in tr.populations], c["populations"])
        self.assertEqual([len(p.cores) if p.cores is not None else 0 for p in tr.populations], c["cores"])
        self.assertEqual(tr.run, c["run"])


if __name__ == "__main__":
    unittest.main()
