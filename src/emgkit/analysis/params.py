"""Analysis parameters and the envelope step shared by the bridge analysis and segmentation.

:class:`AnalysisParams` holds every parameter of the bridge analysis (recorded with the results);
:func:`envelopes` band-passes the raw EMG channels and computes their moving-RMS envelope. Both
:mod:`emgkit.analysis.bridge` and :mod:`emgkit.analysis.segment` use them, so they live here,
below both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from emgkit.analysis.normalize import PLATEAU_TRIM_S
from emgkit.muscles import TRUNK_MUSCLES
from emgkit.recording import Recording, SignalKind

__all__ = ["AnalysisParams", "envelopes"]


@dataclass(frozen=True, slots=True)
class AnalysisParams:
    """Every parameter of the bridge analysis (recorded with the results).

    Attributes
    ----------
    band : (float, float)
        Band-pass corners in Hz for raw channels (default 20-450 Hz, 4th order, zero-phase).
    trunk_low : float
        Low corner in Hz on trunk channels (erector spinae, multifidus): 30 Hz removes ECG.
    order : int
        Butterworth order of each pass.
    rms_window : float
        Moving RMS window in seconds (100 ms).
    mvc_method : {"plateau", "peak_window"}
        MVC amplitude definition (:mod:`emgkit.analysis.normalize`): ``"plateau"`` (default),
        the RMS over the steady part of each MVC hold, maximum over holds; ``"peak_window"``,
        the conventional best ``mvc_window`` mean of the envelope, which reads the MVC high
        and %MVC low on a fluctuating envelope (measured bias in docs/analysis.md).
    mvc_window : float
        Window of the best mean for ``mvc_method="peak_window"`` (500 ms).
    mvc_trim : (float, float)
        Seconds dropped at the start and end of each MVC hold for ``"plateau"``.
    onset_method : str
        Onset detector (see :func:`emgkit.signal.onset.detect_onsets`).
    onset_search : (float, float)
        Onset search window relative to movement onset, in seconds.
    onset_baseline : float
        Length (s) of each rep's own pre-movement baseline window, which ends at the start of
        the search window: the onset threshold follows the activity actually present before
        that rep (tonic postural activity, a weak previous rep), not the rest trial alone.
    epoch : float
        Holds are also cut into epochs of this length (s) for the ``epochs`` table (display
        only: the left/right decision uses whole reps and holds).
    asymmetry_floor : float
        Smallest symmetry angle (points) called a meaningful left/right difference (default
        6.5); a comparison whose healthy range is wider uses that instead (``threshold`` column
        of ``result.symmetry``). A convention, not a validated norm: no glute max side-difference
        norm exists (glute-reliability.md). On the headline comparison (single- and double-leg
        bridges pooled, shipped protocol) healthy people whose sides differ naturally by about
        8 % per side and task are "likely asymmetric" in about 2 % of sessions and 30 % one-sided
        inhibition is detected in about 95 % (analytic model, docs/validation.md).
    reference_trial : str or None
        The plain double-leg bridge that cue variants are compared with; None (default): the
        double-leg trial with the ``standard`` cue, if the protocol has one.
    """

    band: tuple[float, float] = (20.0, 450.0)
    trunk_low: float = 30.0
    order: int = 4
    rms_window: float = 0.1
    mvc_method: str = "plateau"
    mvc_window: float = 0.5
    mvc_trim: tuple[float, float] = PLATEAU_TRIM_S
    onset_method: str = "tkeo"
    onset_search: tuple[float, float] = (-0.8, 0.6)
    onset_baseline: float = 1.0
    epoch: float = 1.0
    asymmetry_floor: float = 6.5
    reference_trial: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Parameters as a flat dict (for result metadata)."""
        return {
            "band_low_hz": self.band[0],
            "band_high_hz": self.band[1],
            "trunk_low_hz": self.trunk_low,
            "order": self.order,
            "rms_window_s": self.rms_window,
            "mvc_method": self.mvc_method,
            "mvc_window_s": self.mvc_window,
            "mvc_trim_s": list(self.mvc_trim),
            "onset_method": self.onset_method,
            "onset_search_s": list(self.onset_search),
            "onset_baseline_s": self.onset_baseline,
            "epoch_s": self.epoch,
            "asymmetry_floor_sa": self.asymmetry_floor,
            "reference_trial": self.reference_trial,
        }


def _raw_and_trunk(rec: Recording) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    raw = np.array([c.kind == SignalKind.RAW for c in rec.channels])
    trunk = np.array([c.muscle in TRUNK_MUSCLES for c in rec.channels])
    return raw, trunk


def envelopes(
    rec: Recording, params: AnalysisParams | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Band-passed signal and moving RMS envelope of every EMG channel of ``rec``.

    Parameters
    ----------
    rec : Recording
        The recording (its ``fs`` in Hz gives the filter design); missing samples are zero-filled
        for filtering and NaN in the envelope.
    params : AnalysisParams or None
        Band-pass corners and RMS window (``rms_window``, 100 ms by default); None uses the
        defaults of :class:`AnalysisParams`.

    Returns
    -------
    filtered : ndarray (n_samples, n_channels)
        Band-passed raw channels (envelope channels passed through unchanged).
    envelope : ndarray (n_samples, n_channels)
        Moving RMS envelope in microvolts; NaN where samples are missing.
    """
    from emgkit.signal.envelope import moving_rms
    from emgkit.signal.filters import bandpass
    from emgkit.signal.pipeline import TRUNK_HIGHPASS_HZ, preprocess

    p = params or AnalysisParams()
    gm = rec.gap_mask()
    # no copy of the data when nothing is missing (a 30 min x 16 ch x 2 kHz session is 460 MB)
    filled = rec.filled("zero").data if gm.any() or not np.isfinite(rec.data).all() else rec.data
    raw, trunk = _raw_and_trunk(rec)
    if p.trunk_low == TRUNK_HIGHPASS_HZ:
        # one fused pass over all channels, per-column designs (trunk: 30 Hz corner)
        filtered = preprocess(
            filled, rec.fs, band=p.band, order=p.order, trunk_highpass=trunk, raw_mask=raw
        )
        env = moving_rms(filtered, rec.fs, p.rms_window, center=True)
        if gm.any():
            env[gm, :] = np.nan
        return filtered, env
    low_high = [(p.band[0], raw & ~trunk), (max(p.trunk_low, p.band[0]), raw & trunk)]
    todo = [(low, mask) for low, mask in low_high if mask.any()]
    if len(todo) == 1 and todo[0][1].all():
        filtered = bandpass(filled, rec.fs, todo[0][0], p.band[1], p.order)
    else:
        filtered = filled.copy()
        for low, mask in todo:
            filtered[:, mask] = bandpass(filled[:, mask], rec.fs, low, p.band[1], p.order)
    env = moving_rms(filtered, rec.fs, p.rms_window, center=True)
    if gm.any():
        env[gm, :] = np.nan
    return filtered, env
