"""Write a recording as a BIDS EMG dataset entry (BIDS 1.11: EMG merged 2026-02-04).

Files written under ``root/sub-<label>[/ses-<label>]/emg/``:

* ``<stem>_emg.bdf``: BDF+ via :func:`emgkit.io.edf.write_bdf` (no emgkit sidecar: the BIDS
  sidecars carry the metadata);
* ``<stem>_emg.json``: TaskName, EMGPlacementScheme, EMGPlacementSchemeDescription (filled:
  BIDS requires it when the scheme is ``Other``; never a placeholder), EMGReference,
  SamplingFrequency, PowerLineFrequency, RecordingType, SoftwareFilters, EMGChannelCount,
  HardwareFilters, RecordingDuration, Manufacturer;
* ``<stem>_channels.tsv``: name, type (upper case: EMG, MISC), units, target_muscle,
  placement_scheme, placement_description, reference, status;
* ``<stem>_events.tsv`` (when there are events): onset, duration, trial_type, trial, value,
  with ``<stem>_events.json`` describing the columns;
* ``root/dataset_description.json`` and ``root/README`` when missing.

The result passes the official validator (``bids-validator-deno`` 3.0) with no errors; see
``docs/formats.md``.

``<stem>`` is ``sub-<l>[_ses-<l>]_task-<l>[_acq-<l>][_run-<n>][_recording-<l>]``; extensions are
lower case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from emgkit.errors import ConfigError
from emgkit.io.base import atomic_write
from emgkit.io.edf import write_bdf
from emgkit.recording import MUSCLES, Recording, SignalKind

__all__ = ["BIDS_VERSION", "bids_stem", "write_bids"]

BIDS_VERSION = "1.11.1"

_MANUFACTURER = {
    "cyton": "OpenBCI",
    "cyton-daisy": "OpenBCI",
    "ganglion": "OpenBCI",
}

_SENIAM = (
    "SENIAM recommendations (Hermens et al. 2000, J Electromyogr Kinesiol 10:361-374): "
    "bipolar surface electrodes along the muscle fibre direction at the SENIAM site of each "
    "muscle"
)


_README = """\
Surface EMG recordings of the gluteal bridge test, written by emgkit (a Python sEMG
toolkit). Each recording is a BDF+ file with its BIDS sidecars:
channels.tsv names the target muscle and side of every channel, events.tsv the protocol
trials, holds and reps. Subject labels are pseudonyms.
"""

_EVENTS_SIDECAR: dict[str, Any] = {
    "trial_type": {
        "Description": "What happened: trial, hold, rep, marker, pain, ... (emgkit Event.label)",
    },
    "trial": {
        "Description": "Identifier of the protocol trial the event belongs to "
        "(e.g. dlb_squeeze, slb_left, mvc_glute_max_left); n/a when none",
    },
    "value": {
        "Description": "Payload of the event: rep number, pain rating (0-10) or a note; "
        "n/a when none",
    },
}


def _label(value: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]+", str(value)):
        raise ConfigError(
            f"BIDS {what} label must be letters and digits only, got {value!r} "
            "(no '-', '_' or spaces)"
        )
    return str(value)


def bids_stem(
    subject: str,
    task: str,
    *,
    session: str | None = None,
    acq: str | None = None,
    run: int | None = None,
    recording: str | None = None,
) -> str:
    """The BIDS file-name stem, without the ``_emg`` suffix.

    Parameters
    ----------
    subject, task : str
        BIDS labels (alphanumeric).
    session, acq, recording : str, optional
        Optional BIDS labels.
    run : int, optional
        Run index.
    """
    parts = [f"sub-{_label(subject, 'subject')}"]
    if session:
        parts.append(f"ses-{_label(session, 'session')}")
    parts.append(f"task-{_label(task, 'task')}")
    if acq:
        parts.append(f"acq-{_label(acq, 'acq')}")
    if run is not None:
        if int(run) < 0:
            raise ConfigError(f"BIDS run must be a non-negative integer, got {run}")
        parts.append(f"run-{int(run):02d}")
    if recording:
        parts.append(f"recording-{_label(recording, 'recording')}")
    return "_".join(parts)


def _write_text(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))  # type: ignore[arg-type]


def _tsv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(v: Any) -> str:
        if v is None or v == "":
            return "n/a"
        return str(v).replace("\t", " ").replace("\n", " ")

    lines = ["\t".join(columns)]
    lines += ["\t".join(cell(r.get(c)) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def write_bids(
    recording: Recording,
    root: str | Path,
    *,
    subject: str,
    task: str,
    session: str | None = None,
    acq: str | None = None,
    run: int | None = None,
    recording_label: str | None = None,
    reference: str | None = None,
    placement_description: str | None = None,
    power_line_hz: float | None = None,
    software_filters: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``recording`` into a BIDS dataset under ``root``.

    Parameters
    ----------
    recording : Recording
    root : path
        Dataset root (created if needed).
    subject, task : str
        BIDS labels (letters and digits). The subject label should be a pseudonym.
    session, acq, recording_label : str, optional
    run : int, optional
    reference : str, optional
        EMGReference text; default from the montage (``info.montage``) or "bipolar".
    placement_description : str, optional
        EMGPlacementSchemeDescription; default: the SENIAM description.
    power_line_hz : float, optional
        Default ``info.power_line_hz``; "n/a" when unknown.
    software_filters : dict, optional
        SoftwareFilters object; default "n/a" (raw data).
    overwrite : bool
        Replace existing files of the same stem.

    Returns
    -------
    Path
        The ``_emg.bdf`` file.

    Raises
    ------
    ConfigError
        Invalid labels, or the files exist and ``overwrite`` is False.
    RecordingError
        A write failed (nothing partial is left).
    """
    rec = recording
    stem = bids_stem(subject, task, session=session, acq=acq, run=run, recording=recording_label)
    folder = Path(root) / f"sub-{subject}"
    if session:
        folder = folder / f"ses-{session}"
    folder = folder / "emg"
    data_file = folder / f"{stem}_emg.bdf"
    if data_file.exists() and not overwrite:
        raise ConfigError(
            f"{data_file} exists; to replace it pass --overwrite (emgkit convert) or "
            "overwrite=True (Python)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    desc = Path(root) / "dataset_description.json"
    if not desc.exists():
        _write_text(
            desc,
            json.dumps(
                {
                    "Name": "emgkit recordings",
                    "BIDSVersion": BIDS_VERSION,
                    "DatasetType": "raw",
                    "GeneratedBy": [{"Name": "emgkit"}],
                },
                indent=2,
            ),
        )
    readme = Path(root) / "README"
    if not readme.exists() and not any(Path(root).glob("README.*")):
        _write_text(readme, _README)
    info = rec.info
    montage_ref = ""
    if info.montage:
        try:
            from emgkit.montage import load_montage

            montage_ref = load_montage(info.montage).reference
        except ConfigError:
            montage_ref = ""
    ref = (
        reference or montage_ref or "bipolar (each channel referenced to its own second electrode)"
    )
    emg_idx = [
        i
        for i, c in enumerate(rec.channels)
        if c.kind in (SignalKind.RAW, SignalKind.ENVELOPE, SignalKind.RECTIFIED)
        and c.units in ("uV", "mV", "V")
    ]
    pl = power_line_hz if power_line_hz is not None else info.power_line_hz
    bw = info.hardware_bandwidth_hz
    sidecar: dict[str, Any] = {
        "TaskName": task,
        "EMGPlacementScheme": "Other",
        "EMGPlacementSchemeDescription": placement_description or _SENIAM,
        "EMGReference": ref,
        "SamplingFrequency": rec.fs,
        "PowerLineFrequency": pl if pl is not None else "n/a",
        "RecordingType": "continuous",
        "SoftwareFilters": software_filters if software_filters else "n/a",
        "EMGChannelCount": len(emg_idx),
        "MISCChannelCount": rec.n_channels - len(emg_idx),
        "HardwareFilters": (
            {"LowpassFilter": {"CutoffFrequency": bw, "Description": "ADC decimation filter"}}
            if bw
            else "n/a"
        ),
        "RecordingDuration": round(rec.duration, 6),
    }
    manu = _MANUFACTURER.get(info.device)
    if manu:
        sidecar["Manufacturer"] = manu
        sidecar["ManufacturersModelName"] = info.device
    if info.firmware:
        sidecar["SoftwareVersions"] = info.firmware
    rows = []
    for i, c in enumerate(rec.channels):
        target = None
        if c.muscle and c.muscle != "other":
            target = (f"{c.side} " if c.side else "") + MUSCLES[c.muscle]
        rows.append(
            {
                "name": c.name,
                "type": "EMG" if i in emg_idx else "MISC",
                "units": c.units,
                "target_muscle": target,
                # the channels.tsv column takes lower-case values ("measured", "other"), unlike
                # EMGPlacementScheme in the sidecar (bids-validator 3.0 checks both)
                "placement_scheme": "other" if i in emg_idx else None,
                "placement_description": c.site or None,
                "reference": ref if i in emg_idx else None,
                "status": "good",
            }
        )
    cols = [
        "name",
        "type",
        "units",
        "target_muscle",
        "placement_scheme",
        "placement_description",
        "reference",
        "status",
    ]
    write_bdf(rec, data_file, sidecar=False)
    _write_text(folder / f"{stem}_emg.json", json.dumps(sidecar, indent=2, ensure_ascii=False))
    _write_text(folder / f"{stem}_channels.tsv", _tsv(rows, cols))
    if rec.events:
        _write_text(
            folder / f"{stem}_events.json",
            json.dumps(_EVENTS_SIDECAR, indent=2),
        )
        ev_rows = [
            {
                "onset": f"{e.onset:.6f}",
                "duration": f"{e.duration:.6f}",
                "trial_type": e.label,
                "trial": e.trial,
                "value": e.value,
            }
            for e in rec.events
        ]
        _write_text(
            folder / f"{stem}_events.tsv",
            _tsv(ev_rows, ["onset", "duration", "trial_type", "trial", "value"]),
        )
    return data_file
