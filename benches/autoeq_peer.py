#!/usr/bin/env python3
"""Peer comparison: AutoEQ (pip install autoeq) fitting the same measurement to the same target
as `cargo bench --bench fit` (Crimson L REW export → Harman in-ear 2019, 10 filters as AutoEQ's
8_PEAKING_WITH_SHELVES, 48 kHz). Prints AutoEQ's wall time for the whole pipeline (centre,
compensate, smooth, equalise, PEQ optimisation) and for the PEQ optimisation alone, plus its fit
error measured the same way iemlab reports it (20 Hz–10 kHz and 10–20 kHz).

    python3 benches/autoeq_peer.py            # from the repository root
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from autoeq.constants import PEQ_CONFIGS
from autoeq.frequency_response import FrequencyResponse

ROOT = Path(__file__).resolve().parent.parent


def read(path):
    rows = []
    for line in Path(path).read_text().splitlines():
        parts = line.replace(",", " ").split()
        if len(parts) >= 2:
            try:
                rows.append((float(parts[0]), float(parts[1])))
            except ValueError:
                pass
    f, db = zip(*rows)
    return np.array(f), np.array(db)


def main():
    f, db = read(ROOT / "tests/data/fr/Crimson L.txt")
    tf, tdb = read(ROOT / "presets/targets/harman-ie-2019.txt")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    whole, optimise = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        fr = FrequencyResponse(name="Crimson L", frequency=f.copy(), raw=db.copy())
        target = FrequencyResponse(name="Harman", frequency=tf.copy(), raw=tdb.copy())
        fr.interpolate()
        fr.center()
        fr.process(target=target)
        t1 = time.perf_counter()
        fr.optimize_parametric_eq([PEQ_CONFIGS["8_PEAKING_WITH_SHELVES"]], 48000)
        t2 = time.perf_counter()
        whole.append(t2 - t0)
        optimise.append(t2 - t1)
    err = fr.parametric_eq - fr.equalization
    lo = fr.frequency < 10000
    hi = (fr.frequency >= 10000) & (fr.frequency <= 20000)
    rms = lambda e: float(np.sqrt(np.mean(e**2)))
    print(f"AutoEQ whole pipeline: median {statistics.median(whole) * 1000:.0f} ms over {runs} runs")
    print(f"AutoEQ PEQ optimisation: median {statistics.median(optimise) * 1000:.0f} ms")
    print(
        f"AutoEQ fit error 20 Hz–10 kHz: {rms(err[lo]):.2f} dB RMS, {np.abs(err[lo]).max():.2f} dB max; "
        f"10–20 kHz: {rms(err[hi]):.2f} dB RMS, {np.abs(err[hi]).max():.2f} dB max"
    )


if __name__ == "__main__":
    main()
