"""Settings and cache keys: what changes the results, as plain JSON, and one key per session.

A session's key hashes its file content (and ``.json`` sidecar), every analysis setting and
the emgkit version, so a cached result is reused only when none of them changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emgkit.errors import ConfigError

if TYPE_CHECKING:
    from emgkit.analysis.bridge import AnalysisParams
    from emgkit.protocol import Protocol

_CACHE_SCHEMA = 1


def _version() -> str:
    from emgkit._version import __version__

    return str(__version__)


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None  # NaN/inf are written as null, as io writes them
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "value") and isinstance(getattr(obj, "value", None), (str, int)):  # enums
        return obj.value
    return repr(obj)


def _make_params(params: AnalysisParams | Mapping[str, Any] | None) -> AnalysisParams:
    from emgkit.analysis.bridge import AnalysisParams

    if params is None:
        return AnalysisParams()
    if isinstance(params, AnalysisParams):
        return params
    if not isinstance(params, Mapping):
        raise ConfigError(
            f"params must be an AnalysisParams or a mapping of its fields, got {type(params)!r}"
        )
    known = {f.name: f for f in dataclasses.fields(AnalysisParams)}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"unknown analysis parameter(s) {unknown}; known: {sorted(known)}")
    defaults = AnalysisParams()
    kw = {}
    for k, v in params.items():
        if isinstance(getattr(defaults, k), tuple) and isinstance(v, (list, tuple)):
            v = tuple(float(x) for x in v)
        kw[k] = v
    return AnalysisParams(**kw)


def _settings(protocol: Protocol | str, montage: Any, params: AnalysisParams) -> dict[str, Any]:
    """Everything that changes the results, as plain JSON values."""
    return {
        "emgkit_version": _version(),
        "analysis": "bridge",
        "protocol": _jsonable(protocol),
        "montage": _jsonable(montage),
        "params": _jsonable(params),
        "cache_schema": _CACHE_SCHEMA,
    }


def _content_hash(path: Path) -> str:
    """SHA-256 of the file and, when present, its ``<file>.json`` metadata sidecar."""
    h = hashlib.sha256()
    for p in (path, path.with_name(path.name + ".json")):
        if p is not path and not p.is_file():
            continue
        h.update(p.name.encode() if p is not path else b"session")
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def session_key(path: str | Path, settings: Mapping[str, Any]) -> str:
    """Cache key of one session: content hash + settings (incl. emgkit version).

    Parameters
    ----------
    path : str or Path
        Session file (its ``.json`` sidecar, if any, is hashed too).
    settings : mapping
        As :attr:`BatchResult.settings`.

    Returns
    -------
    str
        40 hex digits.
    """
    blob = json.dumps(dict(settings), sort_keys=True, separators=(",", ":"))
    h = hashlib.sha256()
    h.update(_content_hash(Path(path)).encode())
    h.update(blob.encode())
    return h.hexdigest()[:40]
