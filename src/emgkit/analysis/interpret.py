"""Interpretation of bridge results: literature-grounded flags worded with their uncertainty.

Contract (used by the report): ``interpret(result) -> list[Flag]``. Flags never diagnose; a
normal pattern (hamstrings before glute max; glute:erector < 1 in a double-leg bridge) is said
to be normal, not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult

__all__ = ["LEVELS", "Flag", "interpret"]

#: ``notable``: a pattern worth a clinician's look; ``info``: context, including patterns that
#: are normal; ``limitation``: what the recording cannot support.
LEVELS = ("notable", "info", "limitation")


@dataclass(frozen=True, slots=True)
class Flag:
    """One interpretation statement.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"glute_asymmetry"``, ``"compensation"``, ``"onset_order"``,
        ``"band_limited"``.
    level : {"notable", "info", "limitation"}
    message : str
        Plain-language statement with its uncertainty; never a diagnosis.
    muscle, side, trial : str or None
        What it is about.
    evidence : dict of str to float
        The numbers behind it (e.g. symmetry angle, threshold, n_epochs).
    references : tuple of str
        Short citations (see docs/analysis.md).
    """

    code: str
    level: str
    message: str
    muscle: str | None = None
    side: str | None = None
    trial: str | None = None
    evidence: dict[str, float] = field(default_factory=dict)
    references: tuple[str, ...] = ()


def interpret(result: BridgeResult) -> list[Flag]:
    """Flags for a bridge result (see the module docstring)."""
    raise NotImplementedError("interpretation flags are being written (issue 4)")
