"""``emgkit report`` with its helper interpreter: same files as one process, fallback, no orphan."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.cli import _report_helper as _helper
from emgkit.cli import main
from emgkit.io import read
from emgkit.io.edf import write_bdf
from emgkit.protocol import load_protocol


@pytest.fixture(autouse=True)
def _helper_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper regardless of the machine's load (the tests below are about it)."""
    monkeypatch.setenv(_helper.ENV_SWITCH, "1")


@pytest.fixture(scope="module")
def bdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=1000.0, protocol=proto, seed=3)
    path = tmp_path_factory.mktemp("session") / "s.bdf"
    write_bdf(rec, path)
    return path


@pytest.fixture(scope="module")
def one_process(bdf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report written by the command with the helper switched off."""
    out = tmp_path_factory.mktemp("one")
    mp = pytest.MonkeyPatch()
    mp.setenv(_helper.ENV_SWITCH, "0")
    try:
        assert main(["report", str(bdf), "--out", str(out)]) == 0
    finally:
        mp.undo()
    return out


def _same(a: Path, b: Path) -> None:
    for name in ("report.html", "report.pdf"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_helper_writes_the_same_files(bdf: Path, one_process: Path, tmp_path: Path) -> None:
    """The helper itself writes the report (no silent fallback), byte for byte the same."""
    helper = _helper.start(str(bdf), None, str(tmp_path), "report")
    assert helper is not None
    rec = read(str(bdf))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyze_bridge(rec, None)
    written = helper.finish(result)
    assert written == (tmp_path / "report.html", tmp_path / "report.pdf")
    assert helper.proc.returncode is not None  # reaped (killed once it answered, see close)
    _same(one_process, tmp_path)


def test_command_with_helper(
    bdf: Path, one_process: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(bdf), "--out", str(tmp_path)]) == 0
    assert str((tmp_path / "report.pdf").resolve()) in capsys.readouterr().out
    _same(one_process, tmp_path)


@pytest.mark.parametrize(
    "code",
    [
        "import sys; sys.exit(3)",  # dies at once
        "import sys; sys.stdin.buffer.read(); sys.stdout.buffer.write(b'garbage')",
        "import pickle, sys; pickle.load(sys.stdin.buffer); pickle.load(sys.stdin.buffer); "
        "pickle.dump(('fail', 'X', 'y', []), sys.stdout.buffer)",
    ],
)
def test_a_failing_helper_falls_back_to_the_same_files(
    bdf: Path, one_process: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    monkeypatch.setattr(_helper, "helper_command", lambda: [sys.executable, "-c", code])
    assert main(["report", str(bdf), "--out", str(tmp_path)]) == 0
    _same(one_process, tmp_path)


def test_helper_that_cannot_start_falls_back(
    bdf: Path, one_process: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_helper, "helper_command", lambda: [str(tmp_path / "no-such-python")])
    assert _helper.start(str(bdf), None, str(tmp_path), "report") is None
    assert main(["report", str(bdf), "--out", str(tmp_path)]) == 0
    _same(one_process, tmp_path)


def test_helper_running_another_emgkit_fails(bdf: Path, tmp_path: Path) -> None:
    """A helper that would import emgkit from elsewhere refuses (the caller then writes)."""
    proc = subprocess.Popen(_helper.helper_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    job = {"file": str(bdf), "montage": None, "out": str(tmp_path), "name": "r"}
    out, _ = proc.communicate(pickle.dumps({**job, "package": str(tmp_path)}))
    assert pickle.loads(out)[:2] == ("fail", "RuntimeError")
    assert not (tmp_path / "r.html").exists()


def test_off_switch(bdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_helper.ENV_SWITCH, "0")
    assert _helper.start(str(bdf), None, str(tmp_path), "report") is None


def test_helper_only_with_a_free_core(
    bdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(_helper.ENV_SWITCH)
    monkeypatch.setattr(_helper, "core_free", lambda: False)
    assert _helper.start(str(bdf), None, str(tmp_path), "report") is None
    monkeypatch.setattr(_helper, "core_free", lambda: True)
    helper = _helper.start(str(bdf), None, str(tmp_path), "report")
    assert helper is not None
    helper.close()


@pytest.mark.skipif(not hasattr(__import__("os"), "getloadavg"), reason="no load average")
def test_core_free_reads_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(os, "getloadavg", lambda: (2.5, 0.0, 0.0))
    assert _helper.core_free()
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 0.0, 0.0))
    assert not _helper.core_free()
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
        monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
        assert not _helper.core_free()


def test_helper_stops_when_its_caller_goes_away(bdf: Path, tmp_path: Path) -> None:
    """Closing the pipe (what the caller's death does) ends the helper by itself."""
    helper = _helper.start(str(bdf), None, str(tmp_path), "report")
    assert helper is not None
    assert helper.proc.stdin is not None
    helper.proc.stdin.close()
    # it finishes its imports, finds the pipe closed and exits with 1 (not killed)
    assert helper.proc.wait(timeout=120) == 1
    helper.close()
    assert not (tmp_path / "report.html").exists()


def test_caller_error_leaves_no_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file the analysis cannot read: the usual error, and the helper is reaped."""
    started: list[subprocess.Popen[bytes]] = []
    real = _helper.start

    def spy(*a: object) -> _helper.ReportHelper | None:
        h = real(*a)  # type: ignore[arg-type]
        if h is not None:
            started.append(h.proc)
        return h

    monkeypatch.setattr(_helper, "start", spy)
    bad = tmp_path / "bad.bdf"
    bad.write_bytes(b"not a bdf")
    assert main(["report", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "error" in capsys.readouterr().err
    assert started and all(p.returncode is not None for p in started)


def test_helper_warnings_are_shown_by_the_caller(
    bdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    code = (
        "import pickle, sys; pickle.load(sys.stdin.buffer); pickle.load(sys.stdin.buffer); "
        f"pickle.dump(('ok', {str(html)!r}, {str(pdf)!r}, [(UserWarning, 'from the helper')]), "
        "sys.stdout.buffer)"
    )
    monkeypatch.setattr(_helper, "helper_command", lambda: [sys.executable, "-c", code])
    helper = _helper.start(str(bdf), None, str(tmp_path), "r")
    assert helper is not None
    with pytest.warns(UserWarning, match="from the helper"):
        assert helper.finish({"stand-in": "result"}) == (html, pdf)
