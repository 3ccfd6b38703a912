"""The Trace a reader returns, and the errors it raises."""

import numpy as np

#: Spikes: the tick (or microsecond, see Trace.time_unit) and the global
#: address of the neuron that fired. Traces converted from event cameras
#: to .npz also carry the pixel: x, y (uint16) and polarity p (uint8).
SPIKE_DTYPE = np.dtype([("t", "<i8"), ("addr", "<u4")])

#: Router packets: emit and delivery tick, source and destination core,
#: hops, and flags (bit 0 late, bit 1 dropped).
PACKET_DTYPE = np.dtype([("emit", "<i8"), ("deliver", "<i8"), ("src", "<u4"), ("dst", "<u4"), ("hops", "<u2"), ("flags", "u1")])

FLAG_LATE = 1
FLAG_DROPPED = 2


class TraceError(ValueError):
    """A file that is not a readable Spindle trace. The message names the
    file, where in it the problem is (chunk and byte offset), and what was
    expected."""


class ZstdUnavailableError(TraceError):
    """A chunk is zstd-compressed and no zstd decoder is installed."""


class Population:
    """A population: the global addresses first .. first+size-1.

    cores, when the trace has it, is a uint16 array giving the core of
    each of its neurons.
    """

    __slots__ = ("name", "first", "size", "cores")

    def __init__(self, name, first, size, cores=None):
        if not isinstance(name, str) or not isinstance(first, int) or not isinstance(size, int) or first < 0 or size < 0:
            raise ValueError(f"population {name!r}: expected a name, first_address and size >= 0")
        self.name, self.first, self.size = name, first, size
        self.cores = None if cores is None else np.asarray(cores, dtype=np.uint16)

    @property
    def stop(self):
        """One past the last address."""
        return self.first + self.size

    def contains(self, addr):
        """Whether each address of addr (a scalar or an array) is one of
        this population's."""
        addr = np.asarray(addr)
        return (addr >= self.first) & (addr < self.stop)

    def __repr__(self):
        return f"Population({self.name!r}, first={self.first}, size={self.size})"


class Trace:
    """The records and metadata of a Spindle trace.

    Attributes:
        spikes: structured array with fields t (int64) and addr (uint32),
            in time order.
        packets: structured array (emit, deliver, src, dst, hops, flags), or
            None when the file holds no packet stream.
        dt_ms: tick length in milliseconds (0 for microsecond traces that
            were not converted to ticks).
        time_unit: "tick" or "us".
        populations: list of Population, in address order of the file.
        source: what produced the records (free text).
        run: dict describing the simulation that wrote the trace (network,
            name, seed, ticks, arch, map, chips, mode, ...), or None.
        sensor: dict of the camera address rule, or None.
        meta: the whole JSON header, as a dict.
        path: the file read.
        version: the .aer format version, or None for an .npz.
    """

    def __init__(self, spikes, packets, meta, path, version=None):
        self.spikes = spikes
        self.packets = packets
        self.meta = meta
        self.path = path
        self.version = version
        self.time_unit = meta.get("time_unit", "tick")
        if self.time_unit not in ("tick", "us"):
            raise ValueError(f"time_unit {self.time_unit!r}, expected 'tick' or 'us'")
        self.dt_ms = float(meta.get("dt_ms", 0) or 0)
        self.source = meta.get("source", "") or ""
        self.run = meta.get("run")
        self.sensor = meta.get("sensor")
        pops = meta.get("populations") or []
        if not isinstance(pops, list) or not all(isinstance(p, dict) for p in pops):
            raise ValueError("populations: expected a list of objects")
        self.populations = [Population(p.get("name"), p.get("first_address", 0), p.get("size"), p.get("cores")) for p in pops]

    def population(self, name):
        """The Population called name; KeyError names the ones there are."""
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(f"{self.path}: no population {name!r} (have: {', '.join(p.name for p in self.populations) or 'none'})")

    def select(self, name):
        """The spikes of population name (a view-free copy, in time order).
        Their neuron index within the population is addr - population.first."""
        return self.spikes[self.population(name).contains(self.spikes["addr"])]

    def times_ms(self, t=None):
        """Times in milliseconds: of the spikes, or of the int array t."""
        t = self.spikes["t"] if t is None else np.asarray(t)
        if self.time_unit == "us":
            return t / 1000.0
        return t * self.dt_ms

    def __repr__(self):
        np_ = "no packets" if self.packets is None else f"{len(self.packets)} packets"
        return (f"<Trace {self.path}: {len(self.spikes)} spikes, {np_}, dt {self.dt_ms} ms, "
                f"populations {[p.name for p in self.populations]}>")
