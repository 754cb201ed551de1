"""Facts about the Cyton board that several modules need: rates and the ADS1299 bandwidth.

Light on purpose (no numpy): the registry row, the parser, the emulator model and the
simulator's ADC model all import these, so each fact is written once.
"""

from __future__ import annotations

__all__ = [
    "ADS1299_BANDWIDTH",
    "CYTON_FS",
    "CYTON_HARDWARE_BANDWIDTH_HZ",
    "DAISY_FS",
    "DAISY_HARDWARE_BANDWIDTH_HZ",
]

#: Sampling rate of the decoded rows: 250 Hz with 8 channels, 125 Hz with the Daisy.
CYTON_FS = 250.0
DAISY_FS = 125.0

#: -3 dB bandwidth in Hz of the ADS1299 sinc3 decimation filter per data rate: 0.262 x the
#: data rate (TI ADS1299 datasheet SBAS499, Table 1; clinical-anchors.md section 8).
ADS1299_BANDWIDTH: dict[float, float] = {250.0: 65.0, 500.0: 131.0, 1000.0: 262.0}

#: The "65 Hz band": -3 dB bandwidth of the Cyton at 250 SPS over the dongle.
CYTON_HARDWARE_BANDWIDTH_HZ = ADS1299_BANDWIDTH[CYTON_FS]
#: Daisy rows also pass through the firmware's 2-sample average (|cos(pi f / 250)|): together
#: with the sinc3 the -3 dB point falls to 46 Hz, below the 62.5 Hz Nyquist of 125 Hz rows.
DAISY_HARDWARE_BANDWIDTH_HZ = 46.0
