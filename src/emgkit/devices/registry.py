"""The devices emgkit records from: one :class:`~emgkit.devices.base.DeviceSpec` row each.

This is the only list of devices. The command line's choices, the recorder's drivers, the
emulators' models and the journal's parsers all come from it. A journal names its parser by
device name plus JSON keyword arguments; :func:`parser_from_spec` builds only parsers listed
here (an allow-list), so a journal, which is data people send each other, can never choose
code to run. The 0.1 journals, which named parsers by Python import path, are read through an
alias table of exactly the paths 0.1 wrote.

Adding a device: a folder ``devices/<board>/`` whose ``__init__`` defines ``SPECS``, plus one
entry in :data:`_BOARDS` below.
"""

from __future__ import annotations

from typing import Any

from emgkit.devices import arduino, cyton
from emgkit.devices.base import DeviceDriver, DeviceSpec, StreamParser
from emgkit.errors import ConfigError, DeviceError, FormatError

__all__ = [
    "DEVICES",
    "EMULATED_PREFIX",
    "device_choices",
    "get_device",
    "make_driver",
    "parser_for",
    "parser_from_spec",
]

_BOARDS = (cyton, arduino)

#: Every device by name.
DEVICES: dict[str, DeviceSpec] = {s.name: s for b in _BOARDS for s in b.SPECS}

#: ``emulated-<name>`` runs the real serial path against the device's model on a pseudo-terminal.
EMULATED_PREFIX = "emulated-"

_LEGACY_PARSERS = {p: s.name for s in DEVICES.values() for p in s.legacy_parser_paths}
_COMPONENTS = {k: f for s in DEVICES.values() for k, f in s.components.items()}
_LEGACY_COMPONENTS = {p: k for s in DEVICES.values() for p, k in s.legacy_component_paths.items()}
_JSON_SCALARS = (str, int, float, bool, type(None))
#: The only parser keywords that may hold an object: a component built from the registry.
_OBJECT_KEYWORDS = ("converter",)


def device_choices(*, emulated: bool = True) -> tuple[str, ...]:
    """Device names for ``--device`` choices: the devices, then their ``emulated-`` forms."""
    names = tuple(DEVICES)
    return names + tuple(EMULATED_PREFIX + n for n in names) if emulated else names


def get_device(name: str) -> DeviceSpec:
    """The spec of a device name (an ``emulated-`` prefix is allowed).

    Raises
    ------
    ConfigError
        For a name the registry does not hold.
    """
    spec = DEVICES.get(str(name).removeprefix(EMULATED_PREFIX))
    if spec is None:
        raise ConfigError(f"unknown device {name!r}; choose one of {', '.join(device_choices())}")
    return spec


def make_driver(
    device: str,
    *,
    fs: float | None = None,
    gains: list[int] | int | None = None,
    n_channels: int | None = None,
    kinds: list[str] | None = None,
) -> DeviceDriver:
    """The driver for a device name (``"cyton"``, ``"emulated-arduino"``...).

    Parameters
    ----------
    device : str
        A name from :func:`device_choices`.
    fs : float, optional
        Sampling rate to configure, in Hz (only devices with a configurable rate).
    gains : int or list of int, optional
        Amplifier gains (Cyton ADS1299), one value or one per channel.
    n_channels : int, optional
        Channels to configure (Arduino sketch).
    kinds : list of str, optional
        MyoWare output per channel (``"raw"``, ``"envelope"``, ``"rectified"``).
    """
    return get_device(device).driver(fs=fs, gains=gains, n_channels=n_channels, kinds=kinds)


