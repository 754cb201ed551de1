"""Fixtures for the live screen: a real `emgkit ui` server process and headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("EMGKIT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("EMGKIT_CHROMEDRIVER", "/usr/bin/chromedriver")


class UiServer:
    """An `emgkit ui` subprocess; :attr:`url` is read from its first output line."""

    def __init__(self, data: Path, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        self.data = data
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emgkit.cli", "ui", "--no-browser", "--http-port", "0",
             "--data", str(data), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
        self.lines: list[str] = []
        self.url = ""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # blocks until the server prints its address
            self.lines.append(line)
            if "serving on " in line:
                self.url = line.split("serving on ", 1)[1].strip()
                break
        if not self.url:
            raise RuntimeError("emgkit ui did not start:\n" + "".join(self.lines))

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                out, _ = self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate()
            self.lines.append(out or "")
        return "".join(self.lines)


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[Callable[..., UiServer]]:
    servers: list[UiServer] = []

    def start(*args: str) -> UiServer:
        s = UiServer(tmp_path / "sessions", *args)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def _chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        return (
            f"Chromium ({CHROMIUM}) or chromedriver ({CHROMEDRIVER}) is not installed: "
            "run .ci/run (it installs them with apt), or apt-get install chromium chromium-driver"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install emgkit[test])"
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver (skips only when Chromium is absent)."""
    why = _chromium_missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="emgkit-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900",
        f"--user-data-dir={profile}", "--disable-dev-shm-usage",
    ):  # fmt: skip
        opts.add_argument(flag)
    drv = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
