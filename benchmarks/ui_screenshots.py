"""Screenshots of every screen of `emgkit ui` for docs/ui.md (headless Chromium, demo device).

Usage::

    python3 benchmarks/ui_screenshots.py            # writes docs/img/ui/*.png
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _ui_browser import REPO, chromium, start_server, stop_server, wait

ST = "window.__emgkit.state"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(REPO / "docs" / "img" / "ui"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from selenium.webdriver.common.by import By

    data = Path(tempfile.mkdtemp(prefix="emgkit-ui-shots-"))
    proc, url = start_server(data, "--demo", "--speed", "3", "--short")
    drv = chromium(data / "chromium")
    shot = lambda name: drv.save_screenshot(str(out / f"{name}.png"))  # noqa: E731

    def until(cond: str) -> None:
        """Wait for ``cond``; meanwhile answer the session's questions (the subject rests
        while the runner waits for an answer, so nothing else would happen)."""
        while True:
            w = wait(drv, f"({cond}) ? 'yes' : document.body.dataset.waiting", 600)
            if w == "yes":
                return
            if w == "pain":
                drv.execute_script("window.__emgkit.send({cmd: 'pain', value: 2})")
            elif w == "felt":
                drv.execute_script("window.__emgkit.send({cmd: 'felt', value: ['glute_max']})")
            elif w == "intro":
                drv.execute_script("window.__emgkit.send({cmd: 'go'})")
            wait(drv, f"document.body.dataset.waiting !== {w!r} || ({cond})", 600)

    try:
        drv.get(url)
        wait(drv, "document.querySelectorAll('#device option').length > 0")
        drv.find_element(By.ID, "pseudonym").send_keys("S01")
        drv.find_element(By.ID, "label").send_keys("baseline")
        shot("1-setup")
        drv.find_element(By.ID, "start").click()
        wait(drv, "[...document.querySelectorAll('.ch-card .light')].every(l => l.dataset.light)"
                  " && window.__emgkit.t.length > 80")  # fmt: skip
        shot("2-electrodes")
        drv.find_element(By.ID, "begin").click()
        wait(drv, "document.body.dataset.waiting === 'intro'")
        shot("3a-trial-intro")
        drv.find_element(By.ID, "auto-toggle").click()  # auto-continue through the trials
        drv.find_element(By.ID, "go").click()
        wait(drv, f"{ST}.cue === 'HOLD' && {ST}.remaining < 0.8 * {ST}.cue_s")
        shot("3b-protocol-hold")
        # answer questions as they come until a single-leg bridge hold, with MVCs in
        while True:
            w = wait(
                drv,
                f"document.body.dataset.waiting || ({ST}.cue === 'HOLD' && "
                f"{ST}.trial.task === 'single_leg_bridge' && {ST}.remaining < 1 ? 'slb' : '')",
            )
            if w == "slb":
                break
            if w == "pain":
                drv.find_element(By.CSS_SELECTOR, '#pain-buttons button[data-pain="2"]').click()
            elif w == "felt":
                shot("3c-felt")
                drv.find_element(By.CSS_SELECTOR, '#felt-box input[value="glute_max"]').click()
                drv.find_element(By.ID, "felt-send").click()
            wait(drv, f"document.body.dataset.waiting !== {w!r}")
        drv.find_element(By.CSS_SELECTOR, '#tabs button[data-view="live"]').click()
        wait(drv, "document.querySelectorAll('#mvc-bars .bar').length >= 4")
        shot("4-live")
        drv.execute_script("document.getElementById('mvc-bars').scrollIntoView()")
        # %MVC bars and the live ratio during a bridge hold (the cued subject holds on the cue);
        # questions that come meanwhile are answered from here (their box is on another tab)
        ratio = (
            "[...document.querySelectorAll('#ratio div')]"
            ".some(d => d.textContent.includes('%MVC /'))"
        )
        until(f"{ratio} && {ST}.cue === 'HOLD'")
        shot("4b-live-mvc")
        drv.execute_script("window.scrollTo(0, 0)")
        drv.find_element(By.CSS_SELECTOR, '#tabs button[data-view="bio"]').click()
        pick = "const s = document.getElementById('bio-ch'); s.value = 'glute_max_L';"
        drv.execute_script(pick + "s.dispatchEvent(new Event('change'))")
        drv.find_element(By.ID, "bio-sound").click()
        drv.find_element(By.ID, "bio-glute-first").click()
        until("document.getElementById('bio-meter').dataset.inband === 'yes'")
        shot("5-biofeedback")
        drv.find_element(By.CSS_SELECTOR, '#tabs button[data-view="protocol"]').click()
        while True:
            w = wait(drv, f"{ST}.screen === 'end' ? 'end' : document.body.dataset.waiting", 900)
            if w == "end":
                break
            if w == "pain":
                drv.find_element(By.CSS_SELECTOR, '#pain-buttons button[data-pain="2"]').click()
            elif w == "felt":
                drv.find_element(By.CSS_SELECTOR, '#felt-box input[value="glute_max"]').click()
                drv.find_element(By.ID, "felt-send").click()
            elif w == "intro":
                drv.find_element(By.ID, "go").click()
            wait(drv, f"document.body.dataset.waiting !== {w!r} || {ST}.screen === 'end'")
        wait(drv, "!document.getElementById('report-link').hidden", 600)
        shot("6-end")
        drv.find_element(By.ID, "to-patient").click()
        wait(drv, "document.querySelectorAll('#patient-sessions tbody tr').length >= 1")
        shot("7-patient")
        print(f"screenshots in {out}")
    finally:
        drv.quit()
        stop_server(proc)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
