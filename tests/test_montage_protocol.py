"""Montage and protocol TOML loading and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgkit import ConfigError, load_montage, load_protocol
from emgkit.montage import available_montages
from emgkit.protocol import available_protocols


def test_shipped_montages() -> None:
    assert {"bridge6", "bridge8"} <= set(available_montages())
    m6 = load_montage()
    assert m6.name == "bridge6"
    assert [(c.muscle, c.side) for c in m6.channels] == [
        ("glute_max", "left"),
        ("glute_max", "right"),
        ("hamstrings", "left"),
        ("hamstrings", "right"),
        ("erector_spinae", "left"),
        ("erector_spinae", "right"),
    ]
    assert all("SENIAM" in c.site or "L1" in c.site for c in m6.channels)
    m8 = load_montage("bridge8")
    assert len(m8.channels) == 8
    assert m8.channel("multifidus", "right").name == "multifidus_R"
    dev = m6.with_device("cyton")
    assert {c.device for c in dev.channels} == {"cyton"}


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            'name="x"\n[[channels]]\nname="a"\nmuscle="gluteus"\nside="left"\n',
            "'muscle' = 'gluteus'",
        ),
        ('name="x"\n[[channels]]\nname="a"\nmuscle="glute_max"\nside="up"\n', "'side' = 'up'"),
        (
            'name="x"\n[[channels]]\nmuscle="glute_max"\nside="left"\n',
            "missing required field 'name'",
        ),
        (
            'name="x"\n[[channels]]\nname="a"\nmuscle="glute_max"\nside="left"\nkind="emg"\n',
            "'kind'",
        ),
        (
            'name="x"\n[[channels]]\nname="a"\nmuscle="glute_max"\nside="left"\ncolour=1\n',
            "unknown field",
        ),
        ('name="x"\nchannels=[]\n', "at least one"),
        ("name = [", "not valid TOML"),
    ],
)
def test_invalid_montage_names_the_field(tmp_path: Path, body: str, match: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(ConfigError, match=match) as exc:
        load_montage(f)
    assert "bad.toml" in str(exc.value)


def test_unknown_montage_name() -> None:
    with pytest.raises(ConfigError, match="bridge6"):
        load_montage("nope")


def test_bridge_protocol() -> None:
    assert "bridge" in available_protocols()
    p = load_protocol()
    ids = [t.id for t in p.expanded()]
    assert ids[0] == "rest"
    assert {"slb_left", "slb_right", "dlb_squeeze", "dlb_heels_closer", "dlb_wall_push"} <= set(ids)
    assert {"mvc_glute_max_prone_left", "mvc_glute_max_standing_right"} <= set(ids)
    dlb = p.trial("dlb_squeeze")
    assert (dlb.hold_s, dlb.reps, dlb.sets, dlb.total_reps) == (5.0, 20, 2, 40)
    assert p.trial("slb_left").hold_s == 10.0
    short = p.shortened(max_reps=3)
    assert short.trial("dlb_squeeze").total_reps == 3
    assert short.trial("slb_right").hold_s == 10.0


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('name="p"\n[[trials]]\nid="a"\ntask="jump"\n', "task 'jump'"),
        ('name="p"\n[[trials]]\nid="a"\ntask="mvc"\n', "needs 'muscle'"),
        ('name="p"\n[[trials]]\nid="a"\ntask="single_leg_bridge"\nside="both"\n', "single-leg"),
        ('name="p"\n[[trials]]\nid="a"\ntask="rest"\nreps=0\n', "reps must be >= 1"),
        ('name="p"\n[[trials]]\nid="a"\ntask="rest"\nhold_s="long"\n', "'hold_s' must be float"),
        (
            'name="p"\n[[trials]]\nid="a"\ntask="rest"\n[[trials]]\nid="a"\ntask="rest"\n',
            "duplicate",
        ),
    ],
)
def test_invalid_protocol(tmp_path: Path, body: str, match: str) -> None:
    f = tmp_path / "p.toml"
    f.write_text(body)
    with pytest.raises(ConfigError, match=match):
        load_protocol(f)
