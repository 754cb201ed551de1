"""The quality gate in front of every analysis: per-channel verdicts and a cleaned copy.

:func:`assess_recording` measures each channel with the rules of
:mod:`emgkit.signal.quality` (one set of thresholds shared with the live view and the report),
removes the artefacts it can remove *where it detects them* (mains hum by subtracting the
tracked hum, :mod:`emgkit.signal.mains`; ECG on trunk channels by template subtraction,
:mod:`emgkit.signal.ecg`) and says so, and gives every
channel a status:

- ``'fail'``: amplitude metrics (%MVC, ratios, symmetry) from the channel are refused, with the
  reason; onsets are refused too when the channel is flat or clipping;
- ``'warn'``: metrics are reported with the caveat in ``detail``;
- ``'ok'``: nothing found.

Issue codes: ``flat``, ``clipping``, ``mains``, ``ecg``, ``noise_floor``, ``tonic``,
``wander``, ``motion``. See docs/quality.md for the rules, their thresholds (conventions) and
the measured detection and false-positive rates.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from emgkit.analysis import _threads as _th
from emgkit.errors import BandLimitWarning
from emgkit.recording import Channel, Recording, SignalKind
from emgkit.signal import quality as sq
from emgkit.signal.ecg import detect_ecg, subtract_ecg
from emgkit.signal.mains import subtract_mains
from emgkit.signal.pipeline import preprocess

__all__ = [
    "ISSUE_CODES",
    "TRUNK_MUSCLES",
    "QualityAssessment",
    "assess_recording",
    "failing_channels",
    "rest_window",
]

#: Every issue code a channel can carry, in display order.
ISSUE_CODES = ("flat", "clipping", "mains", "ecg", "noise_floor", "tonic", "wander", "motion")

#: Channels where ECG crosstalk is looked for (lumbar paraspinal sites).
TRUNK_MUSCLES = ("erector_spinae", "multifidus")

#: Issues that refuse amplitude metrics.
_FAIL = {"flat", "clipping"}

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class QualityAssessment:
    """Result of :func:`assess_recording`.

    Attributes
    ----------
    recording : Recording
        Cleaned copy: mains hum subtracted / ECG template-subtracted on the channels where it
        was DETECTED (samples untouched otherwise; NaN gaps kept). When nothing was cleaned,
        a new Recording whose data is a read-only view of the input's samples (no copy).
    channels : DataFrame
        One row per channel (index = channel name): ``muscle``, ``side``, ``status``
        ('ok' | 'warn' | 'fail'), ``issues`` (';'-joined codes), ``detail`` (plain words: what
        is wrong, what to do), and the measures ``flat``, ``clipped_fraction``, ``mains_hz``,
        ``mains_db``, ``mains_uv``, ``ecg_rate_bpm``, ``ecg_r_uv``, ``noise_floor_uv``,
        ``peak_uv``, ``tonic_fraction``, ``wander_uv``, ``motion_per_min``, ``missing_pct``.
    actions : tuple of str
        What was done to the signal, in words.
    band : ndarray or None
        The cleaned recording band-passed as :func:`emgkit.signal.pipeline.preprocess` does with
        its defaults (20-450 Hz, order 4, 30 Hz low corner on the :data:`TRUNK_MUSCLES`
        channels), which the noise-floor, peak and tonic measures used; the analysis reuses it
        instead of filtering the same samples again. Set only when every channel is raw and every
        sample finite (then it is exactly that filter applied to ``recording.data``), else None.
    band_trunk : ndarray of bool or None
        The channels ``band`` gave the 30 Hz low corner.
    """

    recording: Recording
    channels: pd.DataFrame
    actions: tuple[str, ...]
    band: FloatArray | None = None
    band_trunk: BoolArray | None = None

    def status(self, channel: str) -> str:
        """The status of one channel ('ok' when the channel is unknown)."""
        if channel in self.channels.index:
            return str(self.channels.at[channel, "status"])
        return "ok"


def rest_window(rec: Recording) -> tuple[float, float] | None:
    """The rest trial's window (s) without its first and last second, or None.

    The margin is a quarter of the trial when it is shorter than 4 s; a window shorter than
    0.5 s gives None.
    """
    for ev in rec.events_for(label="trial"):
        if ev.trial == "rest" or ev.trial.startswith("rest"):
            margin = min(1.0, ev.duration / 4)
            if ev.duration - 2 * margin >= 0.5:
                return (ev.onset + margin, ev.offset - margin)
    return None


def _fmt_issue_detail(code: str, name: str, m: dict[str, float]) -> str:
    if code == "flat":
        return (
            f"{name} is flat (SD below {sq.FLAT_UV:g} µV): electrode off, lead broken or "
            "channel powered down; check the electrode and cable. No metric from it."
        )
    if code == "clipping":
        return (
            f"{name} clips: {100 * m['clipped_fraction']:.2f} % of samples sit at the "
            "amplifier's limits, so amplitudes and onsets are wrong; lower the gain or check "
            "the electrode contact. Amplitude metrics and onsets refused."
        )
    if code == "mains":
        return (
            f"{m['mains_hz']:.0f} Hz mains hum ({m['mains_uv']:.1f} µV RMS, "
            f"{m['mains_db']:.0f} dB above the spectrum) removed by subtracting the tracked hum; "
            "a hum that changes within seconds leaves a residue. Improve skin preparation and "
            "cable routing."
        )
    if code == "ecg":
        return (
            f"ECG crosstalk ({m['ecg_rate_bpm']:.0f} bpm, R wave {m['ecg_r_uv']:.0f} µV in the "
            "QRS band) removed by template subtraction; small residues remain at each beat."
        )
    if code == "noise_floor":
        if m["peak_uv"] < sq.NOISE_FLOOR_FAIL_SNR * m["noise_floor_uv"]:
            return (
                f"no contraction clearly above the noise: the loudest 100 ms "
                f"({m['peak_uv']:.1f}) is less than {sq.NOISE_FLOOR_FAIL_SNR:g} x the noise "
                f"floor ({m['noise_floor_uv']:.1f}); amplitude metrics refused. Check electrode "
                "placement and contact."
            )
        return (
            f"high noise floor ({m['noise_floor_uv']:.1f} µV RMS, above "
            f"{sq.NOISE_FLOOR_WARN_UV:g} µV): weak contractions and onsets are hard to see; "
            "improve skin preparation."
        )
    if code == "tonic":
        return (
            f"activity at rest: {100 * m['tonic_fraction']:.0f} % of the loudest activity "
            "(tonic background); onsets against the rest baseline may be missed and low "
            "%MVC values are raised by it."
        )
    if code == "wander":
        return (
            f"baseline wander ({m['wander_uv']:.0f} µV RMS below 5 Hz): removed by the "
            "band-pass, but it uses the amplifier's range; check electrode contact and cables."
        )
    if code == "motion":
        return (
            f"motion spikes ({m['motion_per_min']:.1f} per minute): cable or electrode "
            "movement; a spike near a movement can shift an onset. Tape the cables down."
        )
    return code


def _mains_per_channel(
    data: FloatArray, fs: float, line_hz: float | None, raw: BoolArray, long_enough: bool
) -> tuple[FloatArray, FloatArray, list[tuple[int, ...]], float]:
    """Mains dB, µV and harmonics per channel (zero/empty off raw) and the hum frequency."""
    nc = data.shape[1]
    all_raw = bool(raw.all())
    mains = (
        sq.mains_level(data if all_raw else data[:, raw], fs, line_hz)
        if raw.any() and long_enough
        else None
    )
    mains_db = np.zeros(nc)
    mains_uv = np.zeros(nc)
    mains_harm: list[tuple[int, ...]] = [() for _ in range(nc)]
    raw_idx = np.flatnonzero(raw)
    if mains is not None:
        for j, rc in enumerate(raw_idx.tolist()):
            mains_db[rc], mains_uv[rc], mains_harm[rc] = (
                mains.db[j],
                mains.uv[j],
                mains.harmonics[j],
            )
    mains_hz = mains.freq_hz if mains is not None else (line_hz or 50.0)
    return mains_db, mains_uv, mains_harm, mains_hz


def _remove_mains(
    work: FloatArray,
    fs: float,
    mains_hz: float,
    mains_harm: list[tuple[int, ...]],
    flat: BoolArray,
    names: list[str],
    actions: list[str],
) -> dict[int, FloatArray]:
    """The hum-subtracted columns of the non-flat channels with a detected hum (by column)."""
    cleaned: dict[int, FloatArray] = {}
    for c in range(work.shape[1]):
        if mains_harm[c] and not flat[c]:
            cleaned[c] = subtract_mains(work[:, c], fs, mains_hz, mains_harm[c])
    if cleaned:
        actions.append(
            f"{mains_hz:.0f} Hz hum (and its detected harmonics) on "
            f"{', '.join(names[c] for c in cleaned)} removed "
            "by subtracting the tracked hum (emgkit.signal.mains; no notch filter)"
        )
    return cleaned


def _remove_ecg(
    work: FloatArray,
    fs: float,
    tidx: list[int],
    rest: tuple[float, float] | None,
    names: list[str],
    actions: list[str],
) -> tuple[FloatArray, FloatArray, dict[int, FloatArray]]:
    """Detect ECG on columns ``tidx``: rate, R amplitude, and the subtracted columns (by column)."""
    nc = work.shape[1]
    ecg_rate = np.full(nc, np.nan)
    ecg_r = np.full(nc, np.nan)
    cleaned: dict[int, FloatArray] = {}
    if not tidx:
        return ecg_rate, ecg_r, cleaned
    dets = detect_ecg(work, fs, reference=rest, channels=tidx)
    for c, d in zip(tidx, dets, strict=True):
        ecg_rate[c] = d.rate_bpm if d.detected else np.nan
        if d.detected:
            ecg_r[c] = d.r_amplitude_uv
            cleaned[c] = subtract_ecg(work[:, c], fs, d.r_peaks)
    if cleaned:
        actions.append(
            f"ECG on {', '.join(names[c] for c in cleaned)} removed by template subtraction "
            "(median of neighbouring beats)"
        )
    return ecg_rate, ecg_r, cleaned


def _band_measures(
    raw_filled: FloatArray,
    finite: BoolArray | None,
    fs: float,
    raw: BoolArray,
    trunk: BoolArray,
    rest: tuple[float, float] | None,
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Noise floor, peak and tonic fraction of the raw cleaned channels, and their band.

    ``raw_filled`` holds the raw channels of the gap-filled cleaned signal (C-ordered) and
    ``finite`` the mask of the recorded samples of every channel (None: every sample is).
    Returns the measures, indexed like ``raw_filled``'s columns, and the band-passed channels
    they were measured on (NaN where a sample is missing). The 100 ms RMS levels of the band
    are computed once for the noise floor, the peak and the tonic fraction.
    """
    nr = raw_filled.shape[1]
    out = {k: np.full(nr, np.nan) for k in ("floor", "peak", "tonic")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        band = preprocess(raw_filled, fs, trunk_highpass=trunk[raw])
    if finite is not None:
        band[~finite[:, raw]] = np.nan
    lv = sq.rms_levels(band, fs)
    if lv.shape[0]:
        out["floor"] = np.nanpercentile(lv, 10, axis=0)  # = sq.noise_floor(band, fs)
        out["peak"] = np.nanpercentile(lv, 99, axis=0)
    else:
        out["floor"] = sq.noise_floor(band, fs)
    if rest is not None:
        out["tonic"] = sq.tonic_fraction(band, fs, rest, top=out["peak"])
    return out, band


def _low_measures(raw_filled: FloatArray, fs: float) -> tuple[FloatArray, FloatArray]:
    """Wander (µV) and motion rate (per minute) of the raw cleaned channels ``raw_filled``.

    Wander and motion share one decimation (:func:`sq.wander_and_motion`). Uses no
    ``warnings.catch_warnings`` (it may run on a helper thread while the caller's thread
    changes the warning filters).
    """
    wander, ev = sq.wander_and_motion(raw_filled, fs)
    minutes = raw_filled.shape[0] / fs / 60.0
    return wander, np.array([len(e) / minutes for e in ev], dtype=np.float64)


def _channel_issues(
    flat: bool, clipped: float, mains: bool, ecg: bool, in_uv: bool, m: dict[str, float]
) -> tuple[list[str], bool]:
    """The issue codes of one channel from its measures, and whether it fails."""
    issues: list[str] = []
    fail = False
    if flat:
        issues.append("flat")
        fail = True
    if bool(sq.is_clipping(clipped)):
        issues.append("clipping")
        fail = True
    if flat:
        return issues, fail
    floor, peak = m["noise_floor_uv"], m["peak_uv"]
    tonic, wander, motion = m["tonic_fraction"], m["wander_uv"], m["motion_per_min"]
    if mains:
        issues.append("mains")
    if ecg:
        issues.append("ecg")
    if np.isfinite(floor) and (
        (in_uv and floor > sq.NOISE_FLOOR_WARN_UV) or peak < sq.NOISE_FLOOR_FAIL_SNR * floor
    ):
        issues.append("noise_floor")
        fail = fail or bool(peak < sq.NOISE_FLOOR_FAIL_SNR * floor)
    if np.isfinite(tonic) and tonic > sq.TONIC_FRACTION:
        issues.append("tonic")
    if in_uv and np.isfinite(wander) and wander > sq.WANDER_UV:
        issues.append("wander")
    if np.isfinite(motion) and motion > 0:
        issues.append("motion")
    return issues, fail


def _channel_row(
    ch: Channel, flat: bool, missing: float, m: dict[str, float], issues: list[str], fail: bool
) -> dict[str, object]:
    """One row of the channels table: identity, status, issues, plain-words detail, measures."""
    status = "fail" if fail else ("warn" if issues else "ok")
    detail = " ".join(_fmt_issue_detail(i, ch.name, m) for i in issues) or "no problem found"
    return {
        "channel": ch.name,
        "muscle": ch.muscle,
        "side": ch.side,
        "kind": str(ch.kind),
        "status": status,
        "issues": ";".join(issues),
        "detail": detail,
        "flat": flat,
        **m,
        "missing_pct": missing,
    }


def _with_columns(work: FloatArray, data: FloatArray, cols: dict[int, FloatArray]) -> FloatArray:
    """``work`` with columns replaced; copied first when ``work`` is still ``data`` itself."""
    if work is data:
        work = data.copy()
    for c, v in cols.items():
        work[:, c] = v
    return work


@dataclass
class _Staged:
    """The assessment up to the measures of the cleaned signal (:func:`_stage`)."""

    rec: Recording
    clipped: FloatArray
    flat: BoolArray
    finite: BoolArray | None
    raw: BoolArray
    trunk: BoolArray
    missing: FloatArray
    mains_db: FloatArray
    mains_uv: FloatArray
    mains_harm: list[tuple[int, ...]]
    mains_hz: float
    ecg_rate: FloatArray
    ecg_r: FloatArray
    ecg_found: BoolArray
    actions: list[str]
    cleaned: Recording
    #: The raw channels of the gap-filled cleaned signal (C-ordered), None when the cleaned
    #: signal is not measured (no raw channel, or shorter than 2 s).
    raw_filled: FloatArray | None


def _stage(
    rec: Recording, rest: tuple[float, float] | None, pool: ThreadPoolExecutor | None = None
) -> _Staged:
    """Measures of the samples as recorded, then the cleaning (mains, ECG).

    With ``pool``, clipping/flat runs on it while this thread measures the hum.
    """
    fs = rec.fs
    data = rec.data
    nc = rec.n_channels
    names = [c.name for c in rec.channels]
    raw = np.array([c.kind == SignalKind.RAW for c in rec.channels], dtype=bool)
    trunk = np.array([c.muscle in TRUNK_MUSCLES for c in rec.channels], dtype=bool) & raw
    long_enough = rec.n_samples >= round(2.0 * fs)
    cf = pool.submit(sq.clipped_and_flat, data) if pool is not None else None
    if cf is None:
        clipped, flat, n_finite = sq.clipped_and_flat(data)
    mains_db, mains_uv, mains_harm, mains_hz = _th.earlier_first(
        cf.result if cf is not None else None,
        _mains_per_channel,
        data,
        fs,
        rec.info.power_line_hz,
        raw,
        long_enough,
    )
    if cf is not None:
        clipped, flat, n_finite = cf.result()
    finite = None if bool((n_finite == rec.n_samples).all()) else np.isfinite(data)
    missing = np.zeros(nc) if finite is None else (~finite).mean(axis=0) * 100.0

    # ---- clean: mains where detected, then ECG on trunk channels. ``work`` is the gap-filled
    # signal; the samples themselves until a column is cleaned (then one copy)
    actions: list[str] = []
    work = data if finite is None else rec.filled().data
    cleaned = _remove_mains(work, fs, mains_hz, mains_harm, flat, names, actions)
    if cleaned:
        work = _with_columns(work, data, cleaned)
    tidx = [int(c) for c in np.flatnonzero(trunk) if not flat[c]] if long_enough else []
    ecg_rate, ecg_r, ecg_cols = _remove_ecg(work, fs, tidx, rest, names, actions)
    if ecg_cols:
        work = _with_columns(work, data, ecg_cols)
    ecg_found = np.zeros(nc, dtype=bool)
    ecg_found[list(ecg_cols)] = True
    clean_cols = sorted(set(cleaned) | set(ecg_cols))
    if not clean_cols:
        # nothing cleaned: the samples themselves, read-only (no copy of the recording)
        view = data.view()
        view.flags.writeable = False
        cleaned_rec = rec.with_data(view)
    elif finite is None:
        cleaned_rec = rec.with_data(work)
    else:
        clean = data.copy()
        for c in clean_cols:
            col = work[:, c].copy()
            col[~finite[:, c]] = np.nan
            clean[:, c] = col
        cleaned_rec = rec.with_data(clean)
    raw_filled = None
    if raw.any() and long_enough:
        # one C-ordered copy of the raw channels (``work[:, raw]`` would be Fortran-ordered)
        raw_filled = work if bool(raw.all()) else np.take(work, np.flatnonzero(raw), axis=1)
    return _Staged(
        rec,
        clipped,
        flat,
        finite,
        raw,
        trunk,
        missing,
        mains_db,
        mains_uv,
        mains_harm,
        mains_hz,
        ecg_rate,
        ecg_r,
        ecg_found,
        actions,
        cleaned_rec,
        raw_filled,
    )


def _finish(
    st: _Staged,
    band_ms: dict[str, FloatArray] | None,
    band: FloatArray | None,
    low: tuple[FloatArray, FloatArray] | None,
) -> QualityAssessment:
    """The channels table and the assessment from the staged measures and those of the band."""
    rec = st.rec
    nc = rec.n_channels
    ms = {k: np.full(nc, np.nan) for k in ("floor", "peak", "tonic", "wander", "motion")}
    if band_ms is not None and low is not None:
        for k, v in band_ms.items():
            ms[k][st.raw] = v
        ms["wander"][st.raw], ms["motion"][st.raw] = low
    shared = band is not None and bool(st.raw.all()) and st.finite is None
    rows = []
    for c, ch in enumerate(rec.channels):
        m = {
            "clipped_fraction": float(st.clipped[c]),
            "mains_hz": float(st.mains_hz),
            "mains_db": float(st.mains_db[c]),
            "mains_uv": float(st.mains_uv[c]),
            "ecg_rate_bpm": float(st.ecg_rate[c]),
            "ecg_r_uv": float(st.ecg_r[c]),
            "noise_floor_uv": float(ms["floor"][c]),
            "peak_uv": float(ms["peak"][c]),
            "tonic_fraction": float(ms["tonic"][c]),
            "wander_uv": float(ms["wander"][c]),
            "motion_per_min": float(ms["motion"][c]),
        }
        in_uv = ch.units in ("uV", "µV")  # absolute µV rules only for channels in µV
        issues, fail = _channel_issues(
            bool(st.flat[c]),
            st.clipped[c],
            bool(st.mains_harm[c]),
            bool(st.ecg_found[c]),
            in_uv,
            m,
        )
        rows.append(_channel_row(ch, bool(st.flat[c]), float(st.missing[c]), m, issues, fail))
    frame = pd.DataFrame(rows).set_index("channel")
    if not shared:
        return QualityAssessment(st.cleaned, frame, tuple(st.actions))
    return QualityAssessment(st.cleaned, frame, tuple(st.actions), band, st.trunk.copy())


def assess_recording(
    rec: Recording, *, rest: tuple[float, float] | None = None, workers: int | None = None
) -> QualityAssessment:
    """Measure every channel, clean what is detected, and give each channel a status.

    Parameters
    ----------
    rec : Recording
        Raw recording in µV.
    rest : (float, float), optional
        A rest window in seconds for the tonic check and as ECG reference; default the rest
        trial (:func:`rest_window`), or none (no tonic check; ECG measured on the whole
        recording).
    workers : int or None
        Threads to use: 1 runs every step on the calling thread; 2 or more run clipping/flat
        beside the hum measure and the wander and motion screen beside the band-pass, once
        numba has started in the process (before that, serially); None (the default) picks 2
        when the machine has two CPUs and not all of them are busy already
        (:func:`emgkit.analysis._threads.resolve_workers`). The results are identical bit for
        bit whatever the number.

    Returns
    -------
    QualityAssessment

    Raises
    ------
    ConfigError
        ``workers`` is not a positive integer or None.
    """
    if rest is None:
        rest = rest_window(rec)
    nw = _th.resolve_workers(workers)
    with _th.helper_pool(nw) as pool:
        st = _stage(rec, rest, _th.helpers_for(pool))
        if st.raw_filled is None:
            return _finish(st, None, None, None)
        helpers = _th.helpers_for(pool)
        low = helpers.submit(_low_measures, st.raw_filled, rec.fs) if helpers else None
        band_ms, band = _band_measures(st.raw_filled, st.finite, rec.fs, st.raw, st.trunk, rest)
        low_ms = low.result() if low is not None else _low_measures(st.raw_filled, rec.fs)
        return _finish(st, band_ms, band, low_ms)


def failing_channels(qa: QualityAssessment) -> list[str]:
    """Names of the channels whose status is 'fail'."""
    return [str(n) for n in qa.channels.index[qa.channels["status"] == "fail"]]
