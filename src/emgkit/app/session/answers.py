"""A scripted subject: the answers file that lets ``emgkit session`` run unattended.

The file is TOML (``.toml``) or JSON (``.json``) with the same structure::

    # answers for the guided bridge session (all tables optional)
    [defaults]                 # used for any trial not listed under [trials]
    pain = 0                   # 0-10 numeric rating scale
    felt = ["glute_max"]       # muscles from emgkit.recording.MUSCLES, optionally
                               # with a side: "hamstrings_left"; [] = none felt

    [trials.slb_left]          # a trial id of the expanded protocol
    pain = 3
    felt = ["glute_max", "hamstrings"]

    [trials.mvc_hamstrings_right]
    skip = true                # the operator skips this trial

    [abort]                    # simulate the operator aborting the session
    trial = "dlb_squeeze"      # at this trial ...
    after_rep = 1              # ... after its first rep (0 = before the trial starts)

Every trial that asks for pain or felt muscles must get an answer (from its own table or from
``[defaults]``); this is checked against the protocol before anything is recorded.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emgkit.errors import ConfigError
from emgkit.protocol import Protocol
from emgkit.recording import MUSCLES, SIDES

__all__ = ["Answers", "TrialAnswer", "load_answers", "parse_answers", "parse_felt"]

_TRIAL_KEYS = {"pain", "felt", "skip"}
_TOP_KEYS = {"defaults", "trials", "abort"}


@dataclass(frozen=True, slots=True)
class TrialAnswer:
    """What the scripted subject answers for one trial (None: no answer given)."""

    pain: int | None = None
    felt: tuple[str, ...] | None = None
    skip: bool = False


@dataclass(frozen=True, slots=True)
class Answers:
    """A parsed answers file.

    Attributes
    ----------
    trials : dict of str to TrialAnswer
        Per-trial answers by expanded trial id.
    defaults : TrialAnswer
        Answers for trials not listed.
    abort_trial : str or None
        Abort the session at this trial ...
    abort_after_rep : int
        ... after this many of its reps (0: before the trial starts).
    source : str
        Where the answers came from (for error messages).
    """

    trials: dict[str, TrialAnswer] = field(default_factory=dict)
    defaults: TrialAnswer = TrialAnswer()
    abort_trial: str | None = None
    abort_after_rep: int = 0
    source: str = "<answers>"

    def for_trial(self, trial_id: str) -> TrialAnswer:
        """The answer for a trial, falling back to ``[defaults]`` field by field."""
        own = self.trials.get(trial_id, TrialAnswer())
        return TrialAnswer(
            pain=own.pain if own.pain is not None else self.defaults.pain,
            felt=own.felt if own.felt is not None else self.defaults.felt,
            skip=own.skip,
        )

    def validate(self, protocol: Protocol) -> None:
        """Check the answers against a protocol before recording starts.

        Raises
        ------
        ConfigError
            A trial id that the protocol does not have, an abort trial or rep that does not
            exist, or a trial that asks for pain / felt muscles without an answer.
        """
        trials = {t.id: t for t in protocol.expanded()}
        known = ", ".join(trials)
        for tid in self.trials:
            if tid not in trials:
                raise ConfigError(
                    f"{self.source}: [trials.{tid}] is not a trial of protocol "
                    f"{protocol.name!r} (trials: {known})"
                )
        if self.abort_trial is not None:
            if self.abort_trial not in trials:
                raise ConfigError(
                    f"{self.source}: [abort] trial {self.abort_trial!r} is not a trial of "
                    f"protocol {protocol.name!r} (trials: {known})"
                )
            t = trials[self.abort_trial]
            n = 0 if t.task == "rest" else t.total_reps
            if self.abort_after_rep > n:
                raise ConfigError(
                    f"{self.source}: [abort] after_rep = {self.abort_after_rep} but trial "
                    f"{t.id!r} has {n} rep(s)"
                )
        for t in trials.values():
            a = self.for_trial(t.id)
            if a.skip:
                continue
            if t.ask_pain and a.pain is None:
                raise ConfigError(
                    f"{self.source}: trial {t.id!r} asks for a pain rating; add "
                    f"[trials.{t.id}] pain = 0..10, or a [defaults] pain"
                )
            if t.ask_felt and a.felt is None:
                raise ConfigError(
                    f"{self.source}: trial {t.id!r} asks which muscles were felt; add "
                    f'[trials.{t.id}] felt = ["glute_max", ...] (or []), or a [defaults] felt'
                )


def parse_felt(items: Any, where: str) -> tuple[str, ...]:
    """Validate a list of felt muscles (``glute_max`` or ``glute_max_left``).

    Parameters
    ----------
    items : list of str or str
        Muscle names, optionally with ``_left``/``_right``; a string is split at commas.
    where : str
        Where the list comes from, for the error message (e.g. ``"answers.toml: [defaults]"``).

    Returns
    -------
    tuple of str
        The names lower-cased, spaces turned into underscores.

    Raises
    ------
    ConfigError
        When ``items`` is not a list of strings or names an unknown muscle.
    """
    if isinstance(items, str):
        items = [s.strip() for s in items.split(",") if s.strip()]
    if not isinstance(items, list):
        raise ConfigError(f"{where}: felt must be a list of muscle names, got {items!r}")
    out = []
    for m in items:
        if not isinstance(m, str):
            raise ConfigError(f"{where}: felt muscle {m!r} must be a string")
        name = m.strip().lower().replace(" ", "_")
        base = name
        for side in SIDES:
            if name.endswith(f"_{side}"):
                base = name[: -len(side) - 1]
        if base not in MUSCLES:
            raise ConfigError(
                f"{where}: unknown muscle {m!r}; use one of {', '.join(MUSCLES)} "
                "(optionally with _left/_right)"
            )
        out.append(name)
    return tuple(out)


def _parse_trial_answer(tab: Any, where: str) -> TrialAnswer:
    if not isinstance(tab, dict):
        raise ConfigError(f"{where}: expected a table with pain / felt / skip")
    unknown = set(tab) - _TRIAL_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: pain, felt, skip")
    pain = tab.get("pain")
    if pain is not None:
        if isinstance(pain, bool) or not isinstance(pain, int | float) or float(pain) != int(pain):
            raise ConfigError(f"{where}: pain must be a whole number 0-10, got {pain!r}")
        if not 0 <= int(pain) <= 10:
            raise ConfigError(f"{where}: pain must be 0-10 (numeric rating scale), got {pain}")
        pain = int(pain)
    felt = parse_felt(tab["felt"], where) if "felt" in tab else None
    skip = tab.get("skip", False)
    if not isinstance(skip, bool):
        raise ConfigError(f"{where}: skip must be true or false, got {skip!r}")
    return TrialAnswer(pain=pain, felt=felt, skip=skip)


def parse_answers(doc: Any, source: str = "<answers>") -> Answers:
    """Build :class:`Answers` from a parsed TOML/JSON document.

    Parameters
    ----------
    doc : dict
        The parsed document: optional ``defaults``, ``trials`` and ``abort`` tables.
    source : str
        Name of the file it was read from, for error messages and :attr:`Answers.source`.

    Returns
    -------
    Answers
        The validated answers.

    Raises
    ------
    ConfigError
        When the document has unknown sections or keys or invalid values.
    """
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: the answers file must be a table/object at the top level")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise ConfigError(
            f"{source}: unknown section(s) {sorted(unknown)}; allowed: defaults, trials, abort"
        )
    defaults = _parse_trial_answer(doc.get("defaults", {}), f"{source}: [defaults]")
    if defaults.skip:
        raise ConfigError(f"{source}: [defaults] cannot skip every trial")
    raw = doc.get("trials", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [trials] must be a table of trial ids")
    trials = {
        str(tid): _parse_trial_answer(tab, f"{source}: [trials.{tid}]") for tid, tab in raw.items()
    }
    abort_trial = None
    after = 0
    if "abort" in doc:
        ab = doc["abort"]
        if not isinstance(ab, dict) or not isinstance(ab.get("trial"), str):
            raise ConfigError(f'{source}: [abort] needs trial = "<trial id>" (and after_rep = N)')
        extra = set(ab) - {"trial", "after_rep"}
        if extra:
            raise ConfigError(f"{source}: [abort] unknown key(s) {sorted(extra)}")
        abort_trial = ab["trial"]
        after = ab.get("after_rep", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ConfigError(f"{source}: [abort] after_rep must be a whole number >= 0")
    return Answers(trials, defaults, abort_trial, after, source)


def load_answers(path: str | os.PathLike[str]) -> Answers:
    """Read an answers file (``.toml`` or ``.json``).

    Raises
    ------
    ConfigError
        The file is missing, not valid TOML/JSON, or its content is wrong (the message says
        which key and what is allowed).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"answers file {p} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read answers file {p}: {exc}") from None
    try:
        if p.suffix.lower() == ".json":
            doc = json.loads(raw.decode("utf-8"))
        else:
            doc = tomllib.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        kind = "JSON" if p.suffix.lower() == ".json" else "TOML"
        raise ConfigError(f"answers file {p} is not valid {kind}: {exc}") from None
    return parse_answers(doc, str(p))