def _kwargs(where: str, raw: Any, allowed: tuple[str, ...], *, nested: bool) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise FormatError(f"{where}: 'kwargs' must be an object, got {type(raw).__name__}")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key.startswith("_"):
            raise FormatError(f"{where}: keyword {key!r} is not allowed")
        if key not in allowed:
            raise FormatError(
                f"{where}: unknown keyword {key!r} (allowed: {', '.join(allowed) or 'none'})"
            )
        if isinstance(value, dict):
            if not nested or key not in _OBJECT_KEYWORDS:
                raise FormatError(f"{where}: keyword {key!r} may not hold an object")
            out[key] = _build(f"{where}.{key}", value, _COMPONENTS, _LEGACY_COMPONENTS, False)
        elif isinstance(value, list):
            if not all(isinstance(v, _JSON_SCALARS) for v in value):
                raise FormatError(f"{where}: keyword {key!r} must be a list of plain values")
            out[key] = value
        elif isinstance(value, _JSON_SCALARS):
            out[key] = value
        else:  # pragma: no cover - json.loads cannot produce anything else
            raise FormatError(f"{where}: keyword {key!r} has an unsupported value")
    return out


def _build(
    where: str,
    spec: Any,
    table: dict[str, Any],
    legacy: dict[str, str],
    nested: bool,
) -> Any:
    if not isinstance(spec, dict):
        raise FormatError(f"{where} must be an object naming a device, got {type(spec).__name__}")
    if "name" in spec:
        name = spec["name"]
    elif "class" in spec:  # a journal written by emgkit 0.1
        name = legacy.get(str(spec["class"]))
        if name is None:
            raise FormatError(
                f"{where} names {spec['class']!r}, which is not one of emgkit's own device "
                f"parsers; emgkit never imports or runs code a file names (known: "
                f"{', '.join(sorted(table))})"
            )
    else:
        raise FormatError(f"{where} has no 'name': it does not say which device recorded it")
    entry = table.get(name) if isinstance(name, str) else None
    if entry is None:
        raise FormatError(
            f"{where} names {name!r}, which is not one of emgkit's devices "
            f"({', '.join(sorted(table))})"
        )
    factory, allowed = entry
    kwargs = _kwargs(where, spec.get("kwargs"), allowed, nested=nested)
    try:
        return factory(**kwargs)
    except FormatError:
        raise
    except (TypeError, ValueError, OverflowError, ConfigError) as exc:
        raise FormatError(
            f"{where}: cannot build the {name} parser from its settings ({exc})"
        ) from None


def parser_from_spec(spec: Any, *, where: str = "the journal's parser entry") -> StreamParser:
    """Build a device parser from a journal header's ``parser`` entry.

    Parameters
    ----------
    spec : dict
        ``{"name": "<device>", "kwargs": {...}}`` as written since 0.2, or
        ``{"class": "<0.1 import path>", "kwargs": {...}}`` as written by 0.1 (only the paths
        0.1 wrote are accepted). Keyword values are JSON values; an object-valued keyword (the
        MyoWare converter) is built the same way from the registry's components.
    where : str
        How error messages name the entry.

    Returns
    -------
    StreamParser
        A fresh parser.

    Raises
    ------
    FormatError
        When the entry names anything that is not an emgkit device parser, or carries settings
        the parser refuses. Nothing named by the entry is imported.
    """
    parsers = {name: (s.parser, s.parser_keywords) for name, s in DEVICES.items()}
    parser: StreamParser = _build(where, spec, parsers, _LEGACY_PARSERS, True)
    return parser


def parser_for(driver: DeviceDriver) -> StreamParser:
    """A fresh parser for a prepared driver, built from its spec as the journal rebuilds it.

    Parameters
    ----------
    driver : DeviceDriver
        A driver whose ``prepare()`` has run (it fills ``parser_spec``).

    Returns
    -------
    StreamParser
        Built by :func:`parser_from_spec`, so the live parser and the one :func:`recover
        <emgkit.acquisition.journal.recover>` builds from the journal are the same.
    """
    if not driver.parser_spec:
        raise DeviceError(f"{driver.name}: prepare() must run before a parser can be built")
    return parser_from_spec(driver.parser_spec, where=f"the {driver.name} driver's parser spec")
