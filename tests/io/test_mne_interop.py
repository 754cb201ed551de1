"""An OpenBCI GUI recording converted to BDF+ by emgkit opens in MNE-Python with the same data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgkit.io import read, write_bdf


def test_openbci_gui_file_to_bdf_opens_in_mne(real_data: Path, tmp_path: Path) -> None:
    mne = pytest.importorskip("mne", reason="MNE-Python not installed (optional test dependency)")
    src = next((real_data / "openbci-cyton-gui-sample").glob("*.txt"))
    rec = read(src, montage="bridge8")
    out = write_bdf(rec, tmp_path / "cyton.bdf")
    raw = mne.io.read_raw_bdf(out, preload=True, verbose="error")
    assert raw.info["sfreq"] == rec.fs == 250.0
    assert raw.ch_names == rec.channel_names
    assert raw.n_times >= rec.n_samples  # zero-padded to whole 1-s data records
    got = raw.get_data()[:, : rec.n_samples].T  # MNE: volts for the uV channels
    emg = [i for i, c in enumerate(rec.channels) if c.units == "uV"]
    assert len(emg) == 8
    steps = [2 * np.nanmax(np.abs(rec.data[:, i])) / (2**24 - 1) for i in emg]
    err = np.nanmax(np.abs(got[:, emg] * 1e6 - rec.data[:, emg]), axis=0)
    assert np.all(err <= np.maximum(np.array(steps), 0.03) + 1e-9), (err, steps)
    # the data are not trivially equal: the channels carry signal of tens of mV offsets
    assert np.nanstd(rec.data[:, emg], axis=0).min() > 1.0
    # non-volt channels (accelerometer in g) are not rescaled by MNE
    acc = [i for i, c in enumerate(rec.channels) if c.units == "g"]
    if acc:
        np.testing.assert_allclose(got[:, acc], rec.data[:, acc], atol=1e-3)
