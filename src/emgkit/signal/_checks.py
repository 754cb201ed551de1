"""Shared argument validation for the signal functions (uniform, helpful error messages)."""

from __future__ import annotations

import math
from typing import TypeGuard

import numpy as np
import numpy.typing as npt

from emgkit.errors import SignalError
from emgkit.signal._kernels import all_finite_fast

__all__ = [
    "as_2d",
    "check_fs",
    "check_nonneg_seconds",
    "check_out",
    "check_positive",
    "check_window",
    "restore_shape",
]


def check_fs(fs: float) -> float:
    """Return ``fs`` as float, or raise :class:`SignalError` if it is not a positive finite rate."""
    try:
        f = float(fs)
    except (TypeError, ValueError):
        raise SignalError(f"sampling rate fs must be a number of Hz, got {fs!r}") from None
    if not math.isfinite(f) or f <= 0:
        raise SignalError(f"sampling rate fs must be a positive number of Hz, got {fs!r}")
    return f


def as_2d(
    x: npt.ArrayLike, name: str = "x", allow_nan: bool = False
) -> tuple[npt.NDArray[np.float64], bool]:
    """Return ``x`` as C-contiguous float64 ``(n_samples, n_channels)`` and whether it was 1-D.

    Raises
    ------
    SignalError
        Empty input, more than 2 dimensions, or non-finite values (unless ``allow_nan``).
    """
    arr = np.asarray(x, dtype=np.float64)
    was_1d = arr.ndim == 1
    if was_1d:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise SignalError(
            f"{name} must be 1-D (n_samples,) or 2-D (n_samples, n_channels), got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise SignalError(f"{name} is empty (shape {arr.shape}); nothing to process")
    arr = np.ascontiguousarray(arr)
    if not allow_nan and not all_finite_fast(arr):  # one numba read, no boolean temporary
        n_bad = int((~np.isfinite(arr)).sum())
        raise SignalError(
            f"{name} contains {n_bad} NaN/inf value(s); fill gaps first "
            "(e.g. Recording.filled()) or drop the bad samples"
        )
    return arr, was_1d


def restore_shape(y: npt.NDArray[np.float64], was_1d: bool) -> npt.NDArray[np.float64]:
    """Undo :func:`as_2d`'s promotion of 1-D input."""
    return y[:, 0] if was_1d else y


def is_kernel_array(a: object) -> TypeGuard[npt.NDArray[np.float64]]:
    """True if ``a`` is a writeable, C-contiguous float64 ndarray (what the kernels write into)."""
    return (
        isinstance(a, np.ndarray)
        and a.dtype == np.float64
        and a.flags.c_contiguous
        and a.flags.writeable
    )


def check_out(out: object, arr: npt.NDArray[np.float64], was_1d: bool) -> npt.NDArray[np.float64]:
    """Validate a caller-provided output for the input ``arr`` (from :func:`as_2d`); 2-D view.

    ``out`` must be a writeable, C-contiguous float64 ndarray of the input's shape (1-D if the
    input was 1-D) that shares no memory with the input: the zero-phase kernels read the input's
    end samples again after the forward pass has written its output.

    Raises
    ------
    SignalError
        Any other ``out``.
    """
    shape = (arr.shape[0],) if was_1d else arr.shape
    if not is_kernel_array(out):
        raise SignalError(
            f"out must be a writeable C-contiguous float64 array of shape {shape}, "
            f"got {type(out).__name__} {getattr(out, 'dtype', '')} {getattr(out, 'shape', '')}"
        )
    if out.shape != shape:
        raise SignalError(f"out must have the shape of x, {shape}, got {out.shape}")
    if np.may_share_memory(out, arr):
        raise SignalError("out must not overlap x (in-place filtering is not supported)")
    return out.reshape(arr.shape)


def check_positive(value: float, name: str) -> float:
    """``value`` as float, or :class:`SignalError` unless it is a positive finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SignalError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise SignalError(f"{name} must be a positive number, got {value!r}")
    return v


def check_nonneg_seconds(value: float, name: str) -> float:
    """``value`` as float, or :class:`SignalError` unless it is a finite duration >= 0 s."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SignalError(f"{name} must be a duration in seconds, got {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise SignalError(f"{name} must be a duration >= 0 s, got {value!r}")
    return v


def check_window(window_s: float, fs: float, n_samples: int, name: str = "window") -> int:
    """Convert a window length in seconds to a sample count (>= 1) and validate it."""
    try:
        w = float(window_s)
    except (TypeError, ValueError):
        raise SignalError(f"{name} must be a duration in seconds, got {window_s!r}") from None
    if not math.isfinite(w) or w <= 0:
        raise SignalError(f"{name} must be a positive duration in seconds, got {window_s!r}")
    n = max(1, round(w * fs))
    if n > n_samples:
        raise SignalError(
            f"{name} of {w:g} s ({n} samples at {fs:g} Hz) is longer than the signal "
            f"({n_samples} samples = {n_samples / fs:g} s)"
        )
    return n
