"""The numba hot loop of the Cyton parser: framing, resynchronisation, 24-bit decoding.

One call scans a byte buffer and returns the packets it accepts, already decoded to integer
counts, with their counters unwrapped onto an absolute packet clock. All state that must
survive between calls lives in a small ``int64`` array owned by the caller, so the kernel is a
pure function of (bytes, state) and chunked feeding equals one feed.

Acceptance rules (see :mod:`emgkit.devices.cyton.parser` for the why):

* every packet: header 0xA0, stop byte 0xC0-0xC6, and the byte right after it is 0xA0 (the
  next header).
* strict mode (the default of the parser), and always for the first packet of a stream,
  while resynchronising after garbage, or when the counter did not advance by one: the next
  packet's counter byte must be this counter + 1 (mod 256). A header found inside data or
  garbage therefore needs three coincidences; a corrupt counter is never used to place a
  packet at a wrong index; and a "hybrid" frame left by a byte deletion that spans a packet
  boundary (head of packet k, tail of packet k+1, perfectly framed) is rejected because the
  packet after it is k+2. The price: the packet just before a dropped packet is lost too.
* strict mode never accepts a packet unconfirmed, not even at the end of the stream: a
  well-framed last packet can still be half junk (nothing follows to confirm it).
* a packet found by scanning after garbage is an *anchor*: it fixes the counter but is not
  emitted, unless it sits on the 33-byte grid of the last recognised packet and its counter
  advanced at least by the number of grid slots in between (so no byte was inserted before
  it) and by at most :data:`MAX_GRID_DROPS` more. Junk inserted inside a packet (e.g. a run
  of 0xA0 inside the packet whose counter is 0xA0) can frame a perfect fake of that very
  packet right before its genuine successor; such a fake is always off the grid or ahead of
  its counter, so it is never emitted. An anchor whose counter jumped by more than 128
  holds emission for :data:`HOLD_AFTER_BACKWARD_JUMP` packets (a replay of packets that
  were never recognised reveals itself as soon as it reaches one that was).
* a packet whose counter did not advance by one and whose 33 bytes equal the last packet
  recognised with that counter is a *replay* (a duplicated chunk): it moves the counter back
  to that packet and is not emitted again. Packets are emitted in strictly increasing order:
  nothing is emitted twice, a replay of k packets never aliases to a loss of 256 - k.
  While the counter rests on an anchor that implied a loss, packets in step are checked
  for replays too (a replay whose first packets were never recognised); and a packet that
  would land at or before the last emitted number counts on from that number instead.
* a repeated counter in an aligned stream that is not a replay is dropped.
* when a decision needs bytes that have not arrived yet the kernel stops and waits, unless
  ``final`` is set (end of stream): then the relaxed mode accepts the last packet
  unconfirmed only if it follows a recognised packet in step (aligned, counter + 1); strict
  mode never does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from emgkit.signal._numba import jit

__all__ = [
    "AUXF_SIZE",
    "AUX_ACCEL",
    "AUX_ANALOG",
    "AUX_STOP",
    "AUX_TIME",
    "ST_HAVE_LAST",
    "ST_HELD_POS",
    "ST_LAST_ABS",
    "ST_LAST_EMIT",
    "ST_LOCKED",
    "ST_SIZE",
    "scan_packets",
]

PACKET_LEN = 33
HEADER = 0xA0
STOP_MIN = 0xC0
STOP_MAX = 0xC6

#: Indices into the state array.
ST_LOCKED = 0  # 1 when the next packet is expected right at the buffer start
ST_HAVE_LAST = 1  # 1 once a packet has been accepted (ST_LAST_ABS is meaningful)
ST_LAST_ABS = 2  # absolute packet number of the last recognised packet (the cursor)
ST_LAST_EMIT = 3  # absolute packet number of the last emitted packet (-1: none yet)
ST_STREAM_POS = 4  # stream offset of buf[0] (bytes consumed by earlier calls)
ST_LAST_END = 5  # stream offset right after the last recognised packet (-1: none)
ST_HELD_POS = 6  # stream offset of a frame rejected only for want of confirmation (-1: none)
ST_SUSPECT = 7  # 1 while the counter rests on an anchor that implied a loss (until an emit)
ST_HOLD = 8  # packets still to recognise without emitting after a backward-looking jump
ST_SIZE = 9

#: Columns of the decoded aux array.
AUX_ACCEL = 0  # 3 columns, g
AUX_ANALOG = 3  # 3 columns, 16-bit words of 0xC1 packets
AUX_TIME = 6  # board clock, ms
AUX_STOP = 7  # stop byte
AUXF_SIZE = 8

ACCEL_G_PER_COUNT = 0.002 / 16

#: Whole packets a packet found on the 33-byte grid after damage may claim were lost (beyond
#: the slots in between) and still be emitted; a larger jump only anchors the counter.
MAX_GRID_DROPS = 8
#: An anchor whose counter jumped by more than 128 (a step *back* by fewer than 128 as much
#: as a loss of more than 127) holds emission for this many packets: a replay of packets that
#: were never recognised shows itself when the replay reaches one that was.
HOLD_AFTER_BACKWARD_JUMP = 4


@jit
def _s16(w: int) -> float:
    """Two's complement of a 16-bit word."""
    return float(w - 65536) if w >= 32768 else float(w)


