"""The one in-memory model of a recording that every part of emgkit speaks.

A :class:`Recording` holds samples shaped ``(n_samples, n_channels)`` in microvolts on a
uniform time base at ``fs`` Hz, a channel table, timed events (markers, trials, holds), the
gaps where samples are missing, and session metadata.

Missing samples are kept as ``NaN`` rows inside ``data`` so that the time base stays uniform
and sample ``i`` is always at ``i / fs`` seconds; each run of missing samples is also listed
in :attr:`Recording.gaps`. Use :meth:`Recording.filled` to get a copy suitable for filtering.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from emgkit.errors import ConfigError, SignalError
from emgkit.muscles import MUSCLES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MUSCLES",
    "SIDES",
    "Channel",
    "Event",
    "Gap",
    "Recording",
    "SessionInfo",
    "SignalKind",
]

#: Sides of the body.
SIDES: tuple[str, ...] = ("left", "right")


class SignalKind(StrEnum):
    """What a channel carries. Only ``raw`` channels go through the band-pass."""

    RAW = "raw"
    ENVELOPE = "envelope"
    RECTIFIED = "rectified"
    ACCEL = "accel"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Channel:
    """One column of a :class:`Recording`.

    Parameters
    ----------
    name : str
        Unique channel name, e.g. ``"glute_max_L"``.
    muscle : str or None
        Canonical muscle id (a key of :data:`MUSCLES`), or None when unassigned.
    side : {"left", "right"} or None
        Body side, or None for midline / unassigned.
    kind : SignalKind
        ``raw`` sEMG, an ``envelope`` (e.g. MyoWare ENV), ``rectified``, ``accel`` or ``other``.
    units : str
        Physical units of the stored values (``"uV"`` for EMG, ``"g"`` for accelerometers).
    device : str
        Source device, e.g. ``"cyton"``, ``"myoware-arduino"``, ``"synthetic"``.
    site : str
        Electrode site description (SENIAM), free text.
    """

    name: str
    muscle: str | None = None
    side: str | None = None
    kind: SignalKind = SignalKind.RAW
    units: str = "uV"
    device: str = ""
    site: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ConfigError(f"channel name must be a non-empty string, got {self.name!r}")
        if self.side is not None and self.side not in SIDES:
            raise ConfigError(
                f"channel {self.name!r}: side must be one of {SIDES} or None, got {self.side!r}"
            )
        if self.muscle is not None and self.muscle not in MUSCLES:
            raise ConfigError(
                f"channel {self.name!r}: unknown muscle {self.muscle!r}; "
                f"use one of {sorted(MUSCLES)}"
            )
        try:
            object.__setattr__(self, "kind", SignalKind(self.kind))
        except ValueError:
            raise ConfigError(
                f"channel {self.name!r}: kind must be one of "
                f"{[k.value for k in SignalKind]}, got {self.kind!r}"
            ) from None

    def as_dict(self) -> dict[str, str | None]:
        """The channel as plain values (kind as text), e.g. for tables and JSON sidecars."""
        return {
            "name": self.name,
            "muscle": self.muscle,
            "side": self.side,
            "kind": str(self.kind),
            "units": self.units,
            "device": self.device,
            "site": self.site,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """A timed annotation: a marker, a trial, a hold, a rep.

    Parameters
    ----------
    onset : float
        Start time in seconds from the first sample.
    duration : float
        Duration in seconds (0 for an instantaneous marker).
    label : str
        What happened, e.g. ``"trial"``, ``"hold"``, ``"rep"``, ``"marker"``, ``"pain"``.
    trial : str
        Identifier of the protocol trial the event belongs to (``""`` when none).
    value : str
        Optional payload (a pain rating, a note, a rep number), as text.
    """

    onset: float
    duration: float = 0.0
    label: str = "marker"
    trial: str = ""
    value: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.onset) and math.isfinite(self.duration)):
            raise ConfigError(f"event {self.label!r}: onset and duration must be finite")
        if self.duration < 0:
            raise ConfigError(f"event {self.label!r}: negative duration {self.duration}")

    @property
    def offset(self) -> float:
        """End time in seconds."""
        return self.onset + self.duration


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of missing samples (e.g. dropped packets), stored as NaN rows in ``data``.

    Parameters
    ----------
    start : int
        Index of the first missing sample.
    n_samples : int
        How many consecutive samples are missing.
    reason : str
        Why, e.g. ``"packet loss"``, ``"disconnect"``.
    """

    start: int
    n_samples: int
    reason: str = "packet loss"

    def __post_init__(self) -> None:
        if self.start < 0 or self.n_samples <= 0:
            raise ConfigError(f"invalid gap start={self.start} n_samples={self.n_samples}")

    @property
    def stop(self) -> int:
        """Index one past the last missing sample."""
        return self.start + self.n_samples


