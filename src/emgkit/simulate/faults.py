"""Recording faults for synthetic sessions: mains, wander, ECG, motion, pops, clipping, fatigue.

Pass instances to :func:`emgkit.simulate.synthesize_session` (``faults=[Mains(), ...]``). Each
fault has a ``channels`` selection: ``None`` (the default: every channel, or the trunk
channels for :class:`ECG`) or a tuple whose entries are channel names (``"erector_L"``),
muscle ids (``"erector_spinae"``) or sides (``"left"``). Additive faults and clipping also take
a time window ``start_s``/``stop_s`` (seconds from the first sample; ``None`` = to the end).

Order of application: :class:`Fatigue` changes the sEMG carrier while it is generated; then the
additive faults (:class:`Mains`, :class:`BaselineWander`, :class:`ECG`, :class:`MotionSpikes`,
:class:`ElectrodePop`) in the order given; then :class:`FlatChannel`; then :class:`Clipping`
(saturation happens last, in the amplifier). Amplitudes are as recorded (after the simulated
ADC), in microvolts. None of the faults changes the physiological ground truth.

Every applied fault is listed in ``GroundTruth.faults`` as a dict with ``type``, ``channels``
(names), ``params`` and, where relevant, the event times it produced (``times_s``,
``r_peaks_s``) or the expected median frequencies (``mdf_hz``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy.signal import fftconvolve

from emgkit.errors import ConfigError
from emgkit.muscles import TRUNK_MUSCLES
from emgkit.recording import MUSCLES, SIDES, Channel

__all__ = [
    "ECG",
    "BaselineWander",
    "Clipping",
    "ElectrodePop",
    "Fatigue",
    "Fault",
    "FlatChannel",
    "Mains",
    "MotionSpikes",
]


@dataclass(frozen=True, kw_only=True)
class Fault:
    """Base class: a channel selection and a time window (keyword-only arguments).

    Subclasses take their own parameters positionally first, e.g. ``Mains(60.0, 10.0)``.
    """

    channels: tuple[str, ...] | None = None
    start_s: float = 0.0
    stop_s: float | None = None

    #: 0: carrier (fatigue), 1: additive, 2: flat, 3: clipping.
    stage: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if self.channels is not None:
            if isinstance(self.channels, str):
                object.__setattr__(self, "channels", (self.channels,))
            else:
                object.__setattr__(self, "channels", tuple(self.channels))
        if not (math.isfinite(self.start_s) and self.start_s >= 0):
            raise ConfigError(f"{self.kind}: start_s must be >= 0 s, got {self.start_s}")
        if self.stop_s is not None and not self.stop_s > self.start_s:
            raise ConfigError(
                f"{self.kind}: stop_s ({self.stop_s}) must be after start_s ({self.start_s})"
            )

    @property
    def kind(self) -> str:
        """The fault's type name."""
        return type(self).__name__

    def default_channels(self, channels: Sequence[Channel]) -> list[int]:
        """Channel indices used when ``channels`` is None."""
        return list(range(len(channels)))

    def resolve(self, channels: Sequence[Channel]) -> list[int]:
        """Indices of the selected channels.

        Raises
        ------
        ConfigError
            When an entry matches no channel, or nothing is selected.
        """
        if self.channels is None:
            idx = self.default_channels(channels)
        else:
            idx = []
            for sel in self.channels:
                hit = [
                    i
                    for i, c in enumerate(channels)
                    if c.name == sel
                    or (sel in MUSCLES and c.muscle == sel)
                    or (sel in SIDES and c.side == sel)
                ]
                if not hit:
                    raise ConfigError(
                        f"{self.kind}: channel selection {sel!r} matches no channel; use a "
                        f"name of {[c.name for c in channels]}, a muscle id or a side"
                    )
                idx.extend(i for i in hit if i not in idx)
        if not idx:
            raise ConfigError(f"{self.kind}: no channel selected in {[c.name for c in channels]}")
        return sorted(idx)

    def window(self, fs: float, n: int) -> slice:
        """Sample slice of the fault's time window.

        Parameters
        ----------
        fs : float
            Sampling rate in Hz.
        n : int
            Number of samples of the session; the slice is clipped to it.

        Returns
        -------
        slice
            Samples ``round(start_s * fs)`` up to ``round(stop_s * fs)`` (or ``n`` when
            ``stop_s`` is None).
        """
        i0 = min(n, round(self.start_s * fs))
        i1 = n if self.stop_s is None else min(n, round(self.stop_s * fs))
        return slice(i0, i1)

    def params(self) -> dict[str, Any]:
        """The fault's parameters as a plain dict."""
        return dataclasses.asdict(self)

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Apply the fault in place to ``data[:, idx]``; return extra ground-truth details.

        Parameters
        ----------
        data : ndarray, shape (n_samples, n_channels)
            The session's samples in microvolts (after the simulated ADC), modified in place.
        fs : float
            Sampling rate in Hz.
        idx : list of int
            Columns of ``data`` to change, as returned by :meth:`resolve`.
        rng : numpy.random.Generator
            Source of the fault's randomness (phases, times, signs), for reproducible sessions.
        channels : sequence of Channel
            Description of every column of ``data`` (name, muscle, side).

        Returns
        -------
        dict
            Details for ``GroundTruth.faults`` (e.g. ``times_s``); empty when there are
            none.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Mains(Fault):
    """Power-line interference: a sinusoid at ``freq_hz`` plus harmonics.

    Attributes
    ----------
    freq_hz : float
        50 or 60 Hz (any positive frequency below Nyquist is accepted).
    amplitude_uv : float
        Peak amplitude of the fundamental in microvolts.
    harmonics : tuple of float
        Relative amplitude of the k-th multiple of ``freq_hz`` (k = 1, 2, ...); multiples at
        or above Nyquist are skipped. Default: fundamental, 30 % 3rd, 10 % 5th.
    """

    freq_hz: float = 50.0
    amplitude_uv: float = 20.0
    harmonics: tuple[float, ...] = (1.0, 0.0, 0.3, 0.0, 0.1)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.freq_hz > 0:
            raise ConfigError(f"Mains: freq_hz must be > 0, got {self.freq_hz}")
        if self.amplitude_uv < 0:
            raise ConfigError("Mains: amplitude_uv must be >= 0")

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Add the mains sinusoid and its harmonics, random phase per channel and harmonic.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            Empty.

        Raises
        ------
        ConfigError
            ``freq_hz`` is at or above the Nyquist frequency.
        """
        if self.freq_hz >= fs / 2:
            raise ConfigError(
                f"Mains: {self.freq_hz} Hz is at or above the Nyquist frequency ({fs / 2} Hz)"
            )
        w = self.window(fs, data.shape[0])
        t = np.arange(w.start, w.stop) / fs
        phases = rng.uniform(0, 2 * np.pi, size=(len(idx), len(self.harmonics)))
        for j, c in enumerate(idx):
            for k, rel in enumerate(self.harmonics, start=1):
                if rel == 0 or k * self.freq_hz >= fs / 2:
                    continue
                data[w, c] += (
                    self.amplitude_uv
                    * rel
                    * np.sin(2 * np.pi * k * self.freq_hz * t + phases[j, k - 1])
                )
        return {}


@dataclass(frozen=True)
class BaselineWander(Fault):
    """Slow baseline drift (movement of cables and skin, electrode potentials).

    Attributes
    ----------
    amplitude_uv : float
        RMS of the drift in microvolts.
    max_freq_hz : float
        Drift is a sum of ``n_components`` sinusoids at random frequencies in
        0.05-``max_freq_hz`` Hz with random phases.
    n_components : int
    """

    amplitude_uv: float = 100.0
    max_freq_hz: float = 0.5
    n_components: int = 4

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.max_freq_hz > 0.05:
            raise ConfigError("BaselineWander: max_freq_hz must be > 0.05 Hz")
        if self.n_components < 1:
            raise ConfigError("BaselineWander: n_components must be >= 1")

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Add a random slow drift of RMS ``amplitude_uv`` to each selected channel.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            Empty.
        """
        w = self.window(fs, data.shape[0])
        t = np.arange(w.start, w.stop) / fs
        for c in idx:
            f = rng.uniform(0.05, self.max_freq_hz, self.n_components)
            ph = rng.uniform(0, 2 * np.pi, self.n_components)
            amp = rng.uniform(0.5, 1.0, self.n_components)
            drift = (amp[None, :] * np.sin(2 * np.pi * t[:, None] * f[None, :] + ph)).sum(axis=1)
            rms = float(np.sqrt(np.mean(drift**2))) if drift.size else 0.0
            if rms > 0:
                data[w, c] += drift * (self.amplitude_uv / rms)
        return {}


