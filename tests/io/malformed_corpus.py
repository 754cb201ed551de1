"""A corpus of malformed recording files, and a runner that feeds each to the CLI.

Build the corpus (one sub-folder per case)::

    python tests/io/malformed_corpus.py build /tmp/corpus

Run every case through ``emgkit info``, ``analyze``, ``convert`` and ``batch``::

    PYTHONPATH=src python tests/io/malformed_corpus.py run /tmp/corpus [--json out.json]
        [--commands info,convert]

The runner imports :func:`emgkit.cli.main` once, then forks one child process per case and
command (two at a time): each child is a separate process with its own exit code, stderr and
peak memory, read with ``os.wait4`` (the child's own ``ru_maxrss``). It reports, per run, the
exit code, whether stderr holds a traceback, the last stderr line, and the peak memory.
The expectation for every case: exit code 2, a message naming the problem, no traceback, a
peak below twice the file size plus 300 MB.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from edfraw import Sig, edf_bytes
from iohelpers import write_brainflow, write_gui_v4, write_gui_v6
from xdfraw import _chunk, _varlen

COMMANDS = ("info", "analyze", "convert", "batch")

#: Size of the one-line CSV (the "giant line" case).
GIANT_BYTES = 100 * 2**20


@dataclass(frozen=True)
class Case:
    """One malformed file: its folder name, file name and how to make it."""

    name: str
    filename: str
    make: Callable[[Path], None]


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda p: p.write_bytes(text.encode(encoding))


def _edf(**kw: object) -> Callable[[Path], None]:
    sigs = kw.pop("sigs", [Sig(spr=250), Sig(label="EMG2", spr=250)])
    n = kw.pop("n_records", 4)
    dur = kw.pop("duration", 1)
    return _bytes(edf_bytes(sigs, n, dur, **kw))  # type: ignore[arg-type]


def _edf_cut(bdf: bool) -> Callable[[Path], None]:
    full = edf_bytes([Sig(spr=256), Sig(label="EMG2", spr=256)], 90, 1, bdf=bdf)
    return _bytes(full[: 768 + (len(full) - 768) // 2 + 100])


def _gui_v6_edit(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        write_gui_v6(p, n=400)
        p.write_text("\n".join(edit(p.read_text().splitlines())) + "\n")

    return make


def _set_cell(row: int, col: int, value: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        cells = lines[row].split(",")
        cells[col] = value
        lines[row] = ",".join(cells)
        return lines

    return edit


def _utf16(p: Path) -> None:
    write_gui_v6(p, n=100)
    p.write_bytes(p.read_text().encode("utf-16"))


def _utf16be_no_bom(p: Path) -> None:
    text = "time,EMG\n" + "".join(f"{i / 1000},{i}\n" for i in range(50))
    p.write_bytes(text.encode("utf-16-be"))


def _giant_line(p: Path) -> None:
    chunk = b"1.5," * (2**20 // 4)
    with p.open("wb") as fh:
        for _ in range(GIANT_BYTES // len(chunk)):
            fh.write(chunk)


def _many_columns(p: Path) -> None:
    ncol = 20_000
    head = ",".join(f"c{k}" for k in range(ncol))
    row = ",".join("1" for _ in range(ncol))
    p.write_text(head + "\n" + (row + "\n") * 20)


def _nul_after_head(p: Path) -> None:
    body = "time,EMG\n" + "".join(f"{i / 1000:.3f},{i % 97}\n" for i in range(20_000))
    raw = bytearray(body.encode())
    raw[150_000:150_040] = b"\x00" * 40
    p.write_bytes(bytes(raw))


def _v4_few_fields(p: Path) -> None:
    write_gui_v4(p, n=50)
    lines = p.read_text().splitlines()
    cut = [ln if ln.startswith("%") else ",".join(ln.split(",")[:4]) for ln in lines]
    p.write_text("\n".join(cut) + "\n")


def _giant_second_line(p: Path) -> None:
    with p.open("wb") as fh:
        fh.write(b"time,EMG\n0.000,1.5\n")
        chunk = b"1.5," * (2**20 // 4)
        for _ in range(GIANT_BYTES // 4 // len(chunk)):
            fh.write(chunk)
        fh.write(b"\n0.002,1.5\n")


def _mixed_rate_expansion(p: Path) -> None:
    # one 100 kHz signal beside 200 signals at 1 Hz: 10 MB on disk, 8 GB if every slow signal
    # were interpolated onto the fast time base
    sigs = [Sig("fast", 100_000)] + [Sig(f"slow{k}", 1) for k in range(200)]
    data = [np.zeros(100_000 * 50, dtype=np.int64)] + [np.zeros(50, dtype=np.int64)] * 200
    p.write_bytes(edf_bytes(sigs, 50, 1, data=data))


def _folder(p: Path) -> None:
    p.mkdir()


def _symlink_loop(p: Path) -> None:
    other = p.with_name("loop_b.csv")
    other.symlink_to(p.name)
    p.symlink_to(other.name)


def _brainflow_edit(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        write_brainflow(p, n=300)
        p.write_text("\n".join(edit(p.read_text().splitlines())) + "\n")

    return make


# ---------------------------------------------------------------- XDF bytes
def _xdf_header(nch: int | str = 2, srate: float | str = 250, fmt: str = "float32") -> bytes:
    xml = (
        '<?xml version="1.0"?><info><name>EMG</name><type>EMG</type>'
        f"<channel_count>{nch}</channel_count><nominal_srate>{srate}</nominal_srate>"
        f"<channel_format>{fmt}</channel_format><source_id>s</source_id></info>"
    )
    return (
        b"XDF:"
        + _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
        + _chunk(2, struct.pack("<I", 1) + xml.encode())
    )


def _xdf_samples(n: int, nch: int = 2, count: int | None = None) -> bytes:
    body = b"".join(
        b"\x08" + struct.pack("<d", 100 + k / 250) + np.zeros(nch, "<f4").tobytes()
        for k in range(n)
    )
    return _chunk(3, struct.pack("<I", 1) + _varlen(n if count is None else count) + body)


CASES: tuple[Case, ...] = (
    # ---- EDF / BDF: headers that lie about the data
    Case("bdf_truncated_mid_record", "s.bdf", _edf_cut(True)),
    Case("edf_truncated_mid_record", "s.edf", _edf_cut(False)),
    Case("edf_records_minus7", "s.edf", _edf(n_records=-7, real_records=2)),
    Case("edf_records_minus1", "s.edf", _edf(n_records=-1, real_records=2)),
    Case("edf_records_zero", "s.edf", _edf(n_records=0, real_records=2)),
    Case("edf_records_text", "s.edf", _edf(n_records="many", real_records=2)),
    Case("edf_duration_nan", "s.edf", _edf(duration="nan")),
    Case("edf_duration_1e-6", "s.edf", _edf(duration="1e-6")),
    Case("edf_duration_zero", "s.edf", _edf(duration="0")),
    Case("bdf_duration_negative", "s.bdf", _edf(duration="-1", bdf=True)),
    Case("edf_physical_min_eq_max", "s.edf", _edf(sigs=[Sig(pmin=5, pmax=5)])),
    Case("edf_physical_inf", "s.edf", _edf(sigs=[Sig(pmin="-inf", pmax="inf")])),
    Case("edf_physical_text", "s.edf", _edf(sigs=[Sig(pmin="low", pmax="high")])),
    Case("edf_digital_min_eq_max", "s.edf", _edf(sigs=[Sig(dmin=0, dmax=0)])),
    Case(
        "bdf_digital_out_of_range", "s.bdf", _edf(sigs=[Sig(dmin=-(2**30), dmax=2**30)], bdf=True)
    ),
    Case(
        "edf_spr_99999999_small_file",
        "s.edf",
        lambda p: p.write_bytes(
            edf_bytes([Sig(spr=99_999_999)], 1, 1, real_records=0) + bytes(2300)
        ),
    ),
    Case("edf_spr_zero", "s.edf", _edf(sigs=[Sig(spr=0)], real_records=0)),
    Case("edf_spr_negative", "s.edf", _edf(sigs=[Sig(spr=-5)], real_records=0)),
    Case(
        "edf_signal_count_9999",
        "s.edf",
        lambda p: p.write_bytes(
            edf_bytes([Sig()], 2, 1)[:252] + b"9999" + edf_bytes([Sig()], 2, 1)[256:]
        ),
    ),
    Case(
        "edf_signal_count_zero",
        "s.edf",
        lambda p: p.write_bytes(
            edf_bytes([Sig()], 2, 1)[:252] + b"0   " + edf_bytes([Sig()], 2, 1)[256:]
        ),
    ),
    Case("edf_mixed_rates_8GB_expansion", "s.edf", _mixed_rate_expansion),
    Case("edf_header_size_wrong", "s.edf", _edf(header_bytes=12345)),
    Case("edf_header_cut", "s.edf", lambda p: p.write_bytes(edf_bytes([Sig()], 2, 1)[:300])),
    Case("bdf_magic_only", "s.bdf", _bytes(b"\xffBIOSEMI")),
    Case("edf_zero_bytes", "s.edf", _bytes(b"")),
    Case("edf_text_inside", "s.edf", _text("time,EMG\n0,1\n")),
    Case(
        "edf_annotations_garbage",
        "s.edf",
        _edf(sigs=[Sig(), Sig(label="EDF Annotations", spr=30)], reserved="EDF+C"),
    ),
    # ---- text: encodings, shapes, values
    Case("txt_zero_bytes", "s.txt", _bytes(b"")),
    Case("csv_only_blank_lines", "s.csv", _text("\n\n  \n\n")),
    Case("a_folder", "s.csv", _folder),
    Case("symlink_loop", "loop_a.csv", _symlink_loop),
    Case("openbci_utf16", "OpenBCI-RAW.txt", _utf16),
    Case("csv_utf16be_no_bom", "s.csv", _utf16be_no_bom),
    Case("csv_binary_junk", "s.csv", _bytes(bytes(np.random.default_rng(1).bytes(5000)))),
    Case("csv_nul_after_64k", "s.csv", _nul_after_head),
    Case("csv_one_giant_line_100MB", "s.csv", _giant_line),
    Case("csv_giant_third_line_25MB", "s.csv", _giant_second_line),
    Case("csv_20000_columns", "s.csv", _many_columns),
    Case("csv_header_only", "s.csv", _text("time,EMG1,EMG2\n")),
    Case(
        "csv_text_in_numeric_column",
        "s.csv",
        _text("time,EMG\n" + "".join(f"{i / 1000},{'abc' if i == 30 else i}\n" for i in range(60))),
    ),
    Case(
        "csv_inf_values",
        "s.csv",
        _text("time,EMG\n" + "".join(f"{i / 1000},{'inf' if i == 7 else i}\n" for i in range(60))),
    ),
    Case(
        "csv_nan_cells",
        "s.csv",
        _text("time,EMG\n" + "".join(f"{i / 1000},{'nan' if i == 7 else i}\n" for i in range(60))),
    ),
    Case(
        "csv_time_not_increasing",
        "s.csv",
        _text("time,EMG\n" + "".join(f"{(i % 10) / 1000},{i}\n" for i in range(60))),
    ),
    Case("csv_no_rate", "s.csv", _text("EMG\n" + "".join(f"{(-1) ** i * i}\n" for i in range(60)))),
    Case(
        "csv_ragged_rows",
        "s.csv",
        _text(
            "time,A,B\n"
            + "".join(f"{i / 1000},{i}" + (",1" if i != 20 else ",1,2,3") + "\n" for i in range(60))
        ),
    ),
    Case("openbci_v6_text_cell", "OpenBCI-RAW.txt", _gui_v6_edit(_set_cell(30, 3, " 12.3.4"))),
    Case("openbci_v6_inf_cell", "OpenBCI-RAW.txt", _gui_v6_edit(_set_cell(30, 3, " inf"))),
    Case("openbci_v6_header_only", "OpenBCI-RAW.txt", _gui_v6_edit(lambda ls: ls[:5])),
    Case(
        "openbci_v6_truncated_row",
        "OpenBCI-RAW.txt",
        _gui_v6_edit(lambda ls: [*ls[:-1], ls[-1][:30]]),
    ),
    Case(
        "openbci_no_sample_rate",
        "OpenBCI-RAW.txt",
        _gui_v6_edit(lambda ls: [ls[0], ls[1], *ls[3:]]),
    ),
    Case(
        "openbci_rate_zero",
        "OpenBCI-RAW.txt",
        _gui_v6_edit(lambda ls: [ls[0], ls[1], "%Sample Rate = 0 Hz", *ls[3:]]),
    ),
    Case(
        "openbci_channels_lie",
        "OpenBCI-RAW.txt",
        _gui_v6_edit(lambda ls: [ls[0], "%Number of channels = 4", *ls[2:]]),
    ),
    Case("openbci_v4_too_few_fields", "OpenBCI-RAW.txt", _v4_few_fields),
    Case(
        "brainflow_wrong_field_count",
        "bf.csv",
        _brainflow_edit(lambda ls: [*ls[:40], ls[40] + "\t1.0", *ls[41:]]),
    ),
    Case(
        "brainflow_text_cell",
        "bf.csv",
        _brainflow_edit(lambda ls: [*ls[:40], ls[40].replace("\t", "\tx", 1), *ls[41:]]),
    ),
    # ---- XDF
    Case("xdf_magic_only", "s.xdf", _bytes(b"XDF:")),
    Case("xdf_misnamed_text", "s.xdf", _text("time,EMG\n0,1\n")),
    Case(
        "xdf_truncated_chunk",
        "s.xdf",
        lambda p: p.write_bytes((_xdf_header() + _xdf_samples(50))[:-37]),
    ),
    Case(
        "xdf_chunk_length_2e60",
        "s.xdf",
        lambda p: p.write_bytes(_xdf_header() + _chunk(3, b"\x01\x00\x00\x00", length=2**60)),
    ),
    Case(
        "xdf_channel_count_1e9",
        "s.xdf",
        lambda p: p.write_bytes(_xdf_header(nch=10**9) + _xdf_samples(5)),
    ),
    Case(
        "xdf_sample_count_lies",
        "s.xdf",
        lambda p: p.write_bytes(_xdf_header() + _xdf_samples(5, count=10**8)),
    ),
    Case("xdf_no_samples", "s.xdf", lambda p: p.write_bytes(_xdf_header())),
)


def build(root: str | Path) -> list[Path]:
    """Write every case to ``root/<case>/<file>``; returns the file paths (in CASES order)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in CASES:
        folder = root / case.name
        folder.mkdir(exist_ok=True)
        target = folder / case.filename
        if not (target.exists() or target.is_symlink()):
            case.make(target)
        paths.append(target)
    return paths


