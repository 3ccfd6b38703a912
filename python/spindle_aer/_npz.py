"""Reader of the .npz files `spindle trace convert IN OUT.npz` writes."""

import json
import os
import zipfile

import numpy as np

from ._trace import Trace, TraceError


def read_npz(path):
    """Read an .npz written by `spindle trace convert run.aer run.npz`
    (NumPy only, no zstd needed) into a Trace.

    The archive holds spikes (and packets, with --packets) as structured
    arrays, and the metadata as meta (the JSON header) beside dt_ms,
    time_unit, source, population_names, population_first and
    population_size. An archive without meta is read from those arrays.
    """
    name = os.fspath(path)
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise TraceError(f"{name}: expected a NumPy .npz archive: {e}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise TraceError(f"{name}: expected a NumPy .npz archive, found a single array")
    with z:
        files = set(z.files)
        try:
            if "spikes" not in files:
                raise TraceError(f"{name}: expected a 'spikes' array (have: {', '.join(sorted(files)) or 'none'})")
            spikes = z["spikes"]
            if spikes.dtype.names is None or not {"t", "addr"} <= set(spikes.dtype.names):
                raise TraceError(f"{name}: spikes: expected a structured array with fields t and addr, found {spikes.dtype}")
            packets = z["packets"] if "packets" in files else None
            if "meta" in files:
                meta = json.loads(str(z["meta"]))
                if not isinstance(meta, dict):
                    raise TraceError(f"{name}: meta: expected a JSON object")
            else:
                meta = {"dt_ms": float(z["dt_ms"]) if "dt_ms" in files else 0.0,
                        "time_unit": str(z["time_unit"]) if "time_unit" in files else "tick",
                        "source": str(z["source"]) if "source" in files else ""}
                if "population_names" in files:
                    meta["populations"] = [
                        {"name": str(n), "first_address": int(f), "size": int(s)}
                        for n, f, s in zip(z["population_names"], z["population_first"], z["population_size"])]
            return Trace(spikes=spikes, packets=packets, meta=meta, path=name)
        except TraceError:
            raise
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as e:
            raise TraceError(f"{name}: {e}") from None