# P, Q, R, S, T waves as (time of peak s, relative amplitude, Gaussian width s).
_ECG_WAVES = (
    (-0.16, 0.12, 0.025),
    (-0.025, -0.15, 0.008),
    (0.0, 1.0, 0.010),
    (0.025, -0.3, 0.009),
    (0.24, 0.3, 0.045),
)


def ecg_template(fs: float) -> tuple[npt.NDArray[np.float64], int]:
    """A PQRST-like beat sampled at ``fs`` (R peak = 1) and the index of its R peak."""
    t = np.arange(round(-0.35 * fs), round(0.5 * fs) + 1) / fs
    y = np.zeros_like(t)
    for t0, a, s in _ECG_WAVES:
        y += a * np.exp(-0.5 * ((t - t0) / s) ** 2)
    r = int(np.argmin(np.abs(t)))
    return y / y[r], r


@dataclass(frozen=True)
class ECG(Fault):
    """Cardiac crosstalk: a PQRST-like template at ``rate_bpm`` on the trunk channels.

    Attributes
    ----------
    rate_bpm : float
        Mean heart rate (60-80 bpm at rest).
    amplitude_uv : float
        R-peak amplitude in microvolts on left-side channels; right-side channels get
        ``right_factor`` times that (the heart lies left of the midline; convention).
    hrv : float
        Beat-to-beat variation of the RR interval (SD as a fraction, truncated at 2 SD).
    right_factor : float
    """

    rate_bpm: float = 70.0
    amplitude_uv: float = 80.0
    hrv: float = 0.04
    right_factor: float = 0.6

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 20 <= self.rate_bpm <= 250:
            raise ConfigError(f"ECG: rate_bpm must be 20-250, got {self.rate_bpm}")
        if not 0 <= self.hrv < 0.3:
            raise ConfigError("ECG: hrv must be in [0, 0.3)")

    def default_channels(self, channels: Sequence[Channel]) -> list[int]:
        """The trunk channels (erector spinae, multifidus), where cardiac crosstalk is seen.

        Raises
        ------
        ConfigError
            The montage has no trunk channel.
        """
        idx = [i for i, c in enumerate(channels) if c.muscle in TRUNK_MUSCLES]
        if not idx:
            raise ConfigError(
                "ECG: the montage has no trunk channel (erector_spinae, multifidus); "
                "pass channels=(...) explicitly"
            )
        return idx

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Add the ECG beat train, scaled by ``right_factor`` on right-side channels.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            ``r_peaks_s``: the R-peak times in seconds from the first sample.
        """
        n = data.shape[0]
        w = self.window(fs, n)
        rr = 60.0 / self.rate_bpm
        t0, t1 = w.start / fs, w.stop / fs
        n_beats = int((t1 - t0) / (rr * (1 - 2 * self.hrv)) + 2)
        intervals = rr * (1 + self.hrv * np.clip(rng.standard_normal(n_beats), -2, 2))
        peaks = t0 + rng.uniform(0, rr) + np.concatenate([[0.0], np.cumsum(intervals[:-1])])
        peaks = peaks[peaks < t1]
        tpl, r = ecg_template(fs)
        train = np.zeros(n)
        pos = np.round(peaks * fs).astype(np.int64)
        train[pos[pos < n]] = 1.0
        beat = fftconvolve(train, tpl)[r : r + n]
        mask = np.zeros(n, dtype=bool)
        mask[w] = True
        for c in idx:
            gain = self.right_factor if channels[c].side == "right" else 1.0
            data[mask, c] += self.amplitude_uv * gain * beat[mask]
        return {"r_peaks_s": [float(p) for p in pos[pos < n] / fs]}


@dataclass(frozen=True)
class MotionSpikes(Fault):
    """Motion artefacts: short biphasic low-frequency transients (cable or electrode movement).

    Attributes
    ----------
    rate_per_min : float
        Mean rate of a Poisson process (ignored when ``times_s`` is given).
    amplitude_uv : float
        Peak amplitude; each channel gets 50-100 % of it with a random sign.
    width_s : float
        Width of the Gaussian-derivative shape (peak at +-``width_s``).
    times_s : tuple of float or None
        Explicit artefact times (seconds); they hit all selected channels.
    """

    rate_per_min: float = 6.0
    amplitude_uv: float = 300.0
    width_s: float = 0.03
    times_s: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rate_per_min < 0 or self.width_s <= 0:
            raise ConfigError("MotionSpikes: rate_per_min must be >= 0 and width_s > 0")

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Add the motion transients, the same times on every selected channel.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            ``times_s``: the artefact centre times in seconds.
        """
        n = data.shape[0]
        times = _event_times(self.times_s, self.rate_per_min, self.window(fs, n), fs, rng)
        half = max(1, round(5 * self.width_s * fs))
        k = np.arange(-half, half + 1) / fs
        shape = (k / self.width_s) * np.exp(0.5 - 0.5 * (k / self.width_s) ** 2)
        for t in times:
            c0 = round(t * fs)
            lo, hi = max(0, c0 - half), min(n, c0 + half + 1)
            seg = shape[lo - (c0 - half) : hi - (c0 - half)]
            for c in idx:
                gain = rng.uniform(0.5, 1.0) * rng.choice([-1.0, 1.0])
                data[lo:hi, c] += self.amplitude_uv * gain * seg
        return {"times_s": [float(t) for t in times]}


