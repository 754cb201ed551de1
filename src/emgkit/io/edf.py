"""EDF/EDF+/BDF/BDF+ reading and BDF+ writing with edfio.

Writing (:func:`write_bdf`) produces BDF+ (24-bit samples):

* **Samples.** Each channel gets a symmetric physical range ``[-A, A]`` where ``A`` is the
  channel's largest absolute value rounded up to a whole number (at least 100 uV for EMG).
  The step is ``2A / (2^24 - 1)``: below 0.03 uV for every EMG channel within +-250 mV, which
  covers the Cyton's full scale (+-187.5 mV at gain 24: 0.022 uV, the Cyton's own resolution).
  Missing samples (NaN) are written as 0 and restored as NaN on reading from the gap
  annotations. The signal is zero-padded to whole 1-s data records; the true length is kept.
* **Annotations.** Every :class:`~emgkit.recording.Event` becomes an annotation with text
  ``label|trial|value`` (three fields, always two ``|``), every
  :class:`~emgkit.recording.Gap` an annotation ``gap|<reason>`` (two fields) with the gap's
  duration. ``%``, ``|`` and control characters inside a field are percent-encoded
  (``%7C`` ...). Annotations from other writers (no ``|``) are read as events labelled with
  their text.
* **Header.** Patient field: the subject pseudonym only (``code``; name, sex and birth date
  ``X``). Recording field: start date, session as the hospital-administration code, device as
  the equipment code, ``emgkit n=<samples>`` as additional subfields. Channel label (16
  characters), physical dimension (units), transducer (``sEMG surface electrodes``,
  ``accelerometer``...) and prefilter (the hardware band, e.g. ``HP:0Hz LP:65Hz`` for the
  Cyton) are filled.
* **Sidecar.** What EDF has no field for (muscle, side, kind, site and full name of each
  channel, firmware, gain, hardware bandwidth, power-line frequency, montage, notes, extra,
  date with microseconds) goes to ``<file name>.json`` beside the file (``session.bdf.json``).
  It is optional on reading.

Writes are atomic: a temp file in the same folder, fsync, rename.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import warnings
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import numpy.typing as npt

from emgkit.errors import FormatError, RecordingError, SignalQualityWarning
from emgkit.io.base import atomic_write, format_error, json_safe
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo, SignalKind

__all__ = [
    "EMG_MAX_RANGE_UV",
    "decode_annotation",
    "encode_event",
    "encode_gap",
    "read_edf",
    "sidecar_path",
    "write_bdf",
]

#: Largest EMG range (uV) for which the BDF step stays below 0.03 uV (2*250000/(2^24-1)).
EMG_MAX_RANGE_UV = 250_000.0

_DIG = (-8_388_608, 8_388_607)
_TRANSDUCER = {
    SignalKind.RAW: "sEMG surface electrodes",
    SignalKind.ENVELOPE: "sEMG envelope",
    SignalKind.RECTIFIED: "sEMG rectified",
    SignalKind.ACCEL: "accelerometer",
    SignalKind.OTHER: "",
}
_TO_UV = {"uV": 1.0, "µV": 1.0, "mV": 1e3, "V": 1e6, "nV": 1e-3}
_SAFE = " !\"#$&'()*+,-./:;<=>?@[\\]^_`{}~"


def _esc(text: str) -> str:
    return quote(
        str(text), safe=_SAFE + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    )


def encode_event(ev: Event) -> str:
    """Annotation text of an event: ``label|trial|value`` (fields percent-escaped)."""
    return f"{_esc(ev.label)}|{_esc(ev.trial)}|{_esc(ev.value)}"


def encode_gap(gap: Gap) -> str:
    """Annotation text of a gap: ``gap|<reason>``."""
    return f"gap|{_esc(gap.reason)}"


def decode_annotation(text: str) -> tuple[str, list[str]]:
    """Split an annotation text: ``("event", [label, trial, value])``, ``("gap", [reason])``
    or ``("foreign", [text])``."""
    parts = text.split("|")
    if len(parts) == 3:
        return "event", [unquote(p) for p in parts]
    if len(parts) == 2 and parts[0] == "gap":
        return "gap", [unquote(parts[1])]
    return "foreign", [text]


def sidecar_path(path: str | Path) -> Path:
    """Where the JSON sidecar of a BDF file lives: ``<file name>.json``."""
    p = Path(path)
    return p.with_name(p.name + ".json")


def _ascii(text: str, n: int) -> str:
    s = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in str(text))
    return s[:n]


def _subfield(text: str, default: str = "X") -> str:
    s = _ascii(text, 80).replace(" ", "_")
    return s or default


def _range_for(x: npt.NDArray[np.float64], ch: Channel) -> tuple[float, float]:
    finite = x[np.isfinite(x)]
    mx = float(np.max(np.abs(finite))) if finite.size else 0.0
    if ch.units in _TO_UV:
        a = float(max(math.ceil(mx * (1 + 1e-9)) + 1, 100))
        if a > EMG_MAX_RANGE_UV and ch.kind == SignalKind.RAW:
            warnings.warn(
                f"channel {ch.name!r} reaches {mx:.0f} {ch.units}: the BDF step is "
                f"{2 * a / (2**24 - 1):.3f} uV, above 0.03 uV (saturated or DC-offset data?)",
                SignalQualityWarning,
                stacklevel=3,
            )
        if a >= 1e8:
            raise RecordingError(f"channel {ch.name!r}: values up to {mx:g} do not fit BDF")
        return -a, a
    if mx == 0.0:
        return -1.0, 1.0
    # 4 significant digits, rounded up, printed in at most 8 characters
    exp = math.floor(math.log10(mx))
    step = 10.0 ** (exp - 3)
    a = math.ceil(mx / step * (1 + 1e-12)) * step
    for digits in range(6, 0, -1):
        s = f"{a:.{digits}g}"
        if len(s) <= 8 and float(s) >= mx:
            a = float(s)
            break
    return -a, a


def _record_duration(fs: float) -> tuple[float, int]:
    """Data-record duration (s) and samples per record so that both are exact."""
    fr = Fraction(fs).limit_denominator(100)
    if abs(float(fr) - fs) > 1e-9 * fs:
        raise RecordingError(
            f"cannot store fs={fs!r} Hz in BDF exactly (no data-record length up to 100 s holds "
            "a whole number of samples); resample to a rational rate first"
        )
    d = fr.denominator
    return float(d), int(fr.numerator)


def write_bdf(recording: Recording, path: str | Path, *, sidecar: bool = True) -> Path:
    """Write a recording as BDF+ (24-bit) with events and gaps as annotations.

    Parameters
    ----------
    recording : Recording
    path : str or Path
        Target file (``.bdf``). Replaced atomically if it exists.
    sidecar : bool
        Also write ``<file name>.json`` with the metadata EDF has no field for.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RecordingError
        The disk is full or the folder is not writable (no partial file is left), or the
        sampling rate cannot be stored exactly.
    """
    from edfio import Bdf, BdfSignal, EdfAnnotation
    from edfio import Patient as EdfPatient
    from edfio import Recording as EdfRecording

    rec = recording
    p = Path(path)
    fs = rec.fs
    rec_dur, spr = _record_duration(fs)
    n = rec.n_samples
    n_pad = -(-max(n, 1) // spr) * spr
    info = rec.info
    bw = info.hardware_bandwidth_hz
    prefilter = f"HP:0Hz LP:{bw:g}Hz" if bw else ""
    labels: list[str] = []
    for ch in rec.channels:
        lab = _ascii(ch.name, 16)
        k = 1
        while lab in labels:
            suffix = f"~{k}"
            lab = _ascii(ch.name, 16 - len(suffix)) + suffix
            k += 1
        labels.append(lab)
    signals = []
    for j, ch in enumerate(rec.channels):
        x = rec.data[:, j]
        lo, hi = _range_for(x, ch)
        col = np.zeros(n_pad)
        col[:n] = np.where(np.isfinite(x), x, 0.0)
        signals.append(
            BdfSignal(
                col,
                fs,
                label=labels[j],
                transducer_type=_ascii(_TRANSDUCER.get(ch.kind, ""), 80),
                physical_dimension=_ascii(ch.units, 8),
                physical_range=(lo, hi),
                digital_range=_DIG,
                prefiltering=_ascii(prefilter, 80) if ch.kind == SignalKind.RAW else "",
            )
        )
    total = n_pad / fs
    annotations = []
    for ev in rec.events:
        on = min(max(ev.onset, 0.0), total)
        annotations.append(
            EdfAnnotation(on, ev.duration if ev.duration > 0 else None, encode_event(ev))
        )
    for g in rec.gaps:
        annotations.append(EdfAnnotation(g.start / fs, g.n_samples / fs, encode_gap(g)))
    date = info.date
    startdate = date.date() if date is not None else None
    starttime = date.time().replace(microsecond=0, tzinfo=None) if date is not None else None
    bdf = Bdf(
        signals,
        patient=EdfPatient(code=_subfield(info.subject, "anonymous")),
        recording=EdfRecording(
            startdate=startdate,
            hospital_administration_code=_subfield(info.session),
            equipment_code=_subfield(info.device),
            additional=("emgkit", f"n={n}"),
        ),
        starttime=starttime,
        data_record_duration=rec_dur,
        annotations=annotations,
    )
    atomic_write(p, bdf.write)
    if sidecar:
        meta = {
            "emgkit_bdf_sidecar": 1,
            "file": p.name,
            "fs": fs,
            "n_samples": n,
            "info": json_safe({f.name: getattr(info, f.name) for f in dataclasses.fields(info)}),
            "channels": [{"label": labels[j], **c.as_dict()} for j, c in enumerate(rec.channels)],
        }
        text = json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8")
        atomic_write(sidecar_path(p), lambda fh: fh.write(text))  # type: ignore[arg-type]
    return p


def _parse_lp(prefilter: str) -> float | None:
    m = re.search(r"LP:\s*([0-9.]+)\s*Hz", prefilter, re.IGNORECASE)
    return float(m.group(1)) if m else None


def read_edf(path: str | Path) -> Recording:
    """Read an EDF, EDF+, BDF or BDF+ file.

    Signals at the highest sampling rate are kept (others are listed in
    ``info.extra["dropped_signals"]``). Physical units ``uV``/``mV``/``V`` become microvolts
    (kind raw), ``g`` an accelerometer, anything else kind ``other``. Annotations become
    events; emgkit's own ``gap|<reason>`` annotations become NaN rows plus gaps. The
    ``<file name>.json`` sidecar, when present, restores channel muscles/sides and session
    metadata.

    Raises
    ------
    FormatError
        Not an EDF/BDF file, a damaged header, or incomplete data records.
    """
    import edfio

    p = Path(path)
    if not p.is_file():
        raise format_error(p, "no such file")
    with p.open("rb") as fh:
        magic = fh.read(8)
    is_bdf = magic == b"\xffBIOSEMI"
    if not is_bdf and magic != b"0       ":
        raise format_error(
            p, f"the version field {magic!r} is neither EDF ('0       ') nor BDF", byte=0
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            edf = edfio.read_bdf(p) if is_bdf else edfio.read_edf(p)
            sigs: list[Any] = list(edf.signals)
            anns: list[Any] = list(edf.annotations)
    except FormatError:
        raise
    except Exception as exc:  # edfio raises ValueError and friends on damaged files
        raise format_error(p, f"damaged {'BDF' if is_bdf else 'EDF'} file: {exc}") from None
    if not sigs:
        raise format_error(p, "no signals (only annotations)")
    side = sidecar_path(p)
    meta: dict[str, Any] = {}
    if side.is_file():
        try:
            meta = json.loads(side.read_text("utf-8"))
            if meta.get("file") != p.name:
                meta = {}
        except (OSError, ValueError):
            meta = {}
    fs = max(float(s.sampling_frequency) for s in sigs)
    keep = [s for s in sigs if float(s.sampling_frequency) == fs]
    dropped = [s.label for s in sigs if float(s.sampling_frequency) != fs]
    try:
        cols = [np.asarray(s.data, dtype=np.float64) for s in keep]
    except Exception as exc:
        raise format_error(p, f"cannot read the samples: {exc}") from None
    n = min(len(c) for c in cols)
    n_true: int | None = None
    try:
        add = edf.recording.additional
        for sub in add:
            if sub.startswith("n=") and sub[2:].isdigit():
                n_true = int(sub[2:])
    except Exception:
        pass
    if isinstance(meta.get("n_samples"), int):
        n_true = int(meta["n_samples"])
    if n_true is not None and 0 < n_true <= n:
        n = n_true
    data = np.column_stack([c[:n] for c in cols])
    chan_meta = {c.get("label"): c for c in meta.get("channels", [])}
    channels: list[Channel] = []
    bw: float | None = None
    for j, s in enumerate(keep):
        label = s.label.strip() or f"ch{j + 1}"
        unit = s.physical_dimension.strip()
        cm = chan_meta.get(s.label)
        if unit in _TO_UV:
            data[:, j] *= _TO_UV[unit]
            kind, units = SignalKind.RAW, "uV"
        elif unit.lower() == "g":
            kind, units = SignalKind.ACCEL, "g"
        else:
            kind, units = SignalKind.OTHER, unit
        lp = _parse_lp(s.prefiltering)
        if lp is not None and kind == SignalKind.RAW:
            bw = lp if bw is None else min(bw, lp)
        if cm:
            channels.append(
                Channel(
                    cm.get("name") or label,
                    cm.get("muscle"),
                    cm.get("side"),
                    SignalKind(cm.get("kind", kind)),
                    cm.get("units", units),
                    cm.get("device", ""),
                    cm.get("site", ""),
                )
            )
        else:
            channels.append(Channel(label, kind=kind, units=units))
    # de-duplicate foreign labels
    names = [c.name for c in channels]
    for j, c in enumerate(channels):
        if names.count(c.name) > 1:
            channels[j] = dataclasses.replace(c, name=f"{c.name}_{j + 1}")
            names[j] = channels[j].name
    events: list[Event] = []
    gaps: list[Gap] = []
    for a in anns:
        kind_, fields = decode_annotation(a.text)
        dur = float(a.duration) if a.duration is not None else 0.0
        if kind_ == "gap":
            start = round(a.onset * fs)
            cnt = round(dur * fs)
            if cnt > 0 and start < n:
                cnt = min(cnt, n - start)
                data[start : start + cnt] = np.nan
                gaps.append(Gap(start, cnt, fields[0]))
        elif kind_ == "event":
            events.append(
                Event(float(a.onset), max(dur, 0.0), fields[0] or "marker", fields[1], fields[2])
            )
        else:
            events.append(Event(float(a.onset), max(dur, 0.0), fields[0].strip() or "annotation"))
    info = _info_from(edf, meta, bw)
    for key, orig in (("format", "original_format"), ("source_file", "original_file")):
        if key in info.extra and orig not in info.extra:
            info.extra[orig] = info.extra[key]
    info.extra["format"] = "bdf+" if is_bdf else "edf+"
    info.extra["source_file"] = p.name
    if dropped:
        info.extra["dropped_signals"] = dropped
    return Recording(data, fs, channels, events, gaps, info)


def _info_from(edf: Any, meta: dict[str, Any], bw: float | None) -> SessionInfo:
    info = SessionInfo()
    try:
        code = edf.patient.code
        if code and code != "X":
            info.subject = code
    except Exception:
        pass  # a non-EDF+ patient field may hold a real name: never copy it
    try:
        info.date = edf.startdatetime
    except Exception:
        info.date = None
    try:
        eq = edf.recording.equipment_code
        info.device = "" if eq == "X" else eq
        hosp = edf.recording.hospital_administration_code
        info.session = "" if hosp == "X" else hosp
    except Exception:
        pass
    info.hardware_bandwidth_hz = bw
    m = meta.get("info") or {}
    for f in dataclasses.fields(info):
        if f.name in m and m[f.name] is not None:
            val = m[f.name]
            if f.name == "date":
                try:
                    val = datetime.fromisoformat(val)
                except (TypeError, ValueError):
                    continue
            setattr(info, f.name, val)
    if not isinstance(info.extra, dict):
        info.extra = {}
    else:
        info.extra = dict(info.extra)
    return info
