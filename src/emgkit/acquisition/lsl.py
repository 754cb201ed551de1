"""Optional Lab Streaming Layer outlet: publish the live EMG stream and its markers over LSL.

Standard lab tools (LabRecorder, which writes XDF; BCI2000, OpenViBE, MNE-LSL viewers...) can
then record emgkit's stream next to other devices (motion capture, force plates, video) on one
common clock. pylsl is an optional dependency: ``pip install "emgkit[lsl]"``.

Two streams are created:

* an **EMG stream** (type ``"EMG"``, ``float32``, ``nominal_srate = fs``) with one channel per
  recorded column, described in the stream's XML ``desc`` following the XDF meta-data
  conventions (``channels/channel`` with ``label``, ``unit`` = ``microvolts``, ``type`` = ``EMG``,
  plus ``muscle``, ``side``, ``location`` (electrode site) and ``kind``; ``acquisition`` with the
  manufacturer, model and firmware; ``emgkit`` with the gap and timestamp conventions below);
* a **marker stream** (type ``"Markers"``, one ``string`` channel, irregular rate) carrying every
  marker added through the recorder.

Gaps. Samples lost on the device link (sequence-counter gaps, disconnects, or rows this outlet's
queue had to drop) are pushed as rows of NaN, so every sample index of the session clock has
exactly one LSL sample and the sample count, and hence the timing of everything after a gap,
stays right in a recorder that ignores timestamps.

Timestamps. They come from the sample clock, not from arrival times: when the first chunk
arrives, ``t0 = local_clock() - i_last / fs`` (``i_last`` = index of the newest row in that
chunk, so that row is stamped with its arrival time), and the sample of index ``i`` gets
``t0 + i / fs``. Jitter from USB buffering and thread scheduling therefore never reaches the
timestamps; the price is that the device crystal's drift against the host clock is not
followed (a 50 ppm crystal drifts 3 ms per minute). Markers are stamped ``t0 + sample / fs`` on
the same clock, so marker and EMG times agree exactly with the recorded BDF+ session.

Examples
--------
>>> from emgkit.acquisition.recorder import Recorder  # doctest: +SKIP
>>> from emgkit.acquisition.lsl import LslOutlet  # doctest: +SKIP
>>> rec = Recorder("emulated-cyton", out="s01.bdf")  # doctest: +SKIP
>>> with LslOutlet(rec, name="emgkit-s01"):  # doctest: +SKIP
...     rec.start(); rec.wait(60); rec.add_marker("hold", "start"); rec.stop()
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from emgkit.devices.base import ParseResult
from emgkit.errors import ConfigError, RecordingError
from emgkit.recording import Channel

if TYPE_CHECKING:
    from emgkit.acquisition.recorder import Recorder
    from emgkit.acquisition.transport import Subscription

__all__ = ["LslOutlet", "format_marker", "load_pylsl", "loopback_env", "lsl_config_text"]

log = logging.getLogger(__name__)

_UNIT_NAMES = {"uv": "microvolts", "µv": "microvolts", "μv": "microvolts", "mv": "millivolts"}
_MANUFACTURERS = {"cyton": "OpenBCI", "cyton-daisy": "OpenBCI", "arduino": "Arduino/MyoWare"}


def load_pylsl() -> Any:
    """Import pylsl (and load liblsl) or raise a :class:`ConfigError` saying how to install it.

    Raises
    ------
    ConfigError
        pylsl is not installed, or it is installed but cannot load liblsl.
    """
    try:
        import pylsl
    except ImportError as exc:
        raise ConfigError(
            'the LSL outlet needs the optional package pylsl: pip install "emgkit[lsl]" '
            f"(or pip install pylsl) ({exc})"
        ) from exc
    except (OSError, RuntimeError) as exc:  # pylsl found but liblsl missing/unloadable
        raise ConfigError(
            f"pylsl is installed but cannot load liblsl ({exc}): reinstall with "
            'pip install --force-reinstall "emgkit[lsl]" (the manylinux_2_35 wheel bundles '
            "liblsl; on older systems install liblsl from the sccn/liblsl releases)"
        ) from exc
    return pylsl


def format_marker(label: str, value: str = "", trial: str = "", duration: float = 0.0) -> str:
    """The text pushed on the marker stream for one marker.

    ``label``, then ``=value`` if there is a value, then `` trial=<trial>`` and
    `` duration=<s>s`` when given, e.g. ``"hold=start trial=bridge_L"`` or ``"pain=6"``.

    Parameters
    ----------
    label : str
        Marker label (``hold``, ``pain``, ``marker``...).
    value : str
        Its value, if any.
    trial : str
        Trial id, if any.
    duration : float
        Duration in seconds (0: instantaneous).
    """
    text = label if not value else f"{label}={value}"
    if trial:
        text += f" trial={trial}"
    if duration:
        text += f" duration={duration:g}s"
    return text


def _as_channel(c: Channel | str | dict[str, Any]) -> Channel:
    if isinstance(c, Channel):
        return c
    if isinstance(c, str):
        return Channel(c)
    if isinstance(c, dict):
        return Channel(
            str(c.get("name", "")),
            muscle=c.get("muscle"),
            side=c.get("side"),
            units=str(c.get("units", "uV")),
            device=str(c.get("device", "")),
            site=str(c.get("site", "")),
        )
    raise ConfigError(f"channels must be Channel objects, names or dicts, got {type(c).__name__}")


def _channel_kind(c: Channel | str | dict[str, Any]) -> str:
    if isinstance(c, dict):
        return str(c.get("kind", "raw"))
    if isinstance(c, Channel):
        return str(c.kind)
    return "raw"


class LslOutlet:
    """Publish a Recorder's stream (or rows you push yourself) as an LSL EMG + marker stream.

    Parameters
    ----------
    source : Recorder or sequence of Channel / str
        A :class:`~emgkit.acquisition.recorder.Recorder` (started or not): the outlet subscribes
        to it now (before :meth:`Recorder.start` it gets every row from the first one), feeds
        LSL from its own thread, and forwards every marker added with
        :meth:`Recorder.add_marker` / ``add_pain``. Or the channels of a stream you feed with
        :meth:`push` yourself (``fs`` is then required).
    name : str
        LSL stream name (the marker stream is ``<name>-markers``).
    source_id : str, optional
        Stable id that lets LabRecorder reconnect after a restart (default
        ``emgkit-<device>-<name>``).
    fs : float, optional
        Sampling rate; required with a channel list, taken from the recorder otherwise.
    device : str
        Device name for the ``acquisition`` metadata (taken from the recorder if given).
    markers : bool
        Also create the marker stream.
    queue_size : int
        Chunks the recorder subscription holds; if the outlet thread falls behind, the oldest
        are dropped (counted in :attr:`dropped_rows`) and pushed as NaN rows.
    chunk_size, max_buffered : int
        Passed to ``pylsl.StreamOutlet`` (0 = push each chunk as it comes; seconds buffered
        for slow inlets).
    wait_for_consumer : float
        With a recorder: hold the rows (queued in the subscription) until an inlet such as
        LabRecorder connects, up to this many seconds, so its file starts at the first sample.
        LSL does not replay samples pushed before an inlet connected.

    Notes
    -----
    Use it as a context manager or call :meth:`start` and :meth:`close`. :meth:`close` waits
    until the recorder has stopped and every queued row is pushed (bounded by a timeout), then
    destroys the outlets.
    """

    def __init__(
        self,
        source: Recorder | Sequence[Channel | str | dict[str, Any]],
        *,
        name: str = "emgkit",
        source_id: str | None = None,
        fs: float | None = None,
        device: str = "",
        markers: bool = True,
        queue_size: int = 4096,
        chunk_size: int = 0,
        max_buffered: int = 360,
        wait_for_consumer: float = 0.0,
    ) -> None:
        self._lsl = load_pylsl()
        if not name:
            raise ConfigError("give the LSL stream a non-empty name")
        if fs is not None and not (np.isfinite(fs) and fs > 0):
            raise ConfigError(f"fs must be a positive number of Hz, got {fs!r}")
        self.name = name
        self.fs: float | None = float(fs) if fs is not None else None
        self.chunk_size = int(chunk_size)
        self.max_buffered = int(max_buffered)
        self.with_markers = markers
        self.wait_for_consumer = float(wait_for_consumer)
        self._recorder: Recorder | None = None
        self._sub: Subscription | None = None
        self._channels: list[Channel] | None = None
        self._kinds: list[str] = []
        self.device = device
        self._firmware = ""
        if isinstance(source, (list, tuple)):
            if not source:
                raise ConfigError("give at least one channel")
            if self.fs is None:
                raise ConfigError("fs is required when the outlet is fed channels, not a Recorder")
            self._channels = [_as_channel(c) for c in source]
            self._kinds = [_channel_kind(c) for c in source]
        elif hasattr(source, "subscribe") and hasattr(source, "add_marker"):
            self._recorder = source  # type: ignore[assignment]
            assert self._recorder is not None
            self.device = device or self._recorder.driver.name
            self._sub = self._recorder.subscribe(queue_size, "lsl")
        else:
            raise ConfigError(
                f"source must be a Recorder or a list of channels, got {type(source).__name__}"
            )
        self.source_id = source_id or f"emgkit-{self.device or 'stream'}-{name}"
        self.t0: float | None = None
        self.next_index: int | None = None
        self.rows_pushed = 0
        self.nan_rows = 0
        self.dropped_rows = 0
        self.markers_pushed = 0
        self.error: BaseException | None = None
        self._outlet: Any = None
        self._marker_outlet: Any = None
        self._lock = threading.Lock()
        self._outlet_lock = threading.Lock()
        self._pending_markers: list[tuple[str, int]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._hooked = False
        self._closed = False

    # ------------------------------------------------------------------ metadata
    @property
    def channels(self) -> list[Channel]:
        """The channels of the EMG stream (known once the recorder has started)."""
        return list(self._channels or [])

    def _channels_from_recorder(self) -> bool:
        rec = self._recorder
        if rec is None or rec.reader is None or rec.journal is None:
            return False
        n = int(rec.reader.parser.n_channels)
        header = rec.journal.header
        dicts: list[dict[str, Any]] = list(header.get("channels", []))[:n]
        names = rec.channel_names
        chans: list[Channel] = []
        kinds: list[str] = []
        for i in range(n):
            d = dict(dicts[i]) if i < len(dicts) else {"name": names[i]}
            d.setdefault("device", str(header.get("device") or rec.driver.name))
            chans.append(_as_channel(d))
            kinds.append(_channel_kind(d))
        self._channels, self._kinds = chans, kinds
        self.fs = float(rec.fs)
        firmware = header.get("firmware")
        self._firmware = str(firmware) if firmware else ""
        return True

    def stream_info(self) -> Any:
        """The ``pylsl.StreamInfo`` of the EMG stream, with its XML channel metadata."""
        if self._channels is None or self.fs is None:
            raise RecordingError("the channels and rate are not known yet (start the recorder)")
        lsl = self._lsl
        info = lsl.StreamInfo(
            self.name, "EMG", len(self._channels), self.fs, "float32", self.source_id
        )
        desc = info.desc()
        chs = desc.append_child("channels")
        for c, kind in zip(self._channels, self._kinds, strict=True):
            ch = chs.append_child("channel")
            ch.append_child_value("label", c.name)
            ch.append_child_value("unit", _UNIT_NAMES.get(c.units.lower(), c.units))
            ch.append_child_value("type", "EMG")
            ch.append_child_value("kind", kind)
            if c.muscle:
                ch.append_child_value("muscle", c.muscle)
            if c.side:
                ch.append_child_value("side", c.side)
            if c.site:
                ch.append_child_value("location", c.site)
        acq = desc.append_child("acquisition")
        base = self.device.removeprefix("emulated-")
        acq.append_child_value("manufacturer", _MANUFACTURERS.get(base, "unknown"))
        acq.append_child_value("model", self.device or "unknown")
        if self._firmware:
            acq.append_child_value("firmware", self._firmware)
        from emgkit._version import __version__

        emg = desc.append_child("emgkit")
        emg.append_child_value("version", str(__version__))
        emg.append_child_value("gaps", "lost samples are pushed as NaN rows")
        emg.append_child_value("timestamps", "t0 + sample_index / fs (sample clock)")
        return info

    def _marker_info(self) -> Any:
        lsl = self._lsl
        info = lsl.StreamInfo(
            f"{self.name}-markers",
            "Markers",
            1,
            lsl.IRREGULAR_RATE,
            "string",
            f"{self.source_id}-markers",
        )
        desc = info.desc()
        ch = desc.append_child("channels").append_child("channel")
        ch.append_child_value("label", "marker")
        ch.append_child_value("type", "Marker")
        desc.append_child_value(
            "format", "label[=value][ trial=<trial>][ duration=<s>s] (emgkit format_marker)"
        )
        return info

    def _ensure_outlet(self) -> bool:
        if self._outlet is not None:
            return True
        with self._outlet_lock:  # start() and the feeding thread may race here
            if self._outlet is not None:
                return True
            if self._channels is None and not self._channels_from_recorder():
                return False
            self._outlet = self._lsl.StreamOutlet(
                self.stream_info(), chunk_size=self.chunk_size, max_buffered=self.max_buffered
            )
        log.info("LSL outlet %r up (%d ch, %g Hz)", self.name, len(self.channels), self.fs)
        return True

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LslOutlet:
        """Create the outlets (the EMG one as soon as the rate is known) and start feeding."""
        if self._closed:
            raise RecordingError("this LSL outlet is closed; create a new one")
        if self.with_markers and self._marker_outlet is None:
            self._marker_outlet = self._lsl.StreamOutlet(self._marker_info())
        if self._recorder is None or self._recorder.reader is not None:
            self._ensure_outlet()
        if self._recorder is not None:
            self._hook_markers()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"emgkit-lsl-{self.name}", daemon=True
                )
                self._thread.start()
        return self

    def _hook_markers(self) -> None:
        rec = self._recorder
        if rec is None or self._hooked:
            return
        rec.marker_listeners.append(self._on_marker)
        self._hooked = True

    def _on_marker(self, event: dict[str, Any]) -> None:
        """Recorder marker listener: forward a journalled marker to the marker stream."""
        self.push_marker(
            str(event.get("label", "marker")),
            str(event.get("value", "")),
            str(event.get("trial", "")),
            sample=int(event["sample"]),
            duration=float(event.get("duration", 0.0)),
        )

    def _unhook_markers(self) -> None:
        if self._hooked and self._recorder is not None:
            with contextlib.suppress(ValueError):
                self._recorder.marker_listeners.remove(self._on_marker)
            self._hooked = False

    def _run(self) -> None:
        sub = self._sub
        rec = self._recorder
        assert sub is not None and rec is not None
        try:
            # The EMG outlet appears as soon as the recorder knows its rate, before any row.
            while not self._ensure_outlet():
                if self._stop.wait(0.02) or sub.closed:
                    break
            if self.wait_for_consumer > 0 and self._outlet is not None:
                # Rows wait in the subscription meanwhile (up to queue_size chunks).
                self.wait_for_consumers(self.wait_for_consumer)
            while True:
                item = sub.get(timeout=0.05)
                if item is None:
                    if (sub.closed and len(sub) == 0) or self._stop.is_set():
                        break
                    continue
                self.push(item)
        except BaseException as exc:  # reported, never raised into the reader
            self.error = exc
            log.error("LSL outlet %r stopped: %s", self.name, exc)

    def wait_for_consumers(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s until an inlet (e.g. LabRecorder) is connected."""
        outlet = self._outlet
        if outlet is None:
            return False
        end = time.monotonic() + timeout
        while not self._stop.is_set():  # in short waits so close() is never held up
            if outlet.wait_for_consumers(min(0.1, max(end - time.monotonic(), 0.0))):
                return True
            if time.monotonic() >= end:
                break
        return False

    @property
    def have_consumers(self) -> bool:
        """Whether an inlet is connected to the EMG stream."""
        outlet = self._outlet
        return bool(outlet is not None and outlet.have_consumers())

    def close(self, timeout: float = 5.0) -> None:
        """Push what is queued, stop the feeding thread and destroy the outlets.

        Call it after :meth:`Recorder.stop` so the stream ends with the recording's last row;
        ``timeout`` bounds the wait for the queue to drain. Consumers should close their inlets
        before this destroys the outlets.
        """
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            # The thread drains what is queued, then ends (Recorder.stop() queues every row
            # before it returns, so stop the recorder first to publish the whole session).
            self._stop.set()
            self._thread.join(timeout)
            self._thread = None
        if self._sub is not None and self._recorder is not None:
            reader = self._recorder.reader
            if reader is not None:
                reader.unsubscribe(self._sub)
            else:
                self._sub.close()
        self._unhook_markers()
        with self._lock:
            self._outlet = None  # pylsl destroys the liblsl outlet when the last reference goes
            self._marker_outlet = None

    def __enter__(self) -> LslOutlet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ pushing
    def push(self, result: ParseResult) -> int:
        """Push one :class:`ParseResult` (rows on the session clock), NaN rows filling holes.

        Returns the number of LSL samples pushed (received + NaN). Rows whose index is not
        after the last pushed one are ignored (they cannot be placed on the clock).
        """
        if result.samples.shape[0] == 0:
            return 0
        if not self._ensure_outlet():
            raise RecordingError("the LSL outlet cannot start before the recorder has started")
        assert self.fs is not None
        idx = np.asarray(result.sample_index, dtype=np.int64)
        x = np.asarray(result.samples)
        nch = len(self.channels)
        if x.ndim != 2 or x.shape[1] != nch:
            raise ConfigError(f"expected rows of {nch} channels, got an array of shape {x.shape}")
        fs = self.fs
        with self._lock:
            if self.next_index is None:
                self.next_index = int(idx[0])
            if self.t0 is None:
                self.t0 = float(self._lsl.local_clock()) - float(idx[-1]) / fs
                pending, self._pending_markers = self._pending_markers, []
                for text, s in pending:
                    self._push_marker_locked(text, s)
            start = self.next_index
        keep = idx >= start
        if not keep.all():
            log.warning("LSL outlet: %d rows out of order dropped", int((~keep).sum()))
            idx, x = idx[keep], x[keep]
            if idx.size == 0:
                return 0
        last = int(idx[-1])
        n_total = last - start + 1
        step = max(int(fs), 1)
        pushed = 0
        # Long holes go out in 1 s slices of NaN so memory stays bounded.
        hole_end = int(idx[0])
        while hole_end - start > step:
            block = np.full((step, nch), np.nan, dtype=np.float32)
            self._push_block(block, start + step - 1)
            start += step
            pushed += step
            self.nan_rows += step
        block = np.full((last - start + 1, nch), np.nan, dtype=np.float32)
        block[idx - start] = x
        self._push_block(block, last)
        pushed += block.shape[0]
        self.nan_rows += block.shape[0] - idx.size
        self.rows_pushed += idx.size
        with self._lock:
            self.next_index = last + 1
        if self._sub is not None:
            self.dropped_rows = self._sub.dropped_rows
        assert pushed == n_total
        return pushed

    def _push_block(self, block: npt.NDArray[np.float32], last_index: int) -> None:
        assert self.t0 is not None and self.fs is not None
        outlet = self._outlet
        if outlet is not None:
            outlet.push_chunk(block, self.t0 + last_index / self.fs)

    def push_marker(
        self,
        label: str = "marker",
        value: str = "",
        trial: str = "",
        *,
        sample: int | None = None,
        duration: float = 0.0,
    ) -> None:
        """Push a marker on the marker stream, stamped ``t0 + sample / fs``.

        Without ``sample`` the marker is stamped with the current ``local_clock()``. A marker
        at a sample given before the first EMG row arrived waits until ``t0`` is known.

        Parameters
        ----------
        label, value, trial : str
            As :func:`format_marker`.
        sample : int, optional
            Session-clock sample the marker belongs to.
        duration : float
            Duration in seconds (0: instantaneous).
        """
        if self._marker_outlet is None:
            if self.with_markers and not self._closed:
                raise RecordingError("start() the LSL outlet before pushing markers")
            return
        text = format_marker(label, value, trial, duration)
        with self._lock:
            if sample is None:
                self._marker_outlet.push_sample([text], float(self._lsl.local_clock()))
                self.markers_pushed += 1
            elif self.t0 is None:
                self._pending_markers.append((text, int(sample)))
            else:
                self._push_marker_locked(text, int(sample))

    def _push_marker_locked(self, text: str, sample: int) -> None:
        assert self.t0 is not None and self.fs is not None
        if self._marker_outlet is not None:
            self._marker_outlet.push_sample([text], self.t0 + sample / self.fs)
            self.markers_pushed += 1


def lsl_config_text() -> str:
    """An ``lsl_api.cfg`` that keeps liblsl on this machine (loopback only; for tests)."""
    return (
        "[ports]\nIPv6 = disable\n\n"
        "[multicast]\nResolveScope = machine\n\n"
        "[lab]\nKnownPeers = {127.0.0.1}\n"
    )


def loopback_env(cfg_path: str | os.PathLike[str]) -> dict[str, str]:
    """Write :func:`lsl_config_text` to ``cfg_path``; return os.environ plus ``LSLAPICFG``.

    liblsl reads the variable once, when first used: pass the result as the environment of a
    subprocess (or set it before pylsl is imported).
    """
    from pathlib import Path

    p = Path(cfg_path)
    p.write_text(lsl_config_text(), encoding="utf-8")
    env = dict(os.environ)
    env["LSLAPICFG"] = str(p)
    return env
