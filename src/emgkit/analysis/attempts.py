"""Repeated trials: which attempt of a trial the analysis uses.

When the operator repeats a trial (``emgkit session`` / ``emgkit ui``: "repeat"), the first
attempt's markers are not deleted (the journal is append-only, and the attempt is part of what
happened); the session writes a ``discarded`` span (``trial`` = the trial id, ``value`` =
``"attempt N"``) over it. :func:`drop_discarded` removes every event of that trial inside such a
span, so the analysis sees only the attempt that was kept: the last one.
"""

from __future__ import annotations

from emgkit.recording import Event, Recording

__all__ = ["DISCARDED", "drop_discarded"]

#: Label of the span that marks an abandoned or repeated attempt of a trial.
DISCARDED = "discarded"


def drop_discarded(rec: Recording) -> Recording:
    """``rec`` without the events of discarded trial attempts.

    An event is dropped when a ``discarded`` span of the same trial contains its onset
    (half-open: ``onset <= t < onset + duration``); the ``discarded`` spans themselves are
    kept, so the file still says what was repeated.

    Parameters
    ----------
    rec : Recording

    Returns
    -------
    Recording
        ``rec`` itself when it has no ``discarded`` span, else a recording sharing ``rec``'s
        data array, with fewer events.

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.recording import Event, Recording
    >>> ev = [Event(1.0, 2.0, "hold", "t1", "1"), Event(0.5, 3.0, "discarded", "t1", "attempt 1"),
    ...       Event(5.0, 2.0, "hold", "t1", "1")]
    >>> r = drop_discarded(Recording(np.zeros((8000, 1)), 1000.0, ["a"], ev))
    >>> [(e.label, e.onset) for e in r.events]
    [('discarded', 0.5), ('hold', 5.0)]
    """
    spans = [e for e in rec.events if e.label == DISCARDED]
    if not spans:
        return rec
    half = 0.5 / rec.fs  # onsets come from sample indices: compare to within half a sample

    def discarded(e: Event) -> bool:
        return e.label != DISCARDED and any(
            s.trial == e.trial and s.onset - half <= e.onset < s.onset + s.duration - half
            for s in spans
        )

    kept = [e for e in rec.events if not discarded(e)]
    return Recording(rec.data, rec.fs, rec.channels, kept, rec.gaps, rec.info)
