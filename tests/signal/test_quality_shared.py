"""One clipping rule and one mains rule: the live view, the report and the analysis gate agree."""

from __future__ import annotations

import numpy as np

from emgkit.acquisition import live
from emgkit.analysis.quality import assess_recording
from emgkit.recording import Event, Recording, SessionInfo
from emgkit.report._quality import signal_quality
from emgkit.signal import quality as sq


def _rec() -> Recording:
    fs = 1000.0
    n = int(20 * fs)
    rng = np.random.default_rng(7)
    t = np.arange(n) / fs
    burst = np.where((t > 12) & (t < 16), 200.0, 3.0)
    x = burst * rng.standard_normal(n)
    # 0.5 % of samples at the rails: clipping by the one rule (0.1 %); the old live view
    # (1 %) let it pass while the report flagged it
    lim = np.quantile(np.abs(x), 0.995)
    clipped = np.clip(x, -lim, lim)
    hum = x + 30.0 * np.sin(2 * np.pi * 50 * t)
    return Recording(
        np.column_stack([x, clipped, hum]),
        fs,
        ["clean", "clipped", "hum"],
        events=[Event(0.0, 10.0, "trial", "rest")],
        info=SessionInfo(power_line_hz=50.0),
    )


def test_live_view_report_and_gate_give_the_same_verdicts() -> None:
    rec = _rec()
    assert live.channel_quality is sq.channel_quality  # the view has no rule of its own
    frac = sq.clipped_fraction(rec.data)
    assert 0.004 < frac[1] < 0.006 and frac[0] == 0.0
    view = sq.channel_quality(rec.data, rec.fs, power_line_hz=50.0)
    assert [("CLIP" in q.flags, "MAINS50" in q.flags) for q in view] == [
        (False, False),
        (True, False),
        (False, True),
    ]
    rep = signal_quality(rec).set_index("channel")["status"]
    assert rep.to_dict() == {"clean": "ok", "clipped": "clipping", "hum": "mains 50 Hz"}
    gate = assess_recording(rec).channels
    assert gate.loc["clipped", "status"] == "fail" and "clipping" in gate.loc["clipped", "issues"]
    assert "mains" in gate.loc["hum", "issues"].split(";")
    assert gate.loc["clean", "issues"] == ""
