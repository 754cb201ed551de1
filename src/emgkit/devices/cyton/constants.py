"""Facts about the Cyton board that several modules need: rates and the ADS1299 bandwidth.

Light on purpose (no numpy): the registry row, the parser, the emulator model and the
simulator's ADC model all import these, so each fact is written once.
"""

from __future__ import annotations

from emgkit.hardware import ADS1299_BANDWIDTH, ads1299_bandwidth_hz

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


#: The "65 Hz band": -3 dB bandwidth of the Cyton at 250 SPS over the dongle.
CYTON_HARDWARE_BANDWIDTH_HZ = ADS1299_BANDWIDTH[CYTON_FS]
#: Daisy rows also pass through the firmware's 2-sample average (|cos(pi f / 250)|): together
#: with the sinc3 the -3 dB point falls to 46 Hz, below the 62.5 Hz Nyquist of 125 Hz rows.
DAISY_HARDWARE_BANDWIDTH_HZ = ads1299_bandwidth_hz(DAISY_FS, daisy=True)
