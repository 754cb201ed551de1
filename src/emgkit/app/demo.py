"""``emgkit demo``: a synthetic bridge session analysed end to end, no hardware needed.

The synthetic subject has right-side gluteal inhibition. By default its signals are streamed
through an emulated MyoWare/Arduino device that speaks our framed serial protocol on a
pseudo-terminal, recorded by the real reader/journal/recorder path, saved as BDF+, analysed with
the default pipeline, summarised per trial, muscle and side, plotted, and written up as an HTML
and PDF report.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emgkit.analysis.bridge import BridgeResult
from emgkit.recording import Recording

__all__ = ["DemoOutput", "run_demo"]


@dataclass(slots=True)
class DemoOutput:
    """Where the demo wrote its files, and what it computed."""

    recording: Recording
    result: BridgeResult
    session_path: Path
    figure_path: Path
    bars_path: Path
    timings: dict[str, float]
    device: str | None = None
    n_sent: int = 0
    max_error_uv: float = 0.0
    report_html: Path | None = None
    report_pdf: Path | None = None


def run_demo(
    out_dir: str | Path = "emgkit-demo",
    *,
    profile: str = "right_inhibition",
    seed: int = 1,
    fs: float = 2000.0,
    reps: int = 3,
    device: str | None = "emulated-arduino",
    log: Callable[[str], None] = print,
) -> DemoOutput:
    """Synthesise, save, analyse and plot a bridge session.

    Parameters
    ----------
    out_dir : path
        Folder for the session (BDF+) and figures; created if missing.
    profile : str
        Synthetic subject profile (see :data:`emgkit.simulate.PROFILES`).
    seed : int
        Random seed (the demo is deterministic for a seed).
    fs : float
        Sampling rate in Hz.
    reps : int
        Repetitions per double-leg set (the full protocol has 2 x 20; the demo shortens it).
    device : str or None
        ``"emulated-arduino"`` (default): record through the emulated device and the real serial
        path; None: save the synthetic recording directly.
    log : callable
        Where progress lines go.
    """
    from emgkit.analysis.bridge import analyze_bridge, envelopes
    from emgkit.io.edf import write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.report.figures import plot_envelopes, plot_pct_mvc
    from emgkit.simulate import synthesize_session

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    protocol = load_protocol("bridge").shortened(max_reps=reps, rest_scale=0.3)

    t0 = time.perf_counter()
    rec, _truth = synthesize_session(profile, fs=fs, protocol=protocol, seed=seed)
    timings["synthesise"] = time.perf_counter() - t0
    log(
        f"synthetic subject {rec.info.subject} ({profile}, seed {seed}): "
        f"{rec.n_channels} channels @ {rec.fs:g} Hz, {rec.duration:.0f} s, "
        f"{len(rec.events_for(label='hold'))} holds"
    )

    session_path = out / f"sub-{rec.info.subject}_bridge.bdf"
    n_sent, max_err = rec.n_samples, 0.0
    t0 = time.perf_counter()
    if device is not None:
        # the recorder writes the session file (journal -> BDF+, verified)
        rec, max_err = _record_through(device, rec, session_path, log)
        timings["record"] = time.perf_counter() - t0
    else:
        write_bdf(rec, session_path)
        timings["save"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        result = analyze_bridge(rec, protocol)
    timings["analyse"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    _, env = envelopes(rec.pick(kind="raw"), result.params)
    mvc = dict(zip(result.mvc["channel"], result.mvc["mvc_uv"], strict=True))
    figure_path = out / "envelopes.png"
    plot_envelopes(rec.pick(kind="raw"), env, mvc, save=figure_path)
    bars_path = out / "pct_mvc.png"
    plot_pct_mvc(result, save=bars_path)
    timings["plot"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    from emgkit.report.html import write_report

    paths = write_report(rec, result, out)
    timings["report"] = time.perf_counter() - t0
    return DemoOutput(
        rec,
        result,
        session_path,
        figure_path,
        bars_path,
        timings,
        device,
        n_sent,
        max_err,
        paths.html,
        paths.pdf,
    )


def _record_through(
    device: str, synthetic: Recording, session_path: Path, log: Callable[[str], None]
) -> tuple[Recording, float]:
    """Stream ``synthetic`` through an emulated device and record it with the real serial path.

    The protocol markers of the synthetic session go into the recorder's journal at their
    sample positions, as ``emgkit session`` writes them live, so the recorder writes the
    session file once, markers included. Returns the recorded session and the largest
    difference from what the subject produced (ADC quantisation).
    """
    import numpy as np

    from emgkit.app.emulated import recorder as make_recorder
    from emgkit.errors import RecordingError
    from emgkit.io import read

    if device != "emulated-arduino":
        raise ValueError(f"the demo records through 'emulated-arduino' only, not {device!r}")
    rec = make_recorder(
        device,
        out=session_path,
        montage=synthetic.info.montage or "bridge6",
        fs=synthetic.fs,
        n_channels=synthetic.n_channels,
        subject=synthetic.info.subject,
        notes=f"emulated device; {synthetic.info.notes}".strip("; "),
        emulator={"samples_uv": synthetic.data, "realtime": False},
    ).start()
    try:
        rec.emulator.wait_done(600)
        deadline = time.monotonic() + 10
        while rec.n_samples < synthetic.n_samples and time.monotonic() < deadline:
            time.sleep(0.05)
        for ev in synthetic.events:
            rec.add_marker(
                ev.label,
                ev.value,
                ev.trial,
                sample=round(ev.onset * synthetic.fs),
                duration=ev.duration,
            )
    finally:
        path = rec.stop()
    recorded = read(path)
    if recorded.n_samples != synthetic.n_samples:
        raise RecordingError(
            f"the emulated recording holds {recorded.n_samples} of {synthetic.n_samples} samples"
        )
    err = float(np.nanmax(np.abs(recorded.data - synthetic.data)))
    log(
        f"recorded through {device} on a pseudo-terminal (framed protocol, CRC, sequence "
        f"numbers): {recorded.n_samples} of {synthetic.n_samples} samples, "
        f"{len(recorded.gaps)} gaps, largest ADC quantisation error {err:.2f} uV"
    )
    recorded.info.extra.update(synthetic.info.extra)  # profile and seed, for this run's output
    return recorded, err
