"""The fast quality measures equal straightforward references (the pre-optimisation code).

emgkit.signal.quality computes its measures with running sums, kernels over the time-major
array, a decimated low band and finite fast paths. Each reference below is the plain formulation
(full-length convolution, ``scipy.signal.welch``, NaN-aware means, a full ``np.unique``); on
synthetic channels with mains hum, ECG, motion spikes, baseline wander, a flat and a clipped
channel every decision (flags, harmonics, motion events) is identical. Values agree to rounding
except where a stated tolerance applies: the Welch power (single-precision FFT, 1e-4), the
wander RMS (decimated to 250 Hz: 0.5 % above 5 µV, 0.25 µV below) and the motion event times
(8 ms: the full-rate rule with the decimated band's robust SD).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import signal as sps
from scipy.ndimage import maximum_filter1d

from emgkit.signal import quality as sq
from emgkit.signal.filters import bandpass, lowpass

FS = 2000.0


# ------------------------------------------------------------------ references (plain code)


def ref_clipped(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = np.zeros(x.shape[1])
    for c in range(x.shape[1]):
        v = x[:, c]
        v = v[np.isfinite(v)]
        if v.size < 2:
            continue
        hi, lo = v.max(), v.min()
        stuck = int(np.count_nonzero(v == hi) + np.count_nonzero(v == lo)) if hi > lo else 0
        levels = int(np.unique(v).size)
        if stuck >= sq.CLIP_MIN_SAMPLES and levels >= sq.MIN_LEVELS_FOR_CLIPPING:
            out[c] = stuck / v.size
    return out


def ref_flat(x: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    out = np.ones(x.shape[1], dtype=bool)
    for c in range(x.shape[1]):
        v = x[:, c]
        v = v[np.isfinite(v)]
        if v.size >= 2:
            out[c] = float(np.std(v)) < sq.FLAT_UV
    return out


def ref_rms(x: npt.NDArray[np.float64], fs: float) -> npt.NDArray[np.float64]:
    seg = round(0.1 * fs)
    k = x.shape[0] // seg
    b = x[: k * seg].reshape(k, seg, x.shape[1])
    d = b - np.nanmean(b, axis=1, keepdims=True)
    return np.asarray(np.sqrt(np.nanmean(d * d, axis=1)))


def ref_wander(x: npt.NDArray[np.float64], fs: float) -> npt.NDArray[np.float64]:
    d = x - x.mean(axis=0)
    low = lowpass(d, fs, cutoff=5.0, order=2)
    return np.asarray(np.sqrt(np.mean(low * low, axis=0)))


def ref_motion(x: npt.NDArray[np.float64], fs: float) -> list[npt.NDArray[np.float64]]:
    lf = bandpass(x, fs, 1.0, 20.0, order=2)
    hf = bandpass(x, fs, 20.0, 450.0, order=2)
    w = round(0.2 * fs)
    ker = np.ones(w) / w
    gap, edge = round(0.2 * fs), round(fs)
    out = []
    for c in range(x.shape[1]):
        v = lf[:, c]
        sd = 1.4826 * float(np.median(np.abs(v - np.median(v))))
        lf_rms = np.sqrt(np.convolve(v * v, ker, mode="same"))
        hf_rms = maximum_filter1d(np.sqrt(np.convolve(hf[:, c] ** 2, ker, mode="same")), 2 * w)
        hit = (np.abs(v) > sq.MOTION_K * sd) & (lf_rms > sq.MOTION_RATIO * hf_rms)
        hit[:edge] = False
        hit[-edge:] = False
        idx = np.flatnonzero(hit)
        if idx.size == 0:
            out.append(np.zeros(0))
            continue
        out.append(idx[np.concatenate([[True], np.diff(idx) > gap])] / fs)
    return out


def ref_welch(
    x: npt.NDArray[np.float64], fs: float, nper: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    f, p = sps.welch(x - x.mean(axis=0), fs=fs, nperseg=nper, axis=0)
    return np.asarray(f), np.asarray(p)


# ------------------------------------------------------------------ synthetic channels


def _session(seed: int, n_s: float = 40.0) -> npt.NDArray[np.float64]:
    """8 channels: clean, 50 Hz hum + harmonics, ECG, motion spikes, wander, flat, clipped,
    contraction bursts with 60 Hz hum; integer-quantised like an ADC (4 µV steps on one)."""
    rng = np.random.default_rng(seed)
    n = round(n_s * FS)
    t = np.arange(n) / FS
    x = rng.normal(0.0, 3.0, (n, 8))
    burst = (np.sin(2 * np.pi * 0.1 * t) > 0.3).astype(float)
    x[:, 0] += burst * rng.normal(0.0, 60.0, n)
    x[:, 1] += 20 * np.sin(2 * np.pi * 50 * t) + 6 * np.sin(2 * np.pi * 150 * t + 1.0)
    beats = np.arange(0.5, n_s, 60 / 72)
    for b in beats:  # R wave: 15 ms Gaussian, 800 µV
        x[:, 2] += 800 * np.exp(-0.5 * ((t - b) / 0.008) ** 2)
    for s in (5.3, 17.0, 17.15, 29.9):  # cable tugs: 60 ms half-sine, 2 mV
        m = (t >= s) & (t < s + 0.06)
        x[m, 3] += 2000 * np.sin(np.pi * (t[m] - s) / 0.06)
    x[:, 4] += 400 * np.sin(2 * np.pi * 0.3 * t) + 150 * np.sin(2 * np.pi * 1.7 * t)
    x[:, 5] = 0.05 * rng.normal(size=n) + 12.0
    x[:, 6] = np.clip(x[:, 0] * 3 + 200 * np.sin(2 * np.pi * 0.2 * t), -250, 250)
    x[:, 7] += burst * rng.normal(0.0, 80.0, n) + 15 * np.sin(2 * np.pi * 60 * t)
    x[:, 6] = np.round(x[:, 6] / 4) * 4
    x[:, 7] += 5000.0  # DC offset
    return x


@pytest.fixture(scope="module", params=[0, 1, 2])
def session(request: pytest.FixtureRequest) -> npt.NDArray[np.float64]:
    return _session(int(request.param))


def test_clipped_and_flat_match(session: npt.NDArray[np.float64]) -> None:
    got = sq.clipped_fraction(session)
    np.testing.assert_array_equal(got, ref_clipped(session))
    assert got[6] > sq.CLIP_FRACTION and not sq.is_clipping(got[[0, 1, 2, 3, 4, 7]]).any()
    np.testing.assert_array_equal(sq.is_flat(session), ref_flat(session))
    assert sq.is_flat(session).tolist() == [False] * 5 + [True, False, False]


def test_clipped_few_levels_in_prefix_but_many_overall() -> None:
    # the first 4096 samples span 3 levels; the rest many: the full count decides
    rng = np.random.default_rng(3)
    v = np.concatenate([rng.integers(0, 3, 5000), rng.integers(0, 500, 20000)]).astype(float)
    v[[100, 200, 300, 400, 500, 600, 700, 800]] = [1e3, 1e3, 1e3, 1e3, -1e3, -1e3, -1e3, -1e3]
    x = v[:, None]
    np.testing.assert_array_equal(sq.clipped_fraction(x), ref_clipped(x))
    assert sq.clipped_fraction(x)[0] == pytest.approx(8 / v.size)
    few = np.where(np.arange(30000) % 7 == 0, 5.0, np.arange(30000) % 3)[:, None].astype(float)
    np.testing.assert_array_equal(sq.clipped_fraction(few), ref_clipped(few))
    assert sq.clipped_fraction(few)[0] == 0.0  # 4 levels only: not clipping


def test_nan_paths_match(session: npt.NDArray[np.float64]) -> None:
    x = session.copy()
    x[1000:1150, 2] = np.nan  # part of one 100 ms window
    x[50_000:50_003, 6] = np.nan
    np.testing.assert_array_equal(sq.clipped_fraction(x), ref_clipped(x))
    np.testing.assert_array_equal(sq.is_flat(x), ref_flat(x))
    np.testing.assert_allclose(sq.rms_levels(x, FS), ref_rms(x, FS), rtol=1e-12)
    assert np.isfinite(sq.rms_levels(x, FS)).all()


def test_rms_levels_match(session: npt.NDArray[np.float64]) -> None:
    np.testing.assert_array_equal(sq.rms_levels(session, FS), ref_rms(session, FS))


def test_wander_full_rate_path_matches(session: npt.NDArray[np.float64]) -> None:
    got, want = sq._wander_full(session, FS, 5.0), ref_wander(session, FS)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_wander_decimated_within_tolerance(session: npt.NDArray[np.float64]) -> None:
    # at 2 kHz the wander band is measured at 250 Hz (CIC decimation by 8): within 0.5 % where
    # the wander is more than a few µV; below that the zero-phase filter's edge transients (which
    # differ between the rates) dominate and the difference stays below 0.25 µV
    assert sq._low_factor(FS, session.shape[0]) == 8
    got, want = sq.wander_level(session, FS), ref_wander(session, FS)
    big = want > 5.0
    np.testing.assert_allclose(got[big], want[big], rtol=5e-3)
    np.testing.assert_allclose(got[~big], want[~big], atol=0.25)
    assert (got > sq.WANDER_UV).tolist() == [False] * 4 + [True, False, False, False]


def test_motion_events_full_rate_path_matches(session: npt.NDArray[np.float64]) -> None:
    got, want = sq._motion_full(session, FS, sq.MOTION_K, 0.2), ref_motion(session, FS)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_motion_events_decimated_same_events(session: npt.NDArray[np.float64]) -> None:
    got, want = sq.motion_events(session, FS), ref_motion(session, FS)
    for g, w in zip(got, want, strict=True):
        # the same events; their starts on the 4 ms grid of the decimated band, within 8 ms
        assert g.size == w.size
        np.testing.assert_allclose(g, w, atol=0.008)
    # the tugs at 5.3, 17.0 (+ 17.15, merged) and 29.9 s are three events; each starts where
    # the zero-phase 1-20 Hz band first rings above threshold, up to 1 s before the tug
    assert len(got[3]) == 3
    assert all(s - 1.0 <= e <= s for e, s in zip(got[3], (5.3, 17.0, 29.9), strict=True))
    assert all(len(e) == 0 for e in (got[1], got[5]))


def test_wander_and_motion_shares_one_decimation(session: npt.NDArray[np.float64]) -> None:
    wander, events = sq.wander_and_motion(session, FS)
    np.testing.assert_array_equal(wander, sq.wander_level(session, FS))
    for a, b in zip(events, sq.motion_events(session, FS), strict=True):
        np.testing.assert_array_equal(a, b)


def test_hf_block_energy_equals_whole_signal_filter(session: npt.NDArray[np.float64]) -> None:
    # the sEMG band filtered around the candidates only equals the whole-signal filter's energy
    d, w = 8, 50
    nb = session.shape[0] // d
    cand = [np.zeros(0, dtype=np.intp)] * 8
    cand[0] = np.array([400, 401, 402, 2000, 2100], dtype=np.intp)
    cand[3] = np.array([9000], dtype=np.intp)
    e = sq._hf_block_energy(session, FS, d, nb, cand, w)
    hf = bandpass(session[:, [0, 3]], FS, 20.0, 450.0, order=2)
    want = np.zeros((nb, 2))
    want[1:] = (hf[4 : 4 + (nb - 1) * d] ** 2).reshape(nb - 1, d, 2).sum(axis=1)
    for j, c in enumerate((0, 3)):
        for i in cand[c]:
            sl = slice(i - 2 * w - 1, i + 2 * w + 2)
            np.testing.assert_allclose(e[j, sl], want[sl, j], rtol=1e-9)


def test_moving_mean_equals_convolution() -> None:
    rng = np.random.default_rng(4)
    for n, w in [(1000, 400), (1000, 7), (80, 80), (3, 1), (999, 2)]:
        a = rng.normal(0, 30, n) ** 2
        np.testing.assert_allclose(
            sq._moving_mean_same(a, w),
            np.convolve(a, np.ones(w) / w, mode="same"),
            rtol=1e-10,
            atol=1e-9,
        )


@pytest.mark.parametrize("n_clusters", [3, 200])
def test_hf_rms_max_at_matches_full_filter(n_clusters: int) -> None:
    # few clusters: evaluated around each; many (> 64): one pass over the signal
    rng = np.random.default_rng(5)
    w, n = 400, 400_000
    h = rng.normal(0, 20, n) * (1 + 5 * (np.sin(np.arange(n) / 3000) > 0.8))
    starts = np.sort(rng.choice(np.arange(2000, n - 2000, 1000), n_clusters, replace=False))
    idx = np.unique(np.concatenate([s + rng.integers(0, 300, 5) for s in starts]))
    conv = np.convolve(h**2, np.ones(w) / w, mode="same")
    want = maximum_filter1d(np.sqrt(conv), 2 * w)[idx]
    got = sq._hf_rms_max_at(h, w, idx)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    # the window sums handed in by _motion_hits (it has them already): the same bits
    assert np.array_equal(sq._hf_rms_max_at(h, w, idx, sq._window_sums(h * h, w)), got)


@pytest.mark.parametrize("n", [1, 2, 9, 1000, 100_001])
def test_robust_sd_is_the_plain_formula_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    v = rng.standard_t(3, n) * 40.0
    before = v.copy()
    want = 1.4826 * float(np.median(np.abs(v - np.median(v))))
    assert sq._robust_sd(v) == want
    assert np.array_equal(v, before)  # the input is not partitioned


@pytest.mark.parametrize("nper", [4000, 1000, 777])
def test_welch_matches_scipy(session: npt.NDArray[np.float64], nper: int) -> None:
    f, p = sq._welch(session, FS, nper)
    rf, rp = ref_welch(session, FS, nper)
    np.testing.assert_array_equal(f, rf)
    # single-precision transforms (sq._FFT_DTYPE): within 1e-4 of each bin or 1e-6 of the
    # channel's largest bin
    assert (np.abs(p - rp) <= 1e-4 * np.abs(rp) + 1e-6 * rp.max(axis=0)).all()


@pytest.mark.parametrize("seconds", [40.0, 3.0, 0.6])
def test_mains_decisions_match(session: npt.NDArray[np.float64], seconds: float) -> None:
    x = session[: round(seconds * FS)]
    got = sq.mains_level(x, FS)
    # reference: the same rule on scipy's Welch spectrum
    orig = sq._welch
    try:
        sq._welch = ref_welch  # type: ignore[assignment]
        want = sq.mains_level(x, FS)
    finally:
        sq._welch = orig  # type: ignore[assignment]
    assert got.freq_hz == want.freq_hz
    assert got.harmonics == want.harmonics
    np.testing.assert_allclose(got.db, want.db, rtol=0, atol=1e-3)
    np.testing.assert_allclose(got.uv, want.uv, rtol=1e-4, atol=1e-6)
    if seconds == 40.0:
        assert got.freq_hz == 50.0
        assert got.harmonics[1] == (1, 3) and not got.harmonics[0]
