"""The emgkit_stream Arduino sketch (MyoWare): framed protocol, conversion, driver, model.

This ``__init__`` imports nothing heavy: :data:`SPECS` builds parsers, drivers and models on
first use.
"""

from __future__ import annotations

from typing import Any

from emgkit.devices.base import DeviceDriver, DeviceModel, DeviceSpec, StreamParser

__all__ = ["SPECS"]

#: Largest channel count a journal may ask the parser for (the sketch's pins A0..A15).
MAX_CHANNELS = 16


def _parser(**kwargs: Any) -> StreamParser:
    from emgkit.devices.arduino.framed import FramedParser
    from emgkit.errors import FormatError

    n = kwargs.get("n_channels")
    if not isinstance(n, int) or not 1 <= n <= MAX_CHANNELS:
        raise FormatError(f"n_channels must be an integer in 1..{MAX_CHANNELS}, got {n!r}")
    return FramedParser(**kwargs)


def _converter(**kwargs: Any) -> Any:
    from emgkit.devices.arduino.myoware import MyoWareConverter

    return MyoWareConverter(**kwargs)


def _driver(
    *,
    fs: float | None = None,
    gains: list[int] | int | None = None,
    n_channels: int | None = None,
    kinds: list[str] | None = None,
) -> DeviceDriver:
    from emgkit.devices.arduino.driver import ArduinoDriver

    return ArduinoDriver(fs=fs, n_channels=n_channels, kinds=kinds)


def _model(samples_uv: Any, *, fs: float | None = None, **kwargs: Any) -> DeviceModel:
    import numpy as np

    from emgkit.devices.arduino.model import ArduinoModel

    n = np.shape(samples_uv)[1]
    kinds = kwargs.pop("kinds", ["RAW"] * n)
    return ArduinoModel(samples_uv, float(fs or 1000.0), kinds, **kwargs)


SPECS = (
    DeviceSpec(
        name="arduino",
        description="the emgkit_stream sketch (MyoWare sensors on an Arduino-class board)",
        n_channels=6,
        fs_options=(),
        parser=_parser,
        parser_keywords=("n_channels", "fs", "converter", "first_sequence"),
        driver=_driver,
        model=_model,
        default_fs=1000.0,
        legacy_parser_paths=("emgkit.acquisition.framed:FramedParser",),
        components={
            "myoware": (_converter, ("kinds", "adc_bits", "vref_mv", "pot_kohm", "ref_counts"))
        },
        legacy_component_paths={"emgkit.acquisition.myoware:MyoWareConverter": "myoware"},
    ),
)
