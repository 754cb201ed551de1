"""Progress: one tqdm bar over sessions, on stderr; cached sessions count as done."""

from __future__ import annotations

from typing import Any


def session_bar(total: int, done: int, *, enabled: bool) -> Any:
    """Open the progress bar of a batch.

    Parameters
    ----------
    total : int
        Sessions in the batch.
    done : int
        Sessions already done (taken from the cache).
    enabled : bool
        ``False`` gives a disabled bar (same interface, prints nothing).

    Returns
    -------
    tqdm.tqdm
        Call ``update(1)`` per finished session and ``close()`` at the end.
    """
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=done,
        desc="sessions",
        unit="session",
        disable=not enabled,
        dynamic_ncols=True,
    )
