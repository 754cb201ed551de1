"""Writers of tiny, byte-faithful test files for the io tests (no files are stored in the repo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

V6_COLUMNS_CYTON = (
    ["Sample Index"]
    + [f"EXG Channel {k}" for k in range(8)]
    + [f"Accel Channel {k}" for k in range(3)]
    + ["Not Used"]
    + [f"Digital Channel {k} (D1{k + 1})" for k in range(4)]
    + ["Not Used", "Digital Channel 4 (D18)"]
    + [f"Analog Channel {k}" for k in range(3)]
    + ["Timestamp", "Marker Channel", "Timestamp (Formatted)"]
)


def exg_signal(n: int, nch: int, seed: int = 0) -> np.ndarray:
    """Deterministic EXG-like values in uV with two decimals (as the GUI writes them)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 20, size=(n, nch)) + np.arange(nch) * 1000.0
    return np.round(x, 2)


def write_gui_v6(
    path: Path,
    *,
    n: int = 600,
    fs: float = 250.0,
    drop: tuple[int, ...] = (),
    markers: dict[int, float] | None = None,
    ts0_ms: int = 1_700_000_000_000,
    ts_ms: np.ndarray | None = None,
    header_fs: float | None = None,
) -> np.ndarray:
    """A v6 Cyton file of ``n`` samples; rows whose sample number is in ``drop`` are left out.

    Returns the full (n, 8) EXG array, including the dropped rows.
    """
    exg = exg_signal(n, 8)
    markers = markers or {}
    lines = [
        "%OpenBCI Raw EXG Data",
        "%Number of channels = 8",
        f"%Sample Rate = {header_fs or fs:g} Hz",
        "%Board = OpenBCI_GUI$BoardCytonSerial",
        ", ".join(V6_COLUMNS_CYTON),
    ]
    for i in range(n):
        if i in drop:
            continue
        t = int(ts_ms[i]) if ts_ms is not None else ts0_ms + round(i * 1000 / fs)
        vals = ", ".join(f"{v:.2f}" for v in exg[i])
        mk = markers.get(i, 0)
        lines.append(
            f"{i % 256}, {vals}, 0.040, 0.420, 0.238,0,0,0,0,0,0,0,0,0,0, {t},{mk:g}, 12:00:00.000"
        )
    path.write_text("\n".join(lines) + "\n")
    return exg


def write_gui_v50(path: Path, *, n: int = 300) -> np.ndarray:
    """A v5.0-5.1 Cyton file whose non-EXG columns are all named 'Other'."""
    exg = exg_signal(n, 8, seed=1)
    cols = ["Sample Index"] + [f"EXG Channel {k}" for k in range(8)] + ["Other"] * 13
    cols += ["Timestamp", "Other", "Timestamp (Formatted)"]
    lines = [
        "%OpenBCI Raw EEG Data",
        "%Number of channels = 8",
        "%Sample Rate = 250 Hz",
        "%Board = OpenBCI_GUI$BoardCytonSerial",
        ", ".join(cols),
    ]
    for i in range(n):
        vals = ", ".join(f"{v:.2f}" for v in exg[i])
        mk = 3 if i == 100 else 0
        lines.append(
            f"{i % 256}, {vals}, 0.100, -0.200, 0.980, 0,0,0,0,0,0,0,0,0,0, "
            f"{1_600_000_000_000 + i * 4}, {mk}, 2020-09-13 12:26:40.000"
        )
    path.write_text("\n".join(lines) + "\n")
    return exg


def write_gui_v4(
    path: Path,
    *,
    n: int = 300,
    fs: float = 250.0,
    nch: int = 8,
    modulus: int = 256,
    drop: tuple[int, ...] = (),
    unix_ms: bool = True,
) -> np.ndarray:
    """A v3/v4 file (6 % lines, no column line); time string and optional Unix ms."""
    exg = exg_signal(n, nch, seed=2)
    lines = [
        "%OpenBCI Raw EEG Data",
        "%",
        f"%Sample Rate = {fs:.1f} Hz",
        "%First Column = SampleIndex",
        "%Last Column = Timestamp ",
        "%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved "
        "with Aux Data",
    ]
    for i in range(n):
        if i in drop:
            continue
        vals = ", ".join(f"{v:.2f}" for v in exg[i])
        ms = int(i * 1000 / fs)
        tail = f", 10:00:{ms // 1000:02d}.{ms % 1000:03d}"
        if unix_ms:
            tail += f", {1_540_000_000_000 + ms}"
        lines.append(f"{i % modulus}, {vals}, 0.000, 0.000, 0.000{tail}")
    path.write_text("\n".join(lines) + "\n")
    return exg


