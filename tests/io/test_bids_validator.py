"""A BIDS EMG dataset written by emgkit passes the official validator (bids-validator-deno)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emgkit.io.bids import write_bids
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo, SignalKind


def _validator() -> list[str]:
    exe = shutil.which("bids-validator-deno")
    if exe:
        return [exe]
    try:
        import bids_validator_deno  # noqa: F401
    except ImportError:
        pytest.skip(
            "bids-validator-deno is not installed (python3 -m pip install bids-validator-deno)"
        )
    return [sys.executable, "-c", "import sys, bids_validator_deno as b; sys.exit(b.cli())"]


@functools.cache
def _session() -> Recording:
    from emgkit.simulate import synthesize_session

    rec, _ = synthesize_session("right_inhibition", fs=250.0, seed=3)
    rec = rec.crop(0.0, 60.0)
    acc = np.linspace(-1, 1, rec.n_samples)[:, None]
    chans = [*rec.channels, Channel("accel_z", kind=SignalKind.ACCEL, units="g")]
    data = np.hstack([rec.data, acc])
    data[100:110, :] = np.nan
    rec = Recording(
        data,
        rec.fs,
        chans,
        [*rec.events, Event(5.0, 0.0, "pain", "slb_left", "4")],
        [Gap(100, 10)],
        SessionInfo(subject="P01", device="cyton", hardware_bandwidth_hz=65.0, power_line_hz=50),
    )
    return rec


def _issues(root: Path) -> list[dict[str, object]]:
    proc = subprocess.run(
        [*_validator(), str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validator gave no JSON (rc {proc.returncode}): {proc.stderr[-2000:]}")
    issues: list[dict[str, object]] = out["issues"]["issues"]
    return issues


def test_written_dataset_validates(tmp_path: Path) -> None:
    rec = _session()
    assert rec.events and rec.info.power_line_hz == 50
    write_bids(rec, tmp_path, subject="P01", task="bridge", session="1", run=1)
    write_bids(rec.crop(0, 30), tmp_path, subject="P02", task="bridge", session="1")
    issues = _issues(tmp_path)
    errors = [i for i in issues if i["severity"] == "error"]
    assert errors == []
    # our own files raise no warnings beyond optional, site-specific recommended keys
    ours = {
        (i["code"], i.get("subCode"))
        for i in issues
        if str(i.get("location", "")).startswith("/sub-")
    }
    allowed = {
        "SoftwareVersions",
        "DeviceSerialNumber",
        "ElectrodeManufacturer",
        "ElectrodeManufacturersModelName",
        "TaskDescription",
        "Instructions",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "StimulusPresentation",
    }
    assert {code for code, sub in ours if sub not in allowed} <= set(), ours


def test_validator_catches_a_broken_sidecar(tmp_path: Path) -> None:
    """The check is not vacuous: removing a required field is an error."""
    f = write_bids(_session().crop(0, 10), tmp_path, subject="P01", task="bridge")
    side = f.with_name(f.name.replace("_emg.bdf", "_emg.json"))
    d = json.loads(side.read_text())
    del d["EMGReference"]
    side.write_text(json.dumps(d))
    errors = [i for i in _issues(tmp_path) if i["severity"] == "error"]
    assert any("EMGReference" in json.dumps(e) for e in errors), errors