@dataclass(frozen=True)
class ElectrodePop(Fault):
    """Electrode pops: a step followed by an exponential decay (a sudden change of contact).

    Attributes
    ----------
    rate_per_min : float
        Mean rate per channel of a Poisson process (ignored when ``times_s`` is given).
    amplitude_uv : float
        Step height in microvolts (random sign).
    tau_s : float
        Decay time constant.
    times_s : tuple of float or None
        Explicit pop times; they hit all selected channels.
    """

    rate_per_min: float = 1.0
    amplitude_uv: float = 1000.0
    tau_s: float = 0.3
    times_s: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rate_per_min < 0 or self.tau_s <= 0:
            raise ConfigError("ElectrodePop: rate_per_min must be >= 0 and tau_s > 0")

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Add the pops, drawn independently per channel unless ``times_s`` is given.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            ``times_s``: pop times in seconds, keyed by channel name.
        """
        n = data.shape[0]
        w = self.window(fs, n)
        length = max(1, round(8 * self.tau_s * fs))
        decay = np.exp(-np.arange(length) / (self.tau_s * fs))
        out: dict[str, list[float]] = {}
        for c in idx:
            times = _event_times(self.times_s, self.rate_per_min, w, fs, rng)
            for t in times:
                i0 = round(t * fs)
                i1 = min(n, i0 + length)
                if i0 >= n:
                    continue
                sign = rng.choice([-1.0, 1.0])
                data[i0:i1, c] += sign * self.amplitude_uv * decay[: i1 - i0]
            out[channels[c].name] = [float(t) for t in times]
        return {"times_s": out}


@dataclass(frozen=True)
class FlatChannel(Fault):
    """A disconnected channel: near-constant ``level_uv`` with tiny ``noise_uv`` RMS noise."""

    level_uv: float = 0.0
    noise_uv: float = 0.02

    stage: ClassVar[int] = 2

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Replace the selected channels' samples in the window with the flat level.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            Empty.
        """
        w = self.window(fs, data.shape[0])
        for c in idx:
            m = w.stop - w.start
            data[w, c] = self.level_uv + self.noise_uv * rng.standard_normal(m)
        return {}


