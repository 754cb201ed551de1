"""Locate the data files shipped with emgkit (montages, protocols).

In a wheel they live in ``emgkit/_data``; in a source checkout (editable install) in the
repository's top-level ``data/`` folder.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

__all__ = ["available", "data_dir", "load_toml"]


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind (``"montages"`` or ``"protocols"``)."""
    packaged = Path(__file__).parent / "_data" / kind
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "data" / kind
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"emgkit's {kind} folder is missing (looked in {packaged} and {source}); reinstall emgkit"
    )


def available(kind: str) -> list[str]:
    """Names of the shipped files of one kind (file stems)."""
    return sorted(p.stem for p in data_dir(kind).glob("*.toml"))


def load_toml(name_or_path: str | Path, kind: str, what: str) -> tuple[dict[str, Any], str]:
    """Read a shipped TOML by name (no suffix) or any TOML file by path.

    Parameters
    ----------
    name_or_path : str or Path
        ``"bridge6"`` (a shipped ``<kind>/bridge6.toml``) or a path to a ``.toml`` file.
    kind : str
        Data folder: ``"montages"`` or ``"protocols"``.
    what : str
        Word used in messages: ``"montage"``, ``"protocol"``.

    Returns
    -------
    doc : dict
        The parsed document.
    source : str
        The file it came from (for error messages).

    Raises
    ------
    ConfigError
        Unknown name (listing the shipped ones), missing file, or invalid TOML.
    """
    from emgkit.errors import ConfigError

    path = Path(name_or_path)
    if not path.suffix:
        path = data_dir(kind) / f"{name_or_path}.toml"
        if not path.is_file():
            raise ConfigError(
                f"unknown {what} {name_or_path!r}; shipped {kind}: {available(kind)}, "
                "or give the path of a .toml file"
            )
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), str(path)
    except FileNotFoundError:
        raise ConfigError(f"{what} file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not valid TOML: {exc}") from None
