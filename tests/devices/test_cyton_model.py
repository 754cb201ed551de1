"""The Cyton device model: replies as firmware v3 and the dongle give them, exact packets."""

from __future__ import annotations

import numpy as np
import pytest

from emgkit.devices.cyton.model import BOARD_OFF_REPLY, CytonModel
from emgkit.devices.cyton.parser import (
    CytonParser,
    encode_stream,
    parse_banner,
    parse_channel_set_reply,
    split_replies,
)
from emgkit.errors import ConfigError

LSB24 = 4.5 / 24 / (2**23 - 1) * 1e6


def _x(n: int = 300, ch: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 200, (n, ch))


def parse(data: bytes, daisy: bool = False) -> tuple[np.ndarray, np.ndarray, dict]:
    p = CytonParser(daisy=daisy)
    # the stream goes on: the next packet's header and counter confirm the last packet
    # (a strict parser never emits an unconfirmed packet, issue 11 R2)
    a, b = p.feed(data + bytes([0xA0, (data[-32] + 1) % 256])), p.flush()
    aux = {k: np.concatenate([a.aux[k], b.aux.get(k, a.aux[k][:0])]) for k in a.aux} or b.aux
    return np.vstack([a.samples, b.samples]), np.concatenate([a.sample_index, b.sample_index]), aux


def test_banner_and_text_replies_end_in_eot() -> None:
    m = CytonModel(_x())
    banner = m.handle(b"v")
    assert banner.endswith(b"$$$")
    info = parse_banner(banner.decode())
    assert info.firmware == "v3.1.2" and not info.daisy and info.board == "OpenBCI V3 8-16 channel"
    assert m.handle(b"d") == b"updating channel settings to default$$$"
    assert m.handle(b"D") == b"060110$$$"
    assert m.handle(b"?").startswith(b"Board ADS Registers") and m.handle(b"?").endswith(b"$$$")
    assert m.handle(b"x3040100X") == b"Success: Channel set for 3$$$"
    assert m.gains[2] == 8 and m.channel_commands[3] == "x3040100X"
    assert m.handle(b"/2") == b"Success: analog$$$" and m.board_mode == 2
    assert m.handle(b"/0") == b"Success: default$$$"
    assert m.handle(b"<") == b"Time stamp ON$$$" and m.handle(b">") == b"Time stamp OFF$$$"
    assert m.handle(b"~~") == b"Success: Sample rate is 250Hz$$$"
    assert m.handle(b"c") == b""  # no Daisy to remove: the firmware stays silent
    assert m.handle(b"C") == b"no daisy to attach!8$$$"
    assert m.handle(b"1") == b"" and not m.channel_on[0]
    assert m.handle(b"!") == b"" and m.channel_on[0]


def test_channel_command_in_pieces_and_failures() -> None:
    m = CytonModel(_x())
    assert m.handle(b"x2") == b"" and m.handle(b"0") == b""
    assert m.handle(b"20110X") == b"Success: Channel set for 2$$$"
    assert m.gains[1] == 4
    assert m.handle(b"x1060110V") == b"Failure: 9th char not X$$$"
    assert m.handle(b"x10601X") == b"Failure: too few chars$$$"
    assert m.handle(b"x9060110X").startswith(b"Failure")  # no channel 9 without a Daisy
    replies, rest = split_replies(m.handle(b"x1060100Xx2060100X"))
    assert [parse_channel_set_reply(r) for r in replies] == [1, 2] and rest == b""


def test_daisy_banner_and_channel_letters() -> None:
    m = CytonModel(_x(ch=16), daisy=True)
    info = parse_banner(m.handle(b"v").decode())
    assert info.daisy and info.daisy_ads_id == "0x3E"
    assert m.handle(b"xQ030100X") == b"Success: Channel set for 9$$$" and m.gains[8] == 6
    assert m.handle(b"C") == b"16$$$"
    assert m.handle(b"c") == b"daisy removed$$$" and m.n_channels == 8
    assert m.handle(b"C") == b"daisy attached16$$$" and m.n_channels == 16


def test_board_off_replies_like_the_dongle() -> None:
    m = CytonModel(_x(), board_off=True)
    for cmd in (b"v", b"d", b"x1060110X", b"?"):
        reply = m.handle(cmd)
        assert reply == BOARD_OFF_REPLY and reply.decode().startswith("Failure")
    m.handle(b"b")
    assert m.next_bytes(10) == b""


def test_brainflow_sequence() -> None:
    """open; 'v' then read until '$$$'; 'd' must not start 'Failure'; 'b' streams; 's' stops."""
    x = _x(600)
    m = CytonModel(x)
    assert m.handle(b"v").endswith(b"$$$")
    assert not m.handle(b"d").startswith(b"Failure")
    assert m.handle(b"b") == b"" and m.streaming
    data = m.next_bytes(600)
    assert len(data) == 600 * 33 and m.handle(b"s") == b"" and not m.streaming
    assert m.next_bytes(5) == b""
    rows, idx, aux = parse(data)
    np.testing.assert_array_equal(idx, np.arange(600))
    np.testing.assert_allclose(rows, x, atol=LSB24 / 2 + 1e-9)
    gt = m.ground_truth()
    np.testing.assert_array_equal(gt["counter"], np.arange(600) % 256)
    np.testing.assert_array_equal(gt["row"], np.arange(600))
    # accelerometer on every 10th packet (25 Hz), (0, 0, 1) g
    has = ~np.isnan(aux["accel"][:, 0])
    np.testing.assert_array_equal(np.flatnonzero(has), np.arange(9, 600, 10))
    np.testing.assert_allclose(aux["accel"][has], [[0.0, 0.0, 1.0]] * has.sum())


