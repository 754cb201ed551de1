"""LSL outlet: an emulated Cyton recorded with the outlet on, read back by an LSL inlet.

liblsl reads its configuration once, when first used, and by default multicasts on the site
network. So the LSL part runs in a subprocess whose ``LSLAPICFG`` points at a loopback-only
``lsl_api.cfg`` (IPv6 off, ResolveScope = machine, KnownPeers = 127.0.0.1) set before pylsl is
imported. The subprocess asserts and exits 0; exit code 77 means liblsl cannot load (skip).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parents[2]
FS = 250.0
N = 1500
DROP_AT, DROP_N = 400, 7


def _worker(tmp: str, name: str) -> None:  # runs in the subprocess
    assert os.environ.get("LSLAPICFG"), "LSLAPICFG must be set before pylsl is imported"
    try:
        import pylsl

        pylsl.local_clock()
    except Exception as exc:  # pragma: no cover - no liblsl here
        print(f"liblsl unavailable: {exc}", file=sys.stderr)
        sys.exit(77)

    from emgkit.acquisition import journal as _journal
    from emgkit.acquisition.lsl import LslOutlet
    from emgkit.app.emulated import recorder as make_recorder
    from emgkit.devices.cyton import parser as cyton
    from emgkit.simulate.emulators import DropPackets

    x = np.random.default_rng(3).normal(0, 40, (N, 8))
    out = Path(tmp) / "lsl.bdf"
    rec = make_recorder(
        "emulated-cyton",
        out=out,
        emulator={
            "samples_uv": x,
            "realtime": False,
            "loop": False,
            "faults": [DropPackets(DROP_AT, DROP_N)],
        },
    )
    outlet = LslOutlet(rec, name=name, wait_for_consumer=10.0).start()
    rec.start()

    def resolve(stream_name: str) -> object:
        found = pylsl.resolve_byprop("name", stream_name, minimum=1, timeout=5.0)
        assert len(found) == 1, f"{len(found)} streams named {stream_name!r} on the machine"
        return found[0]

    info = resolve(name)
    minfo = resolve(f"{name}-markers")
    inlet = pylsl.StreamInlet(info, max_buflen=60)
    minlet = pylsl.StreamInlet(minfo)
    inlet.open_stream(timeout=5.0)
    minlet.open_stream(timeout=5.0)

    # the whole stream through the reader, then markers at known samples, then stop
    emu = rec.emulator
    assert emu is not None and emu.wait_done(10)
    deadline = time.monotonic() + 10
    while rec.stats.bytes_in < emu.truth.bytes_written and time.monotonic() < deadline:
        time.sleep(0.01)
    s_hold = rec.add_marker("hold", "start", trial="bridge_L", sample=123)
    s_pain = rec.add_pain(6)
    jdir = rec.stop(finalize_bdf=False)
    truth = _journal.recover(jdir)  # the session exactly as it will be written

    chunks, stamps = [], []
    n_got, deadline = 0, time.monotonic() + 10
    while n_got < truth.n_samples and time.monotonic() < deadline:
        data, ts = inlet.pull_chunk(timeout=0.2)
        if ts:
            chunks.append(np.asarray(data, dtype=np.float32))
            stamps.extend(ts)
            n_got += len(ts)
    marks = []
    for _ in range(2):
        m, t = minlet.pull_sample(timeout=5.0)
        assert m is not None, "marker did not arrive"
        marks.append((m[0], t))
    full = inlet.info(timeout=5.0)
    # close inlets before outlets
    inlet.close_stream()
    minlet.close_stream()
    del inlet, minlet
    outlet.close()
    assert outlet.error is None, outlet.error

    # --- values: the session's rows in order, float32, NaN rows where packets were lost
    got = np.concatenate(chunks)
    assert got.shape == (truth.n_samples, 8), (got.shape, truth.n_samples)
    # every sample on the clock, lost ones included, but the very last packet: nothing
    # confirms it, so the strict CytonParser never emits it (issue 11 R2)
    assert truth.n_samples == N - 1
    lost = np.isnan(truth.data).all(axis=1)
    # The strict CytonParser also discards the packet just before a dropped run (it cannot be
    # confirmed by its successor's counter): the session's hole is DROP_N + 1 samples.
    missing = sorted(set(emu.truth.missing_packets()) | {DROP_AT - 1})
    assert missing == list(range(DROP_AT - 1, DROP_AT + DROP_N))
    np.testing.assert_array_equal(np.flatnonzero(lost), missing)
    assert [(g.start, g.n_samples) for g in truth.gaps] == [(DROP_AT - 1, DROP_N + 1)]
    np.testing.assert_array_equal(np.isnan(got).all(axis=1), lost)
    np.testing.assert_array_equal(got, truth.data.astype(np.float32))
    exp = cyton.counts_to_uv(cyton.uv_to_counts(x))[: N - 1]  # what the emulator sent
    np.testing.assert_allclose(got[~lost], exp[~lost], rtol=1e-6, atol=1e-3)
    assert outlet.rows_pushed == N - 1 - len(missing) and outlet.nan_rows == len(missing)

    # --- timestamps: t0 + i / fs, markers on the same clock
    ts = np.asarray(stamps)
    np.testing.assert_allclose(np.diff(ts), 1 / FS, atol=1e-6)
    assert outlet.t0 is not None
    np.testing.assert_allclose(ts, outlet.t0 + np.arange(N - 1) / FS, atol=1e-6)
    assert marks[0][0] == "hold=start trial=bridge_L"
    assert marks[1][0] == "pain=6"
    assert abs(marks[0][1] - ts[s_hold]) < 1e-6 and s_hold == 123
    assert abs(marks[1][1] - (outlet.t0 + s_pain / FS)) < 1e-6 and N - 1 <= s_pain <= N

    # --- metadata
    assert full.type() == "EMG" and full.channel_count() == 8
    assert full.nominal_srate() == FS and full.channel_format() == pylsl.cf_float32
    ch = full.desc().child("channels").child("channel")
    labels, units, muscles, sides = [], [], [], []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        units.append(ch.child_value("unit"))
        muscles.append(ch.child_value("muscle"))
        sides.append(ch.child_value("side"))
        ch = ch.next_sibling()
    assert labels == [c.name for c in truth.channels]
    assert labels[:2] == ["glute_max_L", "glute_max_R"]
    assert set(units) == {"microvolts"}
    assert muscles[0] == "glute_max" and sides[:2] == ["left", "right"]
    assert full.desc().child("acquisition").child_value("manufacturer") == "OpenBCI"
    assert minfo.type() == "Markers" and minfo.channel_format() == pylsl.cf_string  # type: ignore[attr-defined]
    _manual_channels(pylsl, name)
    print(f"ok {N} samples, {len(missing)} NaN rows, {len(marks)} markers")


def _manual_channels(pylsl: object, name: str) -> None:
    """Channels mode: rows pushed by hand, a short hole inside a chunk and a long one (> 1 s)."""
    from emgkit.acquisition.lsl import LslOutlet
    from emgkit.devices.base import ParseResult
    from emgkit.recording import Channel

    lsl: object = pylsl
    chans: list[Channel | str] = [Channel("glute_max_L", muscle="glute_max", side="left"), "aux"]
    outlet = LslOutlet(chans, fs=100.0, name=f"{name}-manual", markers=False).start()
    found = lsl.resolve_byprop("name", f"{name}-manual", minimum=1, timeout=5.0)  # type: ignore[attr-defined]
    inlet = lsl.StreamInlet(found[0])  # type: ignore[attr-defined]
    inlet.open_stream(timeout=5.0)
    assert outlet.wait_for_consumers(5.0)
    rows = [np.arange(0, 15), np.array([17, 18]), np.arange(300, 305)]
    for idx in rows:
        x = np.column_stack([idx * 1.5, -idx.astype(float)])
        outlet.push(ParseResult(x, idx.astype(np.int64)))
    got: list[list[float]] = []
    ts: list[float] = []
    deadline = time.monotonic() + 5
    while len(ts) < 305 and time.monotonic() < deadline:
        d, t = inlet.pull_chunk(timeout=0.2)
        got.extend(d)
        ts.extend(t)
    inlet.close_stream()
    del inlet
    outlet.close()
    a = np.asarray(got, dtype=np.float64)
    assert a.shape == (305, 2)
    have = np.concatenate(rows)
    exp = np.full((305, 2), np.nan)
    exp[have] = np.column_stack([have * 1.5, -have.astype(float)])
    np.testing.assert_array_equal(a, exp)
    assert outlet.nan_rows == 305 - have.size and outlet.rows_pushed == have.size
    assert outlet.t0 is not None
    np.testing.assert_allclose(ts, outlet.t0 + np.arange(305) / 100.0, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("pylsl") is None, reason='pip install "emgkit[lsl]"')
def test_lsl_outlet_streams_the_recording_on_loopback(tmp_path: Path) -> None:
    from emgkit.acquisition.lsl import loopback_env

    env = loopback_env(tmp_path / "lsl_api.cfg")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")) if p
    )
    name = f"emgkit-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    code = (
        "import sys; from tests.acquisition.test_lsl import _worker; "
        f"_worker({str(tmp_path)!r}, {name!r})"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=str(REPO),
            capture_output=True,
            text=True,
            timeout=45,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the LSL worker hung: {exc.stderr!r}")
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().startswith("ok 1500 samples")


def test_lsl_config_is_loopback_only(tmp_path: Path) -> None:
    from emgkit.acquisition.lsl import format_marker, loopback_env, lsl_config_text

    env = loopback_env(tmp_path / "x.cfg")
    assert Path(env["LSLAPICFG"]).read_text() == lsl_config_text()
    text = lsl_config_text()
    assert "IPv6 = disable" in text and "ResolveScope = machine" in text
    assert "KnownPeers = {127.0.0.1}" in text
    assert format_marker("pain", "6") == "pain=6"
    assert format_marker("hold", "", "b1", 2.5) == "hold trial=b1 duration=2.5s"


def test_missing_pylsl_says_how_to_install(tmp_path: Path) -> None:
    # A subprocess where pylsl cannot be imported: the error names the extra.
    code = (
        "import sys; sys.modules['pylsl'] = None\n"
        "from emgkit.acquisition.lsl import LslOutlet\n"
        "from emgkit.errors import ConfigError\n"
        "try:\n    LslOutlet(['a'], fs=100.0)\n"
        "except ConfigError as e:\n    print(e)\n"
    )
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=d
        )
    assert proc.returncode == 0, proc.stderr
    assert 'pip install "emgkit[lsl]"' in proc.stdout
