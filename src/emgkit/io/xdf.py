"""XDF files from Lab Streaming Layer recorders (LabRecorder), read with pyxdf.

pyxdf is an optional dependency: ``pip install "emgkit[xdf]"`` (or ``pip install pyxdf``).

What is read:

* **The EMG stream.** A numeric stream with a nominal rate, chosen by ``stream=`` (name or
  stream id) or else the only stream of type ``EMG`` (case-insensitive), or else the only one
  of type ``ExG``/``EEG`` (OpenBCI GUI and BrainFlow publish EMG as ``EEG``/``EXG``). Several
  candidates without ``stream=`` is an error that lists them.
* **Structure first.** Chunk lengths, channel counts and sample counts are checked against
  the file size before pyxdf reads anything (:func:`check_structure`): a cut file is an
  error, not a shorter recording, and no count the file cannot hold is allocated.
* **Sampling rate.** The stream's ``nominal_srate``, checked against the timestamps: the median
  sample interval must agree within ``rate_tolerance`` (default 2 %), otherwise the header is
  lying and a :class:`~emgkit.errors.FormatError` says both rates.
* **Time base and gaps.** Timestamps are not dejittered by a regression (which would hide
  losses): each sample is placed at ``round((t - t0) * fs)``; a jump of more than 1.5 intervals
  leaves NaN rows and a :class:`~emgkit.recording.Gap` (``reason="xdf timestamp gap"``).
  Timestamps that go backwards are an error.
* **Channels and units.** Labels, ``unit`` and ``type`` from the stream's ``desc/channels``;
  EMG values in ``V``, ``mV``, ``uV``/``µV``/``microvolts`` are converted to microvolts (no
  unit: microvolts assumed and said in ``info.extra["xdf_units_assumed"]``). Channels of type
  ``ACC``/``Accel`` become accelerometer channels, other non-EMG types ``other``.
* **Markers.** Every string stream (``channel_format`` ``string``, irregular rate) becomes
  :class:`~emgkit.recording.Event` s labelled ``"marker"`` with the marker text as ``value``,
  at the marker's time relative to the first EMG sample (LSL clock offsets applied by pyxdf).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.errors import ConfigError, FormatError
from emgkit.io.base import format_error
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo, SignalKind

__all__ = ["MAX_CHANNELS", "check_structure", "read_xdf"]

_EMG_TYPES = ("emg",)
_FALLBACK_TYPES = ("exg", "eeg")
_UNIT_TO_UV = {
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,
    "microvolts": 1.0,
    "microvolt": 1.0,
    "mv": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volts": 1e6,
    "volt": 1e6,
}


def _pyxdf() -> Any:
    try:
        import pyxdf
    except ImportError as exc:
        raise ConfigError(
            "reading XDF needs the optional package pyxdf: pip install 'emgkit[xdf]' "
            "(or pip install pyxdf)"
        ) from exc
    return pyxdf


def _field(info: dict[str, Any], key: str, default: str = "") -> str:
    v = info.get(key)
    while isinstance(v, list):
        v = v[0] if v else None
    return default if v is None else str(v)


def _channels_desc(info: dict[str, Any]) -> list[dict[str, str]]:
    desc = info.get("desc")
    try:
        chans = desc[0]["channels"][0]["channel"]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return []
    return [{k: _field(c, k) for k in ("label", "unit", "type")} for c in chans or []]


def _describe(s: dict[str, Any]) -> str:
    info = s["info"]
    return (
        f"id {_field(info, 'stream_id')} {_field(info, 'name')!r} "
        f"(type {_field(info, 'type')!r}, {_field(info, 'channel_count')} ch, "
        f"{_field(info, 'nominal_srate')} Hz, {_field(info, 'channel_format')})"
    )


def _is_numeric(s: dict[str, Any]) -> bool:
    return _field(s["info"], "channel_format") != "string"


def _pick(path: Path, streams: list[dict[str, Any]], stream: str | int | None) -> dict[str, Any]:
    regular = [
        s
        for s in streams
        if _is_numeric(s) and float(_field(s["info"], "nominal_srate", "0") or 0) > 0
    ]
    if stream is not None:
        for s in streams:
            info = s["info"]
            if str(stream) in (_field(info, "name"), _field(info, "stream_id")):
                if s not in regular:
                    raise FormatError(
                        f"{path}: stream {stream!r} is not a regularly sampled numeric stream: "
                        f"{_describe(s)}"
                    )
                return s
        raise FormatError(
            f"{path}: no stream named or numbered {stream!r}; streams: "
            + "; ".join(_describe(s) for s in streams)
        )
    for types in (_EMG_TYPES, _FALLBACK_TYPES):
        cands = [s for s in regular if _field(s["info"], "type").lower() in types]
        if len(cands) == 1:
            return cands[0]
        if len(cands) > 1:
            raise FormatError(
                f"{path}: {len(cands)} candidate EMG streams; choose one with stream=<name or "
                "id> (emgkit convert/info: --stream): " + "; ".join(_describe(s) for s in cands)
            )
    raise FormatError(
        f"{path}: no EMG stream (a numeric stream with a nominal rate and type EMG, ExG or "
        "EEG); streams: " + ("; ".join(_describe(s) for s in streams) or "none")
    )


def _kind_and_scale(ch: dict[str, str]) -> tuple[SignalKind, str, float, bool]:
    typ = ch.get("type", "").lower()
    unit = ch.get("unit", "")
    if typ in ("acc", "accel", "accelerometer"):
        return SignalKind.ACCEL, unit or "g", 1.0, False
    if typ and typ not in ("emg", "exg", "eeg"):
        return SignalKind.OTHER, unit or "", 1.0, False
    if not unit:
        return SignalKind.RAW, "uV", 1.0, True
    scale = _UNIT_TO_UV.get(unit.strip().lower())
    if scale is None:
        return SignalKind.OTHER, unit, 1.0, False
    return SignalKind.RAW, "uV", scale, False


#: Bytes per value of each XDF channel format (strings: at least a 2-byte length prefix).
_FORMAT_BYTES = {
    "float32": 4,
    "double64": 8,
    "int8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "string": 2,
}

#: Most channels a stream header may declare (high-density EMG grids have a few hundred).
MAX_CHANNELS = 65_536


def _tag(xml: str, name: str) -> str | None:
    import re

    m = re.search(rf"<{name}>\s*([^<]*?)\s*</{name}>", xml)
    return m.group(1) if m else None


def check_structure(path: str | Path) -> None:
    """Walk an XDF file's chunks before pyxdf reads it.

    Nothing is allocated from a count the file's own size cannot hold.

    Checks every chunk length against the bytes left (a cut file is an error, not a shorter
    recording), every stream header's channel count and format, and every samples chunk's
    sample count against the chunk's length.

    Raises
    ------
    FormatError
        Names the file, the byte offset of the chunk and what is wrong.
    """
    import struct

    p = Path(path)
    size = p.stat().st_size
    streams: dict[int, tuple[int, int]] = {}  # stream id -> (channels, bytes per value)
    with p.open("rb") as fh:
        fh.seek(4)
        pos = 4
        while pos < size:
            nb = fh.read(1)
            if not nb:
                break
            width = nb[0]
            if width not in (1, 4, 8):
                raise format_error(
                    p, f"chunk at byte {pos}: length prefix {width} (expected 1, 4 or 8)", byte=pos
                )
            raw = fh.read(width)
            if len(raw) < width:
                raise format_error(p, f"chunk at byte {pos}: cut inside its length; truncated")
            length = int.from_bytes(raw, "little")
            start = pos + 1 + width
            if length < 2 or start + length > size:
                raise format_error(
                    p,
                    f"chunk at byte {pos} claims {length} bytes but {size - start} are left: "
                    "the file is truncated (copy interrupted or recording not finished) or "
                    "damaged. It is not read as a shorter recording",
                    byte=pos,
                )
            tag = struct.unpack("<H", fh.read(2))[0]
            if tag == 2 and length <= 1 << 20:
                content = fh.read(length - 2)
                sid = struct.unpack("<I", content[:4])[0] if len(content) >= 4 else -1
                xml = content[4:].decode("utf-8", "replace")
                nch_text = _tag(xml, "channel_count") or ""
                fmt = (_tag(xml, "channel_format") or "").lower()
                try:
                    nch = int(nch_text)
                except ValueError:
                    raise format_error(
                        p, f"stream header at byte {pos}: channel count {nch_text!r}", byte=pos
                    ) from None
                if not 1 <= nch <= MAX_CHANNELS:
                    raise format_error(
                        p,
                        f"stream header at byte {pos} declares {nch} channels (expected 1 to "
                        f"{MAX_CHANNELS})",
                        byte=pos,
                    )
                if fmt not in _FORMAT_BYTES:
                    raise format_error(
                        p, f"stream header at byte {pos}: channel format {fmt!r}", byte=pos
                    )
                streams[sid] = (nch, _FORMAT_BYTES[fmt])
            elif tag == 3:
                head = fh.read(min(length - 2, 13))
                if len(head) >= 5 and struct.unpack("<I", head[:4])[0] in streams:
                    nch, bpv = streams[struct.unpack("<I", head[:4])[0]]
                    w = head[4]
                    if w not in (1, 4, 8) or len(head) < 5 + w:
                        raise format_error(p, f"samples chunk at byte {pos}: bad count", byte=pos)
                    count = int.from_bytes(head[5 : 5 + w], "little")
                    need = count * (1 + nch * bpv)  # a timestamp flag and the values
                    if need > length:
                        raise format_error(
                            p,
                            f"samples chunk at byte {pos} claims {count} samples of {nch} "
                            f"channels but holds {length} bytes",
                            byte=pos,
                        )
            pos = start + length
            fh.seek(pos)


def read_xdf(
    path: str | Path,
    *,
    stream: str | int | None = None,
    rate_tolerance: float = 0.02,
) -> Recording:
    """Read the EMG stream and the markers of an XDF file.

    Parameters
    ----------
    path : str or Path
    stream : str or int, optional
        Name or stream id of the EMG stream (needed when there are several candidates).
    rate_tolerance : float
        Largest relative difference allowed between the nominal rate and the rate of the
        timestamps (median interval).

    Returns
    -------
    Recording
        Samples in microvolts (EMG), NaN rows and gaps where timestamps jump, markers as events.

    Raises
    ------
    ConfigError
        pyxdf is not installed (install ``emgkit[xdf]``).
    FormatError
        Not an XDF file, damaged, no (unique) EMG stream, a rate that disagrees with the
        timestamps, or timestamps that go backwards. The message names the file.

    Examples
    --------
    >>> from emgkit.io import read
    >>> rec = read("sub-01_task-bridge.xdf", montage="bridge6")  # doctest: +SKIP
    """
    p = Path(path)
    pyxdf = _pyxdf()
    streams, header = _load_streams(p, pyxdf)
    s = _pick(p, streams, stream)
    info = s["info"]
    fs = float(_field(info, "nominal_srate"))
    ts = np.asarray(s["time_stamps"], dtype=np.float64)
    x = np.asarray(s["time_series"], dtype=np.float64)
    name = _field(info, "name")
    idx, fs_ts = _sample_slots(p, name, ts, x, fs, rate_tolerance)
    n = int(idx[-1]) + 1
    chans, scales, assumed = _xdf_channels(info, x.shape[1], name)
    data: npt.NDArray[np.float64] = np.full((n, x.shape[1]), np.nan)
    data[idx] = x * scales
    gaps = _timestamp_gaps(idx)
    t0 = float(ts[0])
    events, outside = _marker_events(streams, t0, n / fs)
    extra = _xdf_extra(header, s, streams, t0, fs_ts, assumed, outside)
    src = _field(info, "source_id")
    return Recording(
        data,
        fs,
        chans,
        events,
        gaps,
        SessionInfo(device=name or src, extra=extra),
    )


def _load_streams(p: Path, pyxdf: Any) -> tuple[list[dict[str, Any]], Any]:
    """Check the magic and chunk structure, then load (streams, header) with pyxdf."""
    if not p.is_file():
        raise FormatError(f"{p}: no such file")
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"XDF:":
        raise format_error(
            p, f"not an XDF file: the first 4 bytes are {magic!r}, not b'XDF:'", byte=0
        )
    check_structure(p)
    try:
        streams, header = pyxdf.load_xdf(str(p), dejitter_timestamps=False, verbose=False)
    except Exception as exc:  # pyxdf raises plain Exceptions on damaged files
        raise FormatError(f"{p}: damaged XDF file ({type(exc).__name__}: {exc})") from exc
    return streams, header


def _sample_slots(
    p: Path,
    name: str,
    ts: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    fs: float,
    rate_tolerance: float,
) -> tuple[npt.NDArray[np.int64], float]:
    """Check the timestamps against the nominal rate; return each sample's slot and the rate."""
    if ts.size < 2 or x.ndim != 2 or x.shape[0] != ts.size:
        raise FormatError(
            f"{p}: stream {name!r} holds {ts.size} samples; at least 2 are needed to check its rate"
        )
    dt = np.diff(ts)
    if np.any(dt <= 0):
        k = int(np.argmax(dt <= 0))
        raise FormatError(
            f"{p}: stream {name!r}: timestamps do not increase at sample {k + 1} "
            f"({ts[k]:.6f} then {ts[k + 1]:.6f} s); the file is damaged"
        )
    fs_ts = 1.0 / float(np.median(dt))
    if abs(fs_ts - fs) > rate_tolerance * fs:
        raise FormatError(
            f"{p}: stream {name!r} says nominal_srate={fs:g} Hz but its timestamps run at "
            f"{fs_ts:.4g} Hz (median interval); the header is wrong or the stream was resampled"
        )
    idx = np.rint((ts - ts[0]) * fs).astype(np.int64)
    if np.any(np.diff(idx) <= 0):
        raise FormatError(
            f"{p}: stream {name!r}: two samples fall on the same {1 / fs:.6g} s slot; the "
            "timestamps are too irregular for the nominal rate"
        )
    return idx, fs_ts


