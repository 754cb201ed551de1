"""MyoWare 2.0 counts <-> microvolts: known ADC values give known amplitudes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emgkit.devices.arduino.framed import ChannelConfig, ChannelKindCode, Info, StreamConfig
from emgkit.devices.arduino.myoware import (
    MyoWareConverter,
    counts_to_uv,
    env_gain,
    parse_kind,
    signal_kind,
    uv_to_counts,
)
from emgkit.errors import ConfigError, SignalError
from emgkit.recording import SignalKind


def test_env_gain_default_pot() -> None:
    assert env_gain() == 200 * 51 == 10_200
    assert env_gain(0) == 200


def test_known_values_12bit_3v3() -> None:
    # 4095 counts = 3.3 V at the pin
    # ENV: 3.3 V / 10200 = 323.53 uV at the electrodes
    assert counts_to_uv(4095, "ENV") == pytest.approx(3.3e6 / 10_200)
    # RECT: 1023 counts = 1023 * 3.3/4095 V = 0.8244 V; / 200 = 4122 uV
    assert counts_to_uv(1023, "RECT") == pytest.approx(1023 * 3.3 / 4095 / 200 * 1e6)
    # RAW: (2148 - 2048) counts = 100 * 805.86 uV = 80.586 mV at the pin; / 200 = 402.93 uV
    assert counts_to_uv(2148, "RAW", ref_counts=2048) == pytest.approx(100 * 3.3e6 / 4095 / 200)
    # RAW with nominal mid-scale REF (4095 / 2 = 2047.5)
    assert counts_to_uv(2047.5 + 10, "RAW") == pytest.approx(10 * 3.3e6 / 4095 / 200)
    # REF: the pin voltage itself
    assert counts_to_uv(2048, "REF") == pytest.approx(2048 * 3.3e6 / 4095)


def test_known_values_uno_10bit_5v_pot() -> None:
    # Uno: 10 bits, 5 V; ENV pot at 10 kOhm -> gain 2200; 512 counts = 2.50244 V -> 1137.47 uV
    got = counts_to_uv(512, ChannelKindCode.ENV, adc_bits=10, vref_mv=5000, pot_kohm=10)
    assert got == pytest.approx(512 * 5.0 / 1023 / 2200 * 1e6)
    assert got == pytest.approx(1137.47, abs=0.01)


def test_kinds_map_to_emgkit_kinds() -> None:
    assert signal_kind("ENV") is SignalKind.ENVELOPE  # already an envelope: no band-pass
    assert signal_kind("rect") is SignalKind.RECTIFIED
    assert signal_kind(0) is SignalKind.RAW
    assert signal_kind("REF") is SignalKind.OTHER
    assert parse_kind("envelope") is ChannelKindCode.ENV
    with pytest.raises(ConfigError, match="unknown MyoWare output"):
        parse_kind("emg")


def test_converter_rows_and_ref_channel() -> None:
    conv = MyoWareConverter(["ENV", "RAW", "REF"], adc_bits=12, vref_mv=3300)
    counts = np.array([[4095, 2100, 2000], [0, 2000, 2000]], dtype=np.uint16)
    uv = conv(counts)
    lsb = 3.3e6 / 4095
    np.testing.assert_allclose(uv[:, 0], [4095 * lsb / 10_200, 0.0])
    np.testing.assert_allclose(uv[:, 1], [100 * lsb / 200, 0.0])  # REF channel subtracted
    np.testing.assert_allclose(uv[:, 2], 2000 * lsb)
    assert conv.signal_kinds == [SignalKind.ENVELOPE, SignalKind.RAW, SignalKind.OTHER]
    chans = conv.channels(["gmax_L_env", "gmax_L_raw", "ref"])
    assert chans[0].kind is SignalKind.ENVELOPE and chans[0].device == "myoware-arduino"
    with pytest.raises(SignalError, match="3 configured channels"):
        conv(np.zeros((2, 2), dtype=np.uint16))


def test_converter_from_info_uses_pot_per_channel() -> None:
    cfg = StreamConfig(
        1000,
        (ChannelConfig(0, ChannelKindCode.ENV, 20_000), ChannelConfig(1, ChannelKindCode.RECT)),
        2,
    )
    info = Info(0, 1, (1, 0, 0), 10, 5000, 6, 64, 8000, "uno", cfg)
    conv = MyoWareConverter.from_info(info)
    uv = conv(np.array([[1023, 1023]], dtype=np.uint16))
    np.testing.assert_allclose(uv, [[5e6 / (200 * 21), 5e6 / 200]])


@given(
    st.sampled_from(["RAW", "ENV", "RECT"]),
    st.integers(8, 16),
    st.lists(st.integers(0, 65535), min_size=1, max_size=50),
)
def test_counts_roundtrip(kind: str, bits: int, raw: list[int]) -> None:
    counts = np.asarray(raw) % (1 << bits)
    uv = counts_to_uv(counts, kind, adc_bits=bits, vref_mv=3300)
    back = uv_to_counts(uv, kind, adc_bits=bits, vref_mv=3300)
    np.testing.assert_array_equal(back, counts)


def test_uv_to_counts_clips_like_the_hardware() -> None:
    assert uv_to_counts([-50.0], "ENV")[0] == 0
    assert uv_to_counts([1e9], "RAW")[0] == 4095
    with pytest.raises(SignalError):
        uv_to_counts([np.nan], "RAW")
