"""MyoWare 2.0 outputs read by an Arduino-class ADC: counts <-> microvolts at the electrodes.

The MyoWare 2.0 muscle sensor has three analog outputs and an offset reference
(AdvancerTechnologies/MyoWare-Arduino-Library, ``src/MyoWare.h`` and ``src/MyoWare.cpp``):

* ``RAW``: the amplified, band-passed EMG, fixed gain 200, centred on ``REF``.
* ``RECT``: the full-wave rectified RAW, gain 200, referred to ground.
* ``ENV``: the rectified and smoothed envelope, gain ``200 x (1 + R_pot)`` with the gain
  potentiometer ``R_pot`` in kilo-ohms (default 50 kOhm, so gain 10 200).
* ``REF``: the sensor's mid-supply reference (about Vs / 2).

With ``b`` ADC bits and reference voltage ``Vadc`` the pin voltage is
``V = counts x Vadc / (2**b - 1)`` (the library's ``getADC2Voltage``), and the amplitude at the
electrodes in microvolts is::

    RAW :  (counts - ref_counts) x Vadc / (2**b - 1) / 200             x 1e6
    RECT:   counts               x Vadc / (2**b - 1) / 200             x 1e6
    ENV :   counts               x Vadc / (2**b - 1) / (200 (1 + R))   x 1e6
    REF :   counts               x Vadc / (2**b - 1)                   x 1e6  (pin voltage)

``ref_counts`` is the REF channel of the same row when one is acquired, else a nominal value
(mid-scale by default, i.e. the sensor powered from the ADC reference).

ENV is already an envelope: it maps to :attr:`SignalKind.ENVELOPE` and must not go through the
20-450 Hz band-pass; RECT maps to :attr:`SignalKind.RECTIFIED`, RAW to :attr:`SignalKind.RAW`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from emgkit.devices.arduino.framed import ChannelKindCode, Info
from emgkit.errors import ConfigError, SignalError
from emgkit.recording import Channel, SignalKind

__all__ = [
    "DEFAULT_POT_KOHM",
    "RAW_GAIN",
    "MyoWareConverter",
    "counts_to_uv",
    "env_gain",
    "parse_kind",
    "signal_kind",
    "uv_to_counts",
]

#: Fixed gain of the RAW and RECT outputs (MyoWare 2.0).
RAW_GAIN = 200.0
#: Default ENV gain potentiometer setting in kOhm.
DEFAULT_POT_KOHM = 50.0

KindLike = ChannelKindCode | str | int
_ALIASES = {"ENVELOPE": "ENV", "RECTIFIED": "RECT", "REFERENCE": "REF"}


def parse_kind(kind: KindLike) -> ChannelKindCode:
    """``"ENV"``, ``"envelope"``, ``1`` or ``ChannelKindCode.ENV`` -> ``ChannelKindCode.ENV``."""
    if isinstance(kind, ChannelKindCode):
        return kind
    try:
        if isinstance(kind, str):
            key = kind.strip().upper()
            return ChannelKindCode[_ALIASES.get(key, key)]
        return ChannelKindCode(int(kind))
    except (KeyError, ValueError):
        raise ConfigError(
            f"unknown MyoWare output kind {kind!r}; use one of {[k.name for k in ChannelKindCode]}"
        ) from None


def signal_kind(kind: KindLike) -> SignalKind:
    """The emgkit channel kind of a MyoWare output (ENV -> ENVELOPE, RECT -> RECTIFIED...)."""
    return {
        ChannelKindCode.RAW: SignalKind.RAW,
        ChannelKindCode.ENV: SignalKind.ENVELOPE,
        ChannelKindCode.RECT: SignalKind.RECTIFIED,
        ChannelKindCode.REF: SignalKind.OTHER,
    }[parse_kind(kind)]


def env_gain(pot_kohm: float = DEFAULT_POT_KOHM) -> float:
    """ENV gain ``200 x (1 + R_pot[kOhm])``."""
    if not np.isfinite(pot_kohm) or pot_kohm < 0:
        raise ConfigError(f"gain pot must be a non-negative number of kOhm, got {pot_kohm}")
    return RAW_GAIN * (1.0 + pot_kohm)


def _gain(kind: ChannelKindCode, pot_kohm: float) -> float:
    if kind is ChannelKindCode.ENV:
        return env_gain(pot_kohm)
    if kind is ChannelKindCode.REF:
        return 1.0
    return RAW_GAIN


def _uv_per_count(adc_bits: int, vref_mv: float) -> float:
    if not 1 <= int(adc_bits) <= 16:
        raise ConfigError(f"adc_bits must be 1..16, got {adc_bits}")
    if not vref_mv > 0:
        raise ConfigError(f"vref_mv must be positive, got {vref_mv}")
    return float(vref_mv) * 1000.0 / float((1 << int(adc_bits)) - 1)


def counts_to_uv(
    counts: npt.ArrayLike,
    kind: KindLike,
    *,
    adc_bits: int = 12,
    vref_mv: float = 3300.0,
    pot_kohm: float = DEFAULT_POT_KOHM,
    ref_counts: npt.ArrayLike | None = None,
) -> npt.NDArray[np.float64]:
    """ADC counts of one MyoWare output -> microvolts at the electrodes (see module docstring).

    ``ref_counts`` (RAW only): REF samples of the same rows, or a scalar; default mid-scale.

    Parameters
    ----------
    counts : array_like
        ADC counts.
    kind : ChannelKindCode or str
        The MyoWare output: RAW, RECT or ENV.
    adc_bits : int
        ADC resolution.
    vref_mv : float
        ADC reference, mV.
    pot_kohm : float
        The MyoWare gain potentiometer, kOhm (RECT/ENV gain).
    ref_counts : array_like, optional
        RAW only: REF samples of the same rows, or a scalar; default mid-scale.
    """
    k = parse_kind(kind)
    c = np.asarray(counts, dtype=np.float64)
    lsb = _uv_per_count(adc_bits, vref_mv)
    if k is ChannelKindCode.RAW:
        ref = (
            ((1 << int(adc_bits)) - 1) / 2.0
            if ref_counts is None
            else np.asarray(ref_counts, dtype=np.float64)
        )
        c = c - ref
    return c * (lsb / _gain(k, pot_kohm))


def uv_to_counts(
    uv: npt.ArrayLike,
    kind: KindLike,
    *,
    adc_bits: int = 12,
    vref_mv: float = 3300.0,
    pot_kohm: float = DEFAULT_POT_KOHM,
    ref_counts: float | None = None,
) -> npt.NDArray[np.uint16]:
    """Inverse of :func:`counts_to_uv` as the ADC would report it: rounded and clipped.

    Negative RECT/ENV inputs and anything beyond the rails clip to 0 / ``2**bits - 1``, like
    the hardware (the output cannot swing past its supply).

    Parameters
    ----------
    uv : array_like
        Microvolts at the electrodes.
    kind, adc_bits, vref_mv, pot_kohm
        As :func:`counts_to_uv`.
    ref_counts : float, optional
        RAW only: the REF level in counts; default mid-scale.
    """
    k = parse_kind(kind)
    full = (1 << int(adc_bits)) - 1
    v = np.asarray(uv, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise SignalError("uv_to_counts: samples contain NaN or inf; an ADC cannot produce them")
    # in place on one temporary (the same operations, value for value)
    c = np.multiply(v, _gain(k, pot_kohm) / _uv_per_count(adc_bits, vref_mv), out=np.empty(v.shape))
    if k is ChannelKindCode.RAW:
        c += full / 2.0 if ref_counts is None else float(ref_counts)
    np.rint(c, out=c)
    np.clip(c, 0, full, out=c)
    counts: npt.NDArray[np.uint16] = c.astype(np.uint16)
    return counts[()] if counts.ndim == 0 else counts  # a scalar stays a scalar


class MyoWareConverter:
    """Turns (n, n_channels) counts from the emgkit firmware into microvolts, per channel kind.

    Parameters
    ----------
    kinds : sequence of kind
        MyoWare output of each channel (``"RAW"``, ``"ENV"``, ``"RECT"``, ``"REF"``).
    adc_bits, vref_mv : int, float
        The board's ADC resolution and reference (as reported in INFO).
    pot_kohm : float or sequence of float
        ENV gain pot per channel (or one value for all).
    ref_counts : float, optional
        Nominal REF in counts for RAW channels when no REF channel is acquired (default
        mid-scale). When a REF channel is acquired, RAW channels subtract it row by row.

    Examples
    --------
    >>> conv = MyoWareConverter(["ENV", "RAW"], adc_bits=10, vref_mv=5000)
    >>> [str(k) for k in conv.signal_kinds]
    ['envelope', 'raw']
    """

    def __init__(
        self,
        kinds: Sequence[KindLike],
        adc_bits: int = 12,
        vref_mv: float = 3300.0,
        pot_kohm: float | Sequence[float] = DEFAULT_POT_KOHM,
        ref_counts: float | None = None,
    ) -> None:
        self.kinds = [parse_kind(k) for k in kinds]
        if not self.kinds:
            raise ConfigError("MyoWareConverter needs at least one channel kind")
        n = len(self.kinds)
        pots = [float(pot_kohm)] * n if np.isscalar(pot_kohm) else list(pot_kohm)  # type: ignore[arg-type]
        if len(pots) != n:
            raise ConfigError(f"{len(pots)} pot settings for {n} channels")
        self.pot_kohm = [float(p) for p in pots]
        self.adc_bits = int(adc_bits)
        self.vref_mv = float(vref_mv)
        self.ref_counts = ref_counts
        lsb = _uv_per_count(self.adc_bits, self.vref_mv)
        self._scale = np.array(
            [lsb / _gain(k, p) for k, p in zip(self.kinds, self.pot_kohm, strict=True)]
        )
        self._raw = np.array([k is ChannelKindCode.RAW for k in self.kinds])
        refs = [i for i, k in enumerate(self.kinds) if k is ChannelKindCode.REF]
        self._ref_col = refs[0] if refs else None
        self._nominal_ref = (
            ((1 << self.adc_bits) - 1) / 2.0 if ref_counts is None else float(ref_counts)
        )

    @classmethod
    def from_info(cls, info: Info, ref_counts: float | None = None) -> MyoWareConverter:
        """Build from a device's INFO reply (its ADC and configured channels).

        Parameters
        ----------
        info : Info
            The device's INFO reply.
        ref_counts : float, optional
            RAW only: the REF level in counts; default mid-scale.
        """
        cfg = info.config
        return cls(
            [c.kind for c in cfg.channels],
            adc_bits=info.adc_bits,
            vref_mv=info.vref_mv,
            pot_kohm=[c.pot_ohm / 1000.0 for c in cfg.channels],
            ref_counts=ref_counts,
        )

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.kinds)

    @property
    def signal_kinds(self) -> list[SignalKind]:
        """The emgkit kind of each channel (ENV -> ENVELOPE: never band-pass it)."""
        return [signal_kind(k) for k in self.kinds]

    def channels(self, names: Sequence[str], device: str = "myoware-arduino") -> list[Channel]:
        """Channel descriptions with the right kind; assign muscles/sides via the montage.

        Parameters
        ----------
        names : sequence of str
            Channel names, one per configured channel.
        device : str
            Device name stored on each channel.
        """
        if len(names) != self.n_channels:
            raise ConfigError(f"{len(names)} names for {self.n_channels} channels")
        return [
            Channel(name, kind=sk, device=device)
            for name, sk in zip(names, self.signal_kinds, strict=True)
        ]

    def __call__(self, counts: npt.NDArray[np.uint16]) -> npt.NDArray[np.float64]:
        """(n, n_channels) counts -> (n, n_channels) microvolts."""
        c = np.asarray(counts, dtype=np.float64)
        if c.ndim != 2 or c.shape[1] != self.n_channels:
            raise SignalError(
                f"counts of shape {c.shape} do not match {self.n_channels} configured channels"
            )
        if self._raw.any():
            ref = c[:, self._ref_col : self._ref_col + 1] if self._ref_col is not None else None
            off = self._nominal_ref if ref is None else ref
            c = np.where(self._raw, c - off, c)
        return c * self._scale
