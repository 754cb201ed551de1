"""Every import the screen makes from the rest of emgkit, in one place.

The package layout is moving (devices to ``emgkit.devices``, session/demo to ``emgkit.app``);
only this module needs updating when it does.
"""

from __future__ import annotations

from emgkit.acquisition import DEVICES
from emgkit.acquisition.devices import list_devices
from emgkit.acquisition.live import channel_quality
from emgkit.acquisition.recorder import Recorder
from emgkit.analysis.protocol import (
    Protocol,
    Trial,
    available_protocols,
    load_protocol,
    parse_protocol,
)
from emgkit.montage import available_montages, load_montage
from emgkit.session.runner import STATE_NAME, SessionResult, load_state, run_session
from emgkit.session.ui import Decision
from emgkit.signal.stream import StreamingEnvelope

__all__ = [
    "DEVICES",
    "STATE_NAME",
    "Decision",
    "Protocol",
    "Recorder",
    "SessionResult",
    "StreamingEnvelope",
    "Trial",
    "available_montages",
    "available_protocols",
    "channel_quality",
    "list_devices",
    "load_montage",
    "load_protocol",
    "load_state",
    "parse_protocol",
    "run_session",
]
