"""A methods section in the style of the ISEK reporting standards, generated from the data.

The ISEK "Standards for reporting EMG data" (Merletti 1999, J Electromyogr Kinesiol 9(1):III-IV)
ask for: electrode material, size and inter-electrode distance; location; detection mode;
input impedance and CMRR; gain; filter type, order and cut-offs; sampling rate; processing;
normalisation. :func:`methods_paragraphs` states each of these from the recording, the montage
and the analysis parameters, and says "not recorded" where the file does not say.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from emgkit.recording import MUSCLES, Channel, Recording, SignalKind

if TYPE_CHECKING:
    import pandas as pd

    from emgkit.analysis.bridge import BridgeResult
    from emgkit.analysis.params import AnalysisParams
    from emgkit.montage import Montage

__all__ = ["REFERENCES", "MethodsSection", "methods_paragraphs", "zero_phase_corners"]

#: Short key -> full citation (clinical-anchors.md; every key cited in the generated text).
REFERENCES: dict[str, str] = {
    "Merletti 1999": "Merletti R. Standards for reporting EMG data. J Electromyogr Kinesiol "
    "1999;9(1):III-IV (ISEK).",
    "Hermens 2000": "Hermens HJ, Freriks B, Disselhorst-Klug C, Rau G. Development of "
    "recommendations for SEMG sensors and sensor placement procedures. J Electromyogr Kinesiol "
    "2000;10:361-374. doi:10.1016/S1050-6411(00)00027-4 (SENIAM).",
    "De Luca 2010": "De Luca CJ, Gilmore LD, Kuznetsov M, Roy SH. Filtering the surface EMG "
    "signal: movement artifact and baseline noise contamination. J Biomech 2010;43:1573-1579.",
    "Drake 2006": "Drake JDM, Callaghan JP. Elimination of electrocardiogram contamination from "
    "electromyogram signals: an evaluation of currently used removal techniques. "
    "J Electromyogr Kinesiol 2006;16:175-187. doi:10.1016/j.jelekin.2005.07.003.",
    "St-Amant 1996": "St-Amant Y, Rancourt D, Clancy EA. Effect of smoothing window length on "
    "RMS EMG amplitude estimates. Proc IEEE NEBC 1996.",
    "Besomi 2020": "Besomi M, Hodges PW, Clancy EA, et al. Consensus for experimental design in "
    "electromyography (CEDE) project: amplitude normalization matrix. J Electromyogr Kinesiol "
    "2020;53:102438. doi:10.1016/j.jelekin.2020.102438.",
    "Contreras 2015": "Contreras B, Vigotsky AD, Schoenfeld BJ, Beardsley C, Cronin J. A "
    "comparison of two gluteus maximus EMG maximum voluntary isometric contraction positions. "
    "PeerJ 2015;3:e1261.",
    "Li 2007": "Li X, Zhou P, Aruin AS. Teager-Kaiser energy operation of surface EMG improves "
    "muscle activity onset detection. Ann Biomed Eng 2007;35:1532-1538.",
    "Solnik 2010": "Solnik S, Rider P, Steinweg K, DeVita P, Hortobagyi T. Teager-Kaiser energy "
    "operator signal conditioning improves EMG onset detection. Eur J Appl Physiol "
    "2010;110:489-498.",
    "Hodges 1996": "Hodges PW, Bui BH. A comparison of computer-based methods for the "
    "determination of onset of muscle activity using surface electromyography. "
    "Electroencephalogr Clin Neurophysiol 1996;101:511-519.",
    "Zifchock 2008": "Zifchock RA, Davis I, Higginson J, Royer T. The symmetry angle: a novel, "
    "robust method of quantifying asymmetry. Gait Posture 2008;27:622-627.",
    "Lewis 2009": "Lewis CL, Sahrmann SA. Muscle activation and movement patterns during prone "
    "hip extension exercise in women. J Athl Train 2009;44:238-248.",
    "Sakamoto 2009": "Sakamoto ACL, Teixeira-Salmela LF, et al. Muscular activation patterns "
    "during active prone hip extension exercises. J Electromyogr Kinesiol 2009;19:105-112.",
    "Norcross 2010": "Norcross MF, Blackburn JT, Goerger BM. Reliability of single-leg-stance "
    "and MVIC normalisation of hip and thigh EMG (ICC > 0.80; intrasubject CV 9-36 % for MVIC). "
    "J Electromyogr Kinesiol 2010;20:420-425 (title paraphrased; journal details not verified).",
    "Feldwieser 2012": "Feldwieser FM, et al. Electromyographic "
    "analysis of trunk-muscle activity during stable, unstable and unilateral bridging "
    "exercises in healthy individuals. Eur Spine J 2012;21 Suppl 2:S171-S186 (author list and "
    "title recalled, not verified).",
    "Freeman 2013": "Freeman S, Mascia A, McGill S. Arthrogenic neuromusculature inhibition: a "
    "foundational investigation of existence in the hip joint (title recalled). Clin Biomech "
    "2013;28:171-177.",
    "Lehecka 2017": "Lehecka BJ, et al. Building a better gluteal "
    "bridge: electromyographic analysis of hip muscle activity during modified single-leg "
    "bridges. Int J Sports Phys Ther 2017;12(4):543-549.",
    "Ho 2020": "Ho et al. Knee flexion angle and gluteus maximus / biceps femoris activity in "
    "bridging (title paraphrased, authors not verified). Res Sports Med 2020. "
    "doi:10.1080/15438627.2020.1777552.",
    "Guimaraes 2010": "Guimaraes CQ, et al. "
    "Electromyographic activity during active prone hip extension did not discriminate "
    "individuals with and without low back pain (title recalled, not verified). Rev Bras "
    "Fisioter 2010;14(4).",
    "ADS1299": "Texas Instruments. ADS1299 low-noise, 8-channel, 24-bit analog front-end for "
    "biopotential measurements. Datasheet, Table 1.",
    "Coorevits 2008": "Coorevits P, et al. Normalised median-frequency slopes of back and hip "
    "muscles in the Sorensen test (title paraphrased). J Electromyogr Kinesiol "
    "2008;18:997-1005.",
    "Hodges 2003": "Hodges PW, Moseley GL. Pain and motor control of the lumbopelvic region: "
    "effect and possible mechanisms. J Electromyogr Kinesiol 2003;13:361-370.",
    "Humphrey 2005": "Humphrey AR, et al. Median-frequency slope and spectral measures of the "
    "back muscles in chronic low back pain (title paraphrased). Eur Spine J 2005;14:175-184.",
    "Ekstrom 2007": "Ekstrom RA, Donatelli RA, Carp KC. Electromyographic analysis of core "
    "trunk, hip, and thigh muscles during 9 rehabilitation exercises. J Orthop Sports Phys Ther "
    "2007;37:754-762.",
}

_TASKLESS = "not recorded in the file"


@dataclass(frozen=True, slots=True)
class MethodsSection:
    """One titled paragraph of the methods text, with the reference keys it cites."""

    title: str
    text: str
    cites: tuple[str, ...] = ()


def zero_phase_corners(
    fs: float, low: float, high: float, order: int
) -> tuple[float, float | None]:
    """-3 dB corners (Hz) of a Butterworth band-pass run forward and backward.

    The forward-backward pass squares the magnitude response, so the effective order doubles and
    the -3 dB points move inwards from the design corners (e.g. 20-450 Hz at 1 kHz, 4th order:
    about 22.3-444.4 Hz). When ``high`` is above 0.95 x Nyquist only the high-pass is applied
    and the second corner is None.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    low, high : float
        Design corners of the band-pass in Hz.
    order : int
        Butterworth order of the design (of one pass).

    Returns
    -------
    tuple of (float, float or None)
        The effective lower and upper -3 dB corners in Hz (lower NaN when the response never
        reaches -3 dB; upper None when only the high-pass is applied).
    """
    from scipy.signal import sosfreqz

    from emgkit.errors import BandLimitWarning
    from emgkit.signal.filters import design_bandpass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandLimitWarning)
        sos = design_bandpass(fs, low, high, order)
    w, h = sosfreqz(sos, worN=1 << 16, fs=fs)
    mag2 = np.abs(h) ** 2
    above = np.flatnonzero(mag2 >= 10 ** (-3 / 20))
    if above.size == 0:
        return (float("nan"), None)
    lo = float(w[above[0]])
    hi = float(w[above[-1]])
    applied_high = high < 0.95 * fs / 2
    return (lo, hi if applied_high else None)


def _montage_of(rec: Recording, montage: Montage | None) -> Montage | None:
    if montage is not None:
        return montage
    if not rec.info.montage:
        return None
    from emgkit.errors import EmgkitError
    from emgkit.montage import load_montage

    try:
        return load_montage(rec.info.montage)
    except EmgkitError:
        return None


def _fmt_hz(v: float) -> str:
    return f"{v:.1f}" if abs(v - round(v)) > 0.05 else f"{v:.0f}"


def _electrodes_section(rec: Recording, emg: list[Channel], mont: Montage | None) -> MethodsSection:
    """The electrodes-and-placement paragraph."""
    info = rec.info
    muscles = list(dict.fromkeys(c.muscle for c in emg))
    names = ", ".join(MUSCLES.get(str(m), str(m)) for m in muscles) or "no assigned muscle"
    sides = sorted({c.side for c in emg if c.side})
    sites = []
    for m in muscles:
        site = next((c.site for c in emg if c.muscle == m and c.site), "")
        sites.append(f"{MUSCLES.get(str(m), str(m))}: {site or 'site not recorded'}")
    if mont is not None:
        elec = (
            f"Montage '{mont.name}' ({mont.description or 'no description'}): bipolar surface "
            f"electrodes, inter-electrode distance {mont.interelectrode_distance_mm:g} mm, "
            f"placed after {mont.placement_scheme}; reference electrode: "
            f"{mont.reference or 'not recorded'}."
        )
    else:
        elec = (
            f"Montage: {info.montage or 'not recorded'}; electrode type, size and "
            "inter-electrode distance not recorded in the file."
        )
    return MethodsSection(
        "Electrodes and placement",
        f"{len(emg)} sEMG channels over {names} ({' and '.join(sides) or 'unspecified'} "
        f"side{'s' if len(sides) > 1 else ''}). {elec} Sites: " + "; ".join(sites) + ". "
        "Electrode material and size, skin preparation, input impedance and CMRR are not "
        "recorded by emgkit and should be added from the laboratory's set-up sheet.",
        ("Hermens 2000", "Merletti 1999"),
    )


def _acquisition_section(rec: Recording, emg: list[Channel]) -> MethodsSection:
    """The detection-and-acquisition paragraph."""
    info = rec.info
    kinds = sorted({str(c.kind) for c in emg})
    detection = (
        "bipolar (single differential) raw sEMG"
        if kinds == ["raw"]
        else "channel kinds: "
        + ", ".join(kinds)
        + " (envelope channels are the sensor's on-board rectified and smoothed output)"
    )
    bw = info.hardware_bandwidth_hz
    acq = (
        f"Detection mode: {detection}. Device: {info.device or 'not recorded'}"
        + (f", firmware {info.firmware}" if info.firmware else "")
        + f". Sampling rate {rec.fs:g} Hz"
        + (f", hardware bandwidth about {bw:g} Hz" if bw else ", hardware bandwidth not recorded")
        + (f", gain {info.gain:g}" if info.gain else "")
        + (f", power line {info.power_line_hz:g} Hz" if info.power_line_hz else "")
        + f". Duration {rec.duration:.1f} s; {len(rec.gaps)} gap(s) of missing samples "
        f"({rec.n_missing / rec.fs:.3f} s in total)."
    )
    if rec.band_limited:
        acq += (
            " The recording is band-limited (below 1 kHz sampling or under 400 Hz bandwidth): "
            "sEMG power above the hardware bandwidth is attenuated, amplitudes are "
            "underestimated and spectral (fatigue) measures are not computed."
        )
    return MethodsSection("Detection and acquisition", acq, ("Merletti 1999",))


def _filtering_section(fs: float, p: AnalysisParams) -> MethodsSection:
    """The filtering paragraph: design, effective zero-phase corners at ``fs``."""
    lo, hi = zero_phase_corners(fs, p.band[0], p.band[1], p.order)
    trunk_lo, _ = zero_phase_corners(fs, max(p.trunk_low, p.band[0]), p.band[1], p.order)
    if hi is not None:
        design = (
            f"band-pass {_fmt_hz(p.band[0])}-{_fmt_hz(p.band[1])} Hz, Butterworth order "
            f"{p.order} per pass"
        )
        eff = f"effective -3 dB band {lo:.1f}-{hi:.1f} Hz"
    else:
        design = (
            f"high-pass {_fmt_hz(p.band[0])} Hz, Butterworth order {p.order} per pass (the "
            f"{_fmt_hz(p.band[1])} Hz low-pass corner is above 0.95 x Nyquist at {fs:g} Hz "
            "and was not applied; the hardware limits the band)"
        )
        eff = f"effective -3 dB corner {lo:.1f} Hz"
    filt = (
        f"Raw channels: {design}, applied forward and backward (zero phase; effective order "
        f"{2 * p.order}, {eff}). Trunk channels (erector spinae, multifidus): low corner "
        f"{_fmt_hz(max(p.trunk_low, p.band[0]))} Hz instead (effective {trunk_lo:.1f} Hz) to "
        "attenuate ECG. No notch filter (a notch lowers sEMG amplitude). Envelope channels are "
        "not band-passed. Missing samples are set to 0 for filtering only and excluded from "
        "every measurement window."
    )
    return MethodsSection("Filtering", filt, ("De Luca 2010", "Drake 2006"))


def _amplitude_section(p: AnalysisParams, mvc: pd.DataFrame) -> MethodsSection:
    """The amplitude-and-normalisation paragraph (MVC source trials from ``mvc``)."""
    src = mvc
    positions = ""
    if not src.empty and "source_trial" in src:
        used = sorted({str(s) for s in src["source_trial"].dropna() if str(s)})
        positions = f" MVC trials that gave the maximum: {', '.join(used) or 'none'}."
    return MethodsSection(
        "Amplitude and normalisation",
        f"Amplitude: centred moving RMS envelope, {p.rms_window * 1000:g} ms window. "
        "Normalisation: isometric MVC per muscle and side (each side to its own MVC); MVC "
        + (
            f"amplitude = RMS over the plateau of each MVC hold (the hold without its first "
            f"{p.mvc_trim[0]:g} s and last {p.mvc_trim[1]:g} s)"
            if p.mvc_method == "plateau"
            else f"amplitude = highest {p.mvc_window * 1000:g} ms mean of the envelope"
        )
        + " within that muscle's and side's MVC holds, maximum over the tested positions "
        "(several gluteus maximus positions, since no single position is maximal for "
        "everyone); refused when below 5 x the channel's rest RMS. %MVC = RMS over each "
        f"hold / MVC x 100.{positions}",
        ("St-Amant 1996", "Besomi 2020", "Contreras 2015"),
    )


def _onset_section(p: AnalysisParams) -> MethodsSection:
    """The onset-detection paragraph."""
    lo_s, hi_s = p.onset_search
    return MethodsSection(
        "Onset detection",
        f"Method '{p.onset_method}': Teager-Kaiser energy operator conditioning of the "
        "band-passed signal, low-pass 50 Hz (2nd order), then a threshold of each rep's "
        f"own pre-movement baseline ({p.onset_baseline:g} s before the search window) "
        "mean + 3 SD sustained for at least 25 ms (bursts < 50 ms apart "
        "merged) (envelope-only channels: Hodges-Bui threshold on the "
        "envelope). The onset of a rep is the start of the first burst chain (fragments "
        "< 100 ms apart, lasting >= 150 ms) beginning between "
        f"{lo_s * 1000:+.0f} and {hi_s * 1000:+.0f} ms of the rep's movement marker; latency "
        "= onset - movement onset (negative = before movement).",
        ("Li 2007", "Solnik 2010", "Hodges 1996"),
    )


def _symmetry_section(p: AnalysisParams) -> MethodsSection:
    """The ratios-and-symmetry paragraph."""
    return MethodsSection(
        "Ratios and symmetry",
        "Ratios: glute max %MVC / hamstring %MVC and / erector %MVC, per side and rep. "
        "Left/right: symmetry angle SA = (45 deg - arctan(L/R)) / 90 deg x 100 "
        "(positive = right larger); single-leg bridges compare the working side of the left "
        "trial with that of the right trial. 95 % interval of SA: t-interval of log(L/R) "
        "over the reps of a double-leg trial (paired) or the holds of the single-leg trials "
        "(Welch; with one hold per side the rep-to-rep SD of the double-leg reps is used). "
        "The headline averages the single-leg and the largest double-leg comparison "
        "(mean log(L/R), SE = sqrt(SE1^2 + SE2^2) / 2). "
        "Outcome: 'likely asymmetric' when |SA| exceeds "
        f"{p.asymmetry_floor:g} points and the interval excludes 0; 'no meaningful "
        "difference' when the whole interval lies within that threshold; otherwise "
        "'inconclusive'. The threshold is a convention chosen so that people with natural "
        "side differences of about 8 % are rarely called asymmetric, not a validated norm: "
        "no glute max side-difference norm was found.",
        ("Zifchock 2008", "Norcross 2010"),
    )


def methods_paragraphs(
    rec: Recording, result: BridgeResult, montage: Montage | None = None
) -> list[MethodsSection]:
    """The methods text of a report: electrodes, detection, acquisition, processing, analysis.

    Parameters
    ----------
    rec : Recording
        The session (channels, sites, device, fs, hardware bandwidth, gain).
    result : BridgeResult
        Its analysis (the parameters actually used).
    montage : Montage, optional
        Placement details; by default the montage named in ``rec.info.montage`` when it is a
        shipped one.

    Returns
    -------
    list of MethodsSection
        Plain text (not HTML-escaped); cites are keys of :data:`REFERENCES`.
    """
    p = result.params
    mont = _montage_of(rec, montage)
    emg = [c for c in rec.channels if c.muscle is not None and c.kind != SignalKind.ACCEL]
    return [
        _electrodes_section(rec, emg, mont),
        _acquisition_section(rec, emg),
        _filtering_section(rec.fs, p),
        _amplitude_section(p, result.mvc),
        _onset_section(p),
        _symmetry_section(p),
    ]
