"""Montages: which electrode pair sits on which muscle and side.

Montages are TOML files (see ``data/montages/``). The default is ``bridge6``: gluteus
maximus, hamstrings (biceps femoris site) and lumbar erector spinae, left and right, at the
SENIAM sites (Hermens et al. 2000).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emgkit._resources import available, load_toml
from emgkit.errors import ConfigError
from emgkit.recording import MUSCLES, SIDES, Channel, SignalKind

__all__ = ["Montage", "available_montages", "load_montage"]


@dataclass(frozen=True, slots=True)
class Montage:
    """A named list of channels with placement information.

    Attributes
    ----------
    name : str
    channels : tuple of Channel
    description, reference, placement_scheme : str
    interelectrode_distance_mm : float
    """

    name: str
    channels: tuple[Channel, ...]
    description: str = ""
    reference: str = ""
    placement_scheme: str = "SENIAM"
    interelectrode_distance_mm: float = 20.0

    @property
    def channel_names(self) -> list[str]:
        """Channel names in order."""
        return [c.name for c in self.channels]

    def channel(self, muscle: str, side: str) -> Channel:
        """The first channel on ``muscle`` and ``side``.

        Parameters
        ----------
        muscle : str
            Muscle id (``glute_max``...).
        side : str
            ``left`` or ``right``.
        """
        for c in self.channels:
            if c.muscle == muscle and c.side == side:
                return c
        raise ConfigError(f"montage {self.name!r} has no {muscle} channel on the {side} side")

    def with_device(self, device: str, kinds: Sequence[SignalKind | str] | None = None) -> Montage:
        """A copy whose channels name ``device`` (and optionally a kind per channel).

        Parameters
        ----------
        device : str
            Device name for every channel.
        kinds : sequence of SignalKind or str, optional
            One signal kind per channel (default: keep each channel's).
        """
        if kinds is not None and len(kinds) != len(self.channels):
            raise ConfigError(f"{len(kinds)} kinds for {len(self.channels)} montage channels")
        chans = tuple(
            Channel(
                c.name,
                c.muscle,
                c.side,
                SignalKind(kinds[i]) if kinds is not None else c.kind,
                c.units,
                device,
                c.site,
            )
            for i, c in enumerate(self.channels)
        )
        return Montage(
            self.name,
            chans,
            self.description,
            self.reference,
            self.placement_scheme,
            self.interelectrode_distance_mm,
        )


def available_montages() -> list[str]:
    """Names of the montages shipped with emgkit."""
    return available("montages")


def _field(table: dict[str, Any], key: str, typ: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise ConfigError(f"{where}: missing required field {key!r}")
        return default
    value = table[key]
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, typ):
        raise ConfigError(
            f"{where}: field {key!r} must be {typ.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


def parse_montage(doc: dict[str, Any], source: str = "<montage>") -> Montage:
    """Validate a parsed TOML document and build a :class:`Montage`.

    Parameters
    ----------
    doc : dict
        The parsed TOML document.
    source : str
        Where it came from, for error messages.

    Raises
    ------
    ConfigError
        Naming the file, the channel and the bad field.
    """
    name = _field(doc, "name", str, source)
    raw_channels = _field(doc, "channels", list, source)
    if not raw_channels:
        raise ConfigError(f"{source}: a montage needs at least one [[channels]] entry")
    chans: list[Channel] = []
    for i, tab in enumerate(raw_channels):
        where = f"{source}: channels[{i}]"
        if not isinstance(tab, dict):
            raise ConfigError(f"{where}: expected a table, got {tab!r}")
        cname = _field(tab, "name", str, where)
        where = f"{source}: channel {cname!r}"
        muscle = _field(tab, "muscle", str, where)
        if muscle not in MUSCLES:
            raise ConfigError(
                f"{where}: field 'muscle' = {muscle!r} is not a known muscle; "
                f"use one of {sorted(MUSCLES)}"
            )
        side = _field(tab, "side", str, where)
        if side not in SIDES:
            raise ConfigError(f"{where}: field 'side' = {side!r} must be 'left' or 'right'")
        kind = _field(tab, "kind", str, where, "raw")
        if kind not in {k.value for k in SignalKind}:
            raise ConfigError(
                f"{where}: field 'kind' = {kind!r} must be one of {[k.value for k in SignalKind]}"
            )
        unknown = set(tab) - {"name", "muscle", "side", "kind", "site", "units"}
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
        chans.append(
            Channel(
                cname,
                muscle,
                side,
                SignalKind(kind),
                _field(tab, "units", str, where, "uV"),
                "",
                _field(tab, "site", str, where, ""),
            )
        )
    names = [c.name for c in chans]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{source}: duplicate channel name(s) {dupes}")
    return Montage(
        name,
        tuple(chans),
        _field(doc, "description", str, source, ""),
        _field(doc, "reference", str, source, ""),
        _field(doc, "placement_scheme", str, source, "SENIAM"),
        _field(doc, "interelectrode_distance_mm", float, source, 20.0),
    )


def load_montage(name_or_path: str | Path = "bridge6") -> Montage:
    """Load a shipped montage by name (``"bridge6"``, ``"bridge8"``) or a TOML file by path.

    Raises
    ------
    ConfigError
        Unknown name, unreadable TOML, or an invalid field (named in the message).
    """
    doc, source = load_toml(name_or_path, "montages", "montage")
    return parse_montage(doc, source)