@jit
def _same_packet(buf: npt.NDArray[np.uint8], pos: int, ring: npt.NDArray[np.uint8], c: int) -> bool:
    for k in range(PACKET_LEN):  # noqa: SIM110 (numba: no generator in all())
        if buf[pos + k] != ring[c, k]:
            return False
    return True


#: What :func:`_look_ahead` decides when a packet needs the bytes after it to be confirmed.
_AHEAD_CHECK = 0  # they are here: check them
_AHEAD_WAIT = 1  # not yet: stop and wait for the next chunk
_AHEAD_RESYNC = 2  # end of stream and the packet may not go unconfirmed: skip a byte
_AHEAD_ACCEPT = 3  # end of stream, relaxed mode, in step: accept it unconfirmed


@jit
def _look_ahead(have_bytes: bool, final: bool, unconfirmed_ok: bool) -> int:
    """One of the ``_AHEAD_*`` decisions for the bytes that confirm a packet."""
    if have_bytes:
        return _AHEAD_CHECK
    if not final:
        return _AHEAD_WAIT
    if not unconfirmed_ok:
        return _AHEAD_RESYNC
    return _AHEAD_ACCEPT


@jit
def scan_packets(
    buf: npt.NDArray[np.uint8],
    state: npt.NDArray[np.int64],
    final: bool,
    strict: bool,
    counts: npt.NDArray[np.int32],
    abs_pkt: npt.NDArray[np.int64],
    auxf: npt.NDArray[np.float64],
    raw: npt.NDArray[np.uint8],
    ring: npt.NDArray[np.uint8],
    ring_abs: npt.NDArray[np.int64],
) -> tuple[int, int, int]:
    """Find, check and decode the Cyton packets in ``buf``.

    Parameters
    ----------
    buf : ndarray of uint8
        Bytes left over from earlier calls followed by the new bytes.
    state : ndarray of int64, shape (ST_SIZE,)
        Parser state, updated in place.
    final : bool
        True at end of stream: decide on the bytes available instead of waiting for more.
    strict : bool
        Require every packet to be confirmed by the next packet's counter (this + 1). False
        relaxes that to "header, stop byte and next header" for an aligned packet whose
        counter advanced by one after a recognised packet.
    ring, ring_abs : ndarray, shapes (256, 33) uint8 and (256,) int64
        The last packet recognised with each counter value and its absolute number (-1:
        none), updated in place; used to recognise replays.

    Output arrays, filled in their first ``m`` rows; each must hold at least
    ``len(buf) // 33 + 1`` rows (the caller reuses them between calls, so no array is
    allocated or boxed per call):

    counts : ndarray of int32, shape (cap, 8)
        Sign-extended 24-bit channel values.
    abs_pkt : ndarray of int64, shape (m,)
        Absolute packet number of each packet (counter unwrapped; first packet = its counter).
    auxf : ndarray of float64, shape (m, AUXF_SIZE)
        Decoded aux per packet: accel X, Y, Z in g (NaN when the packet carries none),
        the three 16-bit aux words of 0xC1 packets (NaN otherwise), the board clock in ms
        (0xC3-0xC6, NaN otherwise), and the stop byte.
    raw : ndarray of uint8, shape (m, 6)
        The 6 aux bytes (packet bytes 27-32, 1-based) as sent.

    Returns
    -------
    m : int
        Packets emitted (strictly increasing absolute numbers).
    consumed : int
        Bytes of ``buf`` fully processed; the caller keeps ``buf[consumed:]``.
    n_bad : int
        Bytes discarded (garbage, broken, rejected, anchor or replayed frames).
    """
    n = buf.shape[0]
    m = 0
    pos = 0
    bad = 0
    locked = state[ST_LOCKED] != 0
    have_last = state[ST_HAVE_LAST] != 0
    last_abs = state[ST_LAST_ABS]
    last_emit = state[ST_LAST_EMIT]
    base = state[ST_STREAM_POS]
    last_end = state[ST_LAST_END]
    held_pos = state[ST_HELD_POS]
    base_abs = last_abs
    suspect = state[ST_SUSPECT] != 0
    hold = state[ST_HOLD]
    while pos < n:
        if not locked:
            # scan for a header byte
            p = pos
            while p < n and buf[p] != HEADER:
                p += 1
            bad += p - pos
            pos = p
            if pos >= n:
                break
        avail = n - pos
        if avail < PACKET_LEN:
            if final:
                bad += avail
                pos = n
            break
        if buf[pos] != HEADER or buf[pos + 32] < STOP_MIN or buf[pos + 32] > STOP_MAX:
            locked = False
            bad += 1
            pos += 1
            continue
        counter = np.int64(buf[pos + 1])
        d = 1
        if have_last:
            # while the counter rests on an anchor nothing has vouched for yet, a packet found
            # by scanning counts from the last emitted packet, not from that anchor
            base_abs = last_emit if (suspect and not locked and last_emit >= 0) else last_abs
            d = int((counter - base_abs) % 256)
        # relaxed mode only: at end of stream a packet that follows a recognised one in step
        # (aligned, counter + 1) may go unconfirmed; a candidate found by scanning never does
        unconfirmed_ok = final and (not strict) and locked and have_last and d == 1
        # look-ahead: the next header right after this packet
        ahead = _look_ahead(avail >= PACKET_LEN + 1, final, unconfirmed_ok)
        if ahead == _AHEAD_WAIT:
            break
        if ahead == _AHEAD_RESYNC or (ahead == _AHEAD_CHECK and buf[pos + PACKET_LEN] != HEADER):
            locked = False
            bad += 1
            pos += 1
            continue
        # a replay: counter out of step, bytes equal to the last packet with this counter
        behind = last_abs + 1 <= last_emit  # the counter rests inside a replay
        replay = have_last and (d != 1 or suspect or behind) and ring_abs[counter] >= 0
        if replay and _same_packet(buf, pos, ring, counter):
            if avail >= PACKET_LEN + 2 or final:
                hold = 0
                last_abs = ring_abs[counter]
                last_end = base + pos + PACKET_LEN
                locked = True
                bad += PACKET_LEN
                pos += PACKET_LEN
                continue
            break
        if have_last and locked and d == 0:
            # a repeated counter in an aligned stream: a duplicate, drop it
            bad += PACKET_LEN
            pos += PACKET_LEN
            continue
        if strict or not locked or not have_last or d != 1:
            # the next packet's counter must follow this one
            ahead = _look_ahead(avail >= PACKET_LEN + 2, final, unconfirmed_ok)
            if ahead == _AHEAD_WAIT:
                break
            broken = (
                ahead == _AHEAD_CHECK and np.int64(buf[pos + PACKET_LEN + 1]) != (counter + 1) % 256
            )
            if broken and locked:
                for k in range(PACKET_LEN):
                    ring[256, k] = buf[pos + k]
                held_pos = base + pos
            if broken or ahead == _AHEAD_RESYNC:
                locked = False
                bad += 1
                pos += 1
                continue
        if not locked and have_last and d == 0:
            # found by scanning with the counter of the last one: a stale copy, not a new lap
            bad += 1
            pos += 1
            continue
        if have_last:
            if d == 0:
                d = 256
            this_abs = base_abs + d
        else:
            this_abs = counter
        # emit, or only anchor the counter (see the module notes)
        emit = this_abs > last_emit
        if not emit:
            # new bytes at a number already emitted: the counter rests on a wrong anchor (a
            # replay of packets never recognised); count on from the last emitted packet
            d = int((counter - last_emit) % 256)
            if d == 0:
                d = 256
            this_abs = last_emit + d
            suspect = True
        if not locked and last_end >= 0:
            gap_bytes = base + pos - last_end
            slots = gap_bytes // PACKET_LEN
            # on the grid, at most MAX_GRID_DROPS whole packets lost besides the slots in
            # between (radio drops are short; a big jump right after damage is a replay as
            # often as a loss, so it only anchors)
            if gap_bytes % PACKET_LEN != 0 or not slots + 1 <= d <= slots + 1 + MAX_GRID_DROPS:
                # off the grid or ahead of its counter: only a repeat of the frame that was
                # waiting for confirmation right before (a duplicated packet) is emitted
                emit = emit and (
                    held_pos >= 0
                    and (base + pos - held_pos) % PACKET_LEN == 0
                    and _same_packet(buf, pos, ring, 256)
                )
        elif not locked:
            emit = False
        if hold > 0:
            hold -= 1
            emit = False
        elif not emit and d > 128:
            hold = HOLD_AFTER_BACKWARD_JUMP
        for k in range(PACKET_LEN):
            ring[counter, k] = buf[pos + k]
        ring_abs[counter] = this_abs
        last_abs = this_abs
        have_last = True
        locked = True
        last_end = base + pos + PACKET_LEN
        if not emit:
            if d >= 2:
                suspect = True
            bad += PACKET_LEN
            pos += PACKET_LEN
            continue
        suspect = False
        # decode
        for ch in range(8):
            o = pos + 2 + 3 * ch
            v = (np.int32(buf[o]) << 16) | (np.int32(buf[o + 1]) << 8) | np.int32(buf[o + 2])
            if v & 0x800000:
                v -= 0x1000000
            counts[m, ch] = v
        sb = buf[pos + 32]
        for k in range(6):
            raw[m, k] = buf[pos + 26 + k]
        for k in range(AUXF_SIZE):
            auxf[m, k] = np.nan
        auxf[m, AUX_STOP] = sb
        w0 = (np.int64(buf[pos + 26]) << 8) | np.int64(buf[pos + 27])
        w1 = (np.int64(buf[pos + 28]) << 8) | np.int64(buf[pos + 29])
        w2 = (np.int64(buf[pos + 30]) << 8) | np.int64(buf[pos + 31])
        if sb == 0xC0:
            if w0 != 0 or w1 != 0 or w2 != 0:  # zeros between the 25 Hz updates
                auxf[m, AUX_ACCEL] = _s16(w0) * ACCEL_G_PER_COUNT
                auxf[m, AUX_ACCEL + 1] = _s16(w1) * ACCEL_G_PER_COUNT
                auxf[m, AUX_ACCEL + 2] = _s16(w2) * ACCEL_G_PER_COUNT
        elif sb == 0xC1:
            auxf[m, AUX_ANALOG] = w0
            auxf[m, AUX_ANALOG + 1] = w1
            auxf[m, AUX_ANALOG + 2] = w2
        elif sb >= 0xC3:
            auxf[m, AUX_TIME] = (w1 << 16) | w2
            if sb <= 0xC4:
                # firmware v3: one axis in bytes 27-28, X/Y/Z when counter % 10 is 7/8/9
                axis = counter % 10 - 7
                if axis >= 0:
                    auxf[m, AUX_ACCEL + axis] = _s16(w0) * ACCEL_G_PER_COUNT
        abs_pkt[m] = this_abs
        m += 1
        last_emit = this_abs
        pos += PACKET_LEN
    state[ST_LOCKED] = 1 if locked else 0
    state[ST_HAVE_LAST] = 1 if have_last else 0
    state[ST_LAST_ABS] = last_abs
    state[ST_LAST_EMIT] = last_emit
    state[ST_STREAM_POS] = base + pos
    state[ST_LAST_END] = last_end
    state[ST_HELD_POS] = held_pos
    state[ST_SUSPECT] = 1 if suspect else 0
    state[ST_HOLD] = hold
    return m, pos, bad
