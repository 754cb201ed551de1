"""Facts about acquisition hardware that readers, devices and simulators all need.

One home for each: the devices (``emgkit.devices``), the file readers (``emgkit.io``) and the
simulators (``emgkit.simulate``) sit on layers that may not import each other, so the facts they
share live here, in the core layer. No numpy, no emgkit imports.
"""

from __future__ import annotations

__all__ = [
    "ADS1299_BANDWIDTH",
    "ADS1299_BANDWIDTH_FRACTION",
    "DAISY_BANDWIDTH_FRACTION",
    "ads1299_bandwidth_hz",
]

#: The ADS1299's sinc3 decimation filter is -3 dB at 0.262 x its data rate (TI ADS1299 datasheet
#: SBAS499, Table 1: 65 Hz at 250 SPS, 131 Hz at 500, 262 Hz at 1 kSPS; clinical-anchors.md
#: section 8).
ADS1299_BANDWIDTH_FRACTION = 0.262

#: -3 dB bandwidth in Hz per data rate, from :data:`ADS1299_BANDWIDTH_FRACTION` (datasheet values).
ADS1299_BANDWIDTH: dict[float, float] = {250.0: 65.0, 500.0: 131.0, 1000.0: 262.0}

#: Cyton + Daisy rows average pairs of ADC samples (``|cos(pi f / rate)|``): with the sinc3 the
#: -3 dB point falls to 0.184 x the ADC rate (46 Hz at 250 SPS, below the 62.5 Hz Nyquist of the
#: 125 Hz rows). Both responses scale with ``f / rate``, so the fraction holds at every rate.
DAISY_BANDWIDTH_FRACTION = 46.0 / 250.0


def ads1299_bandwidth_hz(fs: float, *, daisy: bool = False) -> float:
    """-3 dB hardware bandwidth (Hz) of ADS1299 rows delivered at ``fs`` Hz.

    Parameters
    ----------
    fs : float
        Rate of the delivered rows in Hz (250 for a Cyton over the dongle, 125 with the Daisy).
    daisy : bool
        Rows of a Cyton + Daisy: the ADC runs at ``2 fs`` and pairs are averaged.

    Returns
    -------
    float
        65 Hz at 250 SPS, 131 at 500, 262 at 1000; 46 Hz for 125 Hz Daisy rows. Every Cyton rate
        is band-limited (below the 400 Hz that spectral metrics need).

    Examples
    --------
    >>> ads1299_bandwidth_hz(250.0), ads1299_bandwidth_hz(1000.0)
    (65.0, 262.0)
    >>> ads1299_bandwidth_hz(125.0, daisy=True)
    46.0
    """
    if daisy:
        return round(DAISY_BANDWIDTH_FRACTION * 2.0 * float(fs), 1)
    rate = float(fs)
    return ADS1299_BANDWIDTH.get(rate, round(ADS1299_BANDWIDTH_FRACTION * rate, 1))