def _xdf_channels(
    info: dict[str, Any], nch: int, name: str
) -> tuple[list[Channel], npt.NDArray[np.float64], bool]:
    """Build the channels; return them, their scales to uV, and whether units were assumed."""
    desc = _channels_desc(info)
    if len(desc) != nch:
        desc = [{"label": f"ch{k + 1}", "unit": "", "type": ""} for k in range(nch)]
    chans = []
    scales = np.ones(nch)
    assumed = False
    names_seen: set[str] = set()
    for k, d in enumerate(desc):
        kind, units, scale, guess = _kind_and_scale(d)
        label = d["label"] or f"ch{k + 1}"
        if label in names_seen:
            label = f"{label}_{k + 1}"
        names_seen.add(label)
        assumed |= guess
        scales[k] = scale
        chans.append(Channel(label, kind=kind, units=units, device=name))
    return chans, scales, assumed


def _timestamp_gaps(idx: npt.NDArray[np.int64]) -> list[Gap]:
    """One gap per jump of more than one slot between consecutive samples."""
    gaps = []
    jumps = np.flatnonzero(np.diff(idx) > 1)
    for j in jumps:
        gaps.append(Gap(int(idx[j]) + 1, int(idx[j + 1] - idx[j] - 1), "xdf timestamp gap"))
    return gaps


