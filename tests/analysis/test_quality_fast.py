"""assess_recording without copies, and the quality measures with numba off (EMGKIT_NUMBA=0).

- nothing cleaned: the assessment's recording shares the input's samples, read-only (a write
  raises instead of changing the caller's recording); something cleaned: a writable copy, the
  input untouched;
- tonic_fraction with a precomputed peak equals the one computing it;
- the numpy implementations of the quality kernels give the kernels' verdicts and measures
  (subprocess with EMGKIT_NUMBA=0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from emgkit.analysis.quality import assess_recording
from emgkit.protocol import load_protocol
from emgkit.signal import quality as sq
from emgkit.simulate import Mains, synthesize_session

PROTO = load_protocol("bridge").shortened(max_reps=1, rest_scale=0.3)


def test_nothing_cleaned_shares_the_samples_read_only() -> None:
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=PROTO, seed=4)
    before = rec.data.copy()
    qa = assess_recording(rec)
    assert qa.actions == ()
    assert qa.recording is not rec
    assert np.shares_memory(qa.recording.data, rec.data)
    assert not qa.recording.data.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        qa.recording.data[0, 0] = 1.0
    assert rec.data.flags.writeable
    np.testing.assert_array_equal(rec.data, before)


def test_cleaned_recording_is_a_writable_copy() -> None:
    rec, _ = synthesize_session(
        "healthy", fs=1000.0, protocol=PROTO, seed=4, faults=[Mains(50.0, 30.0)]
    )
    before = rec.data.copy()
    qa = assess_recording(rec)
    assert any("hum" in a for a in qa.actions)
    assert not np.shares_memory(qa.recording.data, rec.data)
    assert qa.recording.data.flags.writeable
    np.testing.assert_array_equal(rec.data, before)
    assert not np.array_equal(qa.recording.data, rec.data)


def test_tonic_fraction_with_precomputed_peak() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 5.0, (20_000, 3))
    x[8000:12_000] *= 20.0
    top = np.nanpercentile(sq.rms_levels(x, 1000.0), 99, axis=0)
    np.testing.assert_array_equal(
        sq.tonic_fraction(x, 1000.0, (1.0, 6.0), top=top), sq.tonic_fraction(x, 1000.0, (1.0, 6.0))
    )


SCRIPT = r"""
import json, numpy as np
from emgkit.signal import _numba, quality as sq
rng = np.random.default_rng(7)
fs, n = 2000.0, 10_000  # 5 s: decimated low band; short because numba-off filters are slow
t = np.arange(n) / fs
x = rng.normal(0.0, 3.0, (n, 3))
x[:, 0] += 300 * np.sin(2 * np.pi * 0.7 * t) + 20 * np.sin(2 * np.pi * 50 * t)
m = (t >= 2.5) & (t < 2.56)
x[m, 1] += 2000 * np.sin(np.pi * (t[m] - 2.5) / 0.06)
x[:, 2] = np.clip(np.round(x[:, 2] * 40), -100, 100)
clip, flat, _ = sq.clipped_and_flat(x)
wander, events = sq.wander_and_motion(x, fs)
ml = sq.mains_level(x, fs)
print(json.dumps({
    "numba": _numba.NUMBA_ENABLED,
    "clip": clip.tolist(), "flat": flat.tolist(), "wander": wander.tolist(),
    "events": [e.tolist() for e in events], "db": ml.db.tolist(), "harm": ml.harmonics,
    "rms": sq.rms_levels(x, fs).tolist(),
}))
"""


def _run(flag: str) -> dict[str, object]:
    env = dict(os.environ, EMGKIT_NUMBA=flag)
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_numpy_fallbacks_give_the_kernels_results() -> None:
    on, off = _run("1"), _run("0")
    assert on["numba"] is True and off["numba"] is False
    assert on["clip"] == off["clip"] and on["flat"] == off["flat"]
    assert on["harm"] == off["harm"] and on["events"] == off["events"]
    assert len(on["events"][1]) == 1 and on["clip"][2] > sq.CLIP_FRACTION  # type: ignore[index]
    assert on["harm"][0] == [1]  # type: ignore[index]
    np.testing.assert_allclose(on["wander"], off["wander"], rtol=1e-9)
    np.testing.assert_allclose(on["db"], off["db"], atol=1e-4)
    np.testing.assert_allclose(on["rms"], off["rms"], rtol=1e-12)
