"""Smoke tests on a real device: ``pytest -m hardware --port /dev/ttyUSB0 --device cyton``.

Skipped unless ``--port`` is given (see tests/conftest.py). They run the same code paths as the
emulator tests: probe, handshake, stream, journal, BDF+.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.hardware, pytest.mark.timeout(120)]


def test_device_is_identified(hardware: tuple[str, str]) -> None:
    from emgkit.acquisition.ports import probe_port

    device, port = hardware
    kind, detail = probe_port(port, timeout=3.0)
    expected = "arduino" if device == "arduino" else "cyton"
    assert expected in kind, (kind, detail)


def test_records_five_seconds_without_loss(hardware: tuple[str, str], tmp_path: Path) -> None:
    from emgkit.app.record import record
    from emgkit.io import read

    device, port = hardware
    path = record(device, port, out=tmp_path / "hw.bdf", duration=5.0)
    rec = read(path)
    assert rec.duration == pytest.approx(5.0, abs=0.5)
    assert rec.n_missing <= 0.01 * rec.n_samples, rec.gaps  # at most 1 % lost on a good link
    emg = rec.pick(kind="raw").data
    finite = emg[np.isfinite(emg).all(axis=1)]
    # electrodes or not, a live ADC is never exactly constant on every channel
    assert (finite.std(axis=0) > 0).any()
