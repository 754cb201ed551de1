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
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.quality import assess_recording
from emgkit.errors import EmgkitError
from emgkit.protocol import load_protocol
from emgkit.signal.ecg import detect_ecg
from emgkit.simulate import ECG, Mains, synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)

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


def real(folder: Path) -> None:
    from emgkit import io

    rows = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.upper() in ("SOURCE.TXT", "README.MD"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rec = io.read(path)
        except (EmgkitError, OSError, ValueError):
            continue
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
    args = ap.parse_args()
    if "synthetic" in args.sections:
        run(args.seeds, args.rates)
    if "ecg-rule" in args.sections:
        ecg_rule_everywhere(args.seeds, args.rates)
    if "real" in args.sections and args.real.is_dir():
        real(args.real)


if __name__ == "__main__":
    main()
