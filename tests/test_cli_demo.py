"""The command line: --help everywhere, and `emgkit demo` end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from emgkit.cli import main


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "info", "analyze", "record", "recover", "devices"):
        assert cmd in out


def test_help_is_fast_and_imports_no_heavy_modules() -> None:
    code = (
        "import sys; from emgkit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('scipy', 'pandas', 'matplotlib', 'numba') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "demo"
    assert main(["demo", "--out", str(out_dir), "--reps", "2", "--fs", "1000"]) == 0
    text = capsys.readouterr().out
    assert "right_inhibition" in text
    # a guided session on the emulated device on a pty: the cued subject acted out every trial,
    # every sample arrived (no gaps), and glute max %MVC agrees with the subject's truth
    import re

    pattern = r"acted out (\d+) cued trials; \d+ samples \(\d+ s\) at 1000 Hz, (\d+) gaps"
    m = re.search(pattern, text)
    assert m, text
    assert int(m.group(1)) == 15 and m.group(2) == "0"
    m = re.search(r"median relative error (\d+) % over (\d+)\)", text)
    assert m, text
    assert int(m.group(1)) <= 10 and int(m.group(2)) >= 8
    assert "slb_left" in text and "dlb_squeeze" in text
    assert "glute max" in text
    bdf = out_dir / "session" / "session.bdf"
    assert (out_dir / "envelopes.png").stat().st_size > 10_000
    assert (out_dir / "pct_mvc.png").stat().st_size > 5_000
    html = (out_dir / "report.html").read_text()
    assert "SYN-001" in html and "<svg" in html
    assert (out_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "report:" in text

    from emgkit.io import read

    rec = read(bdf)
    assert rec.fs == 1000.0
    assert [c.muscle for c in rec.channels][:2] == ["glute_max", "glute_max"]
    assert rec.events_for(label="hold")
    # the session is labelled, so the report never names it "Session -" or "not labelled"
    assert rec.info.session.startswith("demo (right_inhibition")
    assert "Session demo (right_inhibition" in html


def test_error_is_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("not a recording\n")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "emgkit info: error:" in err and "x.txt" in err


def test_demo_without_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--reps", "1", "--fs", "1000", "--no-device"]) == 0
    assert "pseudo-terminal" not in capsys.readouterr().out


def test_analyze_writes_tidy_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from emgkit.io import read_results, write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    protocol = load_protocol("bridge").shortened(max_reps=2, rest_scale=0.3)
    rec, truth = synthesize_session("right_inhibition", fs=1000.0, protocol=protocol, seed=3)
    bdf = write_bdf(rec, tmp_path / "s.bdf")
    out = tmp_path / "res"
    assert main(["analyze", str(bdf), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "single_leg_bridge" in printed
    # the left/right table says the interval and the three-way outcome, not a bare yes/no
    assert "95 % interval" in printed and "outcome" in printed
    outcomes = ("likely asymmetric", "inconclusive", "no meaningful difference")
    assert any(o in printed for o in outcomes)
    assert "MDC95" not in printed and "7 % floor" not in printed
    # what --out promises: tables, the interpretation and the figures
    assert {p.name for p in out.iterdir()} >= {
        "summary.csv",
        "results.parquet",
        "interpretation.txt",
        "envelopes.png",
        "pct_mvc.png",
    }
    text = (out / "interpretation.txt").read_text(encoding="utf-8")
    assert "right" in text and "glute max" in text.lower().replace("_", " ")
    assert (out / "envelopes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    df, meta = read_results(out / "results.parquet")
    from emgkit import __version__

    assert meta["emgkit_version"] == __version__
    assert meta["params"]["rms_window_s"] == 0.1
    assert meta["params"]["band_low_hz"] == 20.0
    pct = df[(df.metric == "pct_mvc") & (df.table == "summary")]
    row = pct[(pct.trial == "slb_right") & (pct.muscle == "glute_max") & (pct.side == "right")]
    true = truth.summary()
    t = true[(true.trial == "slb_right") & (true.muscle == "glute_max") & (true.side == "right")]
    assert float(row["value"].iloc[0]) == pytest.approx(float(t["pct_mvc"].iloc[0]), rel=0.1)
