"""Answers files (TOML/JSON, clear errors) and the ``emgkit session`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emgkit.app.session import load_answers, load_state
from emgkit.cli import main
from emgkit.errors import ConfigError
from emgkit.io import read

TOML = """
[defaults]
pain = 0
felt = []
[trials.slb_left]
pain = 4
felt = ["glute_max_left", "hamstrings"]
[trials.dlb]
skip = true
[abort]
trial = "dlb"
after_rep = 2
"""


def test_toml_and_json_answers_are_the_same(tmp_path: Path) -> None:
    t = tmp_path / "a.toml"
    t.write_text(TOML)
    j = tmp_path / "a.json"
    j.write_text(
        json.dumps(
            {
                "defaults": {"pain": 0, "felt": []},
                "trials": {
                    "slb_left": {"pain": 4, "felt": ["glute_max_left", "hamstrings"]},
                    "dlb": {"skip": True},
                },
                "abort": {"trial": "dlb", "after_rep": 2},
            }
        )
    )
    a, b = load_answers(t), load_answers(j)
    assert (a.trials, a.defaults, a.abort_trial, a.abort_after_rep) == (
        b.trials,
        b.defaults,
        b.abort_trial,
        b.abort_after_rep,
    )
    assert a.for_trial("slb_left").felt == ("glute_max_left", "hamstrings")
    assert a.for_trial("other").pain == 0 and a.for_trial("other").felt == ()
    assert a.for_trial("dlb").skip


@pytest.mark.parametrize(
    ("text", "suffix", "match"),
    [
        ("[trials.x\npain = 3", ".toml", "not valid TOML"),
        ("{", ".json", "not valid JSON"),
        ("[trials.x]\npain = 11", ".toml", "pain must be 0-10"),
        ("[trials.x]\npain = 2.5", ".toml", "whole number 0-10"),
        ('[trials.x]\nfelt = ["quads"]', ".toml", "unknown muscle 'quads'"),
        ("[trials.x]\npian = 3", ".toml", r"unknown key\(s\) \['pian'\]"),
        ("[answers]\nx = 1", ".toml", r"unknown section\(s\) \['answers'\]"),
        ('[abort]\ntrial = "x"\nafter_rep = -1', ".toml", "after_rep must be"),
        ("[abort]\nafter_rep = 1", ".toml", "needs trial"),
        ('[trials.x]\nskip = "yes"', ".toml", "skip must be true or false"),
    ],
)
def test_bad_answers_files(tmp_path: Path, text: str, suffix: str, match: str) -> None:
    p = tmp_path / f"answers{suffix}"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_answers(p)
    assert str(p) in str(info.value)  # the message names the file


def test_missing_answers_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_answers(tmp_path / "nope.toml")


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["session", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "--resume" in text and "--speed" in text and "emulated-arduino" in text


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "--out", str(tmp_path / "s")]) == 2
    assert "--device" in capsys.readouterr().err
    bad = tmp_path / "a.toml"
    bad.write_text("[trials.nope]\npain = 1")
    argv = ["session", "--device", "emulated-arduino", "--out", str(tmp_path / "s")]
    assert main([*argv, "--answers", str(bad), "--short"]) == 2
    assert "not a trial of protocol 'bridge'" in capsys.readouterr().err


def test_cli_scripted_short_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proto = tmp_path / "p.toml"
    proto.write_text(
        'name = "p"\n[[trials]]\nid = "rest"\ntask = "rest"\nhold_s = 1.0\n'
        '[[trials]]\nid = "slb"\ntask = "single_leg_bridge"\nside = "right"\nhold_s = 1.0\n'
        "ask_pain = true\nask_felt = true\n"
    )
    answers = tmp_path / "a.toml"
    answers.write_text('[defaults]\npain = 2\nfelt = ["glute_max_right"]\n')
    out = tmp_path / "s"
    argv = ["session", "--device", "emulated-arduino", "--protocol", str(proto)]
    argv += ["--out", str(out), "--answers", str(answers), "--speed", "25", "--subject", "P1"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"session (BDF+): {out / 'session.bdf'}" in printed
    rec = read(out / "session.bdf")
    assert rec.info.subject == "P1"
    assert [(e.label, e.trial, e.value) for e in rec.events] == [
        ("trial", "rest", ""),
        ("trial", "slb", ""),
        ("rep", "slb", "1"),
        ("hold", "slb", "1"),
        ("felt", "slb", "glute_max_right"),
        ("pain", "slb", "2"),
    ]
    assert load_state(out)["subject"] == "P1"
