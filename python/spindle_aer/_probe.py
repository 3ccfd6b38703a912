"""Readers of the probe recordings (`spindle run --probe`) and per-tick
series (`spindle run --series`) that the command line writes; see
docs/probes.md for their layout."""

import csv
import json
import os
import zipfile

import numpy as np

from ._trace import TraceError


class Probe:
    """One --probe: data is a float64 array of shape (ticks, neurons) for
    variable "v" (the absolute membrane potential, mV), or (ticks, neurons,
    receptors) for "i" (the synaptic current of each receptor, mV).
    index holds the neurons' indices within population; receptors names
    the receptors of "i"."""

    __slots__ = ("name", "population", "index", "variable", "units", "v_rest_mv", "receptors", "data")

    def __init__(self, name, population, index, variable, units, v_rest_mv, receptors, data):
        self.name, self.population, self.variable, self.units = name, population, variable, units
        self.index = np.asarray(index, dtype=np.int64)
        self.v_rest_mv, self.receptors, self.data = v_rest_mv, list(receptors), data

    def __repr__(self):
        return f"Probe({self.name!r}, {self.variable}, shape={self.data.shape})"


class Probes:
    """The probes of one run. tick is the int64 tick of each row, time_ms
    the same in ms (tick * dt_ms); probes[k] or probes["exc[0:10].v"] is a
    Probe; meta is the file's JSON metadata."""

    def __init__(self, probes, tick, meta, path):
        self.probes, self.tick, self.meta, self.path = probes, tick, meta, path

    @property
    def dt_ms(self):
        return float(self.meta["dt_ms"])

    @property
    def time_ms(self):
        return self.tick * self.dt_ms

    def __len__(self):
        return len(self.probes)

    def __iter__(self):
        return iter(self.probes)

    def __getitem__(self, key):
        if isinstance(key, str):
            for p in self.probes:
                if p.name == key:
                    return p
            raise KeyError(f"{self.path}: no probe {key!r} (have: {', '.join(p.name for p in self.probes)})")
        return self.probes[key]

    def __repr__(self):
        return f"Probes({self.path!r}, {len(self.tick)} ticks of {self.dt_ms} ms, {self.probes})"


def _load(path, what):
    name = os.fspath(path)
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise TraceError(f"{name}: expected a NumPy .npz archive of {what}: {e}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise TraceError(f"{name}: expected a NumPy .npz archive of {what}, found a single array")
    return name, z


def _meta(name, z, fmt):
    if "meta" not in z.files:
        raise TraceError(f"{name}: expected a 'meta' member (have: {', '.join(sorted(z.files)) or 'none'})")
    meta = json.loads(str(z["meta"]))
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise TraceError(f"{name}: meta: expected format {fmt!r}, found {meta.get('format') if isinstance(meta, dict) else meta!r}")
    return meta


def read_probes(path):
    """Read the .npz that `spindle run --probe ... --probe-out FILE` writes
    into Probes (NumPy only)."""
    name, z = _load(path, "probes")
    with z:
        try:
            meta = _meta(name, z, "spindle-probes")
            tick = z["tick"]
            probes = []
            for e in meta["probes"]:
                data = z[e["array"]]
                if tuple(data.shape) != tuple(e["shape"]) or data.shape[0] != len(tick):
                    raise TraceError(f"{name}: {e['array']}: shape {data.shape}, expected {tuple(e['shape'])}")
                probes.append(Probe(e["name"], e["population"], e["index"], e["variable"], e["units"],
                                    float(e["v_rest_mv"]), e.get("receptors") or [], data))
            return Probes(probes, tick, meta, name)
        except TraceError:
            raise
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as e:
            raise TraceError(f"{name}: {e}") from None


class Series(dict):
    """The per-tick series of one run: a dict from column name ("tick",
    "spikes", "packets", "hop_packets", "drops", "late", "energy_<component>",
    "energy_total" in J, "tick_seconds") to a NumPy array, with meta (the
    .npz's JSON metadata; from a CSV only the columns) and dt_ms (None
    from a CSV, which does not carry it)."""

    def __init__(self, columns, meta, path):
        super().__init__(columns)
        self.meta, self.path = meta, path

    @property
    def dt_ms(self):
        return self.meta.get("dt_ms")

    @property
    def columns(self):
        return list(self.keys())


def read_series(path):
    """Read the file `spindle run --series FILE` writes (.csv or .npz) into
    a Series of NumPy arrays: int64 counts, float64 energies and times."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError as e:
        raise TraceError(f"{name}: {e.strerror or e}") from None
    if head == b"PK":
        name, z = _load(path, "a series")
        with z:
            try:
                meta = _meta(name, z, "spindle-series")
                return Series({c: z[c] for c in meta["columns"]}, meta, name)
            except TraceError:
                raise
            except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as e:
                raise TraceError(f"{name}: {e}") from None
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:1] != ["tick"]:
        raise TraceError(f"{name}: line 1: expected a CSV header starting with 'tick'")
    cols = rows[0]
    for k, r in enumerate(rows[1:], 2):
        if len(r) != len(cols):
            raise TraceError(f"{name}: line {k}: {len(r)} fields, expected {len(cols)}")
    out = {}
    for j, c in enumerate(cols):
        kind = np.int64 if c in ("tick", "spikes", "packets", "hop_packets", "drops", "late") else np.float64
        try:
            out[c] = np.array([r[j] for r in rows[1:]], dtype=kind)
        except ValueError as e:
            raise TraceError(f"{name}: column {c}: {e}") from None
    return Series(out, {"columns": cols}, name)
