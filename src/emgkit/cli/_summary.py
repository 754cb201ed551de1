"""The console summary of one bridge analysis, printed by ``emgkit analyze`` and ``emgkit demo``."""

from __future__ import annotations


def print_summary(result: object) -> None:
    """Print MVC, the per-trial table, left/right symmetry and the interpretation.

    Parameters
    ----------
    result : BridgeResult
        What :func:`emgkit.analysis.bridge.analyze_bridge` returned.
    """
    import numpy as np
    import pandas as pd

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.report.tables import summary_table

    assert isinstance(result, BridgeResult)
    mvc = result.mvc
    prm = result.params
    if prm.mvc_method == "plateau":
        how = (
            f"RMS over the steady part of the best MVC hold, {prm.mvc_trim[0]:g} s and "
            f"{prm.mvc_trim[1]:g} s trimmed at its ends"
        )
    else:
        how = (
            f"best {prm.mvc_window * 1000:g} ms mean of the "
            f"{prm.rms_window * 1000:g} ms RMS envelope"
        )
    print(f"\nMVC amplitude per channel ({how}):")
    for _, r in mvc.iterrows():
        if r["mvc_uv"] > 0:
            print(f"  {r['channel']:<14} {r['mvc_uv']:8.1f} uV   from {r['source_trial']}")
        else:
            print(f"  {r['channel']:<14}        -      no MVC trial for this muscle and side")
    print(
        "\nPer trial, muscle and side (mean over reps). SA = symmetry angle (+ = right larger;"
        "\nsingle-leg trials are compared as a pair below); onset = latency to movement onset"
        "\n(negative = before); G:H, G:E = glute:hamstring and glute:erector %MVC ratios per side"
        "\n(single-leg trials: working leg only).\n"
    )
    print(summary_table(result).to_string(index=False))
    sym = result.symmetry
    if not sym.empty:
        thr = float(sym["threshold"].dropna().iloc[0]) if sym["threshold"].notna().any() else 6.5
        print(
            "\nLeft vs right (symmetry angle SA, + = right larger) with its 95 % interval from the"
            "\nrep-to-rep / hold-to-hold variability; 'likely asymmetric' needs |SA| beyond"
            f"\n{thr:g} points (a convention) and an interval that excludes 0:\n"
        )

        def _ci(lo: float, hi: float) -> str:
            return "-" if not (np.isfinite(lo) and np.isfinite(hi)) else f"{lo:.1f} to {hi:.1f}"

        table = pd.DataFrame(
            {
                "comparison": sym["comparison"],
                "muscle": sym["muscle"],
                "%MVC L": sym["pct_left"].round(1),
                "%MVC R": sym["pct_right"].round(1),
                "SA": sym["symmetry_angle"].round(1),
                "95 % interval": [
                    _ci(lo, hi) for lo, hi in zip(sym["ci_low"], sym["ci_high"], strict=True)
                ],
                "outcome": sym["outcome"],
            }
        )
        print(table.to_string(index=False))
    from emgkit.analysis.interpret import interpret

    flags = interpret(result)
    if flags:
        print("\nInterpretation (literature-grounded; not a diagnosis):")
        for f in flags:
            print(f"  [{f.level}] {f.message}")
    else:
        for note in result.notes:
            print(f"\nnote: {note}")