def test_streaming_suppresses_text_replies_and_v_stops() -> None:
    m = CytonModel(_x())
    m.handle(b"b")
    assert m.handle(b"x1060110X") == b"" and m.handle(b"d") == b""
    assert m.handle(b"v").endswith(b"$$$") and not m.streaming


def test_counter_restarts_on_b_and_bytes_equal_the_encoder() -> None:
    x = _x(40)
    m = CytonModel(x, loop=False)
    m.handle(b"b")
    first = m.next_bytes(10)
    m.handle(b"s")
    m.handle(b"b")
    second = m.next_bytes(100)  # only 30 rows left, no loop
    assert first[1] == 0 and second[1] == 0 and len(second) == 30 * 33
    acc1 = np.full((10, 3), np.nan)
    acc1[9] = [0.0, 0.0, 1.0]
    acc2 = np.full((30, 3), np.nan)
    acc2[9::10] = [0.0, 0.0, 1.0]
    assert first == encode_stream(x[:10], accel=acc1)
    assert second == encode_stream(x[10:], accel=acc2)  # rows go on, the counter restarts
    np.testing.assert_array_equal(m.ground_truth()["row"], np.arange(40))


def test_daisy_stream_pairs_and_ground_truth() -> None:
    x = _x(300, 16)
    m = CytonModel(x, daisy=True)
    m.handle(b"b")
    data = m.next_bytes(1 + 2 * 300)
    gt = m.ground_truth()
    assert gt["row"][0] == -1 and gt["half"][0] == 1 and gt["counter"][0] == 0
    np.testing.assert_array_equal(gt["half"][1:5], [0, 1, 0, 1])
    np.testing.assert_array_equal(gt["row"][1:5], [0, 0, 1, 1])
    rows, idx, _ = parse(data, daisy=True)
    np.testing.assert_array_equal(idx, np.arange(300))
    np.testing.assert_allclose(rows, x, atol=LSB24 / 2 + 1e-9)
    assert data == encode_stream(x, daisy=True, start_counter=0, accel=_daisy_accel(300))


def _daisy_accel(n: int) -> np.ndarray:
    # packet p carries the accel when p % 10 == 9; row k's first half is packet 2k+1
    acc = np.full((n, 3), np.nan)
    for k in range(n):
        if (2 * k + 1) % 10 == 9:
            acc[k] = [0.0, 0.0, 1.0]
    return acc


def test_gain_commands_change_the_counts_and_d_resets() -> None:
    x = np.full((5, 8), 1000.0)
    m = CytonModel(x)
    m.handle(b"x1000100X")  # channel 1 at gain 1
    m.handle(b"b")
    data = m.next_bytes(5)
    p = CytonParser(gains=[1, 24, 24, 24, 24, 24, 24, 24])
    rows = np.vstack([p.feed(data).samples, p.flush().samples])
    assert abs(rows[0, 0] - 1000.0) <= 4.5e6 / (2**23 - 1) / 2
    m.handle(b"s")
    m.handle(b"d")
    assert m.gains == [24] * 8


def test_timestamp_and_analog_modes() -> None:
    m = CytonModel(_x(30), accel_g=(0.5, -0.25, 1.0), analog=(1023, 7, 0))
    m.handle(b"<")
    m.handle(b"b")
    data = m.next_bytes(20)
    assert data[32] == 0xC3 and data[33 + 32] == 0xC4
    _, _, aux = parse(data)
    np.testing.assert_array_equal(aux["board_time_ms"], np.arange(20) * 4)
    np.testing.assert_allclose(aux["accel"][7], [0.5, np.nan, np.nan])
    np.testing.assert_allclose(aux["accel"][8], [np.nan, -0.25, np.nan])
    np.testing.assert_allclose(aux["accel"][9], [np.nan, np.nan, 1.0])
    m.handle(b"s")
    m.handle(b">")
    m.handle(b"/2")
    m.handle(b"b")
    _, _, aux = parse(m.next_bytes(3))
    np.testing.assert_array_equal(aux["analog"], [[1023, 7, 0]] * 3)
    np.testing.assert_array_equal(aux["stop_byte"], [0xC1] * 3)


def test_deterministic_and_validates_input() -> None:
    def run() -> bytes:
        m = CytonModel(_x(50))
        m.handle(b"vdx2050100Xb")
        return m.next_bytes(120)

    assert run() == run()
    with pytest.raises(ConfigError):
        CytonModel(np.zeros((10, 16)))  # 16 columns without a Daisy
    with pytest.raises(ConfigError):
        CytonModel(np.full((3, 8), np.nan))
    with pytest.raises(ConfigError):
        CytonModel(np.zeros((3, 8)), gains=[3] * 8)
