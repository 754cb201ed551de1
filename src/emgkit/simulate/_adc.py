"""Sinc^3 decimation as in the TI ADS1299 (the OpenBCI Cyton's ADC).

The ADS1299 digital filter is a third-order sinc (three cascaded boxcars of the decimation
length). ADS1299 datasheet (TI SBAS499), Table 1: the -3 dB bandwidth is 0.262 times the data
rate (65 Hz at 250 SPS, 131 Hz at 500 SPS, 262 Hz at 1 kSPS). The simulator generates the
signal at ``factor`` times the output rate and decimates through the same filter; with
``factor = 8`` the -3 dB point is 66.0 Hz at 250 Hz (65.5 Hz for a very large factor).

The filter is applied centred (its group delay of ``(3 factor - 3) / 2`` input samples is
removed) so that the ground-truth timing stays aligned; a real ADS1299 adds that delay.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import upfirdn

from emgkit.devices.cyton.constants import ADS1299_BANDWIDTH

__all__ = ["ADS1299_BANDWIDTH", "sinc3_decimate", "sinc3_kernel", "sinc3_response"]


def sinc3_kernel(factor: int) -> npt.NDArray[np.float64]:
    """Impulse response of three cascaded boxcars of length ``factor`` (unit DC gain)."""
    box = np.ones(factor) / factor
    return np.convolve(np.convolve(box, box), box)


def sinc3_response(f: npt.ArrayLike, fs_out: float, factor: int) -> npt.NDArray[np.float64]:
    """Magnitude response of the sinc^3 decimator at frequencies ``f`` (Hz).

    ``|H(f)| = |sin(pi f / fs_out) / (factor sin(pi f / (factor fs_out)))|^3``.
    """
    f = np.asarray(f, dtype=np.float64)
    x = np.pi * f / (factor * fs_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.sin(factor * x) / (factor * np.sin(x))
    return np.abs(np.where(x == 0, 1.0, h)) ** 3


def sinc3_decimate(x: npt.NDArray[np.float64], factor: int) -> npt.NDArray[np.float64]:
    """Decimate ``x`` (n, ...) along axis 0 by ``factor`` through a centred sinc^3 filter.

    Output sample ``i`` is aligned with input sample ``i * factor``; the output has
    ``n // factor`` samples.
    """
    if factor == 1:
        return x.copy()
    h = sinc3_kernel(factor)
    delay = (h.size - 1) // 2
    pad = (-delay) % factor
    shape = list(x.shape)
    shape[0] = pad
    xp = np.concatenate([np.zeros(shape), x], axis=0)
    y = upfirdn(h, xp, up=1, down=factor, axis=0)
    j0 = (delay + pad) // factor
    n_out = x.shape[0] // factor
    return np.ascontiguousarray(y[j0 : j0 + n_out])
