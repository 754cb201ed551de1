"""The table-driven CRC of many rows equals ``binascii.crc_hqx`` row by row."""

from __future__ import annotations

import binascii

import numpy as np
import pytest

from emgkit.devices.arduino._framed_batch import crc16_rows
from emgkit.devices.arduino.framed import crc16


@pytest.mark.parametrize("width", [*range(70), 200, 254, 300, 1100])
def test_crc16_rows_is_crc_hqx_of_each_row(width: int) -> None:
    rng = np.random.default_rng(width)
    for f in (0, 1, 5, 300):
        rows = rng.integers(0, 256, (f, width)).astype(np.uint8)
        if f:
            rows[0] = 0
            rows[-1] = 255
        want = [binascii.crc_hqx(r.tobytes(), 0xFFFF) for r in rows]
        got = crc16_rows(rows)
        assert got.dtype == np.int64 and got.shape == (f,)
        assert got.tolist() == want
        if width > 3 and f:  # a strided view (the emulator passes the body without its CRC)
            view = rows[:, 1:-1]
            assert crc16_rows(view).tolist() == [
                binascii.crc_hqx(r.tobytes(), 0xFFFF) for r in view
            ]


def test_a_frame_with_its_crc_checks_to_zero() -> None:
    body = np.frombuffer(b"\x01\x01" + bytes(range(60)), dtype=np.uint8)
    c = crc16(body.tobytes())
    rows = np.vstack([np.concatenate([body, [c >> 8, c & 0xFF]]).astype(np.uint8)] * 3)
    assert crc16_rows(rows).tolist() == [0, 0, 0]
    rows[1, 7] ^= 0x10  # one flipped bit is caught
    assert crc16_rows(rows)[1] != 0
