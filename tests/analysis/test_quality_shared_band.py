"""The quality step's band-passed signal, reused by the analysis, is exactly envelopes' own."""

from __future__ import annotations

import warnings

import numpy as np

from emgkit.analysis import bridge
from emgkit.analysis.params import AnalysisParams, envelopes
from emgkit.analysis.quality import assess_recording
from emgkit.errors import BandLimitWarning
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session
from emgkit.simulate.faults import ECG, Mains


def _session(**kw: object) -> object:
    proto = load_protocol("bridge").shortened(max_reps=1, rest_scale=0.2)
    rec, _ = synthesize_session("healthy", fs=1000.0, protocol=proto, seed=3, **kw)  # type: ignore[arg-type]
    return rec


def test_shared_band_equals_envelopes_filter() -> None:
    # hum and ECG: the quality step cleans some channels before band-passing
    rec = _session(faults=[Mains(), ECG(amplitude_uv=400.0)])
    qa = assess_recording(rec)
    assert qa.actions  # something was cleaned, so the shared signal is the cleaned one
    assert qa.band is not None and qa.band_trunk is not None
    assert qa.band_trunk.any() and not qa.band_trunk.all()  # trunk channels: 30 Hz corner
    p = AnalysisParams()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        want_f, want_e = envelopes(qa.recording, p)
    got_f, got_e = bridge._filter(qa.recording, p, qa)
    assert got_f is qa.band  # reused, not recomputed
    np.testing.assert_array_equal(got_f, want_f)
    np.testing.assert_array_equal(got_e, want_e)


def test_not_shared_when_settings_differ_or_samples_are_missing() -> None:
    rec = _session()
    qa = assess_recording(rec)
    assert qa.band is not None
    for p in (AnalysisParams(band=(30.0, 400.0)), AnalysisParams(order=2)):
        got_f, _ = bridge._filter(qa.recording, p, qa)
        assert got_f is not qa.band
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BandLimitWarning)
            np.testing.assert_array_equal(got_f, envelopes(qa.recording, p)[0])
    data = rec.data.copy()
    data[1000:1100] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN 100 ms windows
        assert assess_recording(rec.with_data(data)).band is None
