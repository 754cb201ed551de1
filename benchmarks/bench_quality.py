"""Quality gate: detection and false-positive rates, and what mains hum / ECG do to the analysis.

Run (figures in docs/quality.md)::

    PYTHONPATH=src nice -n 5 python3 benchmarks/bench_quality.py --seeds 10

Sections:

1. Detection on emgkit.simulate sessions (healthy profile, shortened bridge protocol) per
   condition and rate: clean (false positives), mains hum 5/20/100 µV (50 Hz, harmonics 1, 3, 5),
   ECG 100/1000 µV R wave on the erector channels.
2. The same sessions through ``analyze_bridge`` (quality gate inside): %MVC change against the
   clean session of the same seed (reps where the true level is >= 5 %MVC), erector onsets found
   within 0.1 s of the truth (reps at >= 5 %MVC; the clean session's rate beside it),
   asymmetry flags the clean session did not have.
1b. The ECG rule on every channel (not only trunk) of sessions without ECG: false positives.
3. The real recordings in ../shared/data/real (every file emgkit reads): issues found, and the
   ECG rule on every channel (none is a trunk channel: a detection is a false positive).

Same-decisions check and speed against another checkout (session 5, docs/performance.md)::

    PYTHONPATH=src nice -n 5 python3 benchmarks/bench_quality.py \\
        --compare-baseline /tmp/s5/base41/src
    PYTHONPATH=src nice -n 5 python3 benchmarks/bench_quality.py --speed-baseline /tmp/s5/base41/src

``--compare-baseline DIR`` builds a corpus (72 synthetic sessions: profiles healthy,
right_inhibition, hamstring_dominant x fs 250/500/1000/2000 Hz x 6 fault sets with motion spikes,
electrode pops, baseline wander, 50/60 Hz hum, ECG, flat, clipped and partly disconnected channels
and NaN gaps; plus every real recording emgkit.io reads), runs ``assess_recording`` on it in one
subprocess on DIR's code and one on this checkout's, and prints how many sessions have identical
decisions (status, issue codes, detail text, actions, failing channels) and the largest
difference of each measure. ``--speed-baseline DIR`` times ``assess_recording`` (process CPU,
one warm-up call) on the cached 30-min 16-channel 2 kHz session (bench_analysis.py
--session-cache) and on the demo session (bench_coldstart.make_session), alternating baseline
and candidate subprocesses.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.quality import assess_recording
from emgkit.errors import EmgkitError
from emgkit.protocol import load_protocol
from emgkit.recording import Recording
from emgkit.signal.ecg import detect_ecg
from emgkit.simulate import ECG, Mains, synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)

#: The corpus of --compare-baseline: the demo's protocol (3 reps, rests x 0.3; about 6 min).
CORPUS_PROTOCOL = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)

#: An onset counts as found when within this of the true onset (s).
ONSET_TOL_S = 0.1

CONDITIONS: dict[str, list] = {
    "clean": [],
    "mains 5 uV": [Mains(50.0, 5.0)],
    "mains 20 uV": [Mains(50.0, 20.0)],
    "mains 100 uV": [Mains(50.0, 100.0)],
    "ECG 100 uV": [ECG(70.0, 100.0)],
    "ECG 1 mV": [ECG(70.0, 1000.0)],
}


def _md(df: pd.DataFrame, index: bool = True) -> str:
    """A markdown table without the optional ``tabulate`` dependency."""
    d = df.reset_index() if index else df
    head = "| " + " | ".join(str(c) for c in d.columns) + " |"
    sep = "|" + "---|" * len(d.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in d.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _issues(qa_channels: pd.DataFrame, code: str) -> pd.Series:
    return qa_channels["issues"].str.split(";").apply(lambda s: code in s)


def run(seeds: int, rates: list[float]) -> None:
    det_rows = []
    eff_rows = []
    for fs in rates:
        for seed in range(seeds):
            clean_res = None
            for cond, faults in CONDITIONS.items():
                rec, truth = synthesize_session(
                    "healthy", fs=fs, protocol=PROTOCOL, seed=100 + seed, faults=faults
                )
                qa = assess_recording(rec)
                ch = qa.channels
                trunk = ch["muscle"] == "erector_spinae"
                det_rows.append(
                    {
                        "fs": fs,
                        "condition": cond,
                        "mains_channels": float(_issues(ch, "mains").mean()),
                        "ecg_trunk": float(_issues(ch, "ecg")[trunk].mean()),
                        "ecg_other": float(_issues(ch, "ecg")[~trunk].mean()),
                        "any_issue_channels": float((ch["issues"] != "").mean()),
                        "fail_channels": float((ch["status"] == "fail").mean()),
                    }
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = analyze_bridge(rec, PROTOCOL)
                key = ["trial", "rep", "muscle", "side"]
                tl = truth.levels[[*key, "pct_mvc"]].rename(columns={"pct_mvc": "pct_mvc_true"})
                to = truth.onsets[[*key, "onset_s"]].rename(columns={"onset_s": "onset_true"})
                if cond == "clean":
                    clean_res = res
                    continue
                assert clean_res is not None
                a = res.reps.merge(clean_res.reps, on=key, suffixes=("", "_clean"))
                a = a.merge(tl, on=key).merge(to, on=key)
                work = a[a["pct_mvc_true"] >= 5.0]
                rel = (work["pct_mvc"] / work["pct_mvc_clean"] - 1.0).abs()
                er = a[(a["muscle"] == "erector_spinae") & (a["pct_mvc_true"] >= 5.0)]
                found_clean = (er["onset_s_clean"] - er["onset_true"]).abs() < ONSET_TOL_S
                found = (er["onset_s"] - er["onset_true"]).abs() < ONSET_TOL_S
                sym_key = ["comparison", "muscle"]
                s = res.symmetry.merge(clean_res.symmetry, on=sym_key, suffixes=("", "_clean"))
                new_flags = int((s["meaningful"] & ~s["meaningful_clean"]).sum())
                eff_rows.append(
                    {
                        "fs": fs,
                        "condition": cond,
                        "pct_mvc_rel_median": float(rel.median()),
                        "pct_mvc_rel_p95": float(rel.quantile(0.95)),
                        "pct_mvc_rel_max": float(rel.max()),
                        "erector_onsets_found": float(found.mean()),
                        "erector_onsets_found_clean": float(found_clean.mean()),
                        "new_asym_flags": new_flags,
                    }
                )
    det = pd.DataFrame(det_rows).groupby(["fs", "condition"], sort=False).mean()
    eff = pd.DataFrame(eff_rows)
    agg = eff.groupby(["fs", "condition"], sort=False).agg(
        pct_mvc_rel_median=("pct_mvc_rel_median", "median"),
        pct_mvc_rel_p95=("pct_mvc_rel_p95", "max"),
        pct_mvc_rel_max=("pct_mvc_rel_max", "max"),
        erector_onsets_found=("erector_onsets_found", "mean"),
        erector_onsets_found_min=("erector_onsets_found", "min"),
        erector_onsets_found_clean=("erector_onsets_found_clean", "mean"),
        sessions_with_new_asym_flag=("new_asym_flags", lambda s: int((s > 0).sum())),
    )
    pd.set_option("display.width", 200)
    print(f"## 1. detection ({seeds} sessions per row; fraction of channels)\n")
    print(_md(det.round(3)))
    print(f"\n## 2. effect on the analysis ({seeds} sessions per row; vs. the clean session)\n")
    print(_md(agg.round(3)))


def ecg_rule_everywhere(seeds: int, rates: list[float]) -> None:
    """The ECG rule on every channel of sessions without ECG (clean and 100 µV hum)."""
    rows = []
    for fs in rates:
        for cond in ("clean", "mains 100 uV"):
            hits = n = 0
            for seed in range(seeds):
                rec, _ = synthesize_session(
                    "healthy", fs=fs, protocol=PROTOCOL, seed=100 + seed, faults=CONDITIONS[cond]
                )
                dets = detect_ecg(rec.data, rec.fs)
                hits += sum(d.detected for d in dets)
                n += len(dets)
            rows.append({"fs": fs, "condition": cond, "channels": n, "ecg_detected": hits})
    print(f"\n## 1b. the ECG rule on every channel of sessions without ECG ({seeds} seeds)\n")
    print(_md(pd.DataFrame(rows), index=False))


def _real_recordings(folder: Path) -> Iterator[tuple[Path, Recording]]:
    """Every file under ``folder`` that emgkit reads (source notes and unreadable files skipped)."""
    from emgkit import io

    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.upper() in ("SOURCE.TXT", "README.MD"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rec = io.read(path)
        except (EmgkitError, OSError, ValueError):
            continue
        yield path, rec


def real(folder: Path) -> None:
    rows = []
    for path, rec in _real_recordings(folder):
        qa = assess_recording(rec)
        ch = qa.channels[qa.channels["kind"] == "raw"]
        if ch.empty:
            continue
        # the ECG rule on every raw channel (none of these is a trunk channel: a detection
        # is a false positive of the rule on limb/forearm sEMG)
        raw = [i for i, c in enumerate(rec.channels) if c.name in set(ch.index)]
        ecg_fp = sum(d.detected for d in detect_ecg(np.nan_to_num(rec.data[:, raw]), rec.fs))
        rows.append(
            {
                "file": str(path.relative_to(folder)),
                "fs": rec.fs,
                "s": round(rec.duration, 1),
                "channels": len(ch),
                "mains": int(_issues(ch, "mains").sum()),
                "ecg_rule_on_all_channels": int(ecg_fp),
                "motion": int(_issues(ch, "motion").sum()),
                "wander": int(_issues(ch, "wander").sum()),
                "noise_floor": int(_issues(ch, "noise_floor").sum()),
                "flat/clip": int((_issues(ch, "flat") | _issues(ch, "clipping")).sum()),
                "mains_db_max": round(float(ch["mains_db"].max()), 1),
            }
        )
    print("\n## 3. real recordings (channels with each issue)\n")
    print(_md(pd.DataFrame(rows), index=False))


# ------------------------------------------------------------------ same decisions, speed

#: Measures compared between implementations (columns of QualityAssessment.channels).
MEASURES = (
    "clipped_fraction",
    "mains_db",
    "mains_uv",
    "ecg_rate_bpm",
    "ecg_r_uv",
    "noise_floor_uv",
    "peak_uv",
    "tonic_fraction",
    "wander_uv",
    "motion_per_min",
    "missing_pct",
)


WANDER_BIG = "wander_uv (>= 20 µV)"


def _fault_sets() -> dict[str, list]:
    from emgkit.simulate import (
        ECG,
        BaselineWander,
        Clipping,
        ElectrodePop,
        FlatChannel,
        Mains,
        MotionSpikes,
    )

    return {
        "clean": [],
        "motion+pops": [
            MotionSpikes(rate_per_min=6.0, amplitude_uv=300.0, channels=("glute_max_L",)),
            MotionSpikes(rate_per_min=3.0, amplitude_uv=120.0, channels=("hamstrings_R",)),
            ElectrodePop(rate_per_min=2.0, amplitude_uv=800.0, channels=("erector_L",)),
        ],
        "wander": [
            BaselineWander(amplitude_uv=400.0, channels=("glute_max_R",)),
            BaselineWander(amplitude_uv=150.0, channels=("hamstrings_L",)),
            BaselineWander(amplitude_uv=230.0, max_freq_hz=2.0),
        ],
        "mains50+ecg": [Mains(50.0, 20.0), ECG(70.0, 300.0)],
        "mains60+clip": [
            Mains(60.0, 8.0, channels=("glute_max_L", "hamstrings_R")),
            Clipping(limit_uv=150.0, channels=("glute_max_R",)),
            ECG(90.0, 60.0),
        ],
        "flat+disconnect": [
            FlatChannel(channels=("hamstrings_L",)),
            FlatChannel(channels=("erector_R",), start_s=20.0, stop_s=45.0),
            MotionSpikes(rate_per_min=2.0, amplitude_uv=500.0, channels=("glute_max_L",)),
        ],
    }


def build_corpus(real_dir: Path) -> Iterator[tuple[str, Recording]]:
    """(name, Recording) pairs: the synthetic sessions and every readable real recording.

    Deterministic (fixed seeds): each worker builds it with its own code (emgkit.simulate is the
    same in both checkouts; the workers compare a hash of every input).
    """

    faults = _fault_sets()
    seed = 0
    for profile in ("healthy", "right_inhibition", "hamstring_dominant"):
        for fs in (250.0, 500.0, 1000.0, 2000.0):
            for name, fl in faults.items():
                seed += 1
                rec, _ = synthesize_session(
                    profile, fs=fs, protocol=CORPUS_PROTOCOL, seed=500 + seed, faults=fl
                )
                if name == "flat+disconnect":  # NaN gaps: a lost packet run on two channels
                    data = rec.data.copy()
                    n = data.shape[0]
                    data[n // 3 : n // 3 + round(0.25 * fs), :] = np.nan
                    data[n // 2 : n // 2 + round(1.5 * fs), 1] = np.nan
                    rec = rec.with_data(data)
                yield f"{profile}/{fs:g}Hz/{name}", rec
    for path, rec in _real_recordings(real_dir):
        yield f"real/{path.relative_to(real_dir)}", rec


def _digest(a: np.ndarray | None) -> str:
    return "" if a is None else hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()


def _worker(real_dir: Path, out: Path) -> None:
    """Run assess_recording on every recording of the corpus; pickle the results."""
    res: dict[str, object] = {}
    cpu = 0.0
    for name, rec in build_corpus(real_dir):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.process_time()
            qa = assess_recording(rec)
            cpu += time.process_time() - t
        res[name] = {
            "input": _digest(rec.data),
            "channels": qa.channels,
            "actions": qa.actions,
            "recording": _digest(qa.recording.data),
            "band": _digest(qa.band),
        }
    res["__cpu__"] = cpu
    with out.open("wb") as fh:
        pickle.dump(res, fh)


def _run_worker(src: Path, real_dir: Path, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, __file__, "--real", str(real_dir), "--worker", str(out)]
    subprocess.run(cmd, env=env, check=True)


def _rel(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(largest |a - b| / |b| where |b| > 1e-9, largest |a - b|) over finite pairs; NaN == NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = np.isfinite(a) & np.isfinite(b)
    if (np.isfinite(a) != np.isfinite(b)).any():
        return float("inf"), float("inf")
    if not both.any():
        return 0.0, 0.0
    d = np.abs(a[both] - b[both])
    big = np.abs(b[both]) > 1e-9
    rel = float((d[big] / np.abs(b[both][big])).max()) if big.any() else 0.0
    return rel, float(d.max())


def compare_baseline(base_src: Path, real_dir: Path) -> None:
    """Same decisions as ``base_src`` on the corpus; largest difference of each measure."""
    here = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory(prefix="emgkit-qcmp-") as tmp:
        _run_worker(base_src, real_dir, Path(tmp) / "base.pkl")
        _run_worker(here, real_dir, Path(tmp) / "cand.pkl")
        with (Path(tmp) / "base.pkl").open("rb") as fh:
            base = pickle.load(fh)
        with (Path(tmp) / "cand.pkl").open("rb") as fh:
            cand = pickle.load(fh)
    names = [k for k in base if k != "__cpu__"]
    same = same_text = same_dec = 0
    dec_diffs: list[str] = []
    worst: dict[str, tuple[float, float, str]] = {
        m: (0.0, 0.0, "") for m in (*MEASURES, WANDER_BIG)
    }
    diffs, text_diffs = [], []
    n_syn = sum(not k.startswith("real/") for k in names)
    n_channels = 0
    for k in names:
        b, c = base[k], cand[k]
        if b["input"] != c["input"]:
            raise SystemExit(f"{k}: the two checkouts built different inputs")
        n_channels += len(b["channels"])
        # decisions: status, issue codes, flat, actions (what was cleaned), the cleaned samples
        # and the shared band; the detail text also carries rounded measures
        dec = (
            b["channels"][["status", "issues", "flat"]].equals(
                c["channels"][["status", "issues", "flat"]]
            )
            and b["actions"] == c["actions"]
        )
        bits = b["recording"] == c["recording"] and b["band"] == c["band"]
        same_dec += dec
        ok = dec and bits
        same += ok
        if not dec:
            dec_diffs.append(k)
        if not ok:
            diffs.append(k)
        text_ok = b["channels"]["detail"].equals(c["channels"]["detail"])
        same_text += text_ok
        if not text_ok:
            text_diffs.append(k)
        for m in MEASURES:
            rel, ab = _rel(c["channels"][m].to_numpy(), b["channels"][m].to_numpy())
            if rel > worst[m][0] or (rel == worst[m][0] and ab > worst[m][1]):
                worst[m] = (rel, ab, k)
        # the wander rule's range (the threshold is 200 µV): values of 20 µV and more
        bw, cw = b["channels"]["wander_uv"].to_numpy(), c["channels"]["wander_uv"].to_numpy()
        big = np.abs(bw) >= 20.0
        rel, ab = _rel(cw[big], bw[big])
        if rel > worst[WANDER_BIG][0]:
            worst[WANDER_BIG] = (rel, ab, k)
    print(f"## assess_recording: {base_src} (baseline) vs {here} (candidate)\n")
    print(
        f"sessions: {len(names)} ({n_syn} synthetic, {len(names) - n_syn} real; {n_channels} "
        f"channels); identical decisions (status, issue codes, flat, actions): "
        f"{same_dec}/{len(names)}; decisions and bit-identical cleaned samples and shared band: "
        f"{same}/{len(names)}; identical detail text: {same_text}/{len(names)}"
    )
    if dec_diffs:
        print("decisions differ:", ", ".join(dec_diffs))
    if diffs:
        print(
            "cleaned samples or shared band not bit-identical (a zero-phase filter run by scipy "
            "on one side and by the kernel on the other agrees to ~1e-15; "
            "EMGKIT_COLD_SCIPY_BELOW=0 runs the kernels on both):",
            ", ".join(k for k in diffs if k not in dec_diffs),
        )
    if text_diffs:
        print("detail text differs (rounded measures):", ", ".join(text_diffs))
    print(f"corpus CPU: baseline {base['__cpu__']:.2f} s, candidate {cand['__cpu__']:.2f} s\n")
    rows = [
        {"measure": m, "max_rel_diff": f"{w[0]:.2e}", "max_abs_diff": f"{w[1]:.3g}", "at": w[2]}
        for m, w in worst.items()
    ]
    print(_md(pd.DataFrame(rows), index=False))


SPEED_CODE = """
import pickle, sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from emgkit.analysis.quality import assess_recording
which = sys.argv[1]
if which == "30min":
    rec, _ = pickle.load(open(sys.argv[2], "rb"))
