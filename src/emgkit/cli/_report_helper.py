"""Write a report in a helper interpreter on the other core while the caller analyses.

``emgkit report`` spends about 2 s importing scipy, reading and analysing the session before the
report is drawn, on one core; the report's own imports (matplotlib, fpdf2 with fontTools and
PIL, the report modules: about 0.6 s) do not depend on the analysis. :func:`start` launches a
child interpreter (``python -m emgkit.cli._report_helper``) that imports the drawing stack and reads
the same file meanwhile; :meth:`ReportHelper.finish` sends it the analysis result (a pickle over
its stdin) and waits for it to write the HTML and PDF with :func:`emgkit.report.html.write_report`,
the very function the one-process path calls, so the files are the same.

Robustness: the caller treats any failure of the helper (it could not start, died, answered
anything but success) as "not written" and writes the report itself, so the output does not
depend on the helper. The child reads its job and the result from a pipe: when the caller
exits or dies the pipe closes and the child stops (no orphan outlives its parent by more than
its imports). Its stdout carries only the answer (anything else printed goes to its stderr,
which is discarded); the warnings it catches are handed back to the caller, which shows them
as its own. A child that imports emgkit from another folder than the caller's (a path changed at
run time) refuses the job.

It only pays with a core to spare: the child repeats the imports the result's classes need
(numpy, pandas, scipy.signal: about 2 s of CPU in all), so on a busy machine it costs more than
it saves (docs/performance.md). :func:`start` therefore starts it only when the process may use
two CPUs or more and the one-minute load average leaves one free (where the system reports a
load average). ``EMGKIT_REPORT_HELPER=0`` turns it off, ``1`` on regardless of the load. The
pickle stream is private between the two processes (an anonymous pipe), never read from a file.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["ENV_SWITCH", "ReportHelper", "core_free", "helper_command", "start"]

#: Environment switch: ``0`` writes the report in the calling process, ``1`` always in the
#: helper, anything else (or unset) in the helper when a core is free (:func:`core_free`).
ENV_SWITCH = "EMGKIT_REPORT_HELPER"


def core_free() -> bool:
    """Whether a second core looks free: two usable CPUs or more, load average below one less.

    Returns
    -------
    bool
        False with one usable CPU or when the one-minute load average is at or above the
        number of usable CPUs minus one; True otherwise (also where no load average exists).
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        n = os.cpu_count() or 1
    if n < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return True
    return load < n - 1


def helper_command() -> list[str]:
    """The command line of the helper interpreter (the same Python, this module)."""
    return [sys.executable, "-m", "emgkit.cli._report_helper"]


@dataclass
class ReportHelper:
    """A started helper; :meth:`finish` hands it the result, :meth:`close` stops it."""

    proc: subprocess.Popen[bytes]

    def finish(self, result: Any) -> tuple[Path, Path] | None:
        """Send ``result``, wait for the report; the HTML and PDF paths, or None on any failure.

        Parameters
        ----------
        result : BridgeResult
            The analysis of the recording named in the job :func:`start` sent.

        Returns
        -------
        tuple of Path, or None
            ``(html, pdf)`` when the helper wrote both; None when it failed in any way (the
            caller then writes the report itself). Warnings the helper caught are re-issued
            here with :func:`warnings.warn`.
        """
        proc = self.proc
        try:
            assert proc.stdin is not None and proc.stdout is not None
            pickle.dump(result, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
            answer = pickle.load(proc.stdout)
        except Exception:  # broken pipe, truncated or foreign answer: the caller writes it
            return None
        finally:
            self.close()
        if not (isinstance(answer, tuple) and len(answer) == 4 and answer[0] == "ok"):
            return None
        _, html, pdf, caught = answer
        for category, message in caught:
            warnings.warn(message, category, stacklevel=2)
        return Path(html), Path(pdf)

    def close(self) -> None:
        """Stop the helper (if it still runs) and reap it.

        After its answer the helper has written and closed both files; killing it then spares
        the caller the wait for its interpreter's shutdown.
        """
        proc = self.proc
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _package_dir() -> str:
    """The emgkit package folder this code runs from (this file is emgkit/cli/_report_helper.py)."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def start(file: str, montage: str | None, out_dir: str, basename: str) -> ReportHelper | None:
    """Start the helper on the report job; None when it is off or could not start.

    Parameters
    ----------
    file : str
        The recording (the helper reads it itself, as the caller does).
    montage : str or None
        Montage given on the command line (None: what the file says).
    out_dir : str
        Output folder.
    basename : str
        File name without extension.

    Returns
    -------
    ReportHelper or None
        The running helper, or None when ``EMGKIT_REPORT_HELPER=0``, when no core is free
        (:func:`core_free`, unless ``EMGKIT_REPORT_HELPER=1``) or when the interpreter could
        not be started (the caller writes the report itself).
    """
    mode = os.environ.get(ENV_SWITCH, "").strip()
    if mode == "0" or (mode != "1" and not core_free()):
        return None
    job = {
        "file": file,
        "montage": montage,
        "out": out_dir,
        "name": basename,
        "package": _package_dir(),
    }
    try:
        proc = subprocess.Popen(
            helper_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, MPLBACKEND="Agg"),
        )
    except OSError:  # frozen app, process limit: one process
        return None
    helper = ReportHelper(proc)
    try:
        assert proc.stdin is not None
        pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.flush()
    except (OSError, ValueError):
        helper.close()
        return None
    return helper


def _serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The child's side: read the job, prepare, wait for the result, write, answer."""
    import gc

    gc.disable()  # imports make no garbage worth collecting; see emgkit.cli.report
    job = pickle.load(inp)
    if job["package"] != _package_dir():  # another emgkit on this interpreter's path
        raise RuntimeError(f"helper runs emgkit from {_package_dir()}, not {job['package']}")
    from emgkit.io import read
    from emgkit.report.html import write_report

    rec = read(job["file"], montage=job["montage"])
    import fpdf  # noqa: F401  (write_report imports it; here, before the result arrives)
    import matplotlib.figure  # noqa: F401

    # the result's classes (unpickling imports their modules: scipy.signal...) and the
    # interpretation the report runs
    import emgkit.analysis.bridge
    import emgkit.analysis.interpret  # noqa: F401

    gc.freeze()
    gc.enable()
    result = pickle.load(inp)  # EOFError when the caller closed the pipe: stop
    with warnings.catch_warnings(record=True) as caught:
        paths = write_report(rec, result, job["out"], basename=job["name"])
    notes = [(w.category, str(w.message)) for w in caught]
    pickle.dump(("ok", str(paths.html), str(paths.pdf), notes), out)
    out.flush()


def main() -> int:
    """Entry point of ``python -m emgkit.cli._report_helper`` (started by :func:`start`)."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not enter the answer stream
    try:
        _serve(inp, out)
    except BaseException as exc:
        try:
            pickle.dump(("fail", type(exc).__name__, str(exc), []), out)
            out.flush()
        except Exception:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
