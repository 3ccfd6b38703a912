"""Read Spindle traces into NumPy arrays.

    >>> import spindle_aer
    >>> tr = spindle_aer.read("run.aer")          # or a converted run.npz
    >>> tr.spikes["t"], tr.spikes["addr"]         # int64 ticks, uint32 addresses
    >>> tr.dt_ms, [p.name for p in tr.populations]
    >>> exc = tr.select("exc")                    # spikes of one population

read() dispatches on the file's first bytes: an .aer trace (the format of
docs/formats/aer.md) or an .npz archive written by `spindle trace convert`.
Reading .aer chunks that are zstd-compressed needs a zstd decoder besides
NumPy (Python 3.14's compression.zstd, or the zstandard or pyzstd
package); .npz files need NumPy only. See docs/python.md.
"""

import os

from ._aer import read_aer, zstd_available
from ._crc import crc32c
from ._npz import read_npz
from ._probe import Probe, Probes, Series, read_probes, read_series
from ._trace import FLAG_DROPPED, FLAG_LATE, PACKET_DTYPE, SPIKE_DTYPE, Population, Trace, TraceError, ZstdUnavailableError

__all__ = [
    "read", "read_aer", "read_npz", "Trace", "Population", "TraceError", "ZstdUnavailableError",
    "SPIKE_DTYPE", "PACKET_DTYPE", "FLAG_LATE", "FLAG_DROPPED", "zstd_available", "crc32c",
]
__all__ += ["read_probes", "read_series", "Probes", "Probe", "Series"]  # probes and series: docs/probes.md
__version__ = "0.1.0"


def read(path):
    """Read a Spindle .aer trace or .npz export into a Trace, according to
    the file's magic bytes."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise TraceError(f"{name}: {e.strerror or e}") from None
    if head.startswith(b"\x89AER"):
        return read_aer(path)
    if head.startswith(b"PK"):
        return read_npz(path)
    raise TraceError(f"{name}: expected a Spindle .aer trace (magic \\x89AER) or a NumPy .npz archive (a zip file)")
