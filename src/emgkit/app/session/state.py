"""The session state file (``session.json``): write, read, and finalise a crashed segment.

The resume I/O of :func:`emgkit.app.session.runner.run_session`: the state lists the protocol,
the device, each recording segment with the trials completed in it, and the trials done or
skipped; it is rewritten atomically after every trial. A segment left as a bare journal by a
crash is finalised to BDF+ before a resumed session records its next segment.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from emgkit.errors import ConfigError, RecordingError
from emgkit.protocol import Protocol

__all__ = ["MERGED_NAME", "STATE_FORMAT", "STATE_NAME", "STATE_VERSION", "load_state"]

STATE_NAME = "session.json"
MERGED_NAME = "session.bdf"
STATE_FORMAT = "emgkit-session"
STATE_VERSION = 1


def _protocol_to_dict(p: Protocol) -> dict[str, Any]:
    trials = [{k: v for k, v in dataclasses.asdict(t).items() if v is not None} for t in p.trials]
    return {"name": p.name, "version": p.version, "description": p.description, "trials": trials}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    from emgkit.io._atomic import write_atomic

    write_atomic(path, json.dumps(state, indent=2).encode("utf-8"))


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a session state file (``session.json``).

    Raises
    ------
    ConfigError
        Missing file, invalid JSON or not an emgkit session state.
    """
    p = Path(path)
    if p.is_dir():
        p = p / STATE_NAME
    try:
        state = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"session state {p} does not exist (give the session.json in the session folder)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"session state {p} is not valid JSON: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ConfigError(f"{p} is not an emgkit session state file")
    if state.get("version") != STATE_VERSION:
        raise ConfigError(f"{p}: unsupported session state version {state.get('version')!r}")
    return state


def _segment_name(k: int) -> str:
    return f"segment-{k:02d}.bdf"


def _finalize_leftover(out: Path, state: dict[str, Any], state_path: Path) -> None:
    """A segment still 'recording' (the process died): finalise its journal to BDF+."""
    from emgkit.acquisition.recorder import finalize

    for seg in state["segments"]:
        if seg["status"] != "recording":
            continue
        bdf = out / seg["bdf"]
        jdir = out / seg["journal"]
        if bdf.is_file() and not jdir.exists():
            seg["status"] = "finalized"
        elif jdir.is_dir():
            try:
                finalize(jdir, bdf, keep_journal=False)
                seg["status"] = "finalized"
            except RecordingError as exc:
                if "no samples" not in str(exc):
                    raise
                seg["status"] = "empty"
        else:
            seg["status"] = "empty"
        if seg["status"] == "empty":
            for tid in seg["trials"]:  # nothing recorded: those trials must be redone
                state["trials"].pop(tid, None)
            seg["trials"] = []
        _save_state(state_path, state)
