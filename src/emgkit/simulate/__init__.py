"""Synthetic sEMG subjects with known ground truth, and device emulators.

>>> from emgkit.simulate import synthesize_session
>>> rec, truth = synthesize_session("right_inhibition", fs=1000, seed=1)  # doctest: +SKIP
>>> truth.summary()  # doctest: +SKIP

See ``docs/simulation.md``.
"""

from emgkit.simulate._adc import sinc3_decimate, sinc3_response
from emgkit.simulate.faults import (
    ECG,
    BaselineWander,
    Clipping,
    ElectrodePop,
    Fatigue,
    Fault,
    FlatChannel,
    Mains,
    MotionSpikes,
)
from emgkit.simulate.profiles import PROFILES, SubjectProfile, get_profile
from emgkit.simulate.subject import GroundTruth, synthesize_session

__all__ = [
    "ECG",
    "PROFILES",
    "BaselineWander",
    "Clipping",
    "ElectrodePop",
    "Fatigue",
    "Fault",
    "FlatChannel",
    "GroundTruth",
    "Mains",
    "MotionSpikes",
    "SubjectProfile",
    "get_profile",
    "sinc3_decimate",
    "sinc3_response",
    "synthesize_session",
]
