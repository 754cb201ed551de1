"""The cued subject's batched emulator path sends the frames of the one-frame-at-a-time path.

The emulator builds a cued subject's DATA frames in batches between the points where the
subject moves the model's row (a cued trial starts or ends, the rest loop wraps). These tests
drive one emulator step at a time (no pty, no threads) with cues placed before, inside and
across those points, and compare every byte and the ground truth with the emulator's
packet-by-packet path (one :meth:`~emgkit.simulate.emulators.CuedSubject.before_packet` call
per frame), which it takes when faults are to be applied.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from emgkit.devices.arduino.framed import FramedParser, MsgType, encode_command
from emgkit.devices.arduino.model import ArduinoModel
from emgkit.simulate.emulators import CuedSubject, Emulator, InsertGarbage, _stream_sample

N_ROWS, NCH = 3000, 3
REST = (101, 164)  # 63 rows: the rest loop wraps at a row that is not a frame boundary
PLANS = {"a": (500, 917, 30), "b": (1200, 1603, 0), "c": (2950, 2999, 0)}


def _model(k: int) -> ArduinoModel:
    m = ArduinoModel(np.zeros((N_ROWS, NCH)), 2000, ["RAW"] * NCH, samples_per_frame=k, loop=True)
    # every row its own counts, so a frame taken from the wrong row changes the bytes
    rows = np.arange(N_ROWS)[:, None]
    m.counts = ((rows + 37 * np.arange(NCH)) % 4096).astype(np.uint16)
    return m


Script = list[tuple[int, str, int]]  # (cue when the stream reaches this sample, trial, not_before)


def _run(k: int, batch: int, script: Script, end: int, per_frame: bool) -> dict[str, Any]:
    model = _model(k)
    subject = CuedSubject(np.zeros((N_ROWS, NCH)), PLANS, REST, frame=k)
    subject.take_samples()
    # the reference: a fault that never fires keeps the emulator on its packet-by-packet path
    faults = [InsertGarbage(10**9, b"")] if per_frame else []
    emu = Emulator(model, realtime=False, batch=batch, subject=subject, faults=faults)
    calls = [0]
    next_frames = model.next_frames

    def counted(n: int) -> list[bytes]:
        calls[0] += 1
        return next_frames(n)

    model.next_frames = counted  # type: ignore[method-assign]
    model.handle(encode_command(MsgType.START, 1))
    emu._await_command = False
    out = bytearray()

    def write_all(data: bytes) -> bool:
        out.extend(data)
        return True

    emu._write_all = write_all  # type: ignore[method-assign]
    starts = []
    todo = list(script)
    while _stream_sample(model) < end:
        while todo and _stream_sample(model) >= todo[0][0]:
            _, trial, not_before = todo.pop(0)
            lead = PLANS[trial][2]
            starts.append(subject.cue(trial, not_before, lead))
        emu._stream_some()
    t = emu.truth
    truth = (t.n_packets, t.n_delivered, list(t.delivered), list(t.packet_sizes), t.bytes_written)
    return {
        "bytes": bytes(out),
        "cues": list(subject.cues),
        "starts": starts,
        "calls": calls[0],
        "truth": truth,
    }


SCRIPTS: list[tuple[Script, int]] = [
    # free movement across the model's own wrap (3000 rows), then cues far ahead, the rest
    # loop wrapping many times in between, a trial at the end of the rows
    ([(3500, "a", 5000), (6000, "b", 7301), (8200, "c", 9000)], 10_000),
    # cues behind the stream (they start 2 frames after what is already built), a trial
    # cued while another still plays (it takes over), and a cue right at a batch's end
    ([(100, "a", 0), (400, "b", 0), (1500, "a", 1517), (1560, "c", 1561)], 4000),
]


@pytest.mark.parametrize("k", [4, 3])
@pytest.mark.parametrize("batch", [32, 5])
@pytest.mark.parametrize("case", range(len(SCRIPTS)))
def test_batched_cued_frames_are_the_per_frame_frames(k: int, batch: int, case: int) -> None:
    script, end = SCRIPTS[case]
    fast = _run(k, batch, script, end, per_frame=False)
    slow = _run(k, batch, script, end, per_frame=True)
    assert fast["calls"] > 0 and slow["calls"] == 0  # the batched path ran, the reference not
    assert fast["starts"] == slow["starts"] and fast["cues"] == slow["cues"]
    assert len(fast["bytes"]) == len(slow["bytes"]) > 0
    assert fast["bytes"] == slow["bytes"]
    assert fast["truth"] == slow["truth"]


def test_cued_rows_land_where_the_cues_say() -> None:
    """Decoded, the stream holds each cued trial's rows from its sample, rest rows around."""
    k = 4
    script, end = SCRIPTS[0]
    got = _run(k, 32, script, end, per_frame=False)
    parser = FramedParser(NCH, 2000.0, first_sequence=0)
    res = parser.feed(got["bytes"])
    row = (res.samples[:, 0].astype(np.int64)) % 4096  # column 0 holds the row number
    assert res.n_lost == 0 and np.array_equal(res.sample_index, np.arange(row.size))
    for at, row0, row1 in got["cues"]:
        # the trial plays on to the end of the frame holding its last row, then the rest
        n = -(-(row1 - row0) // k) * k
        assert np.array_equal(row[at : at + n], np.arange(row0, row0 + n) % N_ROWS)
        after = row[at + n : at + n + 200]
        assert after[0] == REST[0] and np.all((after >= REST[0]) & (after < REST[1]))
    # free movement until the first cue: the rows in order, through the model's wrap
    first = script[0][0]
    assert np.array_equal(row[:first], np.arange(first) % N_ROWS)
