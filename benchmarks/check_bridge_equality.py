"""Equality proof: analyze_bridge on this checkout against a baseline checkout, many sessions.

Every session is synthesised once here (this checkout's simulator) and pickled; each code
version then analyses the same pickles in its own subprocess (``PYTHONPATH=<src>``) and writes
every result table, the notes, the meta dict and the text of :func:`interpret`. The tables are
compared cell by cell: strings, booleans and integers exactly, floats to ``--rtol`` relative
(``1e-9``; NaN equals NaN) except onset and latency columns, which must agree to ``--onset-atol``
seconds (``1e-6``). Each session's differences are printed; the last line is the count.

Sessions (``--quick`` keeps the first 12): 4 profiles x fs 250/500/1000/2000 Hz x the shipped
bridge protocol shortened to 3 reps (1 or 2 sets), then the full shipped protocol at 1 and
2 kHz, then sessions with faults (mains, wander, ECG, motion spikes, electrode pops, clipping,
a flat channel, fatigue) and with NaN gaps in the data, auto-segmented sessions, smooth
subjects with tonic erector activity, 3 sets of 1 rep with short rests at each rate, and the
cached 30-minute 16-channel 2 kHz session of ``bench_analysis.py`` (``--no-long`` skips it):
42 sessions in all. "interpret() flags" compares each flag's code, level, message text, muscle,
side, trial and references exactly and its evidence numbers to ``--rtol`` (two runs of the
same code differ in the last bits of some evidence values).

``--col-rtol TABLE.COLUMN=REL`` states a wider tolerance for one column: against 41db3cc the
quality frame's mains measures (single-precision Welch since session 5) and wander (decimated)
differ by design (docs/performance.md, "Quality assessment speed")::

    --col-rtol quality.mains_uv=2e-4 --col-rtol quality.mains_db=1e-5 \\
    --col-rtol quality.wander_uv=0.25

``--workers N`` runs this checkout's analysis with ``workers=N``; with ``--numba-started``
both trees first mark numba as started (as after a long analysis in the same process), so
every session takes the kernels and, with ``--workers 2``, the threaded path of session 7.

Usage::

    PYTHONPATH=src nice -n 5 python3 benchmarks/check_bridge_equality.py \\
        --baseline-src /tmp/s5/base41/src
    PYTHONPATH=src nice -n 5 python3 benchmarks/check_bridge_equality.py \\
        --baseline-src /tmp/s7/base4f/src --numba-started --workers 2 --rtol 0 --onset-atol 0
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_WORKER = r"""
import dataclasses, os, pickle, sys, warnings
import pandas as pd
from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.interpret import interpret
if os.environ.get("EMGKIT_EQ_NUMBA_STARTED"):
    import emgkit.signal._kernels as _k
    _k._ZERO_PHASE_RAN = True  # as after a long analysis: every kernel, no scipy/numpy twin
kw = {}
if os.environ.get("EMGKIT_EQ_WORKERS"):
    kw["workers"] = int(os.environ["EMGKIT_EQ_WORKERS"])
