#!/usr/bin/env python3
"""Plot the spike raster and population rates of a Spindle trace.

    spindle run examples/cuba.yaml --ticks 5000 --trace cuba.aer
    PYTHONPATH=python python3 python/examples/raster.py cuba.aer -o cuba_raster.png

Reads an .aer trace or an .npz from `spindle trace convert`. Without
matplotlib it prints the per-population summary only.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import spindle_aer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace", help=".aer trace or .npz export")
    ap.add_argument("-o", "--output", default="raster.png", help="image to write (default raster.png)")
    ap.add_argument("--max-points", type=int, default=200000, help="plot at most this many spikes")
    args = ap.parse_args()
    try:
        tr = spindle_aer.read(args.trace)
    except spindle_aer.TraceError as e:
        sys.exit(f"raster.py: {e}")

    s = tr.spikes
    t_ms = tr.times_ms()
    span_s = (t_ms[-1] - t_ms[0] + (tr.dt_ms or 0)) / 1000 if len(s) else 0.0
    print(f"{tr.path}: {len(s)} spikes over {span_s:.3f} s, dt {tr.dt_ms} ms")
    pops = tr.populations or [spindle_aer.Population("all", 0, int(s["addr"].max()) + 1 if len(s) else 0)]
    for p in pops:
        n = int(np.count_nonzero(p.contains(s["addr"])))
        rate = n / p.size / span_s if p.size and span_s else 0.0
        print(f"  {p.name:<12} addresses {p.first}..{p.stop - 1}: {n} spikes, {rate:.2f} Hz per neuron")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    step = max(1, len(s) // args.max_points)
    fig, (ax, ax2) = plt.subplots(2, 1, sharex=True, figsize=(9, 6), gridspec_kw={"height_ratios": [3, 1]})
    bins = np.linspace(t_ms[0], t_ms[-1] + 1e-9, 101) if len(s) else np.linspace(0, 1, 101)
    for p in pops:
        m = p.contains(s["addr"])
        ax.plot(t_ms[m][::step], s["addr"][m][::step], ",", label=p.name)
        counts, _ = np.histogram(t_ms[m], bins)
        width_s = (bins[1] - bins[0]) / 1000
        ax2.plot(bins[:-1], counts / max(p.size, 1) / width_s if width_s else counts, label=p.name)
    ax.set_ylabel("address")
    ax.legend(loc="upper right", markerscale=20)
    ax.set_title(os.path.basename(tr.path) + (f" ({tr.run['name']})" if tr.run else ""))
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("rate (Hz per neuron)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
