"""Short synthetic bridge sessions (1 kHz, shortened protocol) written as BDF+ for batch tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from emgkit.protocol import Protocol, load_protocol

#: (file stem, profile, subject, session, day, seed): two subjects, two sessions each.
SESSIONS = (
    ("p01_s1", "healthy", "P01", "ses-1", 1, 11),
    ("p01_s2", "healthy", "P01", "ses-2", 8, 12),
    ("p02_s1", "right_inhibition", "P02", "ses-1", 2, 21),
    ("p02_s2", "right_inhibition", "P02", "ses-2", 9, 22),
)


@pytest.fixture(scope="session")
def short_protocol() -> Protocol:
    return load_protocol("bridge").shortened(max_reps=2, hold_scale=0.3, rest_scale=0.2)


@pytest.fixture(scope="session")
def session_files(tmp_path_factory: pytest.TempPathFactory, short_protocol: Protocol) -> list[Path]:
    """Four good BDF+ sessions (read-only: copy them before changing anything)."""
    from emgkit.io import write_bdf
    from emgkit.simulate import synthesize_session

    folder = tmp_path_factory.mktemp("batch_sessions")
    out = []
    for stem, profile, subject, session, day, seed in SESSIONS:
        rec, _ = synthesize_session(
            profile, fs=1000, seed=seed, protocol=short_protocol, subject=subject
        )
        rec.info.session = session
        rec.info.date = dt.datetime(2024, 5, day, 9, 30)
        out.append(write_bdf(rec, folder / f"{stem}.bdf"))
    return out


@pytest.fixture()
def study(tmp_path: Path, session_files: list[Path]) -> Path:
    """A private copy of the four sessions plus a corrupt file, in ``tmp_path/study``."""
    d = tmp_path / "study"
    d.mkdir()
    for f in session_files:
        shutil.copy2(f, d / f.name)
        side = f.with_name(f.name + ".json")
        if side.is_file():
            shutil.copy2(side, d / side.name)
    # a truncated BDF: right header magic, body cut off mid-record
    good = (d / session_files[0].name).read_bytes()
    (d / "p03_broken.bdf").write_bytes(good[:700])
    return d
