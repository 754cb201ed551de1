"""``--threads`` of ``emgkit analyze`` and ``report``: a checked flag, passed on as ``workers``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emgkit.cli import main


@pytest.mark.parametrize("command", ["analyze", "report"])
@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_bad_thread_count_is_a_flag_error(
    command: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, str(tmp_path / "s.bdf"), "--threads", value]
    if command == "report":
        argv += ["--out", str(tmp_path / "r")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--threads" in err and "whole number >= 1" in err and "Traceback" not in err


def test_threads_reach_the_analysis_and_do_not_change_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import emgkit.analysis.bridge as bridge
    from emgkit.io import write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    protocol = load_protocol("bridge").shortened(max_reps=2, rest_scale=0.3)
    rec, _ = synthesize_session("right_inhibition", fs=1000.0, protocol=protocol, seed=4)
    bdf = write_bdf(rec, tmp_path / "s.bdf")
    seen: list[Any] = []
    real = bridge.analyze_bridge

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("workers", "absent"))
        return real(*args, **kwargs)

    monkeypatch.setattr(bridge, "analyze_bridge", spy)
    printed = []
    for argv in (["--threads", "1"], ["--threads", "2"], []):
        assert main(["analyze", str(bdf), *argv]) == 0
        printed.append(capsys.readouterr().out)
    assert seen == [1, 2, None]
    assert printed[0] == printed[1] == printed[2]
