"""`emgkit mark`: a recording without markers gets trials from a table and then analyses like a
recorded session; wrong tables are refused in CLI words."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.markers import attach_markers, read_marker_table, write_marker_table
from emgkit.errors import ConfigError, FormatError
from emgkit.recording import Recording


@pytest.fixture(scope="module")
def session() -> tuple[Recording, Recording]:
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2)
    rec, _ = synthesize_session("left_inhibition", fs=1000, protocol=proto, seed=4)
    bare = rec.copy()
    bare.events = []
    return rec, bare


def _table(rec: Recording, path) -> None:
    """The true reps and holds of ``rec`` as a marker table (what a user would type)."""
    holds = {(e.trial, e.value): e for e in rec.events if e.label == "hold"}
    pain = {e.trial: e.value for e in rec.events if e.label == "pain"}
    lines = ["trial\tstart\tend\thold_start\thold_end\tpain"]
    for e in rec.events:
        if e.label == "rep":
            h = holds[(e.trial, e.value)]
            lines.append(
                f"{e.trial}\t{e.onset}\t{e.onset + e.duration}\t{h.onset}\t"
                f"{h.onset + h.duration}\t{pain.get(e.trial, '')}"
            )
        elif e.label == "trial" and e.trial == "rest":
            lines.append(f"rest\t{e.onset}\t{e.onset + e.duration}\t\t\t")
    path.write_text("\n".join(lines) + "\n")


def test_marked_file_analyses_like_the_recorded_one(session, tmp_path):
    rec, bare = session
    _table(rec, tmp_path / "m.tsv")
    rows = read_marker_table(tmp_path / "m.tsv")
    marked = attach_markers(bare, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = analyze_bridge(rec, "bridge")
        got = analyze_bridge(marked, "bridge")
    assert len(got.mvc) == len(want.mvc) and got.mvc["mvc_uv"].notna().all()
    np.testing.assert_allclose(
        got.summary["pct_mvc"].to_numpy(float), want.summary["pct_mvc"].to_numpy(float), rtol=1e-9
    )
    g = got.symmetry[
        (got.symmetry.comparison == "single_leg_bridge") & (got.symmetry.muscle == "glute_max")
    ].iloc[0]
    assert g["lower_side"] == "left"
    # the table round-trips
    write_marker_table(rows, tmp_path / "again.csv")
    assert read_marker_table(tmp_path / "again.csv") == rows


def test_bad_tables_are_refused(session, tmp_path):
    _, bare = session
    p = tmp_path / "t.csv"
    p.write_text("trial,start\nslb_left,1\n")
    with pytest.raises(FormatError, match="missing end"):
        read_marker_table(p)
    p.write_text("trial,start,end\nslb_left,5,3\n")
    with pytest.raises(FormatError, match="line 2: end"):
        read_marker_table(p)
    p.write_text("trial,start,end\nsingle_leg,1,5\n")
    with pytest.raises(ConfigError, match="single_leg are not in the protocol"):
        attach_markers(bare, read_marker_table(p))
    p.write_text(f"trial,start,end\nslb_left,1,{bare.duration + 5}\n")
    with pytest.raises(ConfigError, match="outside the recording"):
        attach_markers(bare, read_marker_table(p))
    p.write_text("trial,start,end\nslb_left,1,5\nslb_right,4,8\n")
    with pytest.raises(ConfigError, match="overlap"):
        attach_markers(bare, read_marker_table(p))


def test_cli_mark_then_report(session, tmp_path, capsys):
    from emgkit.cli import main
    from emgkit.io.edf import write_bdf

    rec, bare = session
    raw = tmp_path / "raw.bdf"
    write_bdf(bare, raw)
    _table(rec, tmp_path / "m.tsv")
    out = tmp_path / "marked.bdf"
    assert main(["mark", str(raw), "--table", str(tmp_path / "m.tsv"), "--out", str(out)]) == 0
    assert "trials attached" in capsys.readouterr().out
    # already marked: refused in CLI words, no traceback
    rc = main(["mark", str(out), "--table", str(tmp_path / "m.tsv"), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc != 0 and "--replace" in err and "Traceback" not in err
    from emgkit.io import read

    back = read(out)
    assert len(back.events_for(label="hold")) == len(rec.events_for(label="hold"))
    # the automatic route writes a table and a review figure
    assert main(["mark", str(raw), "--auto", "--out", str(tmp_path / "rev")]) == 0
    said = capsys.readouterr().out
    assert "review figure" in said
    rows = read_marker_table(tmp_path / "rev" / "markers.csv")
    assert rows and all(r.trial.startswith("auto_") for r in rows)
    assert (tmp_path / "rev" / "markers_review.svg").read_text().lstrip().startswith("<?xml")
