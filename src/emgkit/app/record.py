"""Record a session from the command line or a notebook: recorder, live view and LSL together.

:func:`record` is the one function that runs a whole recording: it builds the recorder (an
``emulated-*`` device gets its emulator from :mod:`emgkit.app.emulated`), optionally shows the
live terminal view and publishes over Lab Streaming Layer, waits for the duration, Ctrl-C or
``q``, and finalises the BDF+.

Examples
--------
>>> from emgkit.app.record import record  # doctest: +SKIP
>>> path = record("emulated-cyton", out="s01.bdf", duration=5)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from emgkit.acquisition.recorder import MarkerSource
from emgkit.app.emulated import recorder

__all__ = ["record"]

log = logging.getLogger(__name__)


def record(
    device: str,
    port: str | None = None,
    *,
    montage: str = "bridge6",
    out: str | os.PathLike[str] | None = None,
    duration: float | None = None,
    live: bool = False,
    marker_source: MarkerSource | None = None,
    fs: float | None = None,
    gains: list[int] | int | None = None,
    lsl: str | None = None,
    lsl_wait: float = 0.0,
    **kwargs: Any,
) -> Path:
    """Record a session until ``duration`` seconds of samples, Ctrl-C, or a stop; return the BDF+.

    Parameters
    ----------
    device, port, montage, out, fs, gains
        See :class:`~emgkit.acquisition.recorder.Recorder`; an ``emulated-*`` device without a
        port records from its emulator (:mod:`emgkit.app.emulated`).
    duration : float, optional
        Seconds of samples to record; None records until Ctrl-C (or ``q`` in the live view).
    live : bool
        Show the live terminal view (:class:`emgkit.acquisition.live.LiveView`).
    marker_source : callable, optional
        Polled every 100 ms; returns an iterable of ``(label, value)`` markers to add
        (``("pain", "4")`` adds a pain rating).
    lsl : str, optional
        Also publish the stream (and markers) over Lab Streaming Layer under this name
        (:class:`emgkit.acquisition.lsl.LslOutlet`; needs ``emgkit[lsl]``).
    lsl_wait : float
        Seconds to hold rows until an LSL consumer (e.g. LabRecorder) connects.
    **kwargs
        Passed to the Recorder (``subject``, ``emulator``, ``sync_interval``...).

    Returns
    -------
    Path
        The verified BDF+ file.
    """
    rec = recorder(device, port, montage=montage, out=out, fs=fs, gains=gains, **kwargs)
    outlet = None
    if lsl:
        from emgkit.acquisition.lsl import LslOutlet

        outlet = LslOutlet(rec, name=lsl, wait_for_consumer=lsl_wait)
    rec.start()
    if outlet is not None:
        outlet.start()
    view = None
    try:
        if live:
            from emgkit.acquisition.live import LiveView

            view = LiveView(rec)
            view.start()
            rec.wait(duration, marker_source=marker_source, on_tick=view.tick)
        else:
            rec.wait(duration, marker_source=marker_source)
    except KeyboardInterrupt:
        log.info("interrupted: finalising the recording")
    finally:
        if view is not None:
            view.close()
    try:
        return rec.stop()
    finally:
        if outlet is not None:
            outlet.close()
