"""The Recording model: construction checks, selection, cropping, gaps, pandas views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emgkit import Channel, ConfigError, Event, Gap, Recording, SessionInfo, SignalError


def _rec(n: int = 1000, fs: float = 1000.0) -> Recording:
    data = np.arange(n * 3, dtype=float).reshape(n, 3)
    chans = [
        Channel("gmax_L", "glute_max", "left"),
        Channel("gmax_R", "glute_max", "right"),
        Channel("env_R", "hamstrings", "right", kind="envelope"),
    ]
    events = [Event(0.2, 0.3, "hold", "t1", "1"), Event(0.9, 0.0, "marker")]
    gaps = [Gap(100, 50)]
    data[100:150] = np.nan
    return Recording(data, fs, chans, events, gaps, SessionInfo(subject="S01"))


def test_basic_properties() -> None:
    r = _rec()
    assert (r.n_samples, r.n_channels, r.duration) == (1000, 3, 1.0)
    assert r.times[10] == pytest.approx(0.010)
    assert r.channel_names == ["gmax_L", "gmax_R", "env_R"]
    assert r.n_missing == 50
    assert "3 ch x 1000 samples" in repr(r)


@pytest.mark.parametrize("fs", [0, -1, float("nan"), float("inf")])
def test_bad_fs(fs: float) -> None:
    with pytest.raises(SignalError, match="positive"):
        Recording(np.zeros((10, 1)), fs, ["a"])


def test_channel_count_and_names_checked() -> None:
    with pytest.raises(ConfigError, match="2 channel descriptions for 3"):
        Recording(np.zeros((10, 3)), 100, ["a", "b"])
    with pytest.raises(ConfigError, match="duplicate"):
        Recording(np.zeros((10, 2)), 100, ["a", "a"])
    with pytest.raises(ConfigError, match="unknown muscle"):
        Channel("x", "gluteus", "left")
    with pytest.raises(ConfigError, match="side"):
        Channel("x", "glute_max", "middle")
    with pytest.raises(ConfigError, match="kind"):
        Channel("x", kind="bogus")
    with pytest.raises(ConfigError, match="runs past the end"):
        Recording(np.zeros((10, 1)), 100, ["a"], gaps=[Gap(8, 5)])


def test_pick_by_muscle_side_kind() -> None:
    r = _rec()
    assert r.pick(muscle="glute_max").channel_names == ["gmax_L", "gmax_R"]
    assert r.pick(side="right").channel_names == ["gmax_R", "env_R"]
    assert r.pick(kind="envelope").channel_names == ["env_R"]
    sub = r.pick(["gmax_R"])
    np.testing.assert_array_equal(sub.data[:, 0], r.data[:, 1])
    with pytest.raises(ConfigError, match="no channel matches"):
        r.pick(muscle="erector_spinae")


def test_crop_shifts_events_and_gaps() -> None:
    r = _rec()
    c = r.crop(0.12, 0.4)
    assert c.n_samples == 280
    np.testing.assert_array_equal(c.data[0], r.data[120])
    # gap 100..150 -> clipped to 120..150 -> 0..30
    assert c.gaps == [Gap(0, 30)]
    # hold 0.2..0.5 -> 0.08..0.28 (clipped at 0.4)
    (hold,) = c.events_for(label="hold")
    assert hold.onset == pytest.approx(0.08)
    assert hold.duration == pytest.approx(0.2)
    assert not c.events_for(label="marker")
    with pytest.raises(SignalError):
        r.crop(0.5, 0.5)


def test_filled_zero_and_linear() -> None:
    r = _rec()
    z = r.filled("zero")
    assert np.isfinite(z.data).all()
    assert (z.data[100:150] == 0).all()
    lin = r.filled("linear")
    # column 0 is arange(0, 3000, 3): linear interpolation restores it exactly
    np.testing.assert_allclose(lin.data[100:150, 0], np.arange(100, 150) * 3.0)
    assert r.gap_mask().sum() == 50
    with pytest.raises(ConfigError):
        r.filled("cubic")


def test_pandas_views() -> None:
    r = _rec()
    df = r.to_dataframe()
    assert list(df.columns) == r.channel_names
    assert df.index.name == "time_s"
    assert df.index[1] == pytest.approx(0.001)
    ch = r.channels_frame()
    assert ch.loc[2, "kind"] == "envelope"
    ev = r.events_frame()
    assert list(ev["label"]) == ["hold", "marker"]
    g = r.gaps_frame()
    assert g.loc[0, "onset"] == pytest.approx(0.1)
    back = Recording.from_dataframe(pd.DataFrame({"a": [1.0, 2.0]}), fs=10)
    assert back.channel_names == ["a"]
    assert "<b>Recording</b>" in r._repr_html_()


def test_html_repr_escapes_subject() -> None:
    r = _rec()
    r.info.subject = "<script>x</script>"
    assert "<script>" not in r._repr_html_()


def test_event_validation() -> None:
    with pytest.raises(ConfigError):
        Event(1.0, -0.5)
    with pytest.raises(ConfigError):
        Event(float("nan"))
    assert Event(1.0, 0.5).offset == 1.5