else:
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session
    proto = load_protocol("bridge").shortened(max_reps=3, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=2000.0, protocol=proto, seed=1)
assess_recording(rec)
t, w = time.process_time(), time.perf_counter()
assess_recording(rec)  # the default workers (from session 7: a helper thread, if numba runs)
print(time.process_time() - t, time.perf_counter() - w)
"""


def speed(base_src: Path, session_cache: Path, repeats: int) -> None:
    """CPU and wall seconds of assess_recording, baseline and candidate alternating in subprocesses.

    With a helper thread (session 7 on, the default once numba runs) the candidate's process
    CPU includes the helper's: compare wall times then.
    """
    here = Path(__file__).resolve().parents[1] / "src"
    print(f"## assess_recording CPU (s), median of {repeats}; load: {os.getloadavg()[0]:.2f}\n")
    for which in ("30min", "demo"):
        times: dict[str, list[float]] = {"baseline": [], "candidate": []}
        walls: dict[str, list[float]] = {"baseline": [], "candidate": []}
        for _ in range(repeats):
            for label, src in (("baseline", base_src), ("candidate", here)):
                env = dict(os.environ, PYTHONPATH=str(src))
                r = subprocess.run(
                    [sys.executable, "-c", SPEED_CODE, which, str(session_cache)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                cpu, wall = map(float, r.stdout.strip().splitlines()[-1].split()[:2])
                times[label].append(cpu)
                walls[label].append(wall)
        b, c = statistics.median(times["baseline"]), statistics.median(times["candidate"])
        bw, cw = statistics.median(walls["baseline"]), statistics.median(walls["candidate"])
        print(
            f"{which}: CPU baseline {b:.3f}  candidate {c:.3f}  ratio {b / c:.1f}x; wall baseline "
            f"{bw:.3f}  candidate {cw:.3f}  ratio {bw / cw:.1f}x  (CPU all: {times})"
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--rates", type=float, nargs="+", default=[1000.0, 250.0])
    ap.add_argument(
        "--real",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "real",
    )
    ap.add_argument(
        "--sections",
        nargs="+",
        choices=["synthetic", "ecg-rule", "real"],
        default=["synthetic", "ecg-rule", "real"],
    )
    ap.add_argument("--compare-baseline", type=Path, metavar="SRC")
    ap.add_argument("--speed-baseline", type=Path, metavar="SRC")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--session-cache", type=Path, default=Path("/tmp/emgkit-bench-30min.pkl"))
    ap.add_argument("--worker", type=Path, metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.real, args.worker)
        return
    if args.compare_baseline or args.speed_baseline:
        if args.compare_baseline:
            compare_baseline(args.compare_baseline, args.real)
        if args.speed_baseline:
            speed(args.speed_baseline, args.session_cache, args.repeats)
        return
    if "synthetic" in args.sections:
        run(args.seeds, args.rates)
    if "ecg-rule" in args.sections:
        ecg_rule_everywhere(args.seeds, args.rates)
    if "real" in args.sections and args.real.is_dir():
        real(args.real)


if __name__ == "__main__":
    main()
