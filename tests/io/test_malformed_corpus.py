"""Every malformed file of the corpus (tests/io/malformed_corpus.py) through ``emgkit info``,
``analyze``, ``convert`` and ``batch``: a named error, exit code 2, no traceback, and a peak
memory (the child's own ru_maxrss) below twice the file size plus 300 MB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from malformed_corpus import CASES, COMMANDS

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "src"
MB = 2**20


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from malformed_corpus import build

    root = tmp_path_factory.mktemp("corpus")
    build(root)
    return root


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    kinds = {c.filename.rsplit(".", 1)[-1] for c in CASES}
    assert {"edf", "bdf", "txt", "csv", "xdf"} <= kinds


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_malformed_file_fails_cleanly(corpus: Path, command: str) -> None:
    out = corpus / f"_{command}.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(HERE / "malformed_corpus.py"),
            "run",
            str(corpus),
            "--commands",
            command,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert len(results) == len(CASES)
    bad = []
    for r in results:
        why = []
        if r["exit_code"] != 2:
            why.append(f"exit {r['exit_code']}")
        if r["traceback"]:
            why.append("traceback")
        if not str(r["message"]).startswith(f"emgkit {command}: error:"):
            why.append(f"no named error ({r['message']!r})")
        bound = 2 * int(r["file_bytes"]) + 300 * MB
        if int(r["peak_rss_bytes"]) >= bound:
            why.append(f"peak {int(r['peak_rss_bytes']) / MB:.0f} MiB >= {bound / MB:.0f} MiB")
        if why:
            bad.append(f"{r['case']}: {', '.join(why)}")
    assert not bad, "\n".join(bad)
