"""ArduinoModel: the firmware's behaviour, checked against the protocol and the real sketch.

The last test compiles emgkit_stream.ino on the host (g++, with a minimal fake Arduino.h and a
driver that plays the timer interrupt) and checks that the sketch and the model emit the very
same bytes for the same session.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emgkit.devices.arduino.framed import (
    Ack,
    ChannelConfig,
    ChannelKindCode,
    ErrorCode,
    FramedParser,
    Info,
    MsgType,
    Nak,
    Status,
    StatusCode,
    StreamConfig,
    encode_command,
    encode_configure,
    frame_payload,
)
from emgkit.devices.arduino.model import FIRMWARE_VERSION, ArduinoModel
from emgkit.devices.arduino.myoware import MyoWareConverter

REPO = Path(__file__).resolve().parents[2]
SKETCH = REPO / "firmware_interface" / "arduino" / "emgkit_stream" / "emgkit_stream.ino"
COMMON = REPO / "firmware_interface" / "common"
CWARN = ["-Wall", "-Wextra", "-Werror", "-O2"]


def signals(n: int = 600, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    env = np.abs(rng.normal(0, 80, n))
    raw = rng.normal(0, 400, n)
    rect = np.abs(rng.normal(0, 300, n))
    return np.column_stack([env, raw, rect])


def replies(data: bytes, n: int = 3) -> tuple[FramedParser, list[object]]:
    p = FramedParser(n, 1000.0)
    p.feed(data)
    return p, p.take_replies()


def test_identify_reports_board_and_config() -> None:
    m = ArduinoModel(signals(), 1000.0, ["ENV", "RAW", "RECT"], adc_bits=10, vref_mv=5000)
    _, reps = replies(m.boot_bytes() + m.handle(encode_command(MsgType.IDENTIFY, 4)))
    assert reps[0] == Status(StatusCode.BOOT, 0, 0)
    info = reps[1]
    assert isinstance(info, Info)
    assert (info.tag, info.adc_bits, info.vref_mv, info.fw_version) == (
        4,
        10,
        5000,
        FIRMWARE_VERSION,
    )
    assert [c.kind for c in info.config.channels] == [
        ChannelKindCode.ENV,
        ChannelKindCode.RAW,
        ChannelKindCode.RECT,
    ]
    assert info.config.samples_per_frame == 2 and not info.streaming


def test_data_matches_ground_truth_and_microvolts() -> None:
    uv = signals()
    m = ArduinoModel(uv, 1000.0, ["ENV", "RAW", "RECT"], t0_us=5_000)
    p = FramedParser(3, 1000.0, MyoWareConverter(["ENV", "RAW", "RECT"]), first_sequence=0)
    p.feed(m.handle(encode_command(MsgType.START, 1)))
    assert p.take_replies() == [Ack(1, MsgType.START)]
    res = [p.feed(m.next_bytes(n)) for n in (1, 7, 100, 33)]
    stop = p.feed(m.handle(encode_command(MsgType.STOP, 2)))
    assert p.take_replies() == [Ack(2, MsgType.STOP)]
    got = np.concatenate([r.samples for r in [*res, stop]])
    idx = np.concatenate([r.sample_index for r in [*res, stop]])
    # 141 samples: 70 full frames of 2, then a 1-sample frame flushed by STOP
    assert m.samples_sent == 141 == got.shape[0] and m.frames_sent == 71
    np.testing.assert_array_equal(idx, np.arange(141))
    assert list(m.frame_seqs)[:3] == [0, 2, 4]
    # counts are the ADC's: the conversion is within half an LSB of the input
    lsb = 3.3e6 / 4095
    tol = 0.5 * lsb / np.array([200 * 51, 200, 200]) + 1e-9
    assert np.all(np.abs(got - uv[:141]) <= tol)
    ts = np.concatenate([r.aux["timestamp_us"] for r in [*res, stop]])
    np.testing.assert_allclose(ts, 5_000 + 1000.0 * np.arange(141))
    np.testing.assert_array_equal(m.samples_for(idx), m.counts[:141])


def test_configure_and_refusals_like_the_firmware() -> None:
    m = ArduinoModel(signals(), 1000.0, ["ENV", "RAW", "RECT"], max_channels=4)
    cfg = StreamConfig(1000, (ChannelConfig(2, ChannelKindCode.RECT), ChannelConfig(0)), 0)
    _, reps = replies(m.handle(encode_configure(cfg, 1) + encode_command(MsgType.IDENTIFY, 2)))
    assert reps[0] == Ack(1, MsgType.CONFIGURE)
    assert isinstance(reps[1], Info)
    assert reps[1].config == StreamConfig(1000, cfg.channels, 2)
    cases = [
        (StreamConfig(1000, (ChannelConfig(5),), 0), ErrorCode.BAD_PIN),
        (StreamConfig(999, (ChannelConfig(0),), 0), ErrorCode.BAD_RATE),
        (StreamConfig(1000, tuple(ChannelConfig(0) for _ in range(5)), 0), ErrorCode.BAD_FRAME),
        (StreamConfig(1000, (ChannelConfig(0), ChannelConfig(1)), 255), ErrorCode.BAD_FRAME_SIZE),
    ]
    for i, (bad, err) in enumerate(cases):
        _, reps = replies(m.handle(encode_configure(bad, 10 + i)))
        tag = 0 if err is ErrorCode.BAD_FRAME else 10 + i
        assert reps == [Nak(tag, MsgType.CONFIGURE if tag else 0, err)], bad
    _, reps = replies(m.handle(frame_payload(bytes([0x41, 1, 7, 1]))))
    assert reps == [Nak(7, MsgType.CONFIGURE, ErrorCode.BAD_LENGTH)]
    _, reps = replies(m.handle(frame_payload(bytes([0x55, 1, 3]))))
    assert reps == [Nak(3, 0x55, ErrorCode.UNKNOWN_TYPE)]
    _, reps = replies(m.handle(frame_payload(bytes([0x40, 2, 3]))))
    assert reps == [Nak(3, 0x40, ErrorCode.BAD_VERSION)]
    _, reps = replies(m.handle(b"\x05\x01\x02\x00"))
    assert reps == [Nak(0, 0, ErrorCode.BAD_FRAME)]
    # START twice -> BUSY; CONFIGURE while streaming -> BUSY; STOP is idempotent
    wire = m.handle(encode_command(MsgType.START, 1) + encode_command(MsgType.START, 2))
    wire += m.handle(encode_configure(cfg, 3))
    wire += m.handle(encode_command(MsgType.STOP, 4) + encode_command(MsgType.STOP, 5))
    _, reps = replies(wire, 2)
    assert reps == [
        Ack(1, MsgType.START),
        Nak(2, MsgType.START, ErrorCode.BUSY),
        Nak(3, MsgType.CONFIGURE, ErrorCode.BUSY),
        Ack(4, MsgType.STOP),
        Ack(5, MsgType.STOP),
    ]


def test_partial_command_bytes_and_exhaustion() -> None:
    m = ArduinoModel(signals(10), 1000.0, ["ENV", "RAW", "RECT"])
    cmd = encode_command(MsgType.START, 9)
    assert m.handle(cmd[:2]) == b""
    _, reps = replies(m.handle(cmd[2:]))
    assert reps == [Ack(9, MsgType.START)]
    data = m.next_bytes(100)
    assert m.exhausted and m.samples_sent == 10 and m.next_bytes(5) == b""
    assert FramedParser(3, 1000.0).feed(data).samples.shape == (10, 3)
    looped = ArduinoModel(signals(10), 1000.0, ["ENV", "RAW", "RECT"], loop=True)
    looped.handle(cmd)
    res = FramedParser(3, 1000.0).feed(looped.next_bytes(30))
    np.testing.assert_array_equal(res.samples[10:20], res.samples[:10])


def test_model_is_deterministic() -> None:
    outs = []
    for _ in range(2):
        m = ArduinoModel(signals(), 1000.0, ["ENV", "RAW", "RECT"])
        outs.append(m.handle(encode_command(MsgType.START, 1)) + m.next_bytes(77))
    assert outs[0] == outs[1]


# --------------------------------------------------------------------------- sketch vs model
FAKE_ARDUINO_H = r"""
#ifndef FAKE_ARDUINO_H
#define FAKE_ARDUINO_H
#include <stdint.h>
#include <stddef.h>
#include <string>
#define PIN_A0 0
#define PIN_A1 1
#define PIN_A2 2
#define PIN_A3 3
#define PIN_A4 4
#define PIN_A5 5
#define PIN_A6 6
#define PIN_A7 7
#define PIN_A8 8
#define PIN_A9 9
#define PIN_A10 10
#define PIN_A11 11
#define PIN_A12 12
#define PIN_A13 13
#define PIN_A14 14
#define PIN_A15 15
struct FakeSerial {
    std::string rx, tx;
    void begin(unsigned long) {}
    int available() { return (int)rx.size(); }
    int read() { int b = (unsigned char)rx[0]; rx.erase(0, 1); return b; }
    size_t write(const uint8_t *p, size_t n) { tx.append((const char *)p, n); return n; }
};
extern FakeSerial Serial;
uint32_t micros();
uint32_t millis();
int analogRead(uint8_t pin);
inline void noInterrupts() {}
inline void interrupts() {}
void emgkit_host_timer_start(uint32_t rate, void (*isr)(void));
void emgkit_host_timer_stop();
#endif
"""

HOST_MAIN = r"""
#include "Arduino.h"
#include <cstdio>
#include <cstdlib>
#include <vector>
FakeSerial Serial;
static std::vector<uint16_t> table;
static size_t row = 0, clock_ = 0, ncol = 0;
static uint32_t now_us = 0, t0 = 0, fs = 1000;
static void (*g_isr)(void) = 0;
static bool running = false;
uint32_t micros() { return now_us; }
uint32_t millis() { return 1000000u; }
int analogRead(uint8_t pin) { return table[row * ncol + pin]; }
void emgkit_host_timer_start(uint32_t, void (*isr)(void)) { g_isr = isr; running = true; }
void emgkit_host_timer_stop() { running = false; }
void setup();
void loop();
static void flush_tx() {
    for (unsigned char c : Serial.tx) printf("%02x", c);
    printf("\n");
    Serial.tx.clear();
}
int main(int, char **argv) {
    FILE *f = fopen(argv[1], "rb");
    ncol = (size_t)atoi(argv[2]); fs = (uint32_t)atoi(argv[3]); t0 = (uint32_t)atoi(argv[4]);
    uint16_t v;
    while (fread(&v, 2, 1, f) == 1) table.push_back(v);
    fclose(f);
    size_t nrows = table.size() / ncol;
    char op[8], arg[4096];
    setup(); flush_tx();
    while (scanf("%7s %4095s", op, arg) == 2) {
        if (op[0] == 'C') {
            for (size_t i = 0; arg[i] && arg[i + 1]; i += 2) {
                char h[3] = {arg[i], arg[i + 1], 0};
                Serial.rx.push_back((char)strtol(h, 0, 16));
            }
            loop();
        } else {
            long n = atol(arg);
            for (long i = 0; i < n && running && row < nrows; ++i) {
                now_us = t0 + (uint32_t)((uint64_t)clock_ * 1000000u / fs);
                g_isr(); ++row; ++clock_;
                loop();
            }
        }
        flush_tx();
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def sketch_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cxx, cc = shutil.which("g++") or shutil.which("c++"), shutil.which("cc")
    if cxx is None or cc is None:
        pytest.skip("no host C/C++ compiler (cc, g++): cannot build the sketch smoke test")
    d = tmp_path_factory.mktemp("sketch")
    (d / "Arduino.h").write_text(FAKE_ARDUINO_H)
    (d / "host_main.cpp").write_text(HOST_MAIN)
    obj = d / "emgkit_frame.o"
    exe = d / "emgkit_stream_host"
    steps = [
        [cc, *CWARN, "-std=c99", "-c", "-o", str(obj), str(COMMON / "emgkit_frame.c")],
        [
            *(cxx, *CWARN, "-std=c++11", "-DEMGKIT_HOST_TEST", "-I", str(d), "-I", str(COMMON)),
            *("-x", "c++", str(SKETCH), "-x", "c++", str(d / "host_main.cpp")),
            *("-x", "none", str(obj), "-o", str(exe)),
        ],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"host build of the sketch failed:\n{proc.stderr}"
    return exe


def test_sketch_and_model_emit_identical_bytes(sketch_exe: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    uv = np.column_stack(
        [np.abs(rng.normal(0, 80, 400)), rng.normal(0, 400, 400), np.abs(rng.normal(0, 200, 400))]
        + [rng.normal(0, 300, 400) for _ in range(13)]
    )
    kinds = ["ENV", "RAW", "RECT"] + ["RAW"] * 13
    t0 = 2**32 - 40_000  # micros() wraps during the session
    m = ArduinoModel(uv, 4000.0, kinds, board="host", t0_us=t0)
    m.counts.astype("<u2").tofile(tmp_path / "table.bin")
    cfg1 = StreamConfig(
        4000, tuple(ChannelConfig(j, ChannelKindCode(min(j, 2))) for j in range(16)), 0
    )
    cfg2 = StreamConfig(4000, (ChannelConfig(2, ChannelKindCode.RECT), ChannelConfig(0)), 3)
    script: list[tuple[str, bytes | int]] = [
        ("C", encode_command(MsgType.PING, 1)),
        ("C", encode_configure(cfg1, 2)),
        ("C", encode_command(MsgType.IDENTIFY, 3)),
        ("C", encode_command(MsgType.START, 4)),
        ("T", 5),
        ("T", 37),
        ("C", encode_configure(cfg2, 5)),
        ("C", encode_command(MsgType.STOP, 6)),
        ("C", encode_configure(cfg2, 7)),
        ("C", encode_command(MsgType.START, 8)),
        ("T", 100),
        ("C", encode_command(MsgType.IDENTIFY, 9)),
        ("C", frame_payload(bytes([0x40, 2, 10]))),
        ("C", b"\x03\x40\x01\x00"),
        ("C", encode_command(MsgType.START, 11)),
        ("T", 31),
        ("C", encode_command(MsgType.STOP, 12)),
        ("T", 10),
    ]
    lines = [f"{op} {arg.hex() if isinstance(arg, bytes) else arg}" for op, arg in script]
    proc = subprocess.run(
        [str(sketch_exe), str(tmp_path / "table.bin"), "16", "4000", str(t0)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    out = proc.stdout.split("\n")
    assert bytes.fromhex(out[0]) == m.boot_bytes()
    for i, (op, arg) in enumerate(script, start=1):
        want = m.handle(arg) if isinstance(arg, bytes) else m.next_bytes(arg)
        assert bytes.fromhex(out[i]) == want, f"step {i}: {op} {arg!r}"
    assert m.samples_sent == 42 + 100 + 31


AVR_CORE = Path("/usr/share/arduino/hardware/arduino/avr")


def test_sketch_compiles_for_arduino_uno(tmp_path: Path) -> None:
    """Optional: with Debian's gcc-avr, avr-libc and arduino-core-avr the sketch builds for Uno."""
    avr_gcc, avr_gxx = shutil.which("avr-gcc"), shutil.which("avr-g++")
    if avr_gcc is None or avr_gxx is None or not (AVR_CORE / "cores" / "arduino").is_dir():
        pytest.skip(
            "avr-gcc or the Arduino AVR core is not installed "
            "(apt: gcc-avr avr-libc arduino-core-avr)"
        )
    flags = [
        *("-mmcu=atmega328p", "-DF_CPU=16000000L", "-DARDUINO=10807", "-DARDUINO_AVR_UNO"),
        *("-DARDUINO_ARCH_AVR", "-Os", "-Wall", "-Wextra", "-Werror"),
        *("-I", str(AVR_CORE / "cores" / "arduino"), "-I", str(AVR_CORE / "variants" / "standard")),
        *("-I", str(COMMON)),
    ]
    cmds = [
        [avr_gcc, "-std=gnu11", *flags, "-c", str(COMMON / "emgkit_frame.c"), "-o", "f.o"],
        [
            avr_gxx,
            "-std=gnu++11",
            "-fno-exceptions",
            *flags,
            *("-x", "c++", str(SKETCH)),
            "-c",
            "-o",
            "s.o",
        ],
    ]
    for cmd in cmds:
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"AVR build failed:\n{proc.stderr}"
