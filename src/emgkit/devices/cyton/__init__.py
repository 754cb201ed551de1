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


def _parser(**kwargs: Any) -> StreamParser:
    from emgkit.devices.cyton.parser import CytonParser

    return CytonParser(**kwargs)


def _daisy_parser(**kwargs: Any) -> StreamParser:
    from emgkit.devices.cyton.parser import CytonParser

    kwargs["daisy"] = True
    return CytonParser(**kwargs)


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


SPECS = (
    DeviceSpec(
        name="cyton",
        description="OpenBCI Cyton, 8 channels at 250 Hz through the USB dongle",
        n_channels=8,
        fs_options=(CYTON_FS,),
        parser=_parser,
        parser_keywords=("daisy", "gains"),
        driver=_driver(False),
        model=_model(False),
        default_fs=CYTON_FS,
        hardware_bandwidth_hz=CYTON_HARDWARE_BANDWIDTH_HZ,
        legacy_parser_paths=("emgkit.acquisition.cyton:CytonParser",),
    ),
    DeviceSpec(
        name="cyton-daisy",
        description="OpenBCI Cyton with Daisy, 16 channels at 125 Hz through the USB dongle",
        n_channels=16,
        fs_options=(DAISY_FS,),
        parser=_daisy_parser,
        parser_keywords=("daisy", "gains"),
        driver=_driver(True),
        model=_model(True),
        default_fs=DAISY_FS,
        hardware_bandwidth_hz=DAISY_HARDWARE_BANDWIDTH_HZ,
    ),
)
