"""The documented bursts of real recordings are found through the public API (reader + signal
chain), as each shared/data/real/*/SOURCE.txt describes them.

BioSPPy, UCI lower-limb and Ganglion/MyoWare bursts are checked in tests/signal/test_onset.py;
this file covers the gait (Santuz) and Cyton GUI recordings.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest

from emgkit import BandLimitWarning
from emgkit.io import read
from emgkit.signal import bandpass, detect_onsets, remove_mains


def _overlap(iv: np.ndarray, a: float, b: float) -> float:
    return float(np.clip(np.minimum(iv[:, 1], b) - np.maximum(iv[:, 0], a), 0, None).sum())


@pytest.mark.parametrize("method", ["tkeo", "hodges_bui"])
def test_gait_glute_max_fires_once_per_stride_before_touchdown(
    real_data: Path, method: str
) -> None:
    # Santuz et al. 2019, treadmill walking: gluteus maximus (MA) is active around each foot
    # touchdown (touchdowns from the file's cycle table, SOURCE.txt)
    folder = real_data / "santuz-gait-13muscles"
    rec = read(folder / "RAW_DATA_ID0012_TW_01_emg.derived.csv")
    touchdowns = np.loadtxt(
        folder / "RAW_DATA_ID0012_TW_01_cycles.derived.csv", delimiter=",", skiprows=1
    )[:, 0]
    assert len(touchdowns) == 6
    x = rec.pick(["MA"]).data[:, 0]
    iv = detect_onsets(bandpass(x, rec.fs), rec.fs, method=method)
    for td in touchdowns:
        # a burst starts in late swing (0-200 ms before touchdown) and is still on at touchdown
        hit = iv[(iv[:, 0] >= td - 0.2) & (iv[:, 0] <= td) & (iv[:, 1] > td)]
        assert len(hit) == 1, (td, iv)
    # quiet in mid-stance/swing: at most one short stray detection over the whole trial
    quiet = [(td + 0.35, nxt - 0.2) for td, nxt in itertools.pairwise(touchdowns)]
    stray = sum(_overlap(iv, a, b) for a, b in quiet)
    assert stray < 0.05


def test_cyton_gui_jaw_clench_bursts(real_data: Path) -> None:
    # OpenBCI GUI v6 sample (a real Cyton, 250 Hz, scalp EEG): jaw-clench EMG at ~8-13 s and
    # ~82-89 s on EXG channels 2-5 after a 60 Hz notch and a 25-55 Hz band-pass (SOURCE.txt)
    rec = read(real_data / "openbci-cyton-gui-sample/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    assert rec.fs == 250.0 and rec.band_limited
    emg = rec.pick(kind="raw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        y = bandpass(
            remove_mains(emg.filled().data, rec.fs, freq=60.0, harmonics=1), rec.fs, 25, 55
        )
    for c in (2, 3, 4, 5):
        iv = detect_onsets(y[:, c], rec.fs, method="hodges_bui")
        # measured: 1.6-3.2 s of activity in each 5-8 s window, 0.5-1.5 s elsewhere in 5-80 s
        assert _overlap(iv, 8, 13) > 1.2, c
        assert _overlap(iv, 82, rec.duration) > 2.0, c
        elsewhere = _overlap(iv, 5, 80) - _overlap(iv, 8, 13)
        assert elsewhere < 2.0, c
        assert _overlap(iv, 8, 13) + _overlap(iv, 82, rec.duration) > 2 * elsewhere
