"""Issue 11, CLI items: help text, output names, --fs checks, errors that speak CLI flags."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from emgkit.cli import _commands, main
from emgkit.cli._args import plain_file_name
from emgkit.errors import ConfigError


def _parsers() -> dict[str, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser(prog="emgkit")
    sub = parser.add_subparsers(dest="command")
    table: dict[str, object] = {}
    _commands.register(sub, table)  # type: ignore[arg-type]
    return dict(sub.choices)


def test_no_help_prints_a_doubled_percent() -> None:
    for name, p in _parsers().items():
        text = p.format_help()
        assert "%%" not in text, name
    for name in ("demo", "analyze", "compare"):
        assert "%MVC" in _parsers()[name].format_help()


@pytest.mark.parametrize("name", ["info", "analyze", "recover", "devices"])
def test_help_has_examples(name: str) -> None:
    text = _parsers()[name].format_help()
    assert "examples:" in text
    assert f"emgkit {name} " in text.split("examples:")[1]


@pytest.mark.parametrize("bad", ["../../x", "sub/x", "/tmp/x", "..", "", "a\\b"])
def test_report_name_must_be_a_plain_file_name(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b"
    rc = main(["report", str(tmp_path / "s.bdf"), "--out", str(out), "--name", bad])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--name" in err and "plain file name" in err and "Traceback" not in err
    assert list(tmp_path.rglob("*")) == []  # nothing written anywhere


def test_plain_file_name_accepts_plain_names() -> None:
    assert plain_file_name("P007_week4", "--name") == "P007_week4"
    with pytest.raises(ConfigError, match="--name"):
        plain_file_name("../x", "--name")


@pytest.mark.parametrize(
    ("device", "fs", "says"),
    [
        ("emulated-arduino", "0", "positive rate"),
        ("emulated-arduino", "-3", "positive rate"),
        ("emulated-arduino", "1000.5", "whole number"),
        ("emulated-arduino", "20000", "64000 conversions"),
        ("emulated-cyton", "500", "250 Hz only"),
        ("cyton", "1000", "250 Hz only"),
    ],
)
def test_record_refuses_a_rate_the_device_cannot_stream(
    device: str, fs: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.bdf"
    argv = ["record", device, "--out", str(out), "--fs", fs, "--no-live", "--duration", "1"]
    if not device.startswith("emulated"):
        argv += ["--port", "/dev/null-none"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "--fs" in err
    assert not out.exists() and not (tmp_path / "s.bdf.journal").exists()


def test_session_checks_fs_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["session", "--device", "emulated-cyton", "--out", str(tmp_path / "s"), "--fs", "1000"]
    assert main(argv) == 2
    assert "250 Hz only" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
