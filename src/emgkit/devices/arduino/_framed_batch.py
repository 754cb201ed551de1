"""Vectorised decoding of many frame bodies at once (the bulk path of ``FramedParser.feed``).

:class:`~emgkit.devices.arduino.framed.FramedParser` decodes a chunk frame by frame in Python
when the chunk holds few frames (the live case: one read returns a frame or two). A chunk with
many frames (a fast stream, a journal read back at the end of a session) takes this path: the
frame bodies of one length are stacked into a matrix and COBS, CRC, version, type, channel count
and length are checked for all of them with numpy. Every check is the one the per-frame loop
makes, so the result is the same frame for frame (``tests/devices/test_framed_fast.py`` fuzzes
the two against each other). What the matrix checks cannot classify (INFO/ACK/NAK/STATUS
replies, bodies longer than 254 bytes, lengths seen only a few times) goes back to the
per-frame loop, in stream order.

Bodies of at most 254 bytes decode as ``COBS`` blocks whose codes are simply the distance to the
next code byte: a code of 0xFF would claim 254 data bytes and run past the body, which the
per-frame decoder rejects too.
"""

from __future__ import annotations

import binascii
import functools

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_FAST_BODY", "MIN_GROUP", "FastGroup", "crc16_rows", "decode_group", "split_frames"]

#: Longest encoded body (without the 0x00) the matrix decoder handles.
MAX_FAST_BODY = 254
#: A body length seen fewer times than this in a chunk is decoded by the per-frame loop.
MIN_GROUP = 4


