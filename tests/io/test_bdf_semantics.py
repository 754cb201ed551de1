"""A session stays the same session: channel semantics live in the BDF+ itself, and the
sidecar is matched to its file by content, not by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_edf import _recording

from emgkit.io import read, write_bdf
from emgkit.io.edf import decode_transducer, encode_transducer, sidecar_path
from emgkit.recording import Channel, SignalKind


def _sem(rec: object) -> list[tuple[object, ...]]:
    return [(c.name, c.muscle, c.side, str(c.kind), c.units, c.site) for c in rec.channels]  # type: ignore[attr-defined]


def test_renamed_file_without_sidecar_keeps_channels(tmp_path: Path) -> None:
    rec = _recording()
    f = write_bdf(rec, tmp_path / "s.bdf")
    moved = f.rename(tmp_path / "renamed.bdf")  # the sidecar stays behind as s.bdf.json
    back = read(moved)
    assert _sem(back) == _sem(rec)
    assert back.info.subject == "P007" and back.info.session == "ses-01"


def test_renamed_pair_uses_its_sidecar(tmp_path: Path) -> None:
    rec = _recording()
    f = write_bdf(rec, tmp_path / "s.bdf")
    g = tmp_path / "copy.bdf"
    shutil.copy(f, g)
    shutil.copy(sidecar_path(f), sidecar_path(g))
    back = read(g)
    assert (back.info.firmware, back.info.gain, back.info.montage) == ("v3.1.2", 24.0, "bridge6")
    assert back.info.date == rec.info.date  # microseconds: sidecar only


def test_sidecar_of_other_content_is_ignored(tmp_path: Path) -> None:
    a = write_bdf(_recording(), tmp_path / "a.bdf")
    other = _recording(n=900)
    b = write_bdf(other, tmp_path / "b.bdf", sidecar=False)
    shutil.copy(sidecar_path(a), sidecar_path(b))  # a's sidecar, under b's name
    with pytest.warns(UserWarning, match=r"b\.bdf\.json.*another file"):
        back = read(b)
    assert back.n_samples == 900  # not a's 1234
    assert back.info.firmware == ""  # a's metadata not applied
    assert _sem(back) == _sem(other)  # the BDF's own fields still hold the channels


def test_transducer_codec_fits_and_round_trips() -> None:
    ch = Channel("erector_spinae_L", "erector_spinae", "left", site="L3 paraspinal, 2 cm lateral")
    text = encode_transducer(ch, "erector_spina~1")
    assert len(text) <= 80 and text.startswith("sEMG surface electrodes")
    # muscle, side and kind always fit; this long site and the full name do not (sidecar)
    assert decode_transducer(text) == {"muscle": "erector_spinae", "side": "left", "kind": "raw"}
    short = Channel("es_L", "erector_spinae", "left", site="L3;2=x")
    assert decode_transducer(encode_transducer(short, "es_L")) == {
        "muscle": "erector_spinae",
        "side": "left",
        "kind": "raw",
        "site": "L3;2=x",
    }
    assert decode_transducer("AgAgCl electrode") == {}
    long = Channel("x" * 40, "glute_max", "right", SignalKind.ENVELOPE, site="y" * 80)
    t2 = encode_transducer(long, "x" * 16)
    assert len(t2) <= 80 and decode_transducer(t2)["muscle"] == "glute_max"


def test_bids_export_is_analysable(tmp_path: Path) -> None:
    from emgkit.io import write_bids

    rec = _recording()
    write_bids(rec, tmp_path / "bids", subject="P007", task="bridge", session="1")
    (f,) = (tmp_path / "bids").rglob("*_emg.bdf")
    back = read(f)
    assert [(c.muscle, c.side) for c in back.channels][:2] == [
        ("glute_max", "left"),
        ("hamstrings", "right"),
    ]
