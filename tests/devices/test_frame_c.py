"""The C framing (firmware_interface/common) against the Python one, byte for byte.

The C sources are compiled with the system compiler into a shared library in a tmp dir and
driven through ctypes: C-encoded frames are decoded by Python, Python-encoded frames by C.
"""

from __future__ import annotations

import ctypes
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emgkit.devices.arduino.framed import (
    FramedParser,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_payload,
    encode_ack,
    encode_data_frame,
    frame_payload,
    unframe,
)

COMMON = Path(__file__).resolve().parents[2] / "firmware_interface" / "common"
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2"]
ERROR = ctypes.c_size_t(-1).value

COBS_EDGE_CASES = [
    b"",
    b"\x00",
    b"\x00\x00",
    b"\x11\x22\x00\x33",
    bytes(range(1, 255)),  # 254 non-zero bytes: one full block, no trailing empty block
    bytes(range(1, 256)),  # 255 non-zero bytes
    bytes(range(0, 255)),
    bytes(range(2, 256)) + b"\x00",
    bytes(253) + b"\x01",
    bytes(300),  # all zeros
    b"\x01" * 508,
    b"\x01" * 509 + b"\x00",
]


def _compiler() -> str | None:
    for cc in ("cc", "gcc", "clang"):
        if shutil.which(cc):
            return cc
    return None


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    cc = _compiler()
    if cc is None:
        pytest.skip("no C compiler (cc/gcc/clang) on PATH: cannot build firmware_interface/common")
    out = tmp_path_factory.mktemp("cframe") / "libemgkit_frame.so"
    cmd = [
        cc,
        *CFLAGS,
        "-fPIC",
        "-shared",
        "-o",
        str(out),
        str(COMMON / "emgkit_frame.c"),
        str(COMMON / "emgkit_host_test.c"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"C build failed:\n{' '.join(cmd)}\n{proc.stderr}"
    so = ctypes.CDLL(str(out))
    sz, p8, p16, p32 = ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p
    so.emgkit_crc16.restype = ctypes.c_uint16
    so.emgkit_crc16.argtypes = [p8, sz]
    for name in ("emgkit_cobs_encode", "emgkit_cobs_decode", "emgkit_frame_encode"):
        fn = getattr(so, name)
        fn.restype = sz
        fn.argtypes = [p8, sz, ctypes.c_void_p, sz]
    so.emgkit_data_frame_encode.restype = sz
    so.emgkit_data_frame_encode.argtypes = [
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_uint8,
        ctypes.c_uint8,
        p16,
        ctypes.c_void_p,
        sz,
    ]
    so.emgkit_test_decode_stream.restype = sz
    so.emgkit_test_decode_stream.argtypes = [p8, sz, ctypes.c_void_p, sz, p32]
    return so


def _call(fn: ctypes._CFuncPtr, data: bytes, cap: int) -> bytes | None:
    out = ctypes.create_string_buffer(max(cap, 1))
    n = fn(data, len(data), out, cap)
    return None if n == ERROR else out.raw[:n]


def c_cobs_encode(lib: ctypes.CDLL, data: bytes) -> bytes | None:
    return _call(lib.emgkit_cobs_encode, data, len(data) + len(data) // 254 + 2)


def c_cobs_decode(lib: ctypes.CDLL, data: bytes) -> bytes | None:
    return _call(lib.emgkit_cobs_decode, data, len(data) + 1)


def c_frame(lib: ctypes.CDLL, payload: bytes) -> bytes | None:
    return _call(lib.emgkit_frame_encode, payload, len(payload) + len(payload) // 254 + 8)


def c_data_frame(lib: ctypes.CDLL, seq: int, t_us: int, counts: np.ndarray) -> bytes:
    k, n = counts.shape
    flat = np.ascontiguousarray(counts, dtype=np.uint16)
    cap = 12 + 2 * flat.size + 2 + (14 + 2 * flat.size) // 254 + 4
    out = ctypes.create_string_buffer(cap)
    w = lib.emgkit_data_frame_encode(seq, t_us, n, k, flat.ctypes.data, out, cap)
    assert w != ERROR
    return out.raw[:w]


def c_decode_stream(lib: ctypes.CDLL, wire: bytes) -> tuple[list[bytes], tuple[int, int, int]]:
    cap = 2 * len(wire) + 16
    out = ctypes.create_string_buffer(cap)
    stats = (ctypes.c_uint32 * 3)()
    n = lib.emgkit_test_decode_stream(wire, len(wire), out, cap, stats)
    assert n != ERROR
    raw = out.raw[:n]
    payloads, i = [], 0
    while i < len(raw):
        (ln,) = struct.unpack_from("<H", raw, i)
        payloads.append(raw[i + 2 : i + 2 + ln])
        i += 2 + ln
    return payloads, (stats[0], stats[1], stats[2])


# --------------------------------------------------------------------------- known answers
def test_crc_check_value(lib: ctypes.CDLL) -> None:
    assert lib.emgkit_crc16(b"123456789", 9) == 0x29B1
    assert crc16(b"123456789") == 0x29B1
    assert lib.emgkit_crc16(b"", 0) == 0xFFFF


@pytest.mark.parametrize("data", COBS_EDGE_CASES, ids=lambda d: f"len{len(d)}")
def test_cobs_edge_cases_identical(lib: ctypes.CDLL, data: bytes) -> None:
    py = cobs_encode(data)
    c = c_cobs_encode(lib, data)
    assert c == py
    assert b"\x00" not in py
    assert c_cobs_decode(lib, py) == data
    assert cobs_decode(c) == data


def test_cobs_published_vectors(lib: ctypes.CDLL) -> None:
    # Examples from the COBS description (Cheshire & Baker; the Wikipedia "COBS" table).
    vectors = {
        b"": b"\x01",
        b"\x00": b"\x01\x01",
        b"\x00\x00": b"\x01\x01\x01",
        b"\x00\x11\x00": b"\x01\x02\x11\x01",
        b"\x11\x22\x00\x33": b"\x03\x11\x22\x02\x33",
        b"\x11\x22\x33\x44": b"\x05\x11\x22\x33\x44",
        b"\x11\x00\x00\x00": b"\x02\x11\x01\x01\x01",
        bytes(range(1, 255)): b"\xff" + bytes(range(1, 255)),
        bytes(range(0, 255)): b"\x01\xff" + bytes(range(1, 255)),
        bytes(range(1, 256)): b"\xff" + bytes(range(1, 255)) + b"\x02\xff",
        bytes(range(2, 256)) + b"\x00": b"\xff" + bytes(range(2, 256)) + b"\x01\x01",
        bytes(range(3, 256)) + b"\x00\x01": b"\xfe" + bytes(range(3, 256)) + b"\x02\x01",
    }
    for raw, enc in vectors.items():
        assert cobs_encode(raw) == enc
        assert c_cobs_encode(lib, raw) == enc


def test_cobs_decode_rejects_malformed(lib: ctypes.CDLL) -> None:
    for bad in (b"\x05\x11\x22", b"\x02\x00", b"\x00"):
        assert c_cobs_decode(lib, bad) is None


def test_cobs_encode_reports_short_buffer(lib: ctypes.CDLL) -> None:
    assert _call(lib.emgkit_cobs_encode, b"\x11\x22\x33", 3) is None


# --------------------------------------------------------------------------- both ways
@given(st.binary(max_size=700))
def test_cobs_and_frames_identical(lib: ctypes.CDLL, data: bytes) -> None:
    assert c_cobs_encode(lib, data) == cobs_encode(data)
    assert c_frame(lib, data) == frame_payload(data)
    assert c_cobs_decode(lib, cobs_encode(data)) == data


@given(
    seq=st.integers(0, 2**32 - 1),
    t_us=st.integers(0, 2**32 - 1),
    k=st.integers(1, 16),
    n=st.integers(1, 16),
    seed=st.integers(0, 2**32 - 1),
)
def test_data_frames_identical_and_decode_both_ways(
    lib: ctypes.CDLL, seq: int, t_us: int, k: int, n: int, seed: int
) -> None:
    counts = np.random.default_rng(seed).integers(0, 65536, (k, n)).astype(np.uint16)
    py = encode_data_frame(seq, t_us, counts)
    c = c_data_frame(lib, seq, t_us, counts)
    assert c == py
    msg = decode_payload(unframe(c[:-1]))  # C -> Python
    assert msg.seq == seq and msg.t_us == t_us  # type: ignore[union-attr]
    np.testing.assert_array_equal(msg.counts, counts)  # type: ignore[union-attr]
    payloads, stats = c_decode_stream(lib, py)  # Python -> C
    assert stats == (1, 0, 0)
    assert payloads == [unframe(py[:-1])]


def test_c_encoded_stream_through_python_parser(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 4096, (80, 16)).astype(np.uint16)
    wire = b"".join(
        c_data_frame(lib, 1000 + 8 * i, 250 * 8 * i, counts[8 * i : 8 * i + 8]) for i in range(10)
    )
    res = FramedParser(16, 4000.0).feed(wire)
    np.testing.assert_array_equal(res.samples, counts.astype(np.float64))
    np.testing.assert_array_equal(res.sample_index, np.arange(80))
    np.testing.assert_allclose(res.aux["timestamp_us"], np.arange(80) * 250.0)


def test_c_decoder_resyncs_and_counts_bad_bytes(lib: ctypes.CDLL) -> None:
    good = [frame_payload(bytes([0x81, 1, i, 0x42])) for i in range(1, 6)]
    broken = bytearray(good[2])
    broken[2] ^= 0x40  # corrupt a byte of frame 3
    wire = b"\x00" + good[0] + good[1] + bytes(broken) + b"\x13\x37" + good[3] + good[4]
    payloads, (n_ok, n_bad, n_bad_bytes) = c_decode_stream(lib, wire)
    # "\x13\x37" lands in front of frame 4 and spoils it too: that is the resync cost.
    assert [p[2] for p in payloads] == [1, 2, 5]
    assert (n_ok, n_bad) == (3, 2)
    assert n_bad_bytes == len(broken) + 2 + len(good[3])
    parser = FramedParser(1, 1000.0)
    res = parser.feed(wire)
    assert res.n_bad_bytes == n_bad_bytes
    assert [r.tag for r in parser.replies] == [1, 2, 5]  # type: ignore[union-attr]


def test_c_decoder_rejects_oversized_frames(lib: ctypes.CDLL) -> None:
    huge = frame_payload(bytes([0x81, 1]) + b"\x01" * 1022)  # exactly MAX_PAYLOAD: accepted
    payloads, stats = c_decode_stream(lib, huge + encode_ack(9, 0x42))
    assert len(payloads) == 2 and stats[1] == 0
    too_big = cobs_encode(bytes([0x81, 1]) + b"\x01" * 1100) + b"\x00"
    payloads, stats = c_decode_stream(lib, too_big + encode_ack(9, 0x42))
    assert len(payloads) == 1 and stats[1] == 1 and stats[2] == len(too_big)
