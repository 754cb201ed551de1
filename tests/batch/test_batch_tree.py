"""Issue 11: a study folder is walked recursively and every file is its own session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from emgkit.app.batch import analyze_many, expand_paths, unique_session_ids


def _bids_tree(root: Path, session_files: list[Path], same: bool = False) -> list[Path]:
    """sub-*/ses-*/emg/ with the same file stem everywhere, plus convert's sibling files."""
    made = []
    files = [session_files[0]] * 3 if same else session_files[:3]
    for k, f in enumerate(files):
        d = root / f"sub-0{k + 1}" / "ses-1" / "emg"
        d.mkdir(parents=True)
        dst = d / "s.bdf"
        shutil.copy2(f, dst)
        made.append(dst)
        for side in ("s.events.csv", "s.channels.csv", "s.gaps.csv", "s_events.tsv"):
            (d / side).write_text("onset,duration,label\n0,0,x\n")
    (root / "participants.tsv").write_text("participant_id\nsub-01\n")
    return made


def test_folder_recurses_and_skips_sibling_files(tmp_path: Path, session_files: list[Path]) -> None:
    made = _bids_tree(tmp_path / "study", session_files)
    found = expand_paths(tmp_path / "study")
    assert found == sorted(made)


def test_same_stem_in_three_folders_gives_three_sessions(
    tmp_path: Path, session_files: list[Path], short_protocol: Any
) -> None:
    # three copies of one session (one subject, one header session id "ses-1")
    made = _bids_tree(tmp_path / "study", session_files, same=True)
    assert len(made) == 3
    res = analyze_many(tmp_path / "study", engine="serial", protocol=short_protocol, progress=False)
    assert len(res.sessions) == 3 and (res.sessions["status"] == "analysed").all()
    assert sorted(res.sessions["session"]) == [f"sub-0{k}/ses-1/emg/s" for k in (1, 2, 3)]
    assert res.results.groupby(["subject", "session"]).ngroups == 3


def test_unique_session_ids_known_answer() -> None:
    paths = [Path("/x/a/s.bdf"), Path("/x/b/s.bdf"), Path("/x/c/s.bdf"), Path("/x/c/t.bdf")]
    assert unique_session_ids(["s", "s", "s", "t"], paths) == ["a/s", "b/s", "c/s", "t"]
    # ses-1 of two different subjects is not a collision
    two = [Path("/x/p1.bdf"), Path("/x/p2.bdf")]
    assert unique_session_ids(["ses-1", "ses-1"], two, ["P01", "P02"]) == ["ses-1", "ses-1"]
    assert unique_session_ids(["ses-1", "ses-1"], two, ["P01", "P01"]) == ["p1", "p2"]
    same = [Path("/x/s.bdf"), Path("/x/s.edf")]
    assert unique_session_ids(["s", "s"], same) == ["s.bdf", "s.edf"]