def _marker_events(
    streams: list[dict[str, Any]], t0: float, duration: float
) -> tuple[list[Event], int]:
    """Events from the string streams' samples; return them and how many fell outside."""
    events: list[Event] = []
    outside = 0
    for m in streams:
        if _is_numeric(m):
            continue
        for t, vals in zip(m["time_stamps"], m["time_series"], strict=False):
            onset = float(t) - t0
            if not math.isfinite(onset) or onset < 0 or onset > duration:
                outside += 1
                continue
            text = " ".join(str(v) for v in vals) if isinstance(vals, list) else str(vals)
            events.append(Event(onset, 0.0, "marker", "", text))
    return events, outside


def _xdf_extra(
    header: Any,
    s: dict[str, Any],
    streams: list[dict[str, Any]],
    t0: float,
    fs_ts: float,
    assumed: bool,
    outside: int,
) -> dict[str, Any]:
    """The ``info.extra`` of an XDF recording read from stream ``s``."""
    info = s["info"]
    name = _field(info, "name")
    hdr = header.get("info", {}) if isinstance(header, dict) else {}
    extra: dict[str, Any] = {
        "format": "xdf",
        "xdf_version": _field(hdr, "version"),
        "xdf_stream": name,
        "xdf_stream_type": _field(info, "type"),
        "xdf_streams": [_field(m["info"], "name") for m in streams],
        "xdf_first_timestamp": t0,
        "xdf_rate_from_timestamps": fs_ts,
    }
    others = [
        _describe(m) for m in streams if m is not s and _is_numeric(m)
    ]  # string streams are read as markers
    if others:
        extra["not_kept"] = others
    if assumed:
        extra["xdf_units_assumed"] = "uV (the stream names no unit)"
    if outside:
        extra["xdf_markers_outside"] = outside
    return extra