@dataclass(slots=True)
class SessionInfo:
    """Session metadata. Subject identifiers are pseudonyms, never names."""

    subject: str = "anonymous"
    session: str = ""
    date: datetime | None = None
    device: str = ""
    firmware: str = ""
    gain: float | None = None
    hardware_bandwidth_hz: float | None = None
    power_line_hz: float | None = None
    montage: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _as_float_2d(data: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise SignalError(f"data must be 2-D (n_samples, n_channels), got shape {arr.shape}")
    return arr


class Recording:
    """Multichannel sEMG with its channel table, events, gaps and metadata.

    Parameters
    ----------
    data : array_like, shape (n_samples, n_channels)
        Samples in the units of each channel (microvolts for EMG). Missing samples are NaN.
    fs : float
        Sampling rate in Hz.
    channels : sequence of Channel or str
        One entry per column; plain strings become raw, unassigned channels.
    events : iterable of Event, optional
    gaps : iterable of Gap, optional
        Runs of missing samples. Their rows in ``data`` should be NaN.
    info : SessionInfo, optional

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit import Recording, Channel
    >>> rec = Recording(np.zeros((1000, 2)), fs=1000.0,
    ...                 channels=[Channel("gmax_L", "glute_max", "left"),
    ...                           Channel("gmax_R", "glute_max", "right")])
    >>> rec.duration
    1.0
    >>> rec.pick(side="right").channel_names
    ['gmax_R']
    """

    __slots__ = ("channels", "data", "events", "fs", "gaps", "info")

    def __init__(
        self,
        data: npt.ArrayLike,
        fs: float,
        channels: Sequence[Channel | str],
        events: Iterable[Event] = (),
        gaps: Iterable[Gap] = (),
        info: SessionInfo | None = None,
    ) -> None:
        arr = _as_float_2d(data)
        fs = float(fs)
        if not math.isfinite(fs) or fs <= 0:
            raise SignalError(f"sampling rate fs must be a positive number of Hz, got {fs}")
        chans = tuple(c if isinstance(c, Channel) else Channel(str(c)) for c in channels)
        if len(chans) != arr.shape[1]:
            raise ConfigError(
                f"{len(chans)} channel descriptions for {arr.shape[1]} data columns; "
                "give one Channel per column"
            )
        names = [c.name for c in chans]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"duplicate channel names {dupes}; names must be unique")
        self.data: npt.NDArray[np.float64] = arr
        self.fs: float = fs
        self.channels: tuple[Channel, ...] = chans
        self.events: list[Event] = sorted(events, key=lambda e: (e.onset, e.label))
        self.gaps: list[Gap] = sorted(gaps, key=lambda g: g.start)
        for g in self.gaps:
            if g.stop > arr.shape[0]:
                raise ConfigError(
                    f"gap at sample {g.start} (+{g.n_samples}) runs past the end of the data "
                    f"({arr.shape[0]} samples)"
                )
        self.info: SessionInfo = info if info is not None else SessionInfo()

    # ------------------------------------------------------------------ basic properties
    @property
    def n_samples(self) -> int:
        """Number of samples (rows)."""
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of channels (columns)."""
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Duration in seconds (``n_samples / fs``)."""
        return self.n_samples / self.fs

    @property
    def times(self) -> npt.NDArray[np.float64]:
        """Time of each sample in seconds from the first sample."""
        return np.arange(self.n_samples) / self.fs

    @property
    def channel_names(self) -> list[str]:
        """Channel names in column order."""
        return [c.name for c in self.channels]

    @property
    def n_missing(self) -> int:
        """Total number of missing samples (per channel) listed in :attr:`gaps`."""
        return sum(g.n_samples for g in self.gaps)

    @property
    def band_limited(self) -> bool:
        """True when fs < 1 kHz or the hardware bandwidth is below 400 Hz (250 Hz Cyton: 65 Hz)."""
        bw = self.info.hardware_bandwidth_hz
        return (bw is not None and bw < 400.0) or self.fs < 1000.0

    def __repr__(self) -> str:
        return (
            f"<Recording {self.n_channels} ch x {self.n_samples} samples @ {self.fs:g} Hz "
            f"({self.duration:.1f} s), {len(self.events)} events, {len(self.gaps)} gaps, "
            f"subject={self.info.subject!r}>"
        )

    def copy(self) -> Recording:
        """A deep copy (data array included)."""
        return Recording(
            self.data.copy(),
            self.fs,
            self.channels,
            list(self.events),
            list(self.gaps),
            dataclasses.replace(self.info, extra=dict(self.info.extra)),
        )

    def with_data(
        self, data: npt.ArrayLike, channels: Sequence[Channel] | None = None
    ) -> Recording:
        """A recording with the same time base, events, gaps and info but new samples.

        Parameters
        ----------
        data : array_like
            New samples, (n_samples, n_channels), on the same clock.
        channels : sequence of Channel, optional
            Their channels (default: the current ones).
        """
        return Recording(
            data,
            self.fs,
            self.channels if channels is None else channels,
            self.events,
            self.gaps,
            self.info,
        )

    # ------------------------------------------------------------------ selection
    def channel_index(self, name: str) -> int:
        """Column index of a channel by name."""
        try:
            return self.channel_names.index(name)
        except ValueError:
            raise ConfigError(
                f"no channel named {name!r}; channels are {self.channel_names}"
            ) from None

    def pick(
        self,
        names: Sequence[str] | None = None,
        *,
        muscle: str | Sequence[str] | None = None,
        side: str | None = None,
        kind: str | Sequence[str] | None = None,
    ) -> Recording:
        """Select channels by name, muscle, side and/or kind.

        Parameters
        ----------
        names : sequence of str, optional
            Channel names to keep.
        muscle : str or sequence of str, optional
            Muscle id(s) to keep.
        side : str, optional
            Side to keep.
        kind : str or sequence of str, optional
            Signal kind(s) to keep.

        Raises
        ------
        ConfigError
            When nothing matches.
        """
        muscles = [muscle] if isinstance(muscle, str) else muscle
        kinds = [kind] if isinstance(kind, str) else kind
        idx = []
        for i, ch in enumerate(self.channels):
            if names is not None and ch.name not in names:
                continue
            if muscles is not None and ch.muscle not in muscles:
                continue
            if side is not None and ch.side != side:
                continue
            if kinds is not None and ch.kind not in kinds:
                continue
            idx.append(i)
        if not idx:
            raise ConfigError(
                f"no channel matches names={names} muscle={muscle} side={side} kind={kind}; "
                f"channels: {[(c.name, c.muscle, c.side, str(c.kind)) for c in self.channels]}"
            )
        return Recording(
            self.data[:, idx],
            self.fs,
            [self.channels[i] for i in idx],
            self.events,
            self.gaps,
            self.info,
        )

    def crop(self, tmin: float = 0.0, tmax: float | None = None) -> Recording:
        """The part between ``tmin`` and ``tmax`` seconds (end exclusive); events and gaps shift.

        Events that overlap the window are kept and clipped to it.

        Parameters
        ----------
        tmin : float
            Start, seconds.
        tmax : float, optional
            End, seconds (default: the end of the recording).
        """
        if tmax is None:
            tmax = self.duration
        if not (0.0 <= tmin < tmax):
            raise SignalError(
                f"crop window [{tmin}, {tmax}) s is empty or negative; "
                f"the recording lasts {self.duration:.3f} s"
            )
        i0 = round(tmin * self.fs)
        i1 = min(round(tmax * self.fs), self.n_samples)
        if i0 >= i1:
            raise SignalError(f"crop window [{tmin}, {tmax}) s holds no samples")
        t0, t1 = i0 / self.fs, i1 / self.fs
        events = []
        for ev in self.events:
            if ev.offset < t0 or ev.onset >= t1 or (ev.duration > 0 and ev.offset == t0):
                continue
            on = max(ev.onset, t0)
            off = min(ev.offset, t1)
            events.append(dataclasses.replace(ev, onset=on - t0, duration=max(off - on, 0.0)))
        gaps = []
        for g in self.gaps:
            s, e = max(g.start, i0), min(g.stop, i1)
            if s < e:
                gaps.append(Gap(s - i0, e - s, g.reason))
        return Recording(self.data[i0:i1], self.fs, self.channels, events, gaps, self.info)

    def events_for(self, label: str | None = None, trial: str | None = None) -> list[Event]:
        """Events filtered by label and/or trial id.

        Parameters
        ----------
        label : str, optional
            Keep events with this label.
        trial : str, optional
            Keep events of this trial.
        """
        return [
            e
            for e in self.events
            if (label is None or e.label == label) and (trial is None or e.trial == trial)
        ]

    # ------------------------------------------------------------------ gaps
    def gap_mask(self) -> npt.NDArray[np.bool_]:
        """Boolean mask, True where a sample is missing (listed in a gap)."""
        mask = np.zeros(self.n_samples, dtype=bool)
        for g in self.gaps:
            mask[g.start : g.stop] = True
        return mask

    def filled(self, method: str = "zero") -> Recording:
        """A copy with missing samples filled so that filters can run across gaps.

        Parameters
        ----------
        method : {"zero", "linear"}
            ``zero`` puts 0 uV (no EMG) in the gap; ``linear`` interpolates between the
            neighbouring samples. Metrics should still exclude gap windows (see :meth:`gap_mask`).
        """
        if method not in ("zero", "linear"):
            raise ConfigError(f"fill method must be 'zero' or 'linear', got {method!r}")
        data = self.data.copy()
        bad = ~np.isfinite(data)
        if bad.any():
            if method == "zero":
                data[bad] = 0.0
            else:
                t = np.arange(self.n_samples)
                for c in range(self.n_channels):
                    b = bad[:, c]
                    if b.all():
                        data[:, c] = 0.0
                    elif b.any():
                        data[b, c] = np.interp(t[b], t[~b], data[~b, c])
        return self.with_data(data)

    # ------------------------------------------------------------------ pandas views
    def to_dataframe(self, time_index: bool = True) -> pd.DataFrame:
        """Samples as a DataFrame, one column per channel, indexed by time in seconds."""
        import pandas as pd

        df = pd.DataFrame(self.data, columns=self.channel_names)
        if time_index:
            df.index = pd.Index(self.times, name="time_s")
        return df

    def channels_frame(self) -> pd.DataFrame:
        """The channel table as a DataFrame."""
        import pandas as pd

        return pd.DataFrame([c.as_dict() for c in self.channels])

    def events_frame(self) -> pd.DataFrame:
        """Events as a DataFrame (onset, duration, label, trial, value)."""
        import pandas as pd

        cols = ["onset", "duration", "label", "trial", "value"]
        return pd.DataFrame([dataclasses.astuple(e) for e in self.events], columns=cols)

    def gaps_frame(self) -> pd.DataFrame:
        """Gaps as a DataFrame, with start time and duration in seconds."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "start_sample": g.start,
                    "n_samples": g.n_samples,
                    "onset": g.start / self.fs,
                    "duration": g.n_samples / self.fs,
                    "reason": g.reason,
                }
                for g in self.gaps
            ],
            columns=["start_sample", "n_samples", "onset", "duration", "reason"],
        )

    @classmethod
    def from_dataframe(
        cls,
        df: pd.DataFrame,
        fs: float,
        channels: Sequence[Channel] | None = None,
        info: SessionInfo | None = None,
    ) -> Recording:
        """Build a recording from a DataFrame whose columns are channels (microvolts).

        Parameters
        ----------
        df : DataFrame
            One column per channel, microvolts.
        fs : float
            Sampling rate, Hz.
        channels : sequence of Channel, optional
            One per column (default: named after the columns).
        info : SessionInfo, optional
            Session metadata.
        """
        chans: Sequence[Channel | str] = (
            channels if channels is not None else [str(c) for c in df.columns]
        )
        return cls(df.to_numpy(dtype=np.float64), fs, chans, info=info)

    def _repr_html_(self) -> str:  # Jupyter
        return (
            f"<p><b>Recording</b> {self.n_channels} ch × {self.n_samples} samples @ {self.fs:g} Hz "
            f"({self.duration:.1f} s), subject <code>{_html_escape(self.info.subject)}</code>, "
            f"{len(self.events)} events, {len(self.gaps)} gaps</p>"
            + self.channels_frame().to_html(index=False)
        )


def _html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
