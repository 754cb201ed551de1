"""Pure array functions for sEMG: filters, envelopes, onsets, spectra.

Every function takes samples shaped ``(n_samples, n_channels)`` (or 1-D) in microvolts and an
explicit sampling rate ``fs`` in Hz. This package imports nothing else from emgkit except the
error types: it knows arrays and ``fs``, not muscles or files. The application steps run numba
kernels (``EMGKIT_NUMBA=0`` runs them as plain Python); see docs/signal.md.
"""

from emgkit.signal.envelope import linear_envelope, moving_rms, rectify, tkeo
from emgkit.signal.filters import (
    bandpass,
    design_bandpass,
    design_highpass,
    design_lowpass,
    highpass,
    lowpass,
    sosfilt,
    sosfiltfilt,
)
from emgkit.signal.onset import detect_onsets, first_onset
from emgkit.signal.pipeline import emg_amplitude, preprocess, remove_mains
from emgkit.signal.spectral import FatigueSlope, fatigue_slope, mean_frequency, median_frequency
from emgkit.signal.stream import StreamingEnvelope, StreamingFilter

__all__ = [
    "FatigueSlope",
    "StreamingEnvelope",
    "StreamingFilter",
    "bandpass",
    "design_bandpass",
    "design_highpass",
    "design_lowpass",
    "detect_onsets",
    "emg_amplitude",
    "fatigue_slope",
    "first_onset",
    "highpass",
    "linear_envelope",
    "lowpass",
    "mean_frequency",
    "median_frequency",
    "moving_rms",
    "preprocess",
    "rectify",
    "remove_mains",
    "sosfilt",
    "sosfiltfilt",
    "tkeo",
]