def _argv(command: str, path: Path, out: Path) -> list[str]:
    if command == "convert":
        return ["convert", str(path), str(out / "out.bdf"), "--overwrite"]
    if command == "batch":
        return ["batch", str(path), "--out", str(out / "out.parquet"), "--no-progress", "--serial"]
    return [command, str(path)]


def _child(argv: list[str], err_file: Path) -> None:
    """In a forked child: run the CLI with stdout/stderr to files, exit with its code."""
    code = 1
    try:
        fd = os.open(err_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        nul = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nul, 1)
        os.dup2(fd, 2)
        from emgkit.cli import main

        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def run(
    root: str | Path,
    *,
    commands: tuple[str, ...] = COMMANDS,
    jobs: int = 2,
    timeout: float = 300.0,
) -> list[dict[str, object]]:
    """Run every case through ``commands``; one forked child per run, ``jobs`` at a time."""
    # imported once, before forking: every child starts with them loaded
    import emgkit.analysis.bridge
    import emgkit.app.batch
    import emgkit.cli
    import emgkit.io.edf

    del emgkit

    root = Path(root)
    paths = build(root)
    todo = [(c, p, cmd) for c, p in zip(CASES, paths, strict=True) for cmd in commands]
    running: dict[int, tuple[Case, Path, str, Path, float]] = {}
    results: list[dict[str, object]] = []
    while todo or running:
        while todo and len(running) < jobs:
            case, path, cmd = todo.pop(0)
            out = root / "_out" / case.name / cmd
            out.mkdir(parents=True, exist_ok=True)
            err = out / "stderr.txt"
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(_argv(cmd, path, out), err)
            running[pid] = (case, path, cmd, err, time.monotonic())
        pid, status, ru = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            for p, (_, _, _, _, t0) in running.items():
                if time.monotonic() - t0 > timeout:
                    os.kill(p, 9)
            time.sleep(0.01)
            continue
        case, path, cmd, err, t0 = running.pop(pid)
        text = err.read_text("utf-8", "replace") if err.exists() else ""
        try:
            size = path.stat().st_size if path.is_file() else 0
        except OSError:
            size = 0
        last = [ln for ln in text.splitlines() if ln.strip()]
        results.append(
            {
                "case": case.name,
                "command": cmd,
                "exit_code": os.waitstatus_to_exitcode(status),
                "traceback": "Traceback (most recent call last)" in text,
                "message": last[-1] if last else "",
                "file_bytes": size,
                "peak_rss_bytes": ru.ru_maxrss * 1024,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
    return results


def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("build", "run"):
        print(__doc__)
        return 2
    if argv[0] == "build":
        paths = build(argv[1])
        print(f"{len(paths)} malformed files in {argv[1]}")
        return 0
    cmds = COMMANDS
    if "--commands" in argv:
        cmds = tuple(argv[argv.index("--commands") + 1].split(","))
    res = run(argv[1], commands=cmds)
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(res, indent=1))
    for r in res:
        ok = r["exit_code"] == 2 and not r["traceback"]
        print(
            f"{'ok ' if ok else 'BAD'} {r['case']:<30} {r['command']:<8} exit {r['exit_code']} "
            f"peak {int(r['peak_rss_bytes']) / 2**20:6.0f} MiB  {str(r['message'])[:100]}"
        )
    codes: dict[object, int] = {}
    for r in res:
        codes[r["exit_code"]] = codes.get(r["exit_code"], 0) + 1
    worst = max(res, key=lambda r: int(r["peak_rss_bytes"]) - 2 * int(r["file_bytes"]))
    n_tb = sum(bool(r["traceback"]) for r in res)
    peak = max(int(r["peak_rss_bytes"]) for r in res) / 2**20
    w_peak = int(worst["peak_rss_bytes"]) / 2**20
    w_size = int(worst["file_bytes"]) / 2**20
    print(
        f"\n{len(CASES)} cases x {len(cmds)} commands = {len(res)} runs; exit codes "
        f"{dict(sorted(codes.items(), key=str))}; tracebacks {n_tb}; largest peak {peak:.0f} MiB; "
        f"closest to the bound: {worst['case']} {worst['command']} {w_peak:.0f} MiB for a "
        f"{w_size:.1f} MiB file"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
