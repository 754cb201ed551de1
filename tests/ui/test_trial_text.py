"""The page announces the hold a trial really has (a shortened protocol holds 1 s, not "5 s")."""

from __future__ import annotations

from emgkit.app.ui.session import _trial_dict
from emgkit.protocol import load_protocol


def test_shortened_protocol_announces_its_own_hold_time() -> None:
    full = load_protocol("bridge")
    short = full.shortened(max_reps=2, rest_scale=0.3, hold_scale=0.2)
    spoken = [t for t in full.trials if "Hold 5 s" in (t.instructions or "")]
    assert spoken, "the shipped protocol announces 5 s holds"
    by_id = {t.id: t for t in short.trials}
    for t in spoken:
        d = _trial_dict(by_id[t.id])
        assert "Hold 5 s" not in d["instructions"]
        assert f"Hold {by_id[t.id].hold_s:g} s" in d["instructions"]