out = []
for path in sys.argv[2:]:
    with open(path, "rb") as fh:
        rec, proto, auto = pickle.load(fh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = analyze_bridge(rec, proto, auto_segment=auto, **kw)
        except Exception as exc:  # the same error on both sides is equality too
            out.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        flags = interpret(res)
    tables = {
        f.name: getattr(res, f.name)
        for f in dataclasses.fields(res)
        if isinstance(getattr(res, f.name), pd.DataFrame)
    }
    out.append(
        {
            "tables": tables,
            "notes": list(res.notes),
            "meta": res.meta,
            "flags": [dataclasses.asdict(f) for f in flags],
            "envelope": res.envelope,
        }
    )
with open(sys.argv[1], "wb") as fh:
    pickle.dump(out, fh, protocol=5)
"""

#: Columns holding times in seconds, compared with the onset tolerance.
_TIME_COLS = ("onset_s", "latency_s")


def _sessions(quick: bool, long: bool, cache: Path) -> list[tuple[str, Any, Any, bool]]:
    """(label, Recording, Protocol, auto_segment) of every session, built deterministically."""
    from emgkit.protocol import load_protocol
    from emgkit.recording import Gap, Recording
    from emgkit.simulate import faults as F
    from emgkit.simulate import synthesize_session

    profiles = ("healthy", "right_inhibition", "left_inhibition", "hamstring_dominant")
    short1 = load_protocol("bridge").shortened(max_reps=3)
    short2 = load_protocol("bridge").shortened(max_reps=2, max_sets=2, hold_scale=0.7)
    full = load_protocol("bridge")
    specs: list[tuple[str, dict[str, Any], bool, float]] = []
    seed = 1
    for fs in (250.0, 500.0, 1000.0, 2000.0):
        for i, prof in enumerate(profiles):
            proto = short1 if i % 2 == 0 else short2
            specs.append(
                (
                    f"{prof} {fs:g} Hz short",
                    dict(profile=prof, fs=fs, protocol=proto, seed=seed),
                    False,
                    0.0,
                )
            )
            seed += 1
    for fs in (1000.0, 2000.0):
        specs.append(
            (
                f"right_inhibition {fs:g} Hz full protocol",
                dict(profile="right_inhibition", fs=fs, protocol=full, seed=seed),
                False,
                0.0,
            )
        )
        seed += 1
    fault_sets: list[tuple[str, list[Any]]] = [
        ("mains 50 Hz", [F.Mains(50.0, 20.0)]),
        ("wander", [F.BaselineWander()]),
        ("ECG on trunk", [F.ECG()]),
        ("motion spikes", [F.MotionSpikes()]),
        ("electrode pops", [F.ElectrodePop()]),
        ("clipping", [F.Clipping()]),
        ("flat channel", [F.FlatChannel(channels=("erector_L",))]),
        ("fatigue", [F.Fatigue()]),
        ("mains + ECG + motion", [F.Mains(60.0, 10.0), F.ECG(), F.MotionSpikes()]),
    ]
    for j, (name, faults) in enumerate(fault_sets):
        fs = (500.0, 1000.0, 2000.0)[j % 3]
        prof = profiles[j % 4]
        specs.append(
            (
                f"{prof} {fs:g} Hz {name}",
                dict(profile=prof, fs=fs, protocol=short1, seed=seed, faults=faults),
                False,
                0.0,
            )
        )
        seed += 1
    for j, fs in enumerate((500.0, 1000.0, 2000.0, 1000.0)):
        prof = profiles[j]
        specs.append(
            (
                f"{prof} {fs:g} Hz NaN gaps",
                dict(profile=prof, fs=fs, protocol=short1, seed=seed),
                False,
                1.0,
            )
        )
        seed += 1
    for j, fs in enumerate((1000.0, 2000.0)):
        specs.append(
            (
                f"{profiles[j]} {fs:g} Hz auto-segmented",
                dict(profile=profiles[j], fs=fs, protocol=short1, seed=seed),
                True,
                0.0,
            )
        )
        seed += 1
    for j, fs in enumerate((1000.0, 2000.0, 500.0)):
        specs.append(
            (
                f"{profiles[j + 1]} {fs:g} Hz smooth, tonic erector",
                dict(
                    profile=profiles[j + 1],
                    fs=fs,
                    protocol=short1,
                    seed=seed,
                    smooth=True,
                    tonic_pct=4.0,
                ),
                False,
                0.0,
            )
        )
        seed += 1
    short3 = load_protocol("bridge").shortened(max_reps=1, max_sets=3, rest_scale=0.5)
    for j, prof in enumerate(profiles):
        fs = (2000.0, 1000.0, 500.0, 250.0)[j]
        specs.append(
            (
                f"{prof} {fs:g} Hz 3 sets x 1 rep, short rests",
                dict(profile=prof, fs=fs, protocol=short3, seed=seed),
                False,
                0.0,
            )
        )
        seed += 1
    specs.append(
        (
            "hamstring_dominant 250 Hz ECG + wander",
            dict(
                profile="hamstring_dominant",
                fs=250.0,
                protocol=short1,
                seed=seed,
                faults=[F.ECG(), F.BaselineWander()],
            ),
            False,
            0.0,
        )
    )
    if quick:
        specs = specs[:12]
    out = []
    for label, kw, auto, gaps in specs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec, _ = synthesize_session(**kw)
        if auto:
            events = [e for e in rec.events if e.label not in ("hold", "rep")]
            rec = Recording(rec.data, rec.fs, rec.channels, events, rec.gaps, rec.info)
        if gaps:
            data = rec.data.copy()
            rng = np.random.default_rng(kw["seed"])
            gap_list = []
            for _ in range(3):  # three 0.2-1.0 s packet-loss gaps at random places
                i0 = int(rng.integers(0, data.shape[0] - 2 * int(rec.fs)))
                n = int(rng.uniform(0.2, 1.0) * rec.fs)
                data[i0 : i0 + n] = np.nan
                gap_list.append(Gap(i0, n, "packet loss"))
            gap_list.sort(key=lambda g: g.start)
            rec = Recording(data, rec.fs, rec.channels, rec.events, gap_list, rec.info)
        out.append((label, rec, kw["protocol"], auto))
    if long and cache.exists():
        with cache.open("rb") as fh:
            rec, proto = pickle.load(fh)
        out.append(("30 min 16 ch 2 kHz (bench_analysis cache)", rec, proto, False))
    return out


def _compare_frames(
    name: str,
    a: pd.DataFrame,
    b: pd.DataFrame,
    rtol: float,
    atol_t: float,
    col_rtol: dict[str, float] | None = None,
) -> list[str]:
    if list(a.columns) != list(b.columns) or a.shape != b.shape:
        return [f"{name}: shape/columns {a.shape} {list(a.columns)} != {b.shape} {list(b.columns)}"]
    if not a.index.equals(b.index):
        return [f"{name}: index differs"]
    diffs = []
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            xf, yf = x.astype(float), y.astype(float)
            both_nan = np.isnan(xf) & np.isnan(yf)
            if col in _TIME_COLS:
                bad = ~both_nan & ~(np.abs(xf - yf) <= atol_t)
            else:
                r = (col_rtol or {}).get(f"{name}.{col}", rtol)
                bad = ~both_nan & ~(np.abs(xf - yf) <= r * np.maximum(np.abs(xf), np.abs(yf)))
                bad &= ~((xf == yf) & np.isfinite(xf) | (np.isinf(xf) & (xf == yf)))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                diffs.append(
                    f"{name}.{col}: {int(bad.sum())} cells differ, first row {i}: "
                    f"{xf[i]!r} vs {yf[i]!r}"
                )
        else:
            eq = np.array([_same(u, v) for u, v in zip(x, y, strict=True)], dtype=bool)
            if not eq.all():
                i = int(np.flatnonzero(~eq)[0])
                diffs.append(
                    f"{name}.{col}: {int((~eq).sum())} cells differ, first row {i}: "
                    f"{x[i]!r} vs {y[i]!r}"
                )
    return diffs


def _same(u: Any, v: Any) -> bool:
    if isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v):
        return True
    if u is None or v is None:
        return u is v
    try:
        return bool(u == v)
    except (TypeError, ValueError):
        return repr(u) == repr(v)


def _close(u: Any, v: Any, rtol: float) -> bool:
    if isinstance(u, float | int) and isinstance(v, float | int):
        if math.isnan(u) and math.isnan(v):
            return True
        return u == v or abs(u - v) <= rtol * max(abs(u), abs(v))
    return _same(u, v)


def _compare(
    old: dict[str, Any],
    new: dict[str, Any],
    rtol: float,
    atol_t: float,
    col_rtol: dict[str, float] | None = None,
) -> list[str]:
    if "error" in old or "error" in new:
        return (
            []
            if old.get("error") == new.get("error")
            else [f"error: {old.get('error')!r} vs {new.get('error')!r}"]
        )
    diffs: list[str] = []
    if set(old["tables"]) != set(new["tables"]):
        diffs.append(f"tables {sorted(old['tables'])} vs {sorted(new['tables'])}")
    for k in old["tables"]:
        if k in new["tables"]:
            diffs += _compare_frames(k, old["tables"][k], new["tables"][k], rtol, atol_t, col_rtol)
    for key in ("notes", "meta"):
        if old[key] != new[key]:
            diffs.append(f"{key} differ: {old[key]!r} vs {new[key]!r}")
    if len(old["flags"]) != len(new["flags"]):
        diffs.append(f"{len(old['flags'])} vs {len(new['flags'])} interpret() flags")
    for fo, fn in zip(old["flags"], new["flags"], strict=False):
        ev_o, ev_n = fo.pop("evidence"), fn.pop("evidence")
        if fo != fn:  # code, level, message text, muscle, side, trial, references
            diffs.append(f"flag differs: {fo!r} vs {fn!r}")
        elif set(ev_o) != set(ev_n) or not all(_close(ev_o[k], ev_n[k], rtol) for k in ev_o):
            diffs.append(f"flag {fo['code']} evidence differs: {ev_o!r} vs {ev_n!r}")
    ea, eb = np.asarray(old["envelope"]), np.asarray(new["envelope"])
    if ea.shape != eb.shape or not np.allclose(ea, eb, rtol=rtol, atol=0.0, equal_nan=True):
        diffs.append("envelope differs")
    return diffs


def _run(
    src: str, paths: list[Path], out: Path, workers: int | None = None, started: bool = False
) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": src}
    if workers is not None:
        env["EMGKIT_EQ_WORKERS"] = str(workers)
    if started:
        env["EMGKIT_EQ_NUMBA_STARTED"] = "1"
    subprocess.run([sys.executable, "-c", _WORKER, str(out), *map(str, paths)], env=env, check=True)
    with out.open("rb") as fh:
        res: list[dict[str, Any]] = pickle.load(fh)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-src", required=True, help="src folder of the baseline code")
    ap.add_argument("--quick", action="store_true", help="the first 12 sessions only")
    ap.add_argument("--no-long", action="store_true", help="skip the 30-minute session")
    ap.add_argument("--session-cache", type=Path, default=Path("/tmp/emgkit-bench-30min.pkl"))
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--onset-atol", type=float, default=1e-6)
    ap.add_argument(
        "--col-rtol",
        action="append",
        default=[],
        metavar="TABLE.COLUMN=REL",
        help="a stated tolerance for one column instead of --rtol, e.g. quality.mains_uv=2e-4 "
        "(repeatable; printed in the summary)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="this checkout's analyze_bridge(workers=N) (the baseline's default is kept)",
    )
    ap.add_argument(
        "--numba-started",
        action="store_true",
        help="both trees analyse as after a long analysis in the same process: numba started, "
        "so every session takes the kernels (and, with --workers 2, the threaded path)",
    )
    a = ap.parse_args()
    try:
        col_rtol = {k: float(v) for k, v in (c.split("=", 1) for c in a.col_rtol)}
    except ValueError:
        ap.error("--col-rtol takes TABLE.COLUMN=REL, e.g. quality.wander_uv=0.25")
    here = str(Path(__file__).resolve().parents[1] / "src")
    t0 = time.perf_counter()
    sessions = _sessions(a.quick, not a.no_long, a.session_cache)
    print(f"{len(sessions)} sessions synthesised in {time.perf_counter() - t0:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="emgkit-eq-") as tmp:
        paths = []
        for i, (_, rec, proto, auto) in enumerate(sessions):
            p = Path(tmp) / f"s{i:03d}.pkl"
            with p.open("wb") as fh:
                pickle.dump((rec, proto, auto), fh, protocol=5)
            paths.append(p)
        t0 = time.perf_counter()
        old = _run(a.baseline_src, paths, Path(tmp) / "old.pkl", None, a.numba_started)
        t1 = time.perf_counter()
        new = _run(here, paths, Path(tmp) / "new.pkl", a.workers, a.numba_started)
        t2 = time.perf_counter()
    n_bad = n_rows = n_onsets = n_err = 0
    for (label, *_), o, n in zip(sessions, old, new, strict=True):
        d = _compare(o, n, a.rtol, a.onset_atol, col_rtol)
        if "error" in o:
            n_err += 1
            status = f"same error ({o['error'][:60]})" if not d else "DIFFERENT"
        else:
            reps = o["tables"]["reps"]
            n_rows += sum(len(t) for t in o["tables"].values())
            n_onsets += int(reps["onset_s"].notna().sum())
            status = "identical" if not d else "DIFFERENT"
        n_bad += bool(d)
        print(f"{label:55s} {status}")
        for line in d[:8]:
            print(f"    {line[:400]}")
    print(
        f"{len(sessions) - n_bad}/{len(sessions)} sessions identical ({n_err} raise the same "
        f"error); {n_rows} table rows, {n_onsets} finite onsets compared (floats rtol "
        f"{a.rtol:g}{''.join(f', {k} {v:g}' for k, v in col_rtol.items())}, onsets atol "
        f"{a.onset_atol:g} s); analysis wall: baseline {t1 - t0:.0f} s, "
        f"new {t2 - t1:.0f} s; load {os.getloadavg()[0]:.1f}"
        + (f"; this checkout with workers={a.workers}" if a.workers is not None else "")
        + ("; numba started in both" if a.numba_started else "")
    )
    return 1 if n_bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
