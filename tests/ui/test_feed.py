"""The screen's live feed, setup validation and server guard (no browser)."""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emgkit.acquisition.live import ChannelQuality
from emgkit.app.ui.feed import ADVICE, LiveFeed, decimate_bins, quality_advice
from emgkit.app.ui.session import safe_pseudonym
from emgkit.errors import ConfigError


def test_decimate_bins_groups_on_the_sample_clock() -> None:
    idx = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    env = np.arange(10.0)[:, None] * [1.0, 10.0]
    raw = np.zeros((10, 2))
    raw[2, 0] = 8.0  # bin 0 (rows 0-3): mean 2, peak +6 around the mean
    raw[5, 1] = -4.0  # bin 1 (rows 4-7): mean -1, peak -3
    bins, e, r, pending = decimate_bins(env, raw, idx, 4)
    assert bins.tolist() == [0, 1] and pending == 2  # rows 8, 9 wait for bin 2 to finish
    np.testing.assert_array_equal(e, [[3.0, 30.0], [7.0, 70.0]])  # envelope at each bin end
    np.testing.assert_allclose(r, [[6.0, 0.0], [0.0, -3.0]])


def test_decimate_bins_across_a_gap() -> None:
    idx = np.array([0, 1, 2, 9, 10, 13])  # samples 3-8 and 11-12 lost
    env = np.arange(6.0)[:, None]
    bins, e, _, pending = decimate_bins(env, np.zeros((6, 1)), idx, 4)
    assert bins.tolist() == [0, 2] and e[:, 0].tolist() == [2.0, 4.0] and pending == 1


def test_quality_advice_names_the_problem() -> None:
    ok = ChannelQuality(5.0, False, 0.0, 0.2, 50.0, 3.0)
    assert quality_advice(ok) == ("green", [])
    assert quality_advice(dataclasses.replace(ok, flat=True)) == ("red", [ADVICE["flat"]])
    # the mains rule of signal.quality: the line stands out of its neighbourhood by > 6 dB
    from emgkit.signal.quality import MAINS_DETECT_DB

    hum = dataclasses.replace(ok, mains_uv=4.0, mains_db=MAINS_DETECT_DB + 3.0)
    assert quality_advice(hum) == ("amber", [ADVICE["mains"]])
    assert quality_advice(dataclasses.replace(ok, mains_uv=4.0, mains_db=1.0)) == ("green", [])
    noisy = dataclasses.replace(ok, noise_floor_uv=30.0)
    assert quality_advice(noisy) == ("amber", [ADVICE["noise"]])


@pytest.mark.parametrize("bad", ["", "Jane Doe", "../x", "a" * 33, "<b>"])
def test_pseudonym_is_a_code_not_a_name(bad: str) -> None:
    with pytest.raises(ConfigError, match="never the patient's name"):
        safe_pseudonym(bad)
    assert safe_pseudonym(" S01_b ") == "S01_b"


@dataclasses.dataclass
class _Trial:
    id: str
    task: str
    muscle: str | None
    side: str


def _burst_recording(tmp_path: Path, fs: float = 1000.0) -> tuple[Any, np.ndarray]:
    from emgkit.app.emulated import recorder as Recorder

    n = round(6 * fs)
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 2.0, size=(n, 6))
    t = np.arange(n) / fs
    burst = (t >= 2.0) & (t < 5.0)
    x[burst, 0] += 200.0 * np.sin(2 * np.pi * 97.0 * t[burst])  # 141 uV RMS on glute_max_L
    rec = Recorder(
        "emulated-arduino",
        out=tmp_path / "s.bdf",
        fs=fs,
        emulator={"samples_uv": x, "realtime": True, "speed": 4.0},
    )
    return rec, x


def test_feed_envelope_and_live_mvc_reference(tmp_path: Path) -> None:
    rec, x = _burst_recording(tmp_path)
    feed = LiveFeed(rec, rate=50.0)
    # phases placed on the sample clock before any sample arrives (as the runner's are)
    feed.set_phase(_Trial("mvc_glute_max_prone_left", "mvc", "glute_max", "left"), "HOLD", 1900)
    feed.set_phase(None, "", 5000)
    rec.start()
    feed.start()
    rec.wait(6.0)
    path = rec.stop()
    feed.stop()
    snap = feed.snapshot()
    assert snap["names"][:2] == ["glute_max_L", "glute_max_R"]
    # the MVC reference only for the trial's channel: the 1 s mean envelope of the burst
    assert set(snap["mvc"]) == {"glute_max_L"}
    assert snap["mvc"]["glute_max_L"] == pytest.approx(200 / np.sqrt(2), rel=0.05)
    # points are on the sample clock, one per 20 samples (a feed thread starved long enough for
    # its queue to overflow loses display points, counted in ``dropped``: whole bins are skipped)
    ts = np.array([p.t for p in feed.points])
    steps = np.diff(ts) / 0.02
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
    if feed.dropped == 0:
        np.testing.assert_allclose(np.diff(ts), 0.02)
    from emgkit.io import read

    assert read(path).n_samples == x.shape[0]


