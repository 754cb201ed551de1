"""Muscle names, groups and display names: the one home of these facts.

Muscle keys are emgkit's own convention (snake_case site names used in montages, channel
tables and result tables), not a standard vocabulary. The long names follow the SENIAM
recommendations for sensor sites (Hermens et al., 2000, J Electromyogr Kinesiol 10:361-374;
see ``docs/electrodes.md``); the groups are how the bridge analysis pairs sites (clinical
reasoning in ``clinical-anchors.md`` section 3).
"""

from __future__ import annotations

__all__ = [
    "GLUTE",
    "HAMSTRING_MUSCLES",
    "MUSCLES",
    "SHORT_NAMES",
    "TRUNK_MUSCLES",
    "display_name",
]

#: Known muscle keys -> long display name (a convention of emgkit; SENIAM site names).
MUSCLES: dict[str, str] = {
    "glute_max": "gluteus maximus",
    "hamstrings": "hamstrings (biceps femoris site)",
    "biceps_femoris": "biceps femoris (lateral hamstrings)",
    "semitendinosus": "semitendinosus (medial hamstrings)",
    "erector_spinae": "lumbar erector spinae",
    "multifidus": "lumbar paraspinal (multifidus site)",
    "glute_med": "gluteus medius",
    "other": "other / unassigned",
}

#: The prime mover of the bridge.
GLUTE = "glute_max"
#: Hamstring sites (the synergist whose dominance the glute:hamstring ratio looks for).
HAMSTRING_MUSCLES: tuple[str, ...] = ("hamstrings", "biceps_femoris", "semitendinosus")
#: Lumbar trunk sites (the glute:erector ratio's denominator; high-passed at 30 Hz for ECG).
TRUNK_MUSCLES: tuple[str, ...] = ("erector_spinae", "multifidus")

#: Short labels for table columns and figure legends.
SHORT_NAMES: dict[str, str] = {
    "glute_max": "glute max",
    "hamstrings": "hamstrings",
    "biceps_femoris": "biceps fem.",
    "semitendinosus": "semitend.",
    "erector_spinae": "erector",
    "multifidus": "multifidus",
    "glute_med": "glute med",
}

#: Plain-language names for sentences (the interpretation).
_PLAIN: dict[str, str] = {
    "glute_max": "glute max",
    "hamstrings": "hamstrings",
    "biceps_femoris": "biceps femoris",
    "semitendinosus": "semitendinosus",
    "erector_spinae": "lumbar erector spinae",
    "multifidus": "multifidus",
    "glute_med": "glute med",
}


def display_name(muscle: object, style: str = "short") -> str:
    """How to show a muscle key to people.

    Parameters
    ----------
    muscle : str
        A muscle key (``"erector_spinae"``); unknown keys are shown with spaces for
        underscores.
    style : {"short", "plain", "long"}
        ``"short"`` for tables and legends (``"erector"``), ``"plain"`` for sentences
        (``"lumbar erector spinae"``), ``"long"`` for metadata (the SENIAM site name).

    Returns
    -------
    str
        The label.
    """
    key = str(muscle)
    table = {"short": SHORT_NAMES, "plain": _PLAIN, "long": MUSCLES}.get(style)
    if table is None:
        raise ValueError(f"style must be 'short', 'plain' or 'long', got {style!r}")
    return table.get(key, key.replace("_", " "))
