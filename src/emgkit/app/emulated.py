"""The one place that turns ``"emulated-<device>"`` into a serial port.

An emulated device is the device's pure model (:attr:`DeviceSpec.model
<emgkit.devices.base.DeviceSpec>`) fed with a synthetic subject and served on a pseudo-terminal
by :class:`emgkit.simulate.emulators.Emulator`; the recorder then reads it through the real
serial path. The recorder (``acquisition``) cannot import ``simulate`` (same layer), so it takes
an emulator factory, and this module is that factory for the CLI, the guided session, the demo
and the tests.

Examples
--------
>>> from emgkit.app.emulated import recorder  # doctest: +SKIP
>>> rec = recorder("emulated-cyton", out="s01.bdf").start()  # doctest: +SKIP
>>> path = rec.stop()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emgkit.acquisition import recorder as _recorder
from emgkit.devices.registry import EMULATED_PREFIX, get_device
from emgkit.simulate.emulators import Emulator, Fault, cued_subject, make_model

__all__ = ["recorder", "start_emulator"]


def start_emulator(
    device: str,
    *,
    faults: Sequence[Fault] = (),
    realtime: bool = True,
    speed: float = 1.0,
    transport: str | None = None,
    protocol: Any = None,
    **model_options: Any,
) -> Emulator:
    """Start the emulator of ``device`` on a pseudo-terminal; its path is ``.port``.

    Parameters
    ----------
    device : str
        A device name, with or without the ``emulated-`` prefix.
    faults : sequence of Fault
        Faults to inject into the byte stream (:mod:`emgkit.simulate.emulators`).
    realtime : bool
        Pace packets at the device rate (False: as fast as the reader drains them).
    speed : float
        Real-time multiplier when ``realtime`` (e.g. 20 for a demo).
    transport : str, optional
        ``"pty"`` (a pseudo-terminal) or ``"socket"`` (pyserial's ``socket://`` URL, also on
        Windows); default: the emulator's platform default.
    protocol : Protocol, optional
        With a synthetic ``subject`` profile: the protocol a guided session cues. The subject
        then acts out each trial when the session cues it
        (:class:`emgkit.simulate.emulators.CuedSubject`, reachable as ``.subject``) instead of
        playing a pre-rendered session regardless of the cues.
    **model_options
        For :func:`emgkit.simulate.emulators.make_model`: ``subject``, ``samples_uv``, ``fs``,
        ``n_channels``, ``duration``, ``seed`` and the model's own keywords.

    Returns
    -------
    Emulator
        Started; stop it with ``stop()``.
    """
    spec = get_device(device)
    cued = None
    subject = model_options.get("subject")
    if protocol is not None and subject:
        cued = cued_subject(
            spec.name,
            str(subject),
            protocol,
            fs=model_options.get("fs"),
            n_channels=model_options.get("n_channels"),
            seed=int(model_options.get("seed", 0)),
        )
        model_options = {k: v for k, v in model_options.items() if k not in ("subject",)}
        model_options["samples_uv"] = cued.take_samples()
        model_options.pop("duration", None)
    model = make_model(spec.name, **model_options)
    return Emulator(
        model, faults=faults, realtime=realtime, speed=speed, transport=transport, subject=cued
    ).start()


def _factory(rec: _recorder.Recorder) -> Emulator:
    opts = dict(rec.emulator_options)
    faults = opts.pop("faults", ())
    realtime = bool(opts.pop("realtime", True))
    speed = float(opts.pop("speed", 1.0))
    transport = opts.pop("transport", None)
    protocol = opts.pop("protocol", None)
    opts.setdefault("subject", "healthy")
    # a configurable device's emulator streams what the driver will ask for
    for key in ("fs", "n_channels"):
        value = getattr(rec.driver, key, None)
        if value is not None:
            opts.setdefault(key, value)
    return start_emulator(
        rec.device,
        faults=faults,
        realtime=realtime,
        speed=speed,
        transport=transport,
        protocol=protocol,
        **opts,
    )


def recorder(device: str, port: str | None = None, **kwargs: Any) -> _recorder.Recorder:
    """A :class:`~emgkit.acquisition.recorder.Recorder` that can emulate its device.

    Parameters
    ----------
    device : str
        Any device name; ``emulated-*`` without ``port`` starts the emulator in
        :meth:`~emgkit.acquisition.recorder.Recorder.start` and stops it in ``stop()``.
    port : str, optional
        Serial port (required for a real device).
    **kwargs
        As for :class:`~emgkit.acquisition.recorder.Recorder` (``emulator`` holds the
        options of :func:`start_emulator`).

    Returns
    -------
    Recorder
        Not started yet.
    """
    if device.startswith(EMULATED_PREFIX):
        kwargs.setdefault("emulator_factory", _factory)
    return _recorder.Recorder(device, port, **kwargs)
