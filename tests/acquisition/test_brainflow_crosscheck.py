"""BrainFlow (the reference Cyton client) reads our Cyton emulator over a pseudo-terminal and
decodes the same microvolts as our parser: proof that the emulator speaks real Cyton.

BrainFlow is an optional test dependency (PyPI ``brainflow``); the test skips without it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

brainflow = pytest.importorskip("brainflow")

from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams  # noqa: E402

from emgkit.devices.cyton.model import CytonModel  # noqa: E402
from emgkit.devices.cyton.parser import CytonParser, uv_to_counts  # noqa: E402
from emgkit.simulate.emulators import Emulator  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def _samples(n: int = 1500, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 250.0
    x = 40.0 * rng.standard_normal((n, 8))
    x[:, 0] += 300.0 * np.sin(2 * np.pi * 10 * t)  # a large, known component
    x[:, 7] = np.linspace(-5000.0, 5000.0, n)  # a ramp across a wide range
    return x


def test_brainflow_decodes_our_emulator_like_our_parser() -> None:
    x = _samples()
    model = CytonModel(x, loop=False)
    BoardShim.disable_board_logger()
    with Emulator(model, realtime=True) as emu:
        params = BrainFlowInputParams()
        params.serial_port = emu.port
        board = BoardShim(BoardIds.CYTON_BOARD.value, params)
        board.prepare_session()
        try:
            board.start_stream()
            deadline = time.monotonic() + 30
            while board.get_board_data_count() < 1000 and time.monotonic() < deadline:
                time.sleep(0.1)
            board.stop_stream()
            data = board.get_board_data()
        finally:
            board.release_session()
            del board  # BrainFlow's __del__ must run before interpreter shutdown
    exg_rows = BoardShim.get_exg_channels(BoardIds.CYTON_BOARD.value)
    pkg_row = BoardShim.get_package_num_channel(BoardIds.CYTON_BOARD.value)
    bf_uv = data[exg_rows].T
    assert bf_uv.shape[0] >= 1000, "BrainFlow received too few samples from the emulator"

    # the same packets through our parser: encode what the model sends, decode, compare
    counts = uv_to_counts(x, 24)
    ours = counts * (4.5 / 24 / (2**23 - 1) * 1e6)
    parser = CytonParser()
    from emgkit.devices.cyton.parser import encode_stream

    res = parser.feed(encode_stream(x, [24] * 8))
    # the parser confirms a packet when the next header arrives: the last one is held back
    assert res.samples.shape[0] >= x.shape[0] - 1
    np.testing.assert_allclose(res.samples, ours[: res.samples.shape[0]], atol=1e-9)

    # align BrainFlow's rows to ours by matching the first row exactly (within 0.03 uV)
    first = bf_uv[0]
    idx = np.flatnonzero(np.all(np.abs(res.samples - first) < 0.03, axis=1))
    assert idx.size >= 1, "BrainFlow's first sample is not any sample the emulator sent"
    k = int(idx[0])
    n = min(bf_uv.shape[0], res.samples.shape[0] - k)
    np.testing.assert_allclose(bf_uv[:n], res.samples[k : k + n], atol=0.03)
    # and BrainFlow saw no counter gap
    pkg = data[pkg_row][:n].astype(int)
    assert np.all(np.diff(pkg) % 256 == 1)
