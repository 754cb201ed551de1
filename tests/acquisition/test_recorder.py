"""Recorder API (start / add_marker / stop from another thread), record(), live view pieces."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from emgkit.acquisition.live import LiveView, channel_quality
from emgkit.acquisition.recorder import Recorder
from emgkit.app.record import record
from emgkit.devices.cyton import parser as cyton
from emgkit.devices.cyton.model import CytonModel
from emgkit.errors import ConfigError, DeviceError
from emgkit.io.edf import read_edf
from emgkit.simulate.emulators import Emulator

pytestmark = pytest.mark.timeout(60)


def test_markers_pain_and_stop_from_another_thread(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(0, 30, (250 * 20, 8))
    emu = Emulator(CytonModel(x, loop=False), realtime=True).start()
    try:
        r = Recorder("cyton", emu.port, out=tmp_path / "api.bdf", subject="P-07").start()
        deadline = time.monotonic() + 10
        while r.n_samples < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        s1 = r.add_marker("hold", "start", trial="bridge_L")
        s2 = r.add_pain(6)
        threading.Timer(0.3, r.request_stop).start()
        r.wait()  # returns when the other thread asks to stop
        path = r.stop()
    finally:
        emu.stop()
    back = read_edf(path)
    ev = [(e.label, e.value, e.trial) for e in back.events]
    assert ("hold", "start", "bridge_L") in ev and ("pain", "6", "") in ev
    onsets = {e.label: e.onset for e in back.events}
    assert onsets["hold"] == pytest.approx(s1 / 250.0) and onsets["pain"] == pytest.approx(s2 / 250)
    assert back.info.subject == "P-07"
    assert back.channel_names[:2] == ["glute_max_L", "glute_max_R"]
    assert back.gaps == []
    exp = cyton.counts_to_uv(cyton.uv_to_counts(x[: back.n_samples]))
    q = np.ptp(exp) / 2**23 + 1e-9
    np.testing.assert_allclose(back.data, exp, atol=q)


def test_record_emulated_device_duration(tmp_path: Path) -> None:
    out = record(
        "emulated-cyton",
        out=tmp_path / "emu.bdf",
        duration=2.0,
        emulator={"realtime": False, "samples_uv": np.zeros((1000, 8)) + 12.0},
    )
    back = read_edf(out)
    assert back.n_samples >= 500 and back.gaps == []
    np.testing.assert_allclose(back.data, 12.0, atol=0.03)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="unknown device"):
        Recorder("biosemi", "/dev/ttyUSB0")
    with pytest.raises(ConfigError, match="emgkit devices"):
        Recorder("cyton")
    with pytest.raises(ConfigError, match="fixed 250 Hz"):
        Recorder("cyton", "/dev/x", fs=1000)
    with pytest.raises(DeviceError, match="no such serial port"):
        Recorder("cyton", "/dev/no-such-emgkit-port").start()


def test_channel_quality_known_answers() -> None:
    fs = 1000.0
    t = np.arange(2000) / fs
    rng = np.random.default_rng(1)
    flat = np.full_like(t, 3.0)
    mains = 100 * np.sin(2 * np.pi * 50 * t) + rng.normal(0, 5, t.size)
    clip = np.clip(rng.normal(0, 100, t.size), -150, 150)
    q = channel_quality(np.column_stack([flat, mains, clip]), fs)
    assert q[0].flat and q[0].flags == "FLAT"
    assert q[1].mains_hz == 50 and q[1].mains_uv == pytest.approx(100 / np.sqrt(2), rel=0.02)
    assert "MAINS50" in q[1].flags and not q[1].flat
    assert q[2].clipping > 0.1 and "CLIP" in q[2].flags
    assert q[1].noise_floor_uv == pytest.approx(np.sqrt(100**2 / 2 + 25), rel=0.05)


def test_quantised_quiet_channel_is_not_clipping() -> None:
    # a relaxed muscle on a 12-bit MyoWare ADC: ~2.4 uV RMS noise in 4.03 uV steps spans only a
    # few levels and piles up at its extremes; that is quantisation, not clipping
    fs = 1000.0
    step = 3300.0 / 4095 / 200 * 1000  # uV per count at RAW gain 200
    rng = np.random.default_rng(4)
    quiet = np.round(rng.normal(0, 2.4, 1000) / step) * step
    loud = np.round(np.clip(rng.normal(0, 400, 1000), -800, 800) / step) * step  # at the rails
    q = channel_quality(np.column_stack([quiet, loud]), fs)
    assert np.unique(quiet).size < 10
    assert q[0].clipping == 0.0 and "CLIP" not in q[0].flags
    assert q[1].clipping > 0.02 and "CLIP" in q[1].flags


def test_live_view_log_lines_when_not_a_tty(tmp_path: Path) -> None:
    x = np.random.default_rng(2).normal(0, 30, (600, 8))
    emu = Emulator(CytonModel(x, loop=False), realtime=False).start()
    buf = io.StringIO()
    try:
        r = Recorder("cyton", emu.port, out=tmp_path / "live.bdf").start()
        view = LiveView(r, stream=buf, log_every=0.0).start()
        assert emu.wait_done(10)
        deadline = time.monotonic() + 10
        while r.stats.bytes_in < emu.truth.bytes_written and time.monotonic() < deadline:
            time.sleep(0.01)
        view.tick()
        view.close()
        r.stop()
    finally:
        emu.stop()
    text = buf.getvalue()
    assert text.startswith("[live] cyton") and "lost 0 (0.00%)" in text
    assert "glute_max_L=" in text and "\x1b[" not in text


def test_an_overlong_subject_fails_before_recording_starts(tmp_path: Path) -> None:
    """Issue 11: a pseudonym longer than the BDF+ field used to fail only at finalise."""
    with pytest.raises(ConfigError, match=r"--subject.*74"):
        Recorder("emulated-cyton", out=tmp_path / "s.bdf", subject="P" * 81)
    assert not (tmp_path / "s.bdf.journal").exists()
    Recorder("emulated-cyton", out=tmp_path / "s.bdf", subject="P" * 74)  # fits
