"""Every import the screen makes from the rest of emgkit, in one place.

Recorders come from :func:`emgkit.app.emulated.recorder` (the one place that turns
``emulated-<device>`` into a port); the rest is the library's public API.
"""

from __future__ import annotations

from emgkit.acquisition.ports import list_devices
from emgkit.app.emulated import recorder as Recorder
from emgkit.app.session.runner import STATE_NAME, SessionResult, load_state, run_session
from emgkit.app.session.ui import Decision, SessionUI, instructions_for
from emgkit.devices.registry import device_choices
from emgkit.montage import available_montages, load_montage
from emgkit.protocol import (
    Protocol,
    Trial,
    available_protocols,
    load_protocol,
    parse_protocol,
)
from emgkit.signal.quality import channel_quality
from emgkit.signal.stream import StreamingEnvelope

#: Device names the page offers and accepts, emulated ones included (the registry's choices).
DEVICES: tuple[str, ...] = device_choices(emulated=True)

__all__ = [
    "DEVICES",
    "STATE_NAME",
    "Decision",
    "Protocol",
    "Recorder",
    "SessionResult",
    "SessionUI",
    "StreamingEnvelope",
    "Trial",
    "available_montages",
    "available_protocols",
    "channel_quality",
    "instructions_for",
    "list_devices",
    "load_montage",
    "load_protocol",
    "load_state",
    "parse_protocol",
    "run_session",
]
