"""Tests of spindle_aer.read_probes and read_series on files made here;
TestPythonProbes in cmd/spindle reads files the command line wrote."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import spindle_aer  # noqa: E402


def probe_meta(**over):
    m = {"format": "spindle-probes", "version": 1, "dt_ms": 0.5, "first_tick": 10, "ticks": 3, "mode": "float",
         "network": "n", "source": "n.yaml",
         "probes": [{"name": "a[1:3].v", "array": "probe0", "population": "a", "index": [1, 2], "variable": "v",
                     "units": "mV", "v_rest_mv": -65.0, "shape": [3, 2]}]}
    m.update(over)
    return json.dumps(m)


class TestProbes(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_read(self):
        p = self.path("p.npz")
        data = np.arange(6, dtype=np.float64).reshape(3, 2) - 65
        np.savez(p, tick=np.arange(10, 13, dtype=np.int64), probe0=data, dt_ms=np.float64(0.5), meta=np.str_(probe_meta()))
        pr = spindle_aer.read_probes(p)
        self.assertEqual(pr.dt_ms, 0.5)
        np.testing.assert_array_equal(pr.time_ms, [5.0, 5.5, 6.0])
        v = pr["a[1:3].v"]
        self.assertIs(v, pr[0])
        np.testing.assert_array_equal(v.data, data)
        self.assertEqual(list(v.index), [1, 2])
        with self.assertRaisesRegex(KeyError, "no probe 'b.v'"):
            pr["b.v"]

    def test_errors(self):
        p = self.path("bad.npz")
        for arrays, want in [
            ({"tick": np.arange(3)}, "expected a 'meta' member"),
            ({"tick": np.arange(3), "meta": np.str_(probe_meta(format="spindle-series"))}, "expected format 'spindle-probes'"),
            ({"tick": np.arange(3), "probe0": np.zeros((3, 5)), "meta": np.str_(probe_meta())}, r"probe0: shape \(3, 5\)"),
            ({"tick": np.arange(3), "meta": np.str_(probe_meta())}, "probe0"),
        ]:
            np.savez(p, **arrays)
            with self.assertRaisesRegex(spindle_aer.TraceError, want):
                spindle_aer.read_probes(p)
        t = self.path("x.npz")
        with open(t, "w") as f:
            f.write("not a zip")
        with self.assertRaisesRegex(spindle_aer.TraceError, "expected a NumPy .npz archive"):
            spindle_aer.read_probes(t)


class TestSeries(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        p = os.path.join(self.dir.name, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_csv(self):
        p = self.write("s.csv", "tick,spikes,energy_total\n0,3,1.5e-9\n1,0,2e-9\n")
        s = spindle_aer.read_series(p)
        self.assertEqual(s.columns, ["tick", "spikes", "energy_total"])
        self.assertEqual(s["spikes"].dtype, np.int64)
        np.testing.assert_array_equal(s["energy_total"], [1.5e-9, 2e-9])
        self.assertIsNone(s.dt_ms)

    def test_csv_errors(self):
        for text, want in [("t,spikes\n0,1\n", "line 1: expected a CSV header"),
                           ("tick,spikes\n0,1\n1\n", "line 3: 1 fields, expected 2"),
                           ("tick,spikes\n0,x\n", "column spikes")]:
            with self.assertRaisesRegex(spindle_aer.TraceError, want):
                spindle_aer.read_series(self.write("bad.csv", text))
        with self.assertRaisesRegex(spindle_aer.TraceError, "nope.csv"):
            spindle_aer.read_series(os.path.join(self.dir.name, "nope.csv"))


if __name__ == "__main__":
    unittest.main()
