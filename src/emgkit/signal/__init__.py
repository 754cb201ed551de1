"""Pure array functions for sEMG: filters, envelopes, onsets, spectra.

Every function takes samples shaped ``(n_samples, n_channels)`` (or 1-D) in microvolts and an
explicit sampling rate ``fs`` in Hz. This package imports nothing else from emgkit except the
error types: it knows arrays and ``fs``, not muscles or files.
"""

from emgkit.signal.envelope import linear_envelope, moving_rms, rectify, tkeo
from emgkit.signal.filters import bandpass, design_bandpass, highpass, lowpass

__all__ = [
    "bandpass",
    "design_bandpass",
    "highpass",
    "linear_envelope",
    "lowpass",
    "moving_rms",
    "rectify",
    "tkeo",
]
