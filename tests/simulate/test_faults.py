"""Faults are visible where applied and nowhere else, and the ground truth lists them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from emgkit import ConfigError, load_protocol
from emgkit.simulate import (
    ECG,
    BaselineWander,
    Clipping,
    ElectrodePop,
    Fatigue,
    FlatChannel,
    Mains,
    MotionSpikes,
    synthesize_session,
)
from emgkit.simulate.faults import ecg_template

FS = 1000.0
SEED = 7
PROTO = load_protocol("bridge").shortened(max_reps=2, rest_scale=0.1)


@pytest.fixture(scope="module")
def clean():
    return synthesize_session("healthy", fs=FS, protocol=PROTO, seed=SEED)


def _with(*faults, fs=FS):
    return synthesize_session("healthy", fs=fs, protocol=PROTO, seed=SEED, faults=faults)


def _assert_only(rec, clean_rec, names):
    """Channels in ``names`` differ from the clean recording; all others are bit-identical."""
    for ci, name in enumerate(rec.channel_names):
        same = np.array_equal(rec.data[:, ci], clean_rec.data[:, ci])
        assert same == (name not in names), name


def _span(ev, fs=FS):
    return round(ev.onset * fs), round(ev.offset * fs)


def _psd_at(x, f0, fs=FS):
    f, p = welch(x, fs, nperseg=int(fs), axis=0)
    return p[np.argmin(np.abs(f - f0))]


def test_mains_peak_only_on_selected_channels(clean) -> None:
    rec, truth = _with(Mains(50.0, 15.0, channels=("glute_max_L", "hamstrings")))
    hit = ["glute_max_L", "hamstrings_L", "hamstrings_R"]
    _assert_only(rec, clean[0], hit)
    i0, i1 = _span(rec.events_for("trial", "rest")[0])
    for ci, name in enumerate(rec.channel_names):
        p50 = _psd_at(rec.data[i0:i1, ci], 50.0)
        p50_clean = _psd_at(clean[0].data[i0:i1, ci], 50.0)
        if name in hit:
            assert p50 > 100 * p50_clean
            assert _psd_at(rec.data[i0:i1, ci], 150.0) > 10 * _psd_at(
                clean[0].data[i0:i1, ci], 150.0
            )
            diff = rec.data[:, ci] - clean[0].data[:, ci]
            # fundamental 15 uV peak + 30 % 3rd + 10 % 5th harmonic
            assert np.sqrt(np.mean(diff**2)) == pytest.approx(
                15.0 * np.sqrt((1 + 0.3**2 + 0.1**2) / 2), rel=1e-3
            )
        else:
            assert p50 == p50_clean
    (rec_f,) = truth.faults
    assert rec_f["type"] == "Mains" and rec_f["channels"] == hit
    assert rec.info.power_line_hz == 50.0


def test_mains_60hz_at_250hz_skips_harmonics_above_nyquist() -> None:
    rec, _ = _with(Mains(60.0, 10.0), fs=250.0)
    i0, i1 = _span(rec.events_for("trial", "rest")[0], 250.0)
    f, p = welch(rec.data[i0:i1, 0], 250.0, nperseg=250)
    assert f[np.argmax(p)] == pytest.approx(60.0)


def test_fault_window_limits_the_fault(clean) -> None:
    rec, _ = _with(Mains(50.0, 20.0, channels=("erector_L",), start_s=5.0, stop_s=8.0))
    diff = rec.data[:, 4] - clean[0].data[:, 4]
    assert np.all(diff[: int(5 * FS)] == 0) and np.all(diff[int(8 * FS) :] == 0)
    assert np.abs(diff[int(5 * FS) : int(8 * FS)]).max() > 15


def test_baseline_wander_is_slow_and_has_the_given_rms(clean) -> None:
    rec, _ = _with(BaselineWander(amplitude_uv=80.0, max_freq_hz=0.5, channels=("left",)))
    hit = ["glute_max_L", "hamstrings_L", "erector_L"]
    _assert_only(rec, clean[0], hit)
    for ci in (0, 2, 4):
        diff = rec.data[:, ci] - clean[0].data[:, ci]
        assert np.sqrt(np.mean(diff**2)) == pytest.approx(80.0, rel=1e-6)
        spec = np.abs(np.fft.rfft(diff)) ** 2
        f = np.fft.rfftfreq(diff.size, 1 / FS)
        assert spec[f <= 1.0].sum() > 0.995 * spec.sum()  # leakage of non-periodic tones


def test_ecg_on_erector_channels_by_default(clean) -> None:
    rec, truth = _with(ECG(rate_bpm=70.0, amplitude_uv=100.0))
    _assert_only(rec, clean[0], ["erector_L", "erector_R"])
    (f,) = truth.faults
    peaks = np.array(f["r_peaks_s"])
    assert len(peaks) == pytest.approx(rec.duration * 70 / 60, rel=0.1)
    rr = np.diff(peaks)
    assert 60 / 70 * 0.9 < rr.mean() < 60 / 70 * 1.1
    idx = np.round(peaks * FS).astype(int)
    for ci, gain in ((4, 1.0), (5, 0.6)):
        diff = rec.data[:, ci] - clean[0].data[:, ci]
        assert np.allclose(diff[idx], 100.0 * gain, rtol=0.02)
        assert np.abs(diff).max() == pytest.approx(100.0 * gain, rel=0.02)
    tpl, r = ecg_template(FS)
    assert tpl[r] == 1.0 and np.argmax(tpl) == r


def test_ecg_needs_trunk_channels_or_a_selection() -> None:
    from emgkit.montage import Montage, load_montage

    m = load_montage("bridge6")
    legs = Montage("legs", m.channels[:4])
    with pytest.raises(ConfigError, match="no trunk channel"):
        synthesize_session(protocol=PROTO, montage=legs, faults=[ECG()])
    rec, _ = synthesize_session(
        protocol=PROTO, montage=legs, fs=FS, faults=[ECG(channels=("glute_max_L",))]
    )
    assert rec.n_channels == 4


def test_motion_spikes_at_given_times_only(clean) -> None:
    times = (20.0, 40.5)
    w = 0.03
    rec, truth = _with(
        MotionSpikes(amplitude_uv=400.0, width_s=w, times_s=times, channels=("glute_max_R",))
    )
    _assert_only(rec, clean[0], ["glute_max_R"])
    diff = rec.data[:, 1] - clean[0].data[:, 1]
    near = np.zeros(diff.size, dtype=bool)
    for t in times:
        near[round((t - 5 * w) * FS) : round((t + 5 * w) * FS) + 1] = True
        seg = np.abs(diff[round((t - 5 * w) * FS) : round((t + 5 * w) * FS) + 1])
        assert 200.0 - 1e-9 <= seg.max() <= 400.0 + 1e-9
    assert np.all(diff[~near] == 0)
    assert truth.faults[0]["times_s"] == list(times)


def test_electrode_pop_step_and_exponential_decay(clean) -> None:
    rec, truth = _with(
        ElectrodePop(amplitude_uv=800.0, tau_s=0.2, times_s=(30.0,), channels=("hamstrings_L",))
    )
    _assert_only(rec, clean[0], ["hamstrings_L"])
    diff = rec.data[:, 2] - clean[0].data[:, 2]
    i0 = round(30.0 * FS)
    assert np.all(diff[:i0] == 0)
    assert abs(diff[i0]) == pytest.approx(800.0)
    assert abs(diff[i0 + round(0.2 * FS)]) == pytest.approx(800.0 / np.e, rel=1e-6)
    assert truth.faults[0]["times_s"] == {"hamstrings_L": [30.0]}


def test_random_pops_and_spikes_are_deterministic() -> None:
    faults = (ElectrodePop(rate_per_min=3.0), MotionSpikes(rate_per_min=4.0))
    a, ta = _with(*faults)
    b, tb = _with(*faults)
    assert np.array_equal(a.data, b.data) and ta.faults == tb.faults
    assert sum(len(v) for v in ta.faults[0]["times_s"].values()) > 0


def test_clipping_at_the_limit(clean) -> None:
    rec, _ = _with(Clipping(limit_uv=150.0, channels=("glute_max",)))
    _assert_only(rec, clean[0], ["glute_max_L", "glute_max_R"])
    for ci in (0, 1):
        x, x0 = rec.data[:, ci], clean[0].data[:, ci]
        assert np.abs(x).max() == 150.0
        assert (np.abs(x) == 150.0).sum() > 100
        inside = np.abs(x0) < 150.0
        assert np.array_equal(x[inside], x0[inside])


def test_flat_channel_is_flat_and_clipping_comes_last(clean) -> None:
    rec, truth = _with(
        Clipping(limit_uv=100.0, channels=("erector_R",)),
        FlatChannel(level_uv=-3.0, channels=("erector_R",)),
    )
    _assert_only(rec, clean[0], ["erector_R"])
    x = rec.data[:, 5]
    assert x.std() < 0.05 and x.mean() == pytest.approx(-3.0, abs=0.01)
    assert [f["type"] for f in truth.faults] == ["FlatChannel", "Clipping"]


def _mdf(x, fs=FS):
    f, p = welch(x, fs, nperseg=256)
    c = np.cumsum(p)
    return float(np.interp(c[-1] / 2, c, f))


def test_fatigue_lowers_median_frequency_over_a_hold(clean) -> None:
    rec, truth = _with(Fatigue(drop=0.25, channels=("glute_max_L",), trials=("slb_left",)))
    _assert_only(rec, clean[0], ["glute_max_L"])
    (ev,) = rec.events_for("hold", "slb_left")
    i0, i1 = _span(ev)
    x, x0 = rec.data[:, 0], clean[0].data[:, 0]
    first = _mdf(x[i0 : i0 + int(FS)])
    last = _mdf(x[i1 - int(FS) : i1])
    assert 0.65 < last / first < 0.88  # about -22 % over the last vs first second
    assert _mdf(x0[i1 - int(FS) : i1]) / _mdf(x0[i0 : i0 + int(FS)]) > 0.9
    # amplitude (and so the %MVC truth) is unchanged
    rms = np.sqrt(np.mean(x[i0:i1] ** 2))
    assert rms == pytest.approx(np.sqrt(np.mean(x0[i0:i1] ** 2)), rel=0.03)
    assert truth.levels.equals(clean[1].levels)
    # outside the selected trial nothing changes
    (other,) = rec.events_for("trial", "slb_right")
    j0, j1 = _span(other)
    assert np.allclose(x[j0:j1], x0[j0:j1])
    assert truth.faults[0]["mdf_scale"] == (1.0, 0.75)


def test_fatigue_over_a_set_accumulates_across_reps(clean) -> None:
    rec, _ = _with(
        Fatigue(drop=0.3, over="set", channels=("erector_L",), trials=("dlb_wall_push",))
    )
    holds = rec.events_for("hold", "dlb_wall_push")
    assert len(holds) == 2
    x = rec.data[:, 4]
    (a0, a1), (_, b1) = _span(holds[0]), _span(holds[1])
    start = _mdf(x[a0 : a0 + int(FS)])
    mid = _mdf(x[a1 - int(FS) : a1])
    end = _mdf(x[b1 - int(FS) : b1])
    assert end < mid < start
    assert 0.6 < end / start < 0.85


def test_invalid_fault_parameters() -> None:
    with pytest.raises(ConfigError, match="drop"):
        Fatigue(drop=0.9)
    with pytest.raises(ConfigError, match="over"):
        Fatigue(over="week")
    with pytest.raises(ConfigError, match="limit_uv"):
        Clipping(limit_uv=0.0)
    with pytest.raises(ConfigError, match="stop_s"):
        Mains(start_s=5.0, stop_s=1.0)
    with pytest.raises(ConfigError, match="Nyquist"):
        _with(Mains(150.0), fs=250.0)