def split_frames(buf: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end offsets of the 0x00-terminated parts of ``buf`` (the tail excluded).

    Parameters
    ----------
    buf : ndarray of uint8
        The bytes, pending tail of the previous call first.

    Returns
    -------
    starts, ends : ndarray of int64
        ``buf[starts[i]:ends[i]]`` is part ``i`` (possibly empty); ``ends[i]`` is its 0x00.
    """
    ends = np.flatnonzero(buf == 0).astype(np.int64)
    starts = np.empty_like(ends)
    if ends.size:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    return starts, ends


#: CRC-16/CCITT (poly 0x1021, not reflected) of one byte from a zero register: the table of
#: the byte-wise update ``crc = (crc << 8) ^ _CRC_TABLE[(crc >> 8) ^ byte]``.
_CRC_TABLE = np.array([binascii.crc_hqx(bytes((b,)), 0) for b in range(256)], dtype=np.uint16)


@functools.lru_cache(maxsize=32)
def _crc_tables(width: int) -> tuple[int, npt.NDArray[np.uint16]]:
    """CRC-16/CCITT-FALSE of ``width`` bytes as zeros' CRC XOR one table entry per byte.

    The CRC is affine in the message bits: ``crc(x) = crc(0 ... 0) ^ T[0, x[0]] ^ ... ^
    T[w-1, x[w-1]]`` with ``T[j, b]`` the CRC (from a zero register) of byte ``b`` followed by
    ``w - 1 - j`` zero bytes. Returns ``crc(0 ... 0)`` with the register at 0xFFFF and ``T``
    flattened (``T[j, b]`` at ``256 j + b``).
    """
    tables = np.empty((width, 256), dtype=np.uint16)
    t = _CRC_TABLE.copy()
    for j in range(width - 1, -1, -1):
        tables[j] = t
        # one more zero byte after it: the register shifts and the high byte is folded in
        t = ((t << 8) & 0xFFFF).astype(np.uint16) ^ _CRC_TABLE[t >> 8]
    return binascii.crc_hqx(bytes(width), 0xFFFF), tables.reshape(-1)


def crc16_rows(rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """CRC-16/CCITT-FALSE (``binascii.crc_hqx(row, 0xFFFF)``) of every row of ``rows``.

    By table lookup and an XOR over each row (:func:`_crc_tables`), about 0.13 us a row for
    the 62-byte rows of a demo frame (``binascii`` row by row: 0.3-0.5 us).
    """
    f, width = rows.shape
    if f == 0 or width == 0:
        return np.full(f, binascii.crc_hqx(b"", 0xFFFF), dtype=np.int64)
    zero, flat = _crc_tables(width)
    offsets = np.arange(0, 256 * width, 256, dtype=np.intp)
    crc = np.bitwise_xor.reduce(flat[rows + offsets], axis=1)
    return (crc ^ np.uint16(zero)).astype(np.int64)


class FastGroup:
    """The bodies of one encoded length, decoded and checked together.

    Attributes
    ----------
    parts : ndarray of int64
        Index (in the chunk) of each body of this length.
    status : ndarray of int8
        Per body: 0 bad (COBS, CRC, version, or a DATA frame of the wrong shape), 1 a good DATA
        frame, 2 a good frame of another type (left to the per-frame loop).
    seq, t_us, k : ndarray of int64
        Header fields (meaningful where ``status == 1``).
    counts : ndarray of uint8, shape (n_bodies, 2 * n_channels * k)
        The sample bytes (little-endian uint16, sample-major) of every body.
    """

    __slots__ = ("counts", "k", "parts", "seq", "status", "t_us")

    def __init__(
        self,
        parts: npt.NDArray[np.int64],
        status: npt.NDArray[np.int8],
        seq: npt.NDArray[np.int64],
        t_us: npt.NDArray[np.int64],
        k: npt.NDArray[np.int64],
        counts: npt.NDArray[np.uint8],
    ) -> None:
        self.parts = parts
        self.status = status
        self.seq = seq
        self.t_us = t_us
        self.k = k
        self.counts = counts


def decode_group(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    parts: npt.NDArray[np.int64],
    length: int,
    n_channels: int,
    data_type: int,
    version: int,
    header_size: int,
) -> FastGroup:
    """Decode and check every body of encoded length ``length`` (``<= MAX_FAST_BODY``).

    Parameters
    ----------
    buf : ndarray of uint8
        The chunk.
    starts : ndarray of int64
        Start offset of every part of the chunk.
    parts : ndarray of int64
        Which parts have this length.
    length : int
        Their encoded length (without the 0x00).
    n_channels : int
        Channels the parser expects in a DATA frame.
    data_type, version, header_size : int
        ``MsgType.DATA``, the protocol version, the DATA header size.

    Returns
    -------
    FastGroup
        Status and fields of every body, in the order of ``parts``.
    """
    f = parts.size
    first = starts[parts]
    s0 = int(first[0]) if f else 0
    if f and int(first[-1]) - s0 == (f - 1) * (length + 1):
        # back to back (the usual stream): each body is followed by its 0x00, so starts at
        # least length + 1 apart spanning exactly (f - 1)(length + 1) are all that far apart;
        # the bodies are a strided view of the chunk
        enc = buf[s0 : s0 + f * (length + 1)].reshape(f, length + 1)[:, :length]
    else:
        enc = buf[first[:, None] + np.arange(length)]  # (f, length), no 0x00 inside
    rows = np.arange(f)
    is_code = np.zeros((f, length), dtype=bool)
    pos = np.zeros(f, dtype=np.int64)
    active = rows
    while active.size:
        p = pos[active]
        is_code[active, p] = True
        p = p + enc[active, p]
        pos[active] = p
        active = active[p < length]
    ok = pos == length  # a block running past the end is a COBS error
    dec = np.where(is_code[:, 1:], np.uint8(0), enc[:, 1:])  # (f, length - 1)
    d = length - 1
    if d < 4:
        ok[:] = False
    else:
        ok &= dec[:, 1] == version
        ok &= crc16_rows(dec) == 0
    status = np.zeros(f, dtype=np.int8)
    is_data = ok & (dec[:, 0] == data_type) if d >= 1 else ok
    status[ok & ~is_data] = 2
    zero = np.zeros(f, dtype=np.int64)
    if d < header_size + 2:
        return FastGroup(parts, status, zero, zero, zero, np.empty((f, 0), np.uint8))
    head = np.ascontiguousarray(dec[:, 2:10]).view("<u4").astype(np.int64)
    k = dec[:, 11].astype(np.int64)
    good = (
        is_data
        & (dec[:, 10] == n_channels)
        & (k != 0)
        & (d == header_size + 2 * n_channels * k + 2)
    )
    status[good] = 1
    return FastGroup(parts, status, head[:, 0], head[:, 1], k, dec[:, header_size : d - 2])
