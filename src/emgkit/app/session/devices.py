"""Recorder wiring for a session: open a device (and its emulator), cue an emulated subject.

With an emulated device the synthetic subject acts out the protocol the runner cues; the
operator's time (instructions, questions) streams at 1x whatever the ``speed``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from emgkit.errors import ConfigError
from emgkit.protocol import Protocol

__all__ = ["RecorderFactory"]

RecorderFactory = Callable[[Path], Any]


def _open_device(
    device: str, bdf: Path, opts: dict[str, Any], protocol: Protocol | None = None
) -> tuple[Any, Any]:
    """A Recorder (not started) for one segment, and the emulator it reads from (or None)."""
    from emgkit.app.emulated import recorder as make_recorder

    speed = float(opts.get("speed", 1.0))
    fs = opts.get("fs")
    n_channels = opts.get("n_channels")
    emu = None
    port = opts.get("port")
    if device.startswith("emulated-"):
        from emgkit.app.emulated import start_emulator

        subject = opts.get("emulated_subject")
        emu = start_emulator(
            device,
            speed=speed,
            subject=subject,
            fs=fs,
            n_channels=n_channels,
            duration=None if subject else 30.0,
            seed=int(opts.get("seed", 0)),
            loop=True,
            protocol=protocol if subject else None,
        )
        port = emu.port
    elif speed != 1.0:
        raise ConfigError("--speed only applies to emulated devices; a real device runs at 1x")
    try:
        rec = make_recorder(
            device,
            port,
            montage=str(opts.get("montage", "bridge6")),
            out=bdf,
            fs=fs,
            n_channels=n_channels,
            subject=str(opts.get("subject", "anonymous")),
            session=str(opts.get("session", "")),
            notes=str(opts.get("notes", "")),
            power_line_hz=opts.get("power_line_hz"),
        )
    except BaseException:
        if emu is not None:
            emu.stop()
        raise
    return rec, emu


class _OperatorTime:
    """While the operator reads or answers, an emulator streams at 1x, not at ``speed``."""

    def __init__(self, emulator: Any, speed: float) -> None:
        self.emulator = emulator if hasattr(emulator, "set_speed") else None
        self.speed = float(getattr(self.emulator, "speed", speed))  # the factory's, if any

    def __enter__(self) -> None:
        if self.emulator is not None and self.speed != 1.0:
            self.emulator.set_speed(1.0)

    def __exit__(self, *exc: object) -> None:
        if self.emulator is not None and self.speed != 1.0:
            self.emulator.set_speed(self.speed)


def _cue_emulator(rec: Any, proto: Protocol) -> None:
    """An emulated recorder with a synthetic subject: the subject follows this protocol."""
    opts = getattr(rec, "emulator_options", None)
    if isinstance(opts, dict) and opts.get("subject") and "samples_uv" not in opts:
        opts.setdefault("protocol", proto)
