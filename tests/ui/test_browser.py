"""The live screen in a real headless Chromium, on the emulated MyoWare device.

Each test waits for observable conditions (DOM state, files); none sleeps a fixed time.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.slow

WAIT = 240.0  # upper bound for a condition (never a sleep: the wait ends when it holds)


def _wait(drv: Any, js: str, timeout: float = WAIT) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script("return " + js)
    )


def _start(drv: Any, url: str, pseudonym: str = "S01", auto: bool = False) -> None:
    from selenium.webdriver.common.by import By

    drv.get(url)
    _wait(drv, "document.querySelectorAll('#device option').length > 0")
    drv.find_element(By.ID, "pseudonym").send_keys(pseudonym)
    drv.find_element(By.ID, "label").send_keys("baseline <b>x</b>")
    if auto:
        drv.find_element(By.ID, "auto").click()
    drv.find_element(By.ID, "start").click()
    _wait(drv, "document.body.dataset.view === 'check'")


def test_protocol_run_markers_pain_reload_and_report(ui_server: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from emgkit.analysis.attempts import DISCARDED, drop_discarded
    from emgkit.io import read
    from emgkit.protocol import load_protocol

    srv = ui_server("--demo", "--speed", "20", "--short")
    drv = browser
    _start(drv, srv.url)
    # electrode check: every channel gets a quality light from the live feed
    lights = "[...document.querySelectorAll('.ch-card .light')]"
    _wait(drv, f"{lights}.length === 6 && {lights}.every(l => l.dataset.light)")
    drv.find_element(By.ID, "begin").click()
    _wait(drv, "document.body.dataset.view === 'protocol'")

    pains: dict[str, int] = {}
    n_pain = 0
    answered: str | None = None  # the last trial whose questions were answered
    repeated: str | None = None  # the trial repeated with "r" at the next trial's intro
    first_pain: int | None = None
    reloaded = False
    seen_cues: set[str] = set()
    while True:
        st = "window.__emgkit.state"
        what = _wait(
            drv,
            f"({st} && {st}.screen === 'end') ? 'end' : (document.body.dataset.waiting || "
            f"({st} && {st}.cue ? 'cue:' + {st}.cue : false))",
        )
        if what == "end":
            break
        if what.startswith("cue:"):
            seen_cues.add(what[4:])
            # a page reload in the middle of a trial: the page rejoins the running session
            if not reloaded and what == "cue:HOLD":
                reloaded = True
                drv.refresh()
                _wait(
                    drv,
                    "document.body.dataset.view === 'protocol' && "
                    "document.getElementById('status').dataset.conn === 'open'",
                )
            continue
        tid = drv.execute_script("return window.__emgkit.state.trial.id")
        if what == "intro" and repeated is None and answered is not None and tid != answered:
            # repeat the trial just done, by its shortcut: it runs again from its intro
            repeated, first_pain = answered, pains[answered]
            drv.find_element(By.TAG_NAME, "body").send_keys("r")
            _wait(drv, f"window.__emgkit.state.trial.id === {repeated!r}")
        elif what == "intro" and tid == "mvc_erector_spinae":
            drv.find_element(By.TAG_NAME, "body").send_keys("s")  # skip, by its shortcut
            _wait(drv, f"window.__emgkit.state.trial.id !== {tid!r}")
        elif what == "intro":
            drv.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)  # the shortcut
            _wait(
                drv,
                f"document.body.dataset.waiting !== 'intro' || "
                f"window.__emgkit.state.trial.id !== {tid!r}",
            )
        elif what == "pain":
            value = (3 + n_pain) % 11
            n_pain += 1
            pains[tid] = value  # a repeated trial: the last answer is the one that counts
            answered = tid
            drv.find_element(By.CSS_SELECTOR, f'#pain-buttons button[data-pain="{value}"]').click()
            _wait(drv, "document.body.dataset.waiting !== 'pain'")
        elif what == "felt":
            drv.find_element(By.CSS_SELECTOR, '#felt-box input[value="glute_max"]').click()
            drv.find_element(By.ID, "felt-send").click()
            _wait(drv, "document.body.dataset.waiting !== 'felt'")
    assert reloaded and {"GET READY", "HOLD"} <= seen_cues

    # the end screen links the report, which opens
    _wait(drv, "!document.getElementById('report-link').hidden")
    href = drv.find_element(By.ID, "report-link").get_attribute("href")
    with urllib.request.urlopen(href) as r:
        html = r.read().decode("utf-8")
    assert r.status == 200 and "<html" in html.lower() and "S01" in html

    # markers in the BDF+: each pain rating at the end of its trial, holds of exactly hold_s
    folder = Path(drv.execute_script("return window.__emgkit.state.folder"))
    recorded = read(folder / "session.bdf")
    # the repeated trial's first attempt is in the file, inside a "discarded" span, with its
    # own pain answer; the analysis leaves it out (drop_discarded), keeping the last attempt
    (span,) = [e for e in recorded.events if e.label == DISCARDED]
    assert (span.trial, span.value) == (repeated, "attempt 1") and first_pain is not None
    first = [e for e in recorded.events if e.label == "pain" and e.trial == repeated]
    assert [e.value for e in first] == [str(first_pain), str(pains[repeated])]
    assert span.onset <= first[0].onset < span.offset <= first[1].onset
    rec = drop_discarded(recorded)
    proto = load_protocol("bridge").shortened(max_reps=2, hold_scale=0.2, rest_scale=0.05)
    trials = {t.id: t for t in proto.expanded()}
    assert set(pains) == {t.id for t in trials.values() if t.ask_pain}
    fs = rec.fs
    for tid, value in pains.items():
        (pain,) = [e for e in rec.events if e.label == "pain" and e.trial == tid]
        (trial,) = [e for e in rec.events if e.label == "trial" and e.trial == tid]
        assert pain.value == str(value)
        assert round(pain.onset * fs) == round((trial.onset + trial.duration) * fs)
    holds = [e for e in rec.events if e.label == "hold"]
    assert holds
    for h in holds:
        assert round(h.duration * fs) == round(trials[h.trial].hold_s * fs)
    felt = [e for e in rec.events if e.label == "felt"]
    assert felt and all(e.value == "glute_max" for e in felt)
    # the skipped trial left no events; the run says so
    assert not [e for e in rec.events if e.trial == "mvc_erector_spinae"]
    assert drv.execute_script("return window.__emgkit.state.result.skipped") == [
        "mvc_erector_spinae"
    ]
    # the user's label is shown as text, never parsed as HTML
    assert "baseline <b>x</b>" in drv.find_element(By.ID, "status").text
    assert not drv.find_elements(By.CSS_SELECTOR, "#status b, main b")
    assert rec.n_samples > 0 and np.isfinite(rec.data).any()


def test_biofeedback_tone_follows_the_subject_into_the_band(ui_server: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    srv = ui_server("--demo", "--speed", "4", "--short")
    drv = browser
    _start(drv, srv.url, pseudonym="BF01")
    drv.find_element(By.ID, "begin").click()
    _wait(drv, "document.body.dataset.waiting === 'intro'")  # the runner waits; data flows
    drv.find_element(By.CSS_SELECTOR, '#tabs button[data-view="bio"]').click()
    _wait(drv, "document.querySelectorAll('#bio-ch option').length === 6")
    drv.execute_script("document.getElementById('bio-ch').value = 'glute_max_L'")
    for id_, value in (("bio-ref", "10"), ("bio-lo", "150"), ("bio-hi", "100000"),
                       ("bio-hold-target", "0.5")):  # fmt: skip
        box = drv.find_element(By.ID, id_)
        box.clear()
        box.send_keys(value)
    drv.find_element(By.ID, "bio-sound").click()
    tone = "document.getElementById('bio-tone').dataset.tone"
    level = "Number(document.getElementById('bio-level').dataset.level)"
    # the synthetic subject rests (a few uV) and then contracts: the tone must switch on only
    # with the level inside the band, and off again when it leaves
    for _ in range(2):
        on = _wait(drv, f"{tone} === 'on' ? [{level}] : false")
        assert on[0] >= 150.0
        off = _wait(drv, f"{tone} === 'off' ? [{level}] : false")
        assert off[0] < 150.0
    _wait(drv, "Number(document.getElementById('bio-reps').textContent) >= 1")
    assert drv.find_element(By.ID, "bio-meter").get_attribute("data-inband") in ("yes", "no")


def test_stop_then_resume_from_the_setup_screen(ui_server: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    from emgkit.io import read

    srv = ui_server("--demo", "--speed", "20", "--short")
    drv = browser
    _start(drv, srv.url, pseudonym="R01")
    drv.find_element(By.ID, "begin").click()
    _wait(drv, "document.body.dataset.waiting === 'intro'")
    drv.find_element(By.ID, "go").click()  # the rest trial
    _wait(drv, "document.body.dataset.waiting === 'intro' && "
               "window.__emgkit.state.trial.id !== 'rest'")  # fmt: skip
    drv.find_element(By.ID, "stop").click()
    drv.switch_to.alert.accept()
    _wait(drv, "window.__emgkit.state.screen === 'end' && window.__emgkit.state.result")
    assert drv.execute_script("return window.__emgkit.state.result.status") == "aborted"
    folder = Path(drv.execute_script("return window.__emgkit.state.folder"))

    drv.refresh()  # the setup screen lists the interrupted session
    drv.find_element(By.CSS_SELECTOR, '#tabs button[data-view="setup"]').click()
    button = _wait(drv, "document.querySelector('#resume-list button.resume')")
    assert button.get_attribute("data-path") == f"R01/{folder.name}"
    button.click()
    _wait(drv, "window.__emgkit.state.screen === 'check'")
    drv.find_element(By.ID, "begin").click()
    drv.find_element(By.ID, "auto-toggle").click()  # auto-continue through the rest
    while True:
        st = "window.__emgkit.state"
        what = _wait(
            drv, f"{st}.screen === 'end' && {st}.result ? 'end' : document.body.dataset.waiting"
        )
        if what == "end":
            break
        if what == "intro":
            drv.find_element(By.ID, "go").click()
        elif what == "pain":
            drv.find_element(By.CSS_SELECTOR, '#pain-buttons button[data-pain="1"]').click()
        elif what == "felt":
            drv.find_element(By.ID, "felt-send").click()
        _wait(drv, f"document.body.dataset.waiting !== {what!r} || "
                   "window.__emgkit.state.screen === 'end'")  # fmt: skip
    result = drv.execute_script("return window.__emgkit.state.result")
    assert result["status"] == "complete" and result["segments"] == [
        "segment-01.bdf",
        "segment-02.bdf",
    ]
    rec = read(folder / "session.bdf")
    # the rest trial once (from segment 1), then a gap where the session resumed
    assert len([e for e in rec.events if e.label == "trial" and e.trial == "rest"]) == 1
    assert any(g.reason == "session resumed" for g in rec.gaps)
