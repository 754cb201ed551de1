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
  characters), physical dimension (units), transducer and prefilter (the hardware band, e.g.
  ``HP:0Hz LP:65Hz`` for the Cyton) are filled. The transducer field holds what the
  electrodes are and the channel's semantics (:func:`encode_transducer`:
  ``sEMG surface electrodes emgkit:m=glute_max;s=left;k=raw;site=SENIAM``), so a renamed or
  copied file, or a BIDS export, keeps its muscles, sides and kinds without the sidecar.
* **Sidecar.** What does not fit in the file (firmware, gain, hardware bandwidth, power-line
  frequency, montage, notes, extra, date with microseconds; long sites and channel names)
  goes to ``<file name>.json`` beside the file (``session.bdf.json``). It records the
  SHA-256 of the file's content and is used only for that content: renamed together with
  its file it still applies, beside another file it is ignored with a warning. Sidecars of
  emgkit 0.1 (no hash) are matched by file name. It is optional on reading.

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
    "decode_transducer",
    "encode_event",
    "encode_gap",
    "encode_transducer",
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
    """Split an annotation text into its kind and fields.

    ``("event", [label, trial, value])``, ``("gap", [reason])`` or ``("foreign", [text])``.
    """
    parts = text.split("|")
    if len(parts) == 3:
        return "event", [unquote(p) for p in parts]
    if len(parts) == 2 and parts[0] == "gap":
        return "gap", [unquote(parts[1])]
    return "foreign", [text]


_SEM_KEYS = {"m": "muscle", "s": "side", "k": "kind", "site": "site", "name": "name"}


def _esc_sem(text: str) -> str:
    return "".join(
        f"%{ord(ch):02X}" if ch in "%;=" or not 32 <= ord(ch) < 127 else ch for ch in text
    )


def encode_transducer(ch: Channel, label: str) -> str:
    """The BDF+ transducer field of a channel.

    What the electrodes are, then emgkit's channel semantics, e.g.
    ``sEMG surface electrodes emgkit:m=glute_max;s=left;k=raw;site=SENIAM``.

    Muscle, side and kind always fit in the field's 80 characters; the site and the full
    channel name (when the 16-character label had to shorten it) are added when they fit,
    else they live in the sidecar only. A renamed or copied file keeps what fits.

    Parameters
    ----------
    ch : Channel
        The channel.
    label : str
        Its BDF+ label (at most 16 characters).
    """
    base = _TRANSDUCER.get(ch.kind, "")
    parts = [f"k={ch.kind!s}"]
    if ch.muscle:
        parts.insert(0, f"m={_esc_sem(ch.muscle)}")
    if ch.side:
        parts.insert(1 if ch.muscle else 0, f"s={_esc_sem(ch.side)}")
    head = f"{base} emgkit:" if base else "emgkit:"
    text = head + ";".join(parts)
    for extra in (
        f"site={_esc_sem(ch.site)}" if ch.site else "",
        f"name={_esc_sem(ch.name)}" if ch.name != label else "",
    ):
        if extra and len(text) + 1 + len(extra) <= 80:
            text += ";" + extra
    return text


def decode_transducer(text: str) -> dict[str, str]:
    """Channel semantics from a transducer field written by :func:`encode_transducer`.

    ``{}`` for other writers' text.
    """
    i = text.find("emgkit:")
    if i < 0:
        return {}
    out: dict[str, str] = {}
    for part in text[i + len("emgkit:") :].strip().split(";"):
        key, sep, val = part.partition("=")
        if sep and key in _SEM_KEYS:
            out[_SEM_KEYS[key]] = unquote(val)
    return out


