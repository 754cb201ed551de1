"""Byte-level EDF/BDF builder for tests: any header field can be set to any (wrong) text.

edfio refuses to write malformed headers, so the malformed-file tests build the bytes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class Sig:
    """One signal of a hand-built EDF/BDF file (header fields as text or numbers)."""

    label: str = "EMG"
    spr: int | str = 250
    dim: str = "uV"
    pmin: float | str = -1000.0
    pmax: float | str = 1000.0
    dmin: int | str | None = None
    dmax: int | str | None = None
    transducer: str = ""
    prefilter: str = ""


def _f(value: object, n: int) -> bytes:
    s = str(value).encode("latin-1")[:n]
    return s + b" " * (n - len(s))


def edf_bytes(
    sigs: Sequence[Sig],
    n_records: int | str,
    duration: float | str = 1,
    *,
    bdf: bool = False,
    data: Sequence[np.ndarray] | None = None,
    real_records: int | None = None,
    recording: str = "Startdate X X X X",
    patient: str = "X X X X",
    reserved: str | None = None,
    header_bytes: int | str | None = None,
) -> bytes:
    """An EDF (or BDF with ``bdf=True``) file as bytes.

    ``n_records`` is what the header says; ``real_records`` (default the same, when it is an
    int) how many data records are actually written. ``data[i]`` are digital values of signal
    ``i`` (default a ramp).
    """
    bps = 3 if bdf else 2
    dlo, dhi = (-8_388_608, 8_388_607) if bdf else (-32_768, 32_767)
    ns = len(sigs)
    hb = header_bytes if header_bytes is not None else 256 * (ns + 1)
    head = (
        (b"\xffBIOSEMI" if bdf else _f("0", 8))
        + _f(patient, 80)
        + _f(recording, 80)
        + _f("04.03.26", 8)
        + _f("10.11.12", 8)
        + _f(hb, 8)
        + _f(reserved if reserved is not None else ("24BIT" if bdf else ""), 44)
        + _f(n_records, 8)
        + _f(duration, 8)
        + _f(ns, 4)
    )
    fields: list[list[bytes]] = [[] for _ in range(10)]
    widths = (16, 80, 8, 8, 8, 8, 8, 80, 8, 32)
    for s in sigs:
        vals = (
            s.label,
            s.transducer,
            s.dim,
            s.pmin,
            s.pmax,
            dlo if s.dmin is None else s.dmin,
            dhi if s.dmax is None else s.dmax,
            s.prefilter,
            s.spr,
            "",
        )
        for k, (v, w) in enumerate(zip(vals, widths, strict=True)):
            fields[k].append(_f(v, w))
    head += b"".join(b"".join(f) for f in fields)
    nrec = real_records if real_records is not None else n_records
    assert isinstance(nrec, int)
    body = bytearray()
    for r in range(max(nrec, 0)):
        for i, s in enumerate(sigs):
            spr = int(s.spr)
            if data is not None:
                x = np.asarray(data[i][r * spr : (r + 1) * spr], dtype=np.int64)
            else:
                x = (np.arange(spr, dtype=np.int64) + r * spr) % 2000 - 1000
            if bdf:
                u = (x & 0xFFFFFF).astype("<u4")
                body += u.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
            else:
                body += x.astype("<i2").tobytes()
    _ = bps
    return head + bytes(body)
