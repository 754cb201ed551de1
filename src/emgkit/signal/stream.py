"""Stateful causal filters for live use: feed chunks of any size, get exactly the one-shot output.

``StreamingEnvelope`` is the live amplitude chain (causal band-pass, rectify, trailing moving RMS);
fed the same samples in any chunking it returns, bit for bit, what
``emg_amplitude(x, fs, zero_phase=False, center=False)`` returns for the whole signal. Each
``process()`` is one numba call on preallocated state (no per-sample Python), so the per-call
cost stays around a microsecond for a Cyton-sized 8-channel sample (docs/performance.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from emgkit.errors import SignalError
from emgkit.signal import _kernels as _k
from emgkit.signal._checks import check_fs, is_kernel_array
from emgkit.signal._numba import NUMBA_ENABLED
from emgkit.signal.filters import NyquistPolicy, _validate_sos, channel_coefficients
from emgkit.signal.pipeline import ColumnSelector, channel_designs

__all__ = ["StreamingEnvelope", "StreamingFilter"]

_F64 = np.dtype(np.float64)
_ndarray = np.ndarray  # module globals: two attribute lookups fewer per one-sample call
_empty = np.empty  # np.empty(shape): 0.13 us for a (1, 8) chunk, np.empty_like 0.39 us


def _check_n_channels(n_channels: int) -> int:
    if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)):
        raise SignalError(f"n_channels must be a positive integer, got {n_channels!r}")
    if n_channels < 1:
        raise SignalError(f"n_channels must be a positive integer, got {n_channels!r}")
    return int(n_channels)


class _Stream:
    """Chunk handling shared by the streaming classes: one packed workspace, one kernel call."""

    _nc: int
    _ws: npt.NDArray[np.float64]
    _iw: npt.NDArray[np.int64]
    _lean: bool = NUMBA_ENABLED
    """Leave dtype and layout checks of 2-D chunks to the kernel's strict dispatch (strict_ws).

    Cleared on the first chunk the dispatch rejects (numba then raises a TypeError whose message
    costs about 0.2 ms to build): from then on this stream checks its chunks in Python. Without
    numba the kernels are plain Python and accept anything, so the checks are always in Python.
    """

    def _kernel(
        self, ws: npt.NDArray[np.float64], iw: npt.NDArray[np.int64], x: object, out: object
    ) -> int:  # pragma: no cover - set per class
        raise NotImplementedError

    def _as_chunk(self, chunk: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], bool]:
        try:
            a = np.ascontiguousarray(chunk, dtype=np.float64)
        except (TypeError, ValueError):
            raise SignalError("chunk must be an array of numbers") from None
        if not a.flags.writeable:
            a = a.copy()  # the kernel is compiled for writeable arrays only (strict_ws)
        if a.ndim == 1:
            # one sample across channels, or samples of the only channel
            a = a.reshape(-1, 1) if self._nc == 1 else a.reshape(1, -1)
            if a.shape[1] != self._nc:
                raise SignalError(
                    f"1-D chunk of {a.size} values does not match n_channels = {self._nc}; "
                    "pass (n_samples, n_channels)"
                )
            return a, True
        if a.ndim != 2 or a.shape[1] != self._nc:
            raise SignalError(f"chunk must have shape (n_samples, {self._nc}), got {np.shape(a)}")
        return a, False

    def _fail(self, status: int, shape: object) -> SignalError:
        if status == 1:
            return SignalError(
                "chunk contains NaN/inf; the streaming state was not changed. Drop or fill the bad "
                "samples (e.g. with the previous value) before process()"
            )
        return SignalError(
            f"chunk and out must both have shape (n_samples, {self._nc}), got {shape}"
        )

    def process(self, chunk: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Process one chunk ``(n_samples, n_channels)``; returns a new array of the same shape.

        A 1-D chunk is one sample across the channels (or samples of the only channel).
        Raises :class:`SignalError` (state unchanged) on NaN/inf or a wrong shape.
        """
        if type(chunk) is _ndarray and chunk.ndim == 2:
            if self._lean:
                # dtype and layout are checked by the kernel's dispatch (strict_ws); a chunk
                # that passes is C-contiguous float64, so its result is np.empty(shape) (float64,
                # C order) as np.empty_like would make it
                out = _empty(chunk.shape)
                try:
                    status = self._kernel(self._ws, self._iw, chunk, out)
                except TypeError:
                    # not a writeable C-contiguous float64 array; numba's TypeError costs ~0.2 ms,
                    # so this stream checks its chunks in Python from now on
                    self._lean = False
                else:
                    if status:
                        raise self._fail(status, chunk.shape)
                    return out
            elif chunk.dtype is _F64 and chunk.flags.c_contiguous and chunk.flags.writeable:
                out = _empty(chunk.shape)
                status = self._kernel(self._ws, self._iw, chunk, out)
                if status:
                    raise self._fail(status, chunk.shape)
                return out
        a, flat = self._as_chunk(chunk)
        out = np.empty_like(a)
        status = self._kernel(self._ws, self._iw, a, out)
        if status:
            raise self._fail(status, a.shape)
        return out.reshape(-1) if flat else out

    def process_into(
        self, chunk: npt.NDArray[np.float64], out: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """The lean live path: process ``chunk`` into the preallocated ``out``; returns ``out``.

        No conversion and no allocation: ``chunk`` and ``out`` must be C-contiguous, writeable
        float64 arrays of shape ``(n_samples, n_channels)`` (``out`` may be ``chunk``). The shapes
        and NaN/inf are checked inside the one kernel call; a wrong shape or NaN/inf raises
        :class:`SignalError` with the state unchanged. Same values as :meth:`process`.
        """
        try:
            if not NUMBA_ENABLED and not (is_kernel_array(chunk) and is_kernel_array(out)):
                raise TypeError  # the plain-Python kernel would accept any array: same rule
            status = self._kernel(self._ws, self._iw, chunk, out)
        except Exception:  # wrong dtype, layout or number of dimensions: numba cannot run it
            raise SignalError(
                "process_into needs chunk and out as writeable C-contiguous float64 arrays of "
                f"shape (n_samples, {self._nc}); use process() for anything else"
            ) from None
        if status:
            raise self._fail(status, getattr(chunk, "shape", None))
        return out


class StreamingFilter(_Stream):
    """Causal second-order-sections filter that carries its state between chunks.

    Parameters
    ----------
    sos : array_like, shape (n_sections, 6)
        Design, e.g. from :func:`emgkit.signal.design_bandpass`.
    n_channels : int
        Number of columns of every chunk.

    Examples
    --------
    >>> f = StreamingFilter(design_bandpass(1000.0), 8)   # doctest: +SKIP
    >>> y = f.process(chunk)                              # chunk (n, 8) -> (n, 8)
    """

    _kernel = staticmethod(_k.stream_filter_ws)

    def __init__(self, sos: npt.ArrayLike, n_channels: int) -> None:
        self._nc = _check_n_channels(n_channels)
        self.sos = _validate_sos(sos)
        coef, _ = channel_coefficients([self.sos] * self._nc)
        _k.strict_ws(self._kernel)
        self._ws, self._iw, self._views = _k.envelope_workspace(coef, 0, self._nc)

    @property
    def n_channels(self) -> int:
        """Number of columns every chunk must have."""
        return self._nc

    def reset(self) -> None:
        """Back to rest (zero state), as at construction."""
        self._views["state"][...] = 0.0


class StreamingEnvelope(_Stream):
    """Live sEMG amplitude: causal band-pass, rectify, trailing moving RMS, with carried state.

    Fed the same samples in any chunking, the output equals
    ``emg_amplitude(x, fs, band=band, order=order, rms_window=rms_window, raw_mask=raw_mask,
    trunk_highpass=trunk_highpass, zero_phase=False, center=False)`` bit for bit. Until
    ``rms_window`` seconds have been seen the window is truncated to the samples available.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    n_channels : int
        Number of columns of every chunk.
    band, order, rms_window, raw_mask, trunk_highpass, on_nyquist
        As :func:`emgkit.signal.pipeline.emg_amplitude`.
    """

    _kernel = staticmethod(_k.stream_envelope_ws)

    def __init__(
        self,
        fs: float,
        n_channels: int,
        *,
        band: tuple[float, float] = (20.0, 450.0),
        order: int = 4,
        rms_window: float = 0.1,
        raw_mask: ColumnSelector = None,
        trunk_highpass: ColumnSelector = None,
        on_nyquist: NyquistPolicy = "adapt",
    ) -> None:
        self.fs = check_fs(fs)
        self._nc = _check_n_channels(n_channels)
        try:
            w = float(rms_window)
        except (TypeError, ValueError):
            raise SignalError(f"rms_window must be seconds, got {rms_window!r}") from None
        if not np.isfinite(w) or w <= 0:
            raise SignalError(
                f"rms_window must be a positive duration in seconds, got {rms_window!r}"
            )
        self.n_window = max(1, round(w * self.fs))
        designs = channel_designs(
            self.fs, self._nc, band, order, trunk_highpass, raw_mask, on_nyquist
        )
        coef, _ = channel_coefficients(designs)
        _k.strict_ws(self._kernel)
        self._ws, self._iw, self._views = _k.envelope_workspace(coef, self.n_window, self._nc)

    @property
    def n_channels(self) -> int:
        """Number of columns every chunk must have."""
        return self._nc

    @property
    def samples_seen(self) -> int:
        """Samples processed since construction or the last :meth:`reset`."""
        return int(self._iw[4])

    def reset(self) -> None:
        """Back to rest: filter state, RMS window and sample count cleared."""
        for name in ("state", "ring", "acc"):
            self._views[name][...] = 0.0
        self._iw[4] = 0