@dataclass(frozen=True)
class Clipping(Fault):
    """Amplifier saturation: samples beyond +-``limit_uv`` are clipped to the limit."""

    limit_uv: float = 250.0

    stage: ClassVar[int] = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.limit_uv > 0:
            raise ConfigError(f"Clipping: limit_uv must be > 0, got {self.limit_uv}")

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Clip the selected channels' samples in the window to +-``limit_uv``.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            Empty.
        """
        w = self.window(fs, data.shape[0])
        for c in idx:
            np.clip(data[w, c], -self.limit_uv, self.limit_uv, out=data[w, c])
        return {}


@dataclass(frozen=True)
class Fatigue(Fault):
    """Muscle fatigue: the sEMG spectrum compresses during sustained holds.

    The spectral scale ``k`` falls linearly from 1 to ``1 - drop`` over each hold
    (``over="hold"``) or over the holds of each set taken together (``over="set"``); the
    median frequency scales by ``k`` (-10 to -25 % over a sustained hold is typical, see
    clinical-anchors.md section 8). It stays at its low value while lowering and recovers
    between reps (``hold``) or between sets (``set``). Amplitude is unchanged, so the %MVC
    ground truth is unaffected. ``start_s``/``stop_s`` are not used; use ``trials``.

    Attributes
    ----------
    drop : float
        Fractional fall of the median frequency at the end of a hold/set (0-0.6).
    over : {"hold", "set"}
    trials : tuple of str or None
        Trial ids affected (default: every trial with holds, MVCs included).
    """

    drop: float = 0.2
    over: str = "hold"
    trials: tuple[str, ...] | None = None

    stage: ClassVar[int] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.drop <= 0.6:
            raise ConfigError(f"Fatigue: drop must be in (0, 0.6], got {self.drop}")
        if self.over not in ("hold", "set"):
            raise ConfigError(f"Fatigue: over must be 'hold' or 'set', got {self.over!r}")
        if isinstance(self.trials, str):
            object.__setattr__(self, "trials", (self.trials,))

    def scale_profile(
        self,
        n: int,
        fs: float,
        holds: Sequence[tuple[str, int, float, float, float]],
    ) -> npt.NDArray[np.float64]:
        """Spectral scale k(t), shape (n,), from holds (trial, set, on, off, end) in seconds.

        Parameters
        ----------
        n : int
            Number of samples of the profile (the carrier as generated).
        fs : float
            Sampling rate of the profile in Hz (the carrier's generation rate, which may be
            above the session's).
        holds : sequence of (str, int, float, float, float)
            Per rep: trial id, set index, hold start, hold end and rep end (after lowering),
            in seconds from the first sample.

        Returns
        -------
        ndarray, shape (n,)
            Factor applied to the carrier's frequencies: 1 outside the affected trials, falling
            to ``1 - drop`` at the end of each hold (``over="hold"``) or set (``over="set"``).
        """
        k = np.ones(n)
        groups: dict[tuple[str, int] | tuple[str, int, float], list[tuple[float, float, float]]]
        groups = {}
        for trial, set_i, on, off, end in holds:
            if self.trials is not None and trial not in self.trials:
                continue
            key = (trial, set_i) if self.over == "set" else (trial, set_i, on)
            groups.setdefault(key, []).append((on, off, end))
        for items in groups.values():
            total = sum(off - on for on, off, _ in items)
            done = 0.0
            for on, off, end in items:
                i0, i1, i2 = round(on * fs), round(off * fs), round(end * fs)
                t = (np.arange(i0, i1) / fs - on + done) / total
                k[i0:i1] = 1.0 - self.drop * t
                done += off - on
                k[i1:i2] = 1.0 - self.drop * done / total
            if self.over == "set" and len(items) > 1:
                # hold the fatigued level through the rests inside the set
                for (_, _, end), (on_next, _, _) in itertools.pairwise(items):
                    j0, j1 = round(end * fs), round(on_next * fs)
                    k[j0:j1] = k[j0 - 1] if j0 > 0 else 1.0
        return k

    def apply(
        self,
        data: npt.NDArray[np.float64],
        fs: float,
        idx: list[int],
        rng: np.random.Generator,
        channels: Sequence[Channel],
    ) -> dict[str, Any]:
        """Nothing to do here: fatigue is applied while the carrier is generated.

        The parameters are those of :meth:`Fault.apply`.

        Returns
        -------
        dict
            Empty (see :meth:`scale_profile`).
        """
        return {}  # applied while the carrier is generated


def _event_times(
    times_s: tuple[float, ...] | None,
    rate_per_min: float,
    window: slice,
    fs: float,
    rng: np.random.Generator,
) -> list[float]:
    t0, t1 = window.start / fs, window.stop / fs
    if times_s is not None:
        return [float(t) for t in times_s if t0 <= t < t1]
    if rate_per_min <= 0 or t1 <= t0:
        return []
    count = rng.poisson(rate_per_min * (t1 - t0) / 60.0)
    return sorted(float(t) for t in rng.uniform(t0, t1, count))
