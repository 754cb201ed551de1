"""Page one of the report for the four synthetic profiles: the right side named, the right
verdict word, "normal" only inside the quoted range, limits and pain before the patterns, and
every work cited anywhere in the report in its reference list."""

from __future__ import annotations

import re
import warnings

import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.report._blocks import ItemList, Paragraph, build_sections
from emgkit.report.methods import REFERENCES
from emgkit.report.summary import answers

PROFILES = ("healthy", "left_inhibition", "right_inhibition", "hamstring_dominant")


@pytest.fixture(scope="module", params=PROFILES)
def case(request):
    from emgkit.simulate import synthesize_session

    rec, _ = synthesize_session(request.param, fs=1000, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_bridge(rec, "bridge")
    return request.param, rec, res


def _by_key(rec, res):
    return {a.key: a for a in answers(rec, res)}


def test_page_one_order_and_status(case):
    _, rec, res = case
    got = answers(rec, res)
    # what limits the readings, then pain, then the patterns pain may change
    assert [a.key for a in got] == [
        "limits",
        "pain",
        "glute_sides",
        "glute_vs_others",
        "onset_order",
    ]
    for a in got:
        assert a.quality in ("ok", "warn", "fail", "-")
        assert "{" not in a.text and "evidence" not in a.text  # no raw dictionaries
    assert "one session cannot tell inhibition" in got[0].text.lower()


def test_glute_side_verdict(case):
    profile, rec, res = case
    a = _by_key(rec, res)["glute_sides"]
    assert a.quality == "ok"
    m = re.search(r"95 % interval ([+-][\d.]+) to ([+-][\d.]+)", a.text)
    assert m, a.text
    lo, hi = float(m.group(1)), float(m.group(2))
    sa = float(re.search(r"symmetry angle ([+-][\d.]+)", a.text).group(1))
    assert lo <= sa <= hi
    if profile.endswith("_inhibition"):
        side = profile.split("_")[0]
        assert a.text.startswith(f"Likely asymmetric: the {side} side works less"), a.text
        # positive symmetry angle = right larger, so the left side lower
        assert (sa > 0) == (side == "left")
        assert lo * hi > 0  # the interval excludes zero
    else:
        assert a.text.startswith("No meaningful difference"), a.text
        assert "likely asymmetric" not in a.text.lower()


def test_normal_only_inside_quoted_range(case):
    profile, rec, res = case
    a = _by_key(rec, res)["glute_vs_others"]
    m = re.search(r"glute max worked at (\d+) %MVC and the lumbar erector spinae at (\d+)", a.text)
    assert m, a.text
    g, e = float(m.group(1)), float(m.group(2))
    inside = abs(g - 25) <= 14 and abs(e - 39) <= 13
    assert "25 ± 14 and 39 ± 13 %MVC (Ekstrom 2007" in a.text  # the range is quoted
    assert ("i.e. normal" in a.text) == inside
    assert ("not called normal" in a.text) == (not inside)
    ratios = [float(x) for x in re.findall(r"(\d\.\d\d) (?:left|right)", a.text)]
    assert len(ratios) == 2
    if profile == "hamstring_dominant":
        assert max(ratios) < 0.67
        assert "hamstring-dominant on the left and right sides" in a.text
    elif profile == "healthy":
        assert min(ratios) >= 0.67
        assert "not hamstring-dominant" in a.text
    # the word "normal" appears nowhere else on page one unless qualified
    for b in build_sections(rec, res)[0].blocks:
        if isinstance(b, Paragraph):
            for hit in re.finditer(r"\bnormal\b", b.text):
                before = b.text[max(0, hit.start() - 12) : hit.start()]
                assert before.endswith(("i.e. ", "called ")), b.text


def test_onset_order_normal_stated_as_normal(case):
    _, rec, res = case
    a = _by_key(rec, res)["onset_order"]
    names = re.findall(r"(hamstrings|erector spinae|glute max) \(([+-]\d+) ms\)", a.text, re.I)
    assert len(names) == 3
    lat = [int(v) for _, v in names]
    assert lat == sorted(lat)  # listed first to last
    if names[-1][0].lower() == "glute max":
        assert "usual healthy order" in a.text and "i.e. normal" in a.text


def test_pain_per_trial(case):
    _, rec, res = case
    a = _by_key(rec, res)["pain"]
    events = rec.events_for(label="pain")
    if any(float(ev.value) > 0 for ev in events):
        for ev in events:
            assert f"{ev.trial} {ev.value}" in a.text
    else:  # no pain anywhere: said once, each rated trial named
        assert a.text.startswith(f"No: 0 (no pain, on a 0-10 scale) in all {len(events)} rated")
        for ev in events:
            assert ev.trial in a.text


def test_every_cited_work_is_in_the_reference_list(case):
    _, rec, res = case
    sections = build_sections(rec, res)
    refs = next(
        b for b in sections[-1].blocks if isinstance(b, ItemList) and b.title == "References"
    )
    text = []
    for s in sections:
        for b in s.blocks:
            if isinstance(b, ItemList) and b.title == "References":
                continue
            text.append(getattr(b, "text", "") or getattr(b, "caption", ""))
            if isinstance(b, ItemList):
                text.extend(t for _, t in b.items)
    body = " ".join(text)
    # "Surname 2009", "Surname et al. 2009", "Surname & Other 2009", "A, B & C 2009"
    cites = re.findall(
        r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?: et al\.?|(?:, [A-Z][a-z]+)* & [A-Z][a-z]+)? "
        r"((?:19|20)\d\d)\b",
        body,
    )
    assert len(cites) >= 5
    # each cited surname appears in the list with that year in the same entry
    entries = [t for _, t in refs.items]
    missing = sorted(
        {
            f"{n} {y}"
            for n, y in cites
            if not any(t.startswith(n) or f" {n} " in t for t in entries if y in t)
        }
    )
    assert not missing, missing
    assert set(REFERENCES) >= {"Ekstrom 2007", "Lehecka 2017", "Hodges 2003"}


def test_limits_answer_ends_with_one_full_stop(case):
    _, rec, res = case
    text = _by_key(rec, res)["limits"].text
    assert text.endswith(".") and not text.endswith("..")
