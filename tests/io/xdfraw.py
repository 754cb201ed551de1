"""Byte-level XDF writer for tests (LabRecorder's chunk layout), shared by the XDF tests and
the malformed-file corpus."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def _varlen(n: int) -> bytes:
    if n < 256:
        return bytes([1, n])
    if n < 2**32:
        return bytes([4]) + struct.pack("<I", n)
    return bytes([8]) + struct.pack("<Q", n)


def _chunk(tag: int, content: bytes, length: int | None = None) -> bytes:
    # length counts the 2-byte tag and the content (``length`` overrides it: a lying chunk)
    size = len(content) + 2 if length is None else length
    return _varlen(size) + struct.pack("<H", tag) + content


def _stream_header(
    sid: int, name: str, typ: str, nch: int, srate: float, fmt: str, chans: str = ""
) -> bytes:
    xml = (
        '<?xml version="1.0"?><info>'
        f"<name>{name}</name><type>{typ}</type><channel_count>{nch}</channel_count>"
        f"<nominal_srate>{srate}</nominal_srate><channel_format>{fmt}</channel_format>"
        f"<source_id>src{sid}</source_id><created_at>100.0</created_at>"
        f"<desc>{chans}</desc></info>"
    )
    return _chunk(2, struct.pack("<I", sid) + xml.encode())


def _numeric_samples(sid: int, ts: np.ndarray, x: np.ndarray) -> bytes:
    body = b"".join(
        b"\x08" + struct.pack("<d", t) + row.astype("<f4").tobytes()
        for t, row in zip(ts, x, strict=True)
    )
    return _chunk(3, struct.pack("<I", sid) + _varlen(len(ts)) + body)


def _string_samples(sid: int, ts: list[float], texts: list[str]) -> bytes:
    body = b"".join(
        b"\x08" + struct.pack("<d", t) + _varlen(len(s.encode())) + s.encode()
        for t, s in zip(ts, texts, strict=True)
    )
    return _chunk(3, struct.pack("<I", sid) + _varlen(len(ts)) + body)


def _footer(sid: int, first: float, last: float, count: int) -> bytes:
    xml = (
        '<?xml version="1.0"?><info>'
        f"<first_timestamp>{first}</first_timestamp><last_timestamp>{last}</last_timestamp>"
        f"<sample_count>{count}</sample_count></info>"
    )
    return _chunk(6, struct.pack("<I", sid) + xml.encode())


def _channels_xml(labels: list[str], unit: str, typ: str = "EMG") -> str:
    return (
        "<channels>"
        + "".join(
            f"<channel><label>{lb}</label><unit>{unit}</unit><type>{typ}</type></channel>"
            for lb in labels
        )
        + "</channels>"
    )


def write_xdf(
    path: Path,
    x: np.ndarray,
    ts: np.ndarray,
    *,
    srate: float,
    unit: str = "microvolts",
    typ: str = "EMG",
    markers: tuple[list[float], list[str]] = ([], []),
    extra_emg: bool = False,
) -> None:
    labels = [f"emg{k}" for k in range(x.shape[1])]
    out = [b"XDF:", _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    out.append(
        _stream_header(
            1, "OpenBCI_EMG", typ, x.shape[1], srate, "float32", _channels_xml(labels, unit)
        )
    )
    out.append(_stream_header(2, "Markers", "Markers", 1, 0, "string"))
    if extra_emg:
        out.append(_stream_header(3, "Other_EMG", "EMG", 1, srate, "float32"))
    half = len(ts) // 2  # two sample chunks, as LabRecorder writes them
    out.append(_numeric_samples(1, ts[:half], x[:half]))
    if markers[0]:
        out.append(_string_samples(2, *markers))
    out.append(_numeric_samples(1, ts[half:], x[half:]))
    if extra_emg:
        out.append(_numeric_samples(3, ts, x[:, :1]))
    out.append(_footer(1, ts[0], ts[-1], len(ts)))
    path.write_bytes(b"".join(out))
