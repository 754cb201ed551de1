"""analysis.quality.assess_recording: the contract used by the bridge analysis and the report."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.analysis.quality import ISSUE_CODES, QualityAssessment, assess_recording
from emgkit.simulate import ECG, Clipping, FlatChannel, Mains, synthesize_session


@pytest.fixture(scope="module")
def clean() -> tuple:
    return synthesize_session("healthy", fs=1000, seed=3)


def test_clean_session_all_ok_and_untouched(clean: tuple) -> None:
    rec, _ = clean
    qa = assess_recording(rec)
    assert isinstance(qa, QualityAssessment)
    assert list(qa.channels.index) == rec.channel_names
    for col in (
        "muscle",
        "side",
        "status",
        "issues",
        "detail",
        "mains_db",
        "ecg_rate_bpm",
        "noise_floor_uv",
        "clipped_fraction",
    ):
        assert col in qa.channels.columns
    assert (qa.channels["status"] == "ok").all(), qa.channels[["issues", "detail"]]
    assert qa.actions == ()
    np.testing.assert_array_equal(qa.recording.data, rec.data)
    assert qa.recording is not rec


def test_mains_detected_notched_and_said(clean: tuple) -> None:
    rec, _ = clean
    hum, _ = synthesize_session(
        "healthy", fs=1000, seed=3, faults=[Mains(50.0, 100.0, channels=("glute_max_L",))]
    )
    qa = assess_recording(hum)
    ch = qa.channels
    assert ch.at["glute_max_L", "status"] == "warn"
    assert "mains" in ch.at["glute_max_L", "issues"].split(";")
    assert ch.at["glute_max_L", "mains_uv"] == pytest.approx(100 / np.sqrt(2), rel=0.1)
    assert all(ch.at[n, "issues"] == "" for n in rec.channel_names if n != "glute_max_L")
    assert any("50 Hz" in a and "glute_max_L" in a for a in qa.actions)
    i = rec.channel_index("glute_max_L")
    # the hum is gone and the sEMG kept: the cleaned channel is the clean one within 3 % of
    # the hum's RMS (a notch would also remove the sEMG at 50, 150, 250 Hz)
    resid = qa.recording.data[2000:-2000, i] - rec.data[2000:-2000, i]
    assert np.sqrt(np.mean(resid**2)) < 0.03 * (100 / np.sqrt(2))
    # other channels untouched
    j = rec.channel_index("glute_max_R")
    np.testing.assert_array_equal(qa.recording.data[:, j], hum.data[:, j])


def test_flat_and_clipping_fail() -> None:
    rec, _ = synthesize_session(
        "healthy",
        fs=1000,
        seed=4,
        faults=[FlatChannel(channels=("hamstrings_R",)), Clipping(80.0, channels=("glute_max_R",))],
    )
    ch = assess_recording(rec).channels
    assert ch.at["hamstrings_R", "status"] == "fail"
    assert ch.at["hamstrings_R", "issues"] == "flat"
    assert ch.at["glute_max_R", "status"] == "fail"
    assert "clipping" in ch.at["glute_max_R", "issues"]
    assert "gain" in ch.at["glute_max_R", "detail"]
    assert set(";".join(ch["issues"]).replace(";", " ").split()) <= set(ISSUE_CODES)


@pytest.mark.parametrize("fs", [1000, 250])
def test_ecg_on_trunk_detected_and_subtracted(fs: int) -> None:
    rec, _ = synthesize_session("healthy", fs=fs, seed=5, faults=[ECG(70.0, 1000.0)])
    ref, _ = synthesize_session("healthy", fs=fs, seed=5)
    qa = assess_recording(rec)
    ch = qa.channels
    for name in ("erector_L", "erector_R"):
        assert "ecg" in ch.at[name, "issues"].split(";")
        assert ch.at[name, "ecg_rate_bpm"] == pytest.approx(70.0, rel=0.1)
        i = rec.channel_index(name)
        before = np.sqrt(np.mean((rec.data[:, i] - ref.data[:, i]) ** 2))
        after = np.sqrt(np.mean((qa.recording.data[:, i] - ref.data[:, i]) ** 2))
        assert after < 0.2 * before, (name, before, after)
    assert "ecg" not in ";".join(ch.loc[["glute_max_L", "hamstrings_R"], "issues"])
    assert any("ECG" in a for a in qa.actions)


def test_noise_only_recording_fails_amplitude() -> None:
    rec, _ = synthesize_session("healthy", fs=1000, seed=6)
    rng = np.random.default_rng(0)
    noise = rec.with_data(2.3 * rng.standard_normal(rec.data.shape))
    ch = assess_recording(noise).channels
    assert (ch["status"] == "fail").all()
    assert ch["issues"].str.contains("noise_floor").all()
    assert ch["detail"].str.contains("no contraction clearly above the noise").all()