def test_a_screen_that_never_reads_loses_nothing_recorded(tmp_path: Path) -> None:
    rec, x = _burst_recording(tmp_path)
    feed = LiveFeed(rec)  # subscribed but never started: the page is frozen
    rec.start()
    rec.wait(6.0)
    path = rec.stop()
    from emgkit.io import read

    back = read(path)
    assert back.n_samples == x.shape[0]
    assert feed.dropped > 0  # the screen lost display points, counted, and nothing else
    np.testing.assert_allclose(back.data[:, 0], x[:, 0], atol=5.0)


def test_lan_token_guards_every_request(ui_server: Any) -> None:
    srv = ui_server("--lan", "--demo")
    out = "".join(srv.lines)
    assert "?token=" in srv.url and "token" in out
    bare = srv.url.split("?")[0]
    port = bare.rstrip("/").rsplit(":", 1)[1]
    local = f"http://127.0.0.1:{port}"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(local + "/api/options")
    assert err.value.code == 403
    token = srv.url.split("token=")[1]
    with urllib.request.urlopen(f"{local}/api/options?token={token}") as r:
        assert r.status == 200 and b"emulated-arduino" in r.read()


def test_feed_says_which_muscle_switched_on_first(tmp_path: Path) -> None:
    from emgkit.app.emulated import recorder as Recorder

    fs = 1000.0
    n = round(6 * fs)
    rng = np.random.default_rng(9)
    x = rng.normal(0.0, 2.0, size=(n, 6))
    t = np.arange(n) / fs
    ham = (t >= 3.0) & (t < 5.0)  # hamstrings_L (column 2) from 3.0 s
    glu = (t >= 3.2) & (t < 5.0)  # glute_max_L (column 0) 200 ms later
    x[ham, 2] += 150.0 * np.sin(2 * np.pi * 83.0 * t[ham])
    x[glu, 0] += 150.0 * np.sin(2 * np.pi * 97.0 * t[glu])
    rec = Recorder(
        "emulated-arduino",
        out=tmp_path / "s.bdf",
        fs=fs,
        emulator={"samples_uv": x, "realtime": True, "speed": 4.0},
    )
    feed = LiveFeed(rec, rate=50.0)
    trial = _Trial("slb_left", "single_leg_bridge", None, "left")
    feed.set_phase(trial, "LIFT", 2700)  # the LIFT cue 0.3 s before the first burst
    feed.set_phase(trial, "HOLD", 4000)
    rec.start()
    feed.start()
    rec.wait(6.0)
    rec.stop()
    feed.stop()
    (onset,) = feed.snapshot()["onsets"]
    assert onset["side"] == "left" and onset["first"] == "hamstrings"
    # 200 ms apart, found at the feed's 20 ms resolution (+ the 100 ms RMS window's rise)
    assert 140 <= onset["lead_ms"] <= 260
    assert 2.95 <= onset["hamstrings_s"] <= 3.15


def _cli(*args: str) -> Any:
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(repo / "src"))
    return subprocess.run(
        [sys.executable, "-m", "emgkit.cli", "ui", "--no-browser", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def test_cli_errors_speak_flags_not_tracebacks() -> None:
    import socket

    bad = _cli("--http-port", "70000")
    assert bad.returncode == 2 and "--http-port" in bad.stderr and "Traceback" not in bad.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        taken = _cli("--http-port", str(port))
    assert taken.returncode == 2 and "--http-port" in taken.stderr
    assert "Traceback" not in taken.stderr
    assert _cli("--speed", "0").stderr.strip().endswith("--speed must be > 0")


def test_websocket_refuses_other_origins(ui_server: Any) -> None:
    import base64
    import http.client
    import os

    srv = ui_server("--demo")
    host = srv.url.split("//", 1)[1].rstrip("/")

    def handshake(origin: str) -> int:
        conn = http.client.HTTPConnection(host, timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        conn.request(
            "GET", "/ws",
            headers={"Upgrade": "websocket", "Connection": "Upgrade", "Origin": origin,
                     "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"},
        )  # fmt: skip
        status = conn.getresponse().status
        conn.close()
        return status

    assert handshake("http://evil.example") == 403
    assert handshake(f"http://{host}") == 101


def test_page_assets_ship_with_the_package() -> None:
    import re

    from emgkit.app.ui.server import STATIC

    html = (STATIC / "index.html").read_text("utf-8")
    refs = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert {"app.js", "app.css", "vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"} <= set(refs)
    for ref in refs:
        assert (STATIC / ref).is_file(), ref
    assert "MIT" in (STATIC / "vendor" / "uPlot.LICENSE").read_text("utf-8")
    # no CDN or remote resource anywhere in the page or its script
    for name in ("index.html", "app.js", "app.css"):
        assert not re.search(r"https?://(?!127\.0\.0\.1)", (STATIC / name).read_text("utf-8"))
