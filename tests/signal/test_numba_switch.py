"""EMGKIT_NUMBA=0 runs the kernels as plain Python with the same results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import json, numpy as np
from emgkit.signal import _numba
from emgkit.signal import (StreamingEnvelope, emg_amplitude, linear_envelope, moving_rms,
                           preprocess, sosfilt, tkeo, design_bandpass)
rng = np.random.default_rng(42)
x = rng.standard_normal((400, 17)) * 30
fs = 1000.0
se = StreamingEnvelope(fs, 17, rms_window=0.02)
out = {
    "numba": _numba.NUMBA_ENABLED,
    "amp": emg_amplitude(x, fs, rms_window=0.02, trunk_highpass=[1]).tolist(),
    "pre": preprocess(x, fs, raw_mask=np.arange(17) != 3).tolist(),
    "causal": sosfilt(design_bandpass(fs), x).tolist(),
    "rms": moving_rms(x, fs, 0.015, center=False).tolist(),
    "lin": linear_envelope(x, fs).tolist(),
    "tkeo": tkeo(x).tolist(),
    "stream": np.vstack([se.process(x[:77]), se.process(x[77:])]).tolist(),
}
print(json.dumps(out))
"""


def _run(flag: str) -> dict[str, object]:
    env = dict(os.environ, EMGKIT_NUMBA=flag, EMGKIT_COLD_SCIPY_BELOW="0")  # kernels, not scipy
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_python_fallback_matches_numba() -> None:
    on, off = _run("1"), _run("0")
    assert on.pop("numba") is True
    assert off.pop("numba") is False
    for key, val in on.items():
        a, b = np.asarray(val), np.asarray(off[key])
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * np.abs(a).max(), err_msg=key)
