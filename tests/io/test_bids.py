"""BIDS EMG writer: file names, required sidecar fields, channels/events tables, readable data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from emgkit.errors import ConfigError
from emgkit.io import read
from emgkit.io.bids import bids_stem, write_bids
from emgkit.recording import Channel, Event, Recording, SessionInfo, SignalKind


def _rec() -> Recording:
    data = np.random.default_rng(1).normal(0, 10, (500, 3))
    chans = [
        Channel("glute_max_L", "glute_max", "left", site="SENIAM gluteus maximus"),
        Channel("glute_max_R", "glute_max", "right"),
        Channel("accel_x", kind=SignalKind.ACCEL, units="g"),
    ]
    info = SessionInfo(subject="P01", device="cyton", hardware_bandwidth_hz=65.0, power_line_hz=50)
    return Recording(data, 250.0, chans, [Event(0.5, 1.0, "hold", "slb_left", "1")], info=info)


def test_stem() -> None:
    assert bids_stem("01", "bridge", session="1", run=2) == "sub-01_ses-1_task-bridge_run-02"
    with pytest.raises(ConfigError, match="letters and digits"):
        bids_stem("P_01", "bridge")


def test_write_bids(tmp_path: Path) -> None:
    f = write_bids(_rec(), tmp_path, subject="P01", task="bridge", session="1", run=1)
    assert f == tmp_path / "sub-P01/ses-1/emg/sub-P01_ses-1_task-bridge_run-01_emg.bdf"
    side = json.loads(f.with_name("sub-P01_ses-1_task-bridge_run-01_emg.json").read_text())
    required = [
        "TaskName",
        "EMGPlacementScheme",
        "EMGPlacementSchemeDescription",
        "EMGReference",
        "SamplingFrequency",
        "PowerLineFrequency",
        "RecordingType",
        "SoftwareFilters",
    ]
    assert all(k in side for k in required)
    assert "TODO" not in json.dumps(side)
    assert side["SamplingFrequency"] == 250.0 and side["PowerLineFrequency"] == 50
    assert side["EMGChannelCount"] == 2
    assert side["HardwareFilters"]["LowpassFilter"]["CutoffFrequency"] == 65.0
    with f.with_name("sub-P01_ses-1_task-bridge_run-01_channels.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["type"] for r in rows] == ["EMG", "EMG", "MISC"]
    assert rows[0]["target_muscle"] == "left gluteus maximus"
    assert rows[2]["units"] == "g" and rows[2]["target_muscle"] == "n/a"
    ev = f.with_name("sub-P01_ses-1_task-bridge_run-01_events.tsv").read_text().splitlines()
    assert ev[0] == "onset\tduration\ttrial_type\ttrial\tvalue"
    assert ev[1] == "0.500000\t1.000000\thold\tslb_left\t1"
    assert json.loads((tmp_path / "dataset_description.json").read_text())["BIDSVersion"]
    back = read(f)
    assert back.n_samples == 500 and back.channel_names[:2] == ["glute_max_L", "glute_max_R"]
    with pytest.raises(ConfigError, match="exists"):
        write_bids(_rec(), tmp_path, subject="P01", task="bridge", session="1", run=1)
