"""Shared by the live-screen scripts: start `emgkit ui` and a headless Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage",
)  # fmt: skip


def start_server(data: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """An `emgkit ui` process on a free port and the URL it printed."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "emgkit.cli", "ui", "--no-browser", "--http-port", "0",
         "--data", str(data), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if "serving on " in line:
            return proc, line.split("serving on ", 1)[1].strip()
    raise RuntimeError("emgkit ui did not start")


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def chromium(profile: Path, width: int = 1280, height: int = 900) -> Any:
    """Headless Chromium (Debian's chromium + chromedriver via Selenium), profile in ``profile``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for f in CHROMIUM_FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--window-size={width},{height}")
    opts.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def wait(drv: Any, js: str, timeout: float = 300.0) -> Any:
    """Poll ``return <js>`` until it is truthy."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script("return " + js)
    )
