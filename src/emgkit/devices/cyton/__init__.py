"""OpenBCI Cyton (and Daisy): packet codec, parser, commands, driver and emulator model.

This ``__init__`` imports nothing heavy: :data:`SPECS` builds parsers, drivers and models on
first use, so the command line can list devices without loading numba.
"""

from __future__ import annotations

from typing import Any

from emgkit.devices.base import DeviceDriver, DeviceModel, DeviceSpec, StreamParser
from emgkit.devices.cyton.constants import (
    CYTON_FS,
    CYTON_HARDWARE_BANDWIDTH_HZ,
    DAISY_FS,
    DAISY_HARDWARE_BANDWIDTH_HZ,
)

__all__ = ["CYTON_FS", "CYTON_HARDWARE_BANDWIDTH_HZ", "DAISY_FS", "SPECS"]


def _parser(daisy: bool) -> Any:
    def make(**kwargs: Any) -> StreamParser:
        from emgkit.devices.cyton.parser import CytonParser

        if daisy:
            kwargs["daisy"] = True
        return CytonParser(**kwargs)

    return make


def _driver(daisy: bool) -> Any:
    def make(
        *,
        fs: float | None = None,
        gains: list[int] | int | None = None,
        n_channels: int | None = None,
        kinds: list[str] | None = None,
    ) -> DeviceDriver:
        from emgkit.devices.cyton.driver import CytonDriver
        from emgkit.errors import ConfigError

        if fs is not None and fs not in (CYTON_FS, DAISY_FS):
            raise ConfigError(
                "the Cyton streams at a fixed 250 Hz over the dongle (125 Hz with the Daisy); "
                "leave fs unset"
            )
        g = [gains] if isinstance(gains, int) else gains
        return CytonDriver(daisy=daisy, gains=g)

    return make


def _model(daisy: bool) -> Any:
    def make(samples_uv: Any, *, fs: float | None = None, **kwargs: Any) -> DeviceModel:
        from emgkit.devices.cyton.model import CytonModel

        return CytonModel(samples_uv, daisy=daisy, **kwargs)

    return make


def _spec(daisy: bool) -> DeviceSpec:
    """The registry row of the Cyton (``daisy=False``) or the Cyton with Daisy."""
    n, fs, bandwidth = (
        (16, DAISY_FS, DAISY_HARDWARE_BANDWIDTH_HZ)
        if daisy
        else (8, CYTON_FS, CYTON_HARDWARE_BANDWIDTH_HZ)
    )
    board = "OpenBCI Cyton with Daisy" if daisy else "OpenBCI Cyton"
    return DeviceSpec(
        name="cyton-daisy" if daisy else "cyton",
        description=f"{board}, {n} channels at {fs:g} Hz through the USB dongle",
        n_channels=n,
        fs_options=(fs,),
        parser=_parser(daisy),
        parser_keywords=("daisy", "gains"),
        driver=_driver(daisy),
        model=_model(daisy),
        default_fs=fs,
        hardware_bandwidth_hz=bandwidth,
        # 0.1 journals named the Cyton parser by import path
        legacy_parser_paths=() if daisy else ("emgkit.acquisition.cyton:CytonParser",),
    )


SPECS = (_spec(False), _spec(True))