def write_brainflow(
    path: Path,
    *,
    board: str = "cyton",
    n: int = 300,
    drop: tuple[int, ...] = (),
    marker_at: int | None = None,
) -> np.ndarray:
    """A BrainFlow CSV (tab-separated ``%lf``, no header) for cyton / cyton_daisy / ganglion."""
    rows, fs, exg_rows, acc_rows, ts_row, mk_row, mod = {
        "cyton": (24, 250.0, range(1, 9), (9, 10, 11), 22, 23, 256),
        "cyton_daisy": (32, 125.0, range(1, 17), (17, 18, 19), 30, 31, 256),
        "ganglion": (15, 200.0, range(1, 5), (5, 6, 7), 13, 14, 201),
    }[board]
    exg = exg_signal(n, len(exg_rows), seed=3)
    out = []
    for i in range(n):
        if i in drop:
            continue
        r = np.zeros(rows)
        r[0] = i % mod
        r[list(exg_rows)] = exg[i]
        r[list(acc_rows)] = (0.01, -0.02, 0.99)
        r[ts_row] = 1_700_000_000.0 + i / fs
        r[mk_row] = 7.0 if marker_at == i else 0.0
        out.append("\t".join(f"{v:f}" for v in r))
    path.write_text("\n".join(out) + "\n")
    return exg


UCI_HEADER = (
    "File Name: dePie.log\n"
    "Channel 4: 'Recto Femoral', {n} values, engineering units: mV, no filters.\n"
    "Channel 5: 'Biceps Femoral', {n} values, engineering units: mV, no filters.\n"
    "Channel 6: 'Vasto Medial', {n} values, engineering units: mV, no filters.\n"
    "Channel 7: 'EMG Semitendinoso', {n} values, engineering units: mV, no filters.\n"
    "Channel 8: 'Flexo-Extension', {n} values, engineering units: deg, no filters.\n"
    "\n"
)


def write_uci(path: Path, n: int = 50, trailing_blank: int = 2) -> np.ndarray:
    """A UCI lower-limb style file: 7 header lines, tab-separated mV x4 + angle, tab-only tail."""
    rng = np.random.default_rng(4)
    x = np.round(rng.normal(0, 0.01, size=(n, 5)), 4)
    x[:, 4] = np.round(np.linspace(0, 90, n), 1)
    body = "\n".join("\t".join(f"{v:g}" for v in row) for row in x)
    path.write_text(UCI_HEADER.format(n=n) + body + "\n" + "\t\t\t\t\n" * trailing_blank)
    return x


def write_biosppy(path: Path, n: int = 100, fs: float = 1000.0) -> np.ndarray:
    """An OpenSignals 'Simple Text Format' file of ADC counts."""
    x = (2048 + np.round(30 * np.sin(np.arange(n) / 5))).astype(int)
    head = (
        f"# Simple Text Format\n# Sampling Rate (Hz):= {fs:.2f}\n"
        "# Resolution:= 12\n# Labels:= EMG\n"
    )
    path.write_text(head + "\n".join(str(v) for v in x) + "\n")
    return x.astype(float)


def write_gui_v5_sample_layout(path: Path, *, n: int = 700, zero_row: bool = True) -> np.ndarray:
    """The layout of the GUI's own v5 sample recording (``OpenBCI_GUI-v5-blinks-jawClench-
    alpha.txt``): 4 ``%`` lines, no column line, an all-zero row of 24 ``0.0`` before counter
    0, then index, 8 EXG, 3 accel, 10 zeros, Unix ms, ``HH:MM:SS.mmm``."""
    exg = exg_signal(n, 8, seed=5)
    lines = [
        "%OpenBCI Raw EEG Data",
        "%Number of channels = 8",
        "%Sample Rate = 250 Hz",
        "%Board = OpenBCI_GUI$BoardCytonSerial",
    ]
    if zero_row:
        lines.append(",".join(["0.0"] * 24))
    t0 = 1_557_936_053_329
    for i in range(n):
        vals = ", ".join(f"{v:.2f}" for v in exg[i])
        ms = t0 + i * 4
        clock = f"12:00:{53 + (329 + i * 4) // 1000:02d}.{(329 + i * 4) % 1000:03d}"
        lines.append(
            f"{i % 256}, {vals}, 0.040, 0.420, 0.238," + ",".join(["0.0"] * 10) + f", {ms}, {clock}"
        )
    path.write_text("\n".join(lines) + "\n")
    return exg
