"""Byte-arrival stamps: serial read -> reader -> live queue -> LiveFeed -> WebSocket -> page.

The stamps exist for the byte-to-pixel latency of ``benchmarks/bench_ui.py`` and only when
asked for (``stamp_arrival`` / ``emgkit ui --stamp-latency``). These tests check that they are
present for every chunk and point, ordered, and taken before the later stages; never how long
anything took. No test sleeps: each waits for the recording to end or for a page condition.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emgkit.app.ui.feed import LiveFeed
from emgkit.app.ui.server import _points_json

FS = 2000.0


def _record(
    tmp_path: Path, name: str, stamp: bool, transport: str | None = None
) -> tuple[Any, LiveFeed, Any, Path, float, float]:
    """Record 3 s of known samples from the emulated MyoWare at 4x real time."""
    from emgkit.app.emulated import recorder as Recorder

    rng = np.random.default_rng(11)
    x = rng.normal(0.0, 40.0, size=(round(3 * FS), 6))
    rec = Recorder(
        "emulated-arduino",
        out=tmp_path / f"{name}.bdf",
        fs=FS,
        emulator={"samples_uv": x, "realtime": True, "speed": 4.0, "transport": transport},
        stamp_arrival=stamp,
    )
    sub = rec.subscribe(maxsize=100_000, name="test")  # keeps every chunk
    feed = LiveFeed(rec, rate=50.0)
    t0 = time.time()
    rec.start()
    feed.start()
    rec.wait(3.0)
    path = rec.stop()
    t1 = time.time()
    assert feed._thread is not None
    feed._thread.join(60.0)  # the feed thread ends once it has consumed the closed queue
    feed.stop()
    return sub, feed, x, path, t0, t1


@pytest.mark.parametrize("transport", ["pty", "socket"])
def test_every_chunk_and_point_carries_its_read_time(tmp_path: Path, transport: str) -> None:
    sub, feed, x, _, t0, t1 = _record(tmp_path, "on", stamp=True, transport=transport)
    chunks = [r for r in sub.drain() if r.samples.shape[0]]
    assert sum(r.samples.shape[0] for r in chunks) == x.shape[0]
    stamps = []
    read_at = np.full(x.shape[0], np.nan)  # sample index -> when its read() returned
    for r in chunks:
        read_at[r.sample_index] = r.aux["t_arrival"]
        st = r.aux["t_arrival"]  # present for every chunk with rows, one stamp per row
        assert st.shape == (r.samples.shape[0],)
        assert np.all(st == st[0])  # one read() per chunk (the MyoWare parser holds nothing)
        stamps.append(float(st[0]))
    assert t0 <= stamps[0] and stamps[-1] <= t1
    assert np.all(np.diff(stamps) >= 0)  # reads happen in order
    assert len(set(stamps)) > 10  # many reads, not one stamp copied everywhere

    pts = list(feed.points)
    assert len(pts) > 100
    if feed.dropped == 0:  # a starved feed thread loses whole chunks (counted), not stamps
        assert len(pts) == round(3 * 50.0) - 1  # the last bin never completes
    byte = np.array([p.byte for p in pts], dtype=float)  # None would be NaN: none allowed
    assert not np.any(np.isnan(byte))
    assert np.all(np.diff(byte) >= 0)
    # each point has the read time of its bin's newest row (the bin of 40 samples ending at t)
    newest = np.array([round(p.t * FS) - 1 for p in pts])
    np.testing.assert_array_equal(byte, read_at[newest])
    # a bin's newest row is read before the feed processes the chunk that completes the bin
    assert all(p.byte is not None and p.byte <= p.arrival for p in pts)
    # the bin's newest row: a point whose bin ends mid-chunk has that chunk's stamp; rows of
    # the next bin are never read before the rows of this one
    msg = json.loads(_points_json(pts[5:9], pts[8].seq))
    assert msg["byte"] == pts[5].byte <= msg["arrival"] == pts[5].arrival <= msg["sent"]


def test_without_stamps_the_recording_and_messages_are_unchanged(tmp_path: Path) -> None:
    from emgkit.io import read

    sub, feed, x, path, _, _ = _record(tmp_path, "off", stamp=False)
    assert not any("t_arrival" in r.aux for r in sub.drain())
    pts = list(feed.points)
    assert pts and all(p.byte is None for p in pts)
    assert "byte" not in json.loads(_points_json(pts[:3], pts[2].seq))
    _, _, _, path_on, _, _ = _record(tmp_path, "on", stamp=True)
    off, on = read(path), read(path_on)
    assert off.n_samples == on.n_samples == x.shape[0]
    np.testing.assert_array_equal(off.data, on.data)  # stamping does not touch the recording


@pytest.mark.slow
def test_page_gets_a_byte_stamp_for_every_drawn_message(ui_server: Any, browser: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(js: str) -> Any:
        return WebDriverWait(browser, 240.0, poll_frequency=0.05).until(
            lambda d: d.execute_script("return " + js)
        )

    srv = ui_server("--demo", "--stamp-latency")
    browser.get(srv.url)
    wait("document.getElementById('status').dataset.conn === 'open'")
    browser.execute_script(
        "window.__emgkit.send({cmd: 'start', pseudonym: 'LAT01', device: 'emulated-arduino',"
        " fs: 2000, n_channels: 8, protocol: 'bridge'})"
    )
    wait("window.__emgkit.names.length === 8")
    browser.execute_script("document.querySelector('#tabs button[data-view=\"live\"]').click()")
    wait("window.__emgkit.stamps.length >= 100")
    lat, stamps = browser.execute_script(
        "const a = window.__emgkit; return [a.lat.slice(), a.stamps.slice()]"
    )
    n = len(stamps)
    assert n >= 100 and len(lat) == n  # every drawn message had its byte stamp
    s = np.asarray(stamps)
    byte, feed, sent, recv, drawn = s.T
    assert np.all(np.diff(byte) >= 0)  # messages leave in read order
    assert np.all(byte <= feed) and np.all(feed <= sent)  # the server's clock
    assert np.all(recv <= drawn)  # the page's clock
    # the feed -> paint latency the page already kept is the tail of the byte -> paint one
    np.testing.assert_allclose(np.asarray(lat), drawn - feed, rtol=0, atol=1e-9)
