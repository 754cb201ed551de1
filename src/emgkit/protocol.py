"""The bridge test as data: protocols are TOML files (see ``data/protocols/bridge.toml``).

A protocol lists trials. A trial with ``side = "each"`` is run once per side and is expanded
into two concrete trials (``<id>_left``, ``<id>_right``) by :meth:`Protocol.expanded`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emgkit._resources import available, load_toml
from emgkit.errors import ConfigError
from emgkit.recording import MUSCLES

__all__ = ["CUES", "TASKS", "Protocol", "Trial", "available_protocols", "load_protocol"]

TASKS = ("rest", "mvc", "single_leg_bridge", "double_leg_bridge")
CUES = ("standard", "squeeze_first", "heels_closer", "toes_pressed", "wall_push")
_SIDES = ("left", "right", "both", "each")


@dataclass(frozen=True, slots=True)
class Trial:
    """One trial of a protocol.

    Attributes
    ----------
    id : str
        Unique identifier, used as ``Event.trial`` in recordings.
    task : {"rest", "mvc", "single_leg_bridge", "double_leg_bridge"}
    side : {"left", "right", "both", "each"}
        For a single-leg bridge, the stance (working) leg. ``each``: run once per side.
    muscle : str or None
        Target muscle of an MVC trial.
    cue : str
        Bridge cue variant (``standard``, ``squeeze_first``, ``heels_closer``, ``toes_pressed``,
        ``wall_push``).
    hold_s : float
        Hold (or contraction, or rest) duration in seconds.
    reps, sets : int
        Repetitions per set and number of sets.
    rep_rest_s, rest_s : float
        Rest between reps, and after the trial.
    position, instructions : str
    ask_pain, ask_felt : bool
        Ask for a 0-10 pain rating / which muscles were felt after the trial.
    """

    id: str
    task: str
    side: str = "both"
    muscle: str | None = None
    cue: str = "standard"
    hold_s: float = 5.0
    reps: int = 1
    sets: int = 1
    rep_rest_s: float = 2.0
    rest_s: float = 10.0
    position: str = ""
    instructions: str = ""
    ask_pain: bool = False
    ask_felt: bool = False

    @property
    def total_reps(self) -> int:
        """Repetitions over all sets."""
        return self.reps * self.sets


@dataclass(frozen=True, slots=True)
class Protocol:
    """A named, ordered list of trials."""

    name: str
    trials: tuple[Trial, ...]
    description: str = ""
    version: int = 1

    def expanded(self) -> list[Trial]:
        """Trials with ``side = "each"`` split into one left and one right trial."""
        out: list[Trial] = []
        for t in self.trials:
            if t.side == "each":
                for side in ("left", "right"):
                    out.append(dataclasses.replace(t, id=f"{t.id}_{side}", side=side))
            else:
                out.append(t)
        return out

    def trial(self, trial_id: str) -> Trial:
        """A trial of :meth:`expanded` by id."""
        for t in self.expanded():
            if t.id == trial_id:
                return t
        raise ConfigError(f"protocol {self.name!r} has no trial {trial_id!r}")

    def shortened(
        self, max_reps: int = 3, max_sets: int = 1, hold_scale: float = 1.0, rest_scale: float = 1.0
    ) -> Protocol:
        """A shorter copy for tests and demos: fewer reps/sets, optionally shorter holds/rests.

        Parameters
        ----------
        max_reps : int
            Reps per set at most.
        max_sets : int
            Sets per trial at most.
        hold_scale, rest_scale : float
            Factors on hold and rest durations.
        """
        trials = tuple(
            dataclasses.replace(
                t,
                reps=min(t.reps, max_reps),
                sets=min(t.sets, max_sets),
                hold_s=t.hold_s * hold_scale,
                rest_s=t.rest_s * rest_scale,
                rep_rest_s=t.rep_rest_s * rest_scale,
            )
            for t in self.trials
        )
        return dataclasses.replace(self, trials=trials)


def available_protocols() -> list[str]:
    """Names of the protocols shipped with emgkit."""
    return available("protocols")


_TRIAL_FIELDS: dict[str, type] = {
    "id": str,
    "task": str,
    "side": str,
    "muscle": str,
    "cue": str,
    "hold_s": float,
    "reps": int,
    "sets": int,
    "rep_rest_s": float,
    "rest_s": float,
    "position": str,
    "instructions": str,
    "ask_pain": bool,
    "ask_felt": bool,
}


def parse_protocol(doc: dict[str, Any], source: str = "<protocol>") -> Protocol:
    """Validate a parsed TOML document and build a :class:`Protocol`.

    Parameters
    ----------
    doc : dict
        The parsed TOML document.
    source : str
        Where it came from, for error messages.
    """
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{source}: missing required field 'name' (a string)")
    raw = doc.get("trials")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{source}: a protocol needs at least one [[trials]] entry")
    trials = []
    for i, tab in enumerate(raw):
        where = f"{source}: trials[{i}]"
        if not isinstance(tab, dict):
            raise ConfigError(f"{where}: expected a table")
        unknown = set(tab) - set(_TRIAL_FIELDS)
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        for key, typ in _TRIAL_FIELDS.items():
            if key not in tab:
                continue
            v = tab[key]
            if typ is float and isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
                raise ConfigError(f"{where}: field {key!r} must be {typ.__name__}, got {v!r}")
            kwargs[key] = v
        for req in ("id", "task"):
            if req not in kwargs:
                raise ConfigError(f"{where}: missing required field {req!r}")
        where = f"{source}: trial {kwargs['id']!r}"
        if kwargs["task"] not in TASKS:
            raise ConfigError(f"{where}: task {kwargs['task']!r} must be one of {TASKS}")
        if kwargs.get("side", "both") not in _SIDES:
            raise ConfigError(f"{where}: side {kwargs['side']!r} must be one of {_SIDES}")
        if kwargs.get("cue", "standard") not in CUES:
            raise ConfigError(f"{where}: cue {kwargs['cue']!r} must be one of {CUES}")
        if kwargs["task"] == "mvc" and kwargs.get("muscle") not in MUSCLES:
            raise ConfigError(f"{where}: an MVC trial needs 'muscle', one of {sorted(MUSCLES)}")
        if kwargs["task"] == "single_leg_bridge" and kwargs.get("side") not in ("left", "right"):
            raise ConfigError(f"{where}: a single-leg bridge needs side 'left' or 'right'")
        for key in ("hold_s", "rest_s", "rep_rest_s"):
            if key in kwargs and not kwargs[key] >= 0:
                raise ConfigError(f"{where}: {key} must be >= 0, got {kwargs[key]}")
        if kwargs.get("hold_s", 5.0) <= 0:
            raise ConfigError(f"{where}: hold_s must be > 0")
        for key in ("reps", "sets"):
            if key in kwargs and kwargs[key] < 1:
                raise ConfigError(f"{where}: {key} must be >= 1, got {kwargs[key]}")
        trials.append(Trial(**kwargs))
    ids = [t.id for t in trials]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise ConfigError(f"{source}: duplicate trial id(s) {dupes}")
    version = doc.get("version", 1)
    if not isinstance(version, int):
        raise ConfigError(f"{source}: version must be an integer")
    return Protocol(name, tuple(trials), str(doc.get("description", "")), version)


def load_protocol(name_or_path: str | Path = "bridge") -> Protocol:
    """Load a shipped protocol by name (``"bridge"``) or a TOML file by path."""
    doc, source = load_toml(name_or_path, "protocols", "protocol")
    return parse_protocol(doc, source)
