"""The ``mvc_side_lower`` hint: one side lower in microvolts in BOTH the MVC and the bridge.

One analysed session (no electrode spread, ``mvc_cv`` 0) is edited by hand: its glute max
MVC and bridge amplitudes are scaled on one side by known factors, so the rule's decision
and its evidence can be asserted exactly.
"""

from __future__ import annotations

import dataclasses
import warnings
from functools import cache

import numpy as np
import pytest

from emgkit import BandLimitWarning
from emgkit.analysis.bridge import BridgeResult, analyze_bridge
from emgkit.analysis.interpret import MVC_UV_LOWER_RATIO, Flag, interpret
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session
from emgkit.simulate.profiles import get_profile

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)


@cache
def _base() -> BridgeResult:
    prof = dataclasses.replace(get_profile("healthy"), mvc_cv=0.0)
    rec, _ = synthesize_session(prof, fs=1000.0, protocol=PROTOCOL, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        return analyze_bridge(rec, PROTOCOL)


def _edited(
    side: str, mvc: float, bridge: float, bridge_spread: float = 0.0, equalise: bool = True
) -> BridgeResult:
    """The base result with glute max of ``side`` scaled: MVC by ``mvc``, bridges by ``bridge``.

    ``equalise`` first sets the other side's values to this side's, so the ratios are exact;
    ``bridge_spread`` alternates the scaled side's double-leg reps by +- that log amount.
    """
    res = _base()
    other = "left" if side == "right" else "right"
    mv = res.mvc.copy()
    g = mv["muscle"] == "glute_max"
    if equalise:
        ref = float(mv.loc[g & (mv["side"] == other), "mvc_uv"].mean())
        mv.loc[g, "mvc_uv"] = ref
    mv.loc[g & (mv["side"] == side), "mvc_uv"] *= mvc
    reps = res.reps.copy()
    gr = reps["muscle"] == "glute_max"
    key = ["trial", "rep", "side_task"]
    if equalise:
        o = reps[gr & (reps["side"] == other)].set_index(key)["amplitude_uv"]
        mine = gr & (reps["side"] == side)
        idx = reps.loc[mine, key].apply(tuple, axis=1)
        reps.loc[mine, "amplitude_uv"] = idx.map(o).to_numpy()
    mine = gr & (reps["side"] == side)
    reps.loc[mine, "amplitude_uv"] *= bridge
    if bridge_spread:
        dlb = mine & (reps["task"] == "double_leg_bridge")
        k = np.arange(int(dlb.sum()))
        reps.loc[dlb, "amplitude_uv"] *= np.exp(bridge_spread * np.where(k % 2, 1.0, -1.0))
    return dataclasses.replace(res, mvc=mv, reps=reps)


def _hint(res: BridgeResult) -> list[Flag]:
    return [f for f in interpret(res) if f.code == "mvc_side_lower"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_both_lower_beyond_the_margin_is_hinted_on_that_side(side: str) -> None:
    hint = _hint(_edited(side, mvc=0.6, bridge=0.65))
    assert len(hint) == 1 and hint[0].side == side and hint[0].level == "info"
    ev = hint[0].evidence
    assert ev["mvc_uv_ratio"] == pytest.approx(0.6, rel=1e-9)
    # the double-leg bridge reps are paired rep by rep: the ratio is exact, the interval tight
    assert ev["bridge_uv_ratio"] == pytest.approx(0.65, rel=1e-9)
    assert ev["bridge_uv_ratio_low"] == pytest.approx(0.65, rel=1e-6)
    assert ev["bridge_uv_ratio_high"] == pytest.approx(0.65, rel=1e-6)
    assert ev["bridge_from_double_leg"] == 1.0 and ev["bridge_n_reps"] >= 3
    assert ev["margin_ratio"] == MVC_UV_LOWER_RATIO == 0.75
    msg = hint[0].message
    assert "40 % lower" in msg and "35 % lower" in msg
    # says what it can and cannot support, and the basis of the rule
    assert "hidden" in msg and "electrode" in msg and "not a finding" in msg
    assert "convention" in msg and "0.28" in msg


def test_mvc_lower_but_bridge_not_gives_no_hint() -> None:
    assert not _hint(_edited("right", mvc=0.6, bridge=1.0))
    # the bridge lower on the OTHER side: no hint either
    assert not _hint(_edited("right", mvc=0.6, bridge=1.5))


def test_bridge_lower_but_mvc_within_the_margin_gives_no_hint() -> None:
    assert not _hint(_edited("right", mvc=0.8, bridge=0.6))
    assert _hint(_edited("right", mvc=0.74, bridge=0.6))  # just beyond it: hinted


def test_bridge_interval_reaching_the_margin_gives_no_hint() -> None:
    # mean bridge ratio 0.70 (beyond 0.75), but the rep-to-rep spread is so large that the
    # 95 % interval of the paired ratio reaches past the margin: no hint
    res = _edited("right", mvc=0.6, bridge=0.70, bridge_spread=0.3)
    assert not _hint(res)
    res = _edited("right", mvc=0.6, bridge=0.70, bridge_spread=0.01)
    (h,) = _hint(res)
    assert h.evidence["bridge_uv_ratio_high"] < MVC_UV_LOWER_RATIO < 1.0


def test_unedited_symmetric_session_gives_no_hint() -> None:
    assert not _hint(_base())
