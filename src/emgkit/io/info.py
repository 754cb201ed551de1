"""A plain-text summary of a recording, for ``emgkit info FILE``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from emgkit.io._registry import format_title, read
from emgkit.recording import Recording

__all__ = ["describe"]


def _duration(seconds: float) -> str:
    m, s = divmod(seconds, 60.0)
    return f"{seconds:.2f} s" if m < 1 else f"{seconds:.2f} s ({int(m)} min {s:04.1f} s)"


def describe(recording_or_path: Recording | str | Path) -> str:
    """Summarise a recording (or read a file and summarise it).

    Lists the format, duration, sampling rate, each channel (name, muscle, side, kind,
    units), gaps, an events summary, the device and a note when the hardware band or the
    sampling rate limits what sEMG metrics can mean.

    Parameters
    ----------
    recording_or_path : Recording or path

    Returns
    -------
    str
        Several lines of text, no trailing newline.
    """
    if isinstance(recording_or_path, Recording):
        rec = recording_or_path
        source = str(rec.info.extra.get("source_file", "(in memory)"))
    else:
        rec = read(recording_or_path)
        source = str(recording_or_path)
    info = rec.info
    fmt = str(info.extra.get("format", "")) or "-"
    if "gui_generation" in info.extra:
        fmt_text = f"{format_title(fmt)} ({info.extra['gui_generation']})"
    else:
        fmt_text = format_title(fmt)
    start = info.date.isoformat() if info.date else info.extra.get("start_time_of_day", "-")
    lines = [
        f"file:      {source}",
        f"format:    {fmt_text}",
        f"duration:  {_duration(rec.duration)}  ({rec.n_samples} samples)",
        f"fs:        {rec.fs:g} Hz",
        f"device:    {info.device or '-'}"
        + (
            f" (hardware band 0-{info.hardware_bandwidth_hz:g} Hz)"
            if info.hardware_bandwidth_hz
            else ""
        ),
        f"subject:   {info.subject}" + (f", session {info.session}" if info.session else ""),
        f"start:     {start}",
    ]
    if info.montage:
        lines.append(f"montage:   {info.montage}")
    if "measured_rate_hz" in info.extra:
        lines.append(f"timestamps: {info.extra['measured_rate_hz']} Hz measured")
    lines.append(f"channels:  {rec.n_channels}")
    w = max(4, *(len(c.name) for c in rec.channels))
    lines.append(f"  {'name':<{w}}  {'muscle':<15} {'side':<6} {'kind':<9} units")
    for c in rec.channels:
        lines.append(
            f"  {c.name:<{w}}  {c.muscle or '-':<15} {c.side or '-':<6} {c.kind!s:<9} {c.units}"
        )
    if rec.gaps:
        lost = rec.n_missing
        lines.append(
            f"gaps:      {len(rec.gaps)} ({lost} samples = {lost / rec.fs:.3f} s, "
            f"{100.0 * lost / max(rec.n_samples, 1):.2f} % missing)"
        )
        for g in rec.gaps[:5]:
            lines.append(f"  at {g.start / rec.fs:.3f} s: {g.n_samples} samples ({g.reason})")
        if len(rec.gaps) > 5:
            lines.append(f"  ... {len(rec.gaps) - 5} more")
    else:
        lines.append("gaps:      none")
    if rec.events:
        counts = Counter(e.label for e in rec.events)
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))
        lines.append(
            f"events:    {len(rec.events)} ({summary}); first at {rec.events[0].onset:.3f} s"
        )
    else:
        lines.append("events:    none")
    if "counter_wraps" in info.extra:
        lines.append(
            f"counter:   0..{int(info.extra['counter_modulus']) - 1}, "
            f"{info.extra['counter_wraps']} wraps (not gaps)"
        )
    # whatever the file holds and emgkit did not keep as it was, named (issue 11)
    not_kept = info.extra.get("not_kept") or []
    if not_kept:
        shown = ", ".join(str(x) for x in list(not_kept)[:8])
        more = f" and {len(not_kept) - 8} more" if len(not_kept) > 8 else ""
        lines.append(f"not kept:  {len(not_kept)}: {shown}{more}")
    resampled = dict(info.extra.get("resampled_signals") or {})
    if resampled:
        named = ", ".join(f"{k} ({v:g} Hz)" for k, v in resampled.items())
        lines.append(f"resampled: onto {rec.fs:g} Hz (linear; no content above half their rate): ")
        lines[-1] += named
    if rec.band_limited:
        bw = info.hardware_bandwidth_hz
        why = f"hardware band ends at {bw:g} Hz" if bw else f"fs {rec.fs:g} Hz < 1000 Hz"
        lines.append(
            f"note:      band-limited ({why}): sEMG amplitude is underestimated and "
            "spectral/fatigue metrics are not meaningful"
        )
    return "\n".join(lines)
