"""Issue 11: the Cyton live view (emgkit record emulated-cyton) showed channels 7/8 shifted and
as copies of channels 1/2."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest

from emgkit.acquisition.live import LiveView
from emgkit.app.emulated import recorder
from emgkit.io import read

pytestmark = pytest.mark.timeout(60)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cyton_live_view_aligned_and_channels_7_8_are_their_own(tmp_path: Path) -> None:
    rec = recorder("emulated-cyton", out=tmp_path / "s.bdf", montage="bridge6").start()
    view = LiveView(rec, _Tty(), keys=False).start()
    try:
        while rec.n_samples < 300:  # an observable condition, not a fixed wait
            view.tick()
            time.sleep(0.02)
        view.tick()
        screen = view.render()
    finally:
        view.close()
        path = rec.stop()
    rows = [line for line in screen.splitlines() if "uV  floor" in line]
    assert len(rows) == 8
    assert len({line.index("|") for line in rows}) == 1  # the bars line up
    assert rows[6].split("|")[0].strip().endswith("_7")
    data = read(path).data
    assert data.shape[1] == 8
    for extra in (6, 7):
        for ch in range(6):
            assert not np.allclose(data[:, extra], data[:, ch])