def _content_hash(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


#: Length of the EDF/BDF header's local patient and local recording fields (EDF+ 2.1).
_FIELD_LEN = 80


def _recording_subfields(session: str, device: str, additional: str) -> tuple[str, str]:
    """The session and device subfields, cut so the local recording field fits 80 bytes.

    The field is ``Startdate dd-MMM-yyyy <session> X <device> <additional>``: 26 bytes of
    fixed text and separators plus the three subfields. A long session label (typed in the
    UI, say) is shortened first, then the device name; the full values stay in the sidecar.
    """
    a, e = _subfield(session), _subfield(device)
    budget = _FIELD_LEN - 26 - len(additional)
    if len(a) + len(e) > budget:
        a = a[: max(budget - min(len(e), budget // 2), 1)]
        e = e[: max(budget - len(a), 1)]
    return a, e


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
    in_gap = rec.gap_mask()
    for j, ch in enumerate(rec.channels):
        x = rec.data[:, j]
        stray = int(np.count_nonzero(np.isnan(x) & ~in_gap))
        if stray:
            # BDF has no per-channel missing value: say so rather than pass 0 off as data
            warnings.warn(
                f"channel {ch.name!r} has {stray} missing samples outside the gaps (e.g. a "
                "slower signal's tail); BDF has no per-channel missing value, they are written "
                "as 0",
                UserWarning,
                stacklevel=2,
            )
        lo, hi = _range_for(x, ch)
        col = np.zeros(n_pad)
        col[:n] = np.where(np.isfinite(x), x, 0.0)
        signals.append(
            BdfSignal(
                col,
                fs,
                label=labels[j],
                transducer_type=_ascii(encode_transducer(ch, labels[j]), 80),
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
    admin, equipment = _recording_subfields(info.session, info.device, f"emgkit n={n}")
    startdate = date.date() if date is not None else None
    starttime = date.time().replace(microsecond=0, tzinfo=None) if date is not None else None
    bdf = Bdf(
        signals,
        # "code X X X": the pseudonym may use 74 of the field's 80 bytes
        patient=EdfPatient(code=_subfield(info.subject, "anonymous")[: _FIELD_LEN - 6]),
        recording=EdfRecording(
            startdate=startdate,
            hospital_administration_code=admin,
            equipment_code=equipment,
            additional=("emgkit", f"n={n}"),
        ),
        starttime=starttime,
        data_record_duration=rec_dur,
        annotations=annotations,
    )
    atomic_write(p, bdf.write)
    if sidecar:
        meta = {
            "emgkit_bdf_sidecar": 2,
            "file": p.name,
            # the sidecar belongs to this content, whatever the file is called later
            "sha256": _content_hash(p),
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


#: Highest sampling rate a header may state (Hz). Surface EMG amplifiers sample at up to
#: about 10-25 kHz; anything above this is a damaged or hostile header, not a recording.
MAX_FS_HZ = 100_000.0

#: Largest float64 array (bytes) a read may build per byte of file beyond its own samples
#: (slower signals interpolated onto the fastest signal's time base).
_EXPANSION = 16


@dataclasses.dataclass(frozen=True)
class EdfHeader:
    """The fields of an EDF/BDF header that decide how much data there is (validated)."""

    n_records: int
    record_duration: float
    labels: tuple[str, ...]
    samples_per_record: tuple[int, ...]
    bytes_per_sample: int

    def rate(self, i: int) -> float:
        """Sampling rate of signal ``i`` (Hz)."""
        return self.samples_per_record[i] / self.record_duration


def _num(raw: bytes, p: Path, what: str, *, byte: int) -> float:
    text = raw.decode("latin-1").strip()
    try:
        return float(text)
    except ValueError:
        raise format_error(
            p, f"the {what} field holds {text!r} where a number was expected", byte=byte
        ) from None


def check_header(path: str | Path) -> EdfHeader:
    """Validate an EDF/BDF header against the file size before any sample is read.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    EdfHeader

    Raises
    ------
    FormatError
        A header field is not a number, a count is not positive, a physical or digital range
        is empty or not finite, a rate is above :data:`MAX_FS_HZ`, or the file holds fewer
        bytes than the header promises (a truncated file is never read as a shorter one).
    """
    p = Path(path)
    size = p.stat().st_size
    head, sh, ns = _read_headers(p, size)
    is_bdf = head[:8] == b"\xffBIOSEMI"
    n_records, dur = _record_layout(head, p)
    bps = 3 if is_bdf else 2
    labels: list[str] = []
    sprs: list[int] = []
    for i in range(ns):
        lab, spr = _check_signal(sh, ns, i, p, dur, is_bdf)
        labels.append(lab)
        sprs.append(spr)
    _check_size(p, size, ns, n_records, dur, sum(sprs) * bps)
    return EdfHeader(n_records, dur, tuple(labels), tuple(sprs), bps)


def _read_headers(p: Path, size: int) -> tuple[bytes, bytes, int]:
    """Read the 256-byte header and the signal headers; return them and the signal count."""
    with p.open("rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            raise format_error(
                p, f"the file ends inside the 256-byte header ({len(head)} bytes); truncated"
            )
        ns_f = _num(head[252:256], p, "number-of-signals", byte=252)
        if ns_f != int(ns_f) or not 1 <= ns_f <= (size - 256) // 256:
            raise format_error(
                p,
                f"the header says {ns_f:g} signals, but a file of {size} bytes has room for "
                f"the headers of at most {max((size - 256) // 256, 0)}",
                byte=252,
            )
        ns = int(ns_f)
        hb = _num(head[184:192], p, "header-size", byte=184)
        if hb != 256 * (ns + 1):
            raise format_error(
                p,
                f"the header size field says {hb:g} bytes; {ns} signals need {256 * (ns + 1)}",
                byte=184,
            )
        sh = fh.read(256 * ns)
        if len(sh) < 256 * ns:
            raise format_error(p, "the file ends inside the signal headers; truncated")
    return head, sh, ns


def _record_layout(head: bytes, p: Path) -> tuple[int, float]:
    """Validate and return the data-record count and duration (s)."""
    nr_text = head[236:244].decode("latin-1").strip()
    try:
        n_records = int(nr_text)
    except ValueError:
        raise format_error(
            p,
            f"the data-record count field holds {nr_text!r} where a number was expected",
            byte=236,
        ) from None
    if n_records <= 0:
        hint = " (-1: the recorder never finished writing the file)" if n_records == -1 else ""
        raise format_error(
            p,
            f"the data-record count is {n_records}{hint}; expected a positive number",
            byte=236,
        )
    dur = _num(head[244:252], p, "data-record duration", byte=244)
    if not (math.isfinite(dur) and dur > 0):
        raise format_error(
            p, f"the data-record duration is {dur!r} s; expected a positive number", byte=244
        )
    return n_records, dur


def _sfield(sh: bytes, ns: int, offset: int, width: int, i: int) -> bytes:
    """Return signal ``i``'s field at ``offset`` (width ``width``) of the signal headers."""
    start = offset * ns + i * width
    return sh[start : start + width]


def _check_signal(sh: bytes, ns: int, i: int, p: Path, dur: float, is_bdf: bool) -> tuple[str, int]:
    """Validate signal ``i``'s header; return its label and samples per record."""
    lab = _sfield(sh, ns, 0, 16, i).decode("latin-1").strip()
    name = lab or f"signal {i + 1}"
    base = 256 + 216 * ns + 8 * i
    spr_f = _num(_sfield(sh, ns, 216, 8, i), p, f"samples-per-record ({name})", byte=base)
    if spr_f != int(spr_f) or spr_f < 1:
        raise format_error(
            p,
            f"signal {name!r}: {spr_f:g} samples per record; expected a positive integer",
            byte=base,
        )
    if lab in ("EDF Annotations", "BDF Annotations"):
        return lab, int(spr_f)
    rate = spr_f / dur
    if rate > MAX_FS_HZ:
        raise format_error(
            p,
            f"signal {name!r}: {spr_f:g} samples per {dur:g}-s record is a sampling rate "
            f"of {rate:g} Hz, above the {MAX_FS_HZ:g} Hz any EMG amplifier uses (damaged "
            "header: samples-per-record or record duration)",
        )
    _check_ranges(sh, ns, i, p, name, is_bdf)
    return lab, int(spr_f)


def _check_ranges(sh: bytes, ns: int, i: int, p: Path, name: str, is_bdf: bool) -> None:
    """Validate signal ``i``'s physical and digital ranges."""
    dig_lo, dig_hi = (-8_388_608, 8_388_607) if is_bdf else (-32_768, 32_767)
    vals = []
    for off, what in (
        (104, "physical minimum"),
        (112, "physical maximum"),
        (120, "digital minimum"),
        (128, "digital maximum"),
    ):
        v = _num(_sfield(sh, ns, off, 8, i), p, f"{what} ({name})", byte=256 + off * ns + 8 * i)
        vals.append(v)
    pmin, pmax, dmin, dmax = vals
    if not (math.isfinite(pmin) and math.isfinite(pmax)) or pmin == pmax:
        raise format_error(
            p,
            f"signal {name!r}: physical range {pmin:g}..{pmax:g} cannot scale the samples "
            "to units (expected two different finite numbers); the values would be raw "
            "counts",
        )
    if not (dig_lo <= dmin < dmax <= dig_hi) or dmin != int(dmin) or dmax != int(dmax):
        raise format_error(
            p,
            f"signal {name!r}: digital range {dmin:g}..{dmax:g} is not an increasing pair "
            f"of integers within {dig_lo}..{dig_hi}",
        )


def _check_size(p: Path, size: int, ns: int, n_records: int, dur: float, rec_bytes: int) -> None:
    """Refuse a truncated file; warn about bytes after the last data record."""
    need = 256 * (ns + 1) + n_records * rec_bytes
    if size < need:
        have = (size - 256 * (ns + 1)) / rec_bytes
        raise format_error(
            p,
            f"the header promises {n_records} data records ({n_records * dur:g} s) but the "
            f"file holds {int(have)} complete records ({int(have) * dur:g} s) and "
            f"{size - 256 * (ns + 1) - int(have) * rec_bytes} bytes of a cut one: the file is "
            "truncated (copy interrupted or recording not finished). It is not read as a "
            "shorter recording",
        )
    if size > need:
        warnings.warn(
            f"{p}: {size - need} bytes after the last data record are ignored (the header "
            f"says {n_records} records of {rec_bytes} bytes)",
            UserWarning,
            stacklevel=4,
        )


def read_edf(path: str | Path) -> Recording:
    """Read an EDF, EDF+, BDF or BDF+ file.

    The header is validated against the file size first (:func:`check_header`). Every
    signal is kept: the time base is the highest rate, slower signals are interpolated onto
    it (named in a warning, ``info.notes`` and ``info.extra["resampled_signals"]``; voltage
    signals among them become kind ``other``). Physical units ``uV``/``mV``/``V`` become microvolts
    (kind raw), ``g`` an accelerometer, anything else kind ``other``. Annotations become
    events; emgkit's own ``gap|<reason>`` annotations become NaN rows plus gaps. The
    ``<file name>.json`` sidecar, when present, restores channel muscles/sides and session
    metadata.

    Raises
    ------
    FormatError
        Not an EDF/BDF file, a damaged header, or incomplete data records.
    """
    p = Path(path)
    is_bdf = _edf_magic(p)
    check_header(p)
    edf, sigs, anns = _load_edf(p, is_bdf)
    meta = _load_sidecar(p)
    fs = max(float(s.sampling_frequency) for s in sigs)
    slow = {j for j, s in enumerate(sigs) if float(s.sampling_frequency) != fs}
    cols = _read_columns(p, sigs)
    n = min(len(c) for j, c in enumerate(cols) if j not in slow)
    if slow:
        _check_expansion(p, n, len(sigs), len(slow), fs)
    n_true = _true_length(edf, meta)
    if n_true is not None and 0 < n_true <= n:
        n = n_true
    slow_rates = _interpolate_slow(cols, sigs, slow, fs, n)
    data = np.column_stack([c[:n] for c in cols])
    channels, bw = _edf_channels(sigs, data, slow, meta)
    events, gaps = _edf_annotations(anns, data, fs, n)
    info = _info_from(edf, meta, bw)
    _stamp_origin(info, p, is_bdf)
    if slow_rates:
        _note_resampled(info, p, fs, slow_rates)
    return Recording(data, fs, channels, events, gaps, info)


def _edf_magic(p: Path) -> bool:
    """Check that ``p`` is an EDF or BDF file; return True for BDF."""
    import edfio  # noqa: F401  (a missing edfio is reported before the file is opened)

    if not p.is_file():
        raise format_error(p, "no such file")
    with p.open("rb") as fh:
        magic = fh.read(8)
    is_bdf = magic == b"\xffBIOSEMI"
    if not is_bdf and magic != b"0       ":
        raise format_error(
            p, f"the version field {magic!r} is neither EDF ('0       ') nor BDF", byte=0
        )
    return is_bdf


def _load_edf(p: Path, is_bdf: bool) -> tuple[Any, list[Any], list[Any]]:
    """Read (edf, signals, annotations) with edfio; refuse a file without signals."""
    import edfio

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
    return edf, sigs, anns


def _load_sidecar(p: Path) -> dict[str, Any]:
    """Return the sidecar's metadata when it describes ``p``, else an empty dict."""
    side = sidecar_path(p)
    meta: dict[str, Any] = {}
    if side.is_file():
        try:
            meta = json.loads(side.read_text("utf-8"))
            if not isinstance(meta, dict):
                meta = {}
        except (OSError, ValueError):
            meta = {}
        digest = meta.get("sha256")
        if isinstance(digest, str):
            if digest != _content_hash(p):
                warnings.warn(
                    f"{side}: this sidecar describes another file (its content hash differs "
                    f"from {p.name}'s); ignored. Channel muscles and sides come from the "
                    "file's own header",
                    UserWarning,
                    stacklevel=3,
                )
                meta = {}
        elif meta.get("file") != p.name:
            meta = {}  # a 0.1 sidecar (no hash) is matched by name
    return meta


def _read_columns(p: Path, sigs: list[Any]) -> list[npt.NDArray[np.float64]]:
    """Decode every signal's physical samples as float64 columns."""
    try:
        return [np.asarray(s.data, dtype=np.float64) for s in sigs]
    except Exception as exc:
        raise format_error(p, f"cannot read the samples: {exc}") from None


def _check_expansion(p: Path, n: int, n_sigs: int, n_slow: int, fs: float) -> None:
    """Refuse to interpolate slow signals when the result would dwarf the file."""
    need = n * n_sigs * 8
    if need > _EXPANSION * p.stat().st_size + 256 * 2**20:
        raise format_error(
            p,
            f"{n_slow} slower signals interpolated onto the {fs:g} Hz time base would "
            f"need {need / 2**30:.1f} GiB for a {p.stat().st_size / 2**20:.1f} MiB file; "
            "split the file by sampling rate first (e.g. with EDFbrowser)",
        )


def _true_length(edf: Any, meta: dict[str, Any]) -> int | None:
    """Return the unpadded sample count (``n=`` subfield, overridden by the sidecar)."""
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
    return n_true


def _interpolate_slow(
    cols: list[npt.NDArray[np.float64]], sigs: list[Any], slow: set[int], fs: float, n: int
) -> dict[str, float]:
    """Interpolate the slow columns in place onto the ``fs`` time base; return their rates."""
    t = np.arange(n) / fs
    slow_rates: dict[str, float] = {}
    for j in sorted(slow):
        fs_j = float(sigs[j].sampling_frequency)
        t_j = np.arange(len(cols[j])) / fs_j
        # linear interpolation: no content above the signal's own fs_j / 2 is created;
        # nothing after its last sample is invented (NaN)
        col = np.interp(t, t_j, cols[j])
        col[t > t_j[-1] + 1e-12] = np.nan
        cols[j] = col
        slow_rates[sigs[j].label.strip() or f"ch{j + 1}"] = fs_j
    return slow_rates


def _edf_channels(
    sigs: list[Any], data: npt.NDArray[np.float64], slow: set[int], meta: dict[str, Any]
) -> tuple[list[Channel], float | None]:
    """Build the channels (scaling voltage columns of ``data`` to uV); return them and the band."""
    chan_meta = {c.get("label"): c for c in meta.get("channels", [])}
    channels: list[Channel] = []
    bw: float | None = None
    for j, s in enumerate(sigs):
        label = s.label.strip() or f"ch{j + 1}"
        unit = s.physical_dimension.strip()
        if unit in _TO_UV:
            data[:, j] *= _TO_UV[unit]
        kind, units = _kind_units(unit, j in slow)
        lp = _parse_lp(s.prefiltering)
        if lp is not None and kind == SignalKind.RAW:
            bw = lp if bw is None else min(bw, lp)
        channels.append(
            _edf_channel(label, kind, units, j in slow, s.transducer_type, chan_meta.get(s.label))
        )
    return _dedupe_names(channels), bw


def _kind_units(unit: str, is_slow: bool) -> tuple[SignalKind, str]:
    """Map an EDF physical dimension to (kind, units)."""
    if unit in _TO_UV:
        # EMG stored below the time base's rate is kept but not analysed as EMG
        return (SignalKind.OTHER if is_slow else SignalKind.RAW), "uV"
    if unit.lower() == "g":
        return SignalKind.ACCEL, "g"
    return SignalKind.OTHER, unit


def _edf_channel(
    label: str,
    kind: SignalKind,
    units: str,
    is_slow: bool,
    transducer: str,
    cm: dict[str, Any] | None,
) -> Channel:
    """Build one channel from its transducer semantics, its sidecar entry, or its label."""
    sem = decode_transducer(transducer)
    if sem and not cm:
        try:
            return Channel(
                sem.get("name") or label,
                sem.get("muscle"),
                sem.get("side"),
                kind if is_slow else SignalKind(sem.get("kind", kind)),
                units,
                "",
                sem.get("site", ""),
            )
        except (ValueError, TypeError):
            pass  # an unknown muscle or kind: read the channel as a foreign one
    if cm:
        return Channel(
            cm.get("name") or label,
            cm.get("muscle"),
            cm.get("side"),
            SignalKind(cm.get("kind", kind)),
            cm.get("units", units),
            cm.get("device", ""),
            cm.get("site", ""),
        )
    return Channel(label, kind=kind, units=units)


def _dedupe_names(channels: list[Channel]) -> list[Channel]:
    """Suffix duplicated (foreign) channel names with their 1-based position."""
    channels = list(channels)
    names = [c.name for c in channels]
    for j, c in enumerate(channels):
        if names.count(c.name) > 1:
            channels[j] = dataclasses.replace(c, name=f"{c.name}_{j + 1}")
            names[j] = channels[j].name
    return channels


def _edf_annotations(
    anns: list[Any], data: npt.NDArray[np.float64], fs: float, n: int
) -> tuple[list[Event], list[Gap]]:
    """Decode annotations into events and gaps (blanking gap rows of ``data`` with NaN)."""
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
    return events, gaps


def _stamp_origin(info: SessionInfo, p: Path, is_bdf: bool) -> None:
    """Record the file's format and name, keeping any earlier ones as ``original_*``."""
    for key, orig in (("format", "original_format"), ("source_file", "original_file")):
        if key in info.extra and orig not in info.extra:
            info.extra[orig] = info.extra[key]
    info.extra["format"] = "bdf+" if is_bdf else "edf+"
    info.extra["source_file"] = p.name


def _note_resampled(info: SessionInfo, p: Path, fs: float, slow_rates: dict[str, float]) -> None:
    """Warn about and record the signals interpolated onto the time base."""
    named = ", ".join(f"{k} ({v:g} Hz)" for k, v in slow_rates.items())
    note = (
        f"signals at lower rates interpolated (linear) onto the {fs:g} Hz time base: "
        f"{named}; they hold no content above half their own rate, voltage signals among "
        "them are kind 'other' (not analysed as EMG), and samples after their last one "
        "are NaN"
    )
    warnings.warn(f"{p}: {note}", UserWarning, stacklevel=3)
    info.extra["resampled_signals"] = slow_rates
    info.notes = f"{info.notes}; {note}" if info.notes else note


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
