/*
 * emgkit_stream.ino - stream MyoWare 2.0 outputs to emgkit over serial (protocol v1).
 *
 * A hardware timer interrupt samples N analog pins at a fixed rate into a ring buffer; loop()
 * packs the samples into DATA frames and answers commands (see ../../PROTOCOL.md):
 *   IDENTIFY -> INFO, CONFIGURE/START/STOP/PING -> ACK or NAK, STATUS when samples were dropped.
 *
 * Boards: Teensy 3.x/4.x (IntervalTimer), SAMD21 boards: Zero, MKR, Nano 33 IoT (TC3),
 * AVR boards: Uno, Nano, Mega (Timer1 in CTC mode). Needs emgkit_frame.h and emgkit_frame.c
 * from ../../common copied (or symlinked) into this folder: see ../../README.md.
 *
 * Part of emgkit (MIT licence).
 */
#include <Arduino.h>

#include "emgkit_frame.h"

#define EMGKIT_FW_MAJOR 1
#define EMGKIT_FW_MINOR 0
#define EMGKIT_FW_PATCH 0

/* ------------------------------------------------------------------ board settings */
#if defined(EMGKIT_HOST_TEST)
/* host build for the tests: the fake Arduino.h provides the timer hooks */
#define EMGKIT_BOARD_NAME "host"
#define EMGKIT_ADC_BITS 12
#define EMGKIT_VREF_MV 3300
#define EMGKIT_MAX_CHANNELS 16
#define EMGKIT_MAX_FRAME_VALUES 256
#define EMGKIT_MAX_RATE_HZ 64000UL
#define EMGKIT_RING_SLOTS 64
#elif defined(TEENSYDUINO)
#define EMGKIT_BOARD_NAME "teensy"
#define EMGKIT_ADC_BITS 12
#define EMGKIT_VREF_MV 3300
#define EMGKIT_MAX_CHANNELS 16
#define EMGKIT_MAX_FRAME_VALUES 256
#define EMGKIT_MAX_RATE_HZ 64000UL /* Teensy 4.x, averaging 1: ~4 us per conversion */
#define EMGKIT_RING_SLOTS 128
static IntervalTimer g_timer;
#elif defined(ARDUINO_ARCH_SAMD)
#define EMGKIT_BOARD_NAME "samd21"
#define EMGKIT_ADC_BITS 12
#define EMGKIT_VREF_MV 3300
#define EMGKIT_MAX_CHANNELS 6
#define EMGKIT_MAX_FRAME_VALUES 192
#define EMGKIT_MAX_RATE_HZ 24000UL /* with the fast ADC set-up below */
#define EMGKIT_RING_SLOTS 64
#elif defined(__AVR__)
#define EMGKIT_BOARD_NAME "avr"
#define EMGKIT_ADC_BITS 10
#ifndef EMGKIT_VREF_MV
#define EMGKIT_VREF_MV 5000 /* 3300 on 3.3 V boards */
#endif
#define EMGKIT_MAX_CHANNELS 6
#define EMGKIT_MAX_FRAME_VALUES 64
#define EMGKIT_MAX_RATE_HZ 4000UL /* analogRead takes ~112 us; keep the ISR under ~45% CPU */
#define EMGKIT_RING_SLOTS 32
#else
#error "emgkit_stream: unsupported board; add a timer block for it (Teensy, SAMD21, AVR exist)"
#endif

#ifndef EMGKIT_BAUD
#define EMGKIT_BAUD 1000000UL /* UART boards (AVR); USB-CDC boards ignore it */
#endif
#define EMGKIT_DEFAULT_RATE_HZ 1000UL
#define EMGKIT_RX_CAP (9u + 6u * EMGKIT_MAX_CHANNELS + 2u)
#define EMGKIT_TX_CAP EMGKIT_FRAME_MAX_SIZE(EMGKIT_DATA_HEADER_SIZE + 2u * EMGKIT_MAX_FRAME_VALUES)
#define EMGKIT_RING_MASK (EMGKIT_RING_SLOTS - 1u) /* RING_SLOTS: a power of 2, <= 128 */
#define EMGKIT_OVERRUN_REPORT_MS 100UL

/* Analog pin table: protocol pin p is the board's A<p>. */
static const uint8_t kAnalogPins[] = {
    PIN_A0,
#ifdef PIN_A1
    PIN_A1,
#endif
#ifdef PIN_A2
    PIN_A2,
#endif
#ifdef PIN_A3
    PIN_A3,
#endif
#ifdef PIN_A4
    PIN_A4,
#endif
#ifdef PIN_A5
    PIN_A5,
#endif
#ifdef PIN_A6
    PIN_A6,
#endif
#ifdef PIN_A7
    PIN_A7,
#endif
#ifdef PIN_A8
    PIN_A8,
#endif
#ifdef PIN_A9
    PIN_A9,
#endif
#ifdef PIN_A10
    PIN_A10,
#endif
#ifdef PIN_A11
    PIN_A11,
#endif
#ifdef PIN_A12
    PIN_A12,
#endif
#ifdef PIN_A13
    PIN_A13,
#endif
#ifdef PIN_A14
    PIN_A14,
#endif
#ifdef PIN_A15
    PIN_A15,
#endif
};
#define EMGKIT_N_PINS (sizeof kAnalogPins / sizeof kAnalogPins[0])

/* ------------------------------------------------------------------ state */
struct Slot {
    uint32_t seq;  /* sample clock of this sample */
    uint32_t t_us; /* micros() when it was taken */
    uint16_t v[EMGKIT_MAX_CHANNELS];
};

static Slot g_ring[EMGKIT_RING_SLOTS];
static volatile uint8_t g_head = 0; /* written by the ISR */
static volatile uint8_t g_tail = 0; /* written by loop() */
static volatile uint32_t g_clock = 0;   /* samples since START, dropped ones included */
static volatile uint32_t g_dropped = 0; /* samples dropped because the ring was full */
static uint32_t g_dropped_reported = 0;
static uint32_t g_last_report_ms = 0;

/* configuration (what CONFIGURE set; INFO echoes it) */
static uint32_t g_rate = EMGKIT_DEFAULT_RATE_HZ;
static uint8_t g_n = 1;
static uint8_t g_k = 2;
static uint8_t g_pin[EMGKIT_MAX_CHANNELS] = {0};
static uint8_t g_kind[EMGKIT_MAX_CHANNELS] = {EMGKIT_KIND_ENV};
static uint32_t g_pot[EMGKIT_MAX_CHANNELS] = {50000UL};
static uint8_t g_pin_hw[EMGKIT_MAX_CHANNELS];
static bool g_streaming = false;

static uint8_t g_rx_buf[EMGKIT_RX_CAP];
static emgkit_decoder_t g_rx;
static uint8_t g_tx[EMGKIT_TX_CAP];
static uint8_t g_msg[96]; /* reply payloads (INFO is the largest) */

/* ------------------------------------------------------------------ sampling */
static void sample_isr(void)
{
    uint32_t seq = g_clock;
    uint8_t head = g_head;
    uint8_t next = (uint8_t)((head + 1u) & EMGKIT_RING_MASK);
    uint8_t c;
    g_clock = seq + 1u;
    if (next == g_tail) {
        g_dropped = g_dropped + 1u; /* overrun: the sequence number jumps at the next frame */
        return;
    }
    Slot *s = &g_ring[head];
    s->seq = seq;
    s->t_us = micros();
    for (c = 0; c < g_n; ++c) {
        s->v[c] = (uint16_t)analogRead(g_pin_hw[c]);
    }
    g_head = next;
}

#if defined(EMGKIT_HOST_TEST)
static void timer_start(uint32_t rate) { emgkit_host_timer_start(rate, sample_isr); }
static void timer_stop(void) { emgkit_host_timer_stop(); }
#elif defined(TEENSYDUINO)
static void timer_start(uint32_t rate) { g_timer.begin(sample_isr, 1000000.0f / (float)rate); }
static void timer_stop(void) { g_timer.end(); }
#elif defined(ARDUINO_ARCH_SAMD)
static void tc3_sync(void)
{
    while (TC3->COUNT16.STATUS.bit.SYNCBUSY) {
    }
}
static void timer_start(uint32_t rate)
{
    /* TC3 on GCLK0 (48 MHz) in match-frequency mode: f = 48 MHz / prescaler / (CC0 + 1) */
    uint32_t prescaler = TC_CTRLA_PRESCALER_DIV8;
    uint32_t ticks = 6000000UL / rate; /* exact for 1, 2, 4 kHz... */
    if (ticks > 65536UL) {
        prescaler = TC_CTRLA_PRESCALER_DIV1024;
        ticks = 46875UL / rate;
    }
    GCLK->CLKCTRL.reg = (uint16_t)(GCLK_CLKCTRL_CLKEN | GCLK_CLKCTRL_GEN_GCLK0 | GCLK_CLKCTRL_ID_TCC2_TC3);
    while (GCLK->STATUS.bit.SYNCBUSY) {
    }
    TC3->COUNT16.CTRLA.reg &= ~TC_CTRLA_ENABLE;
    tc3_sync();
    TC3->COUNT16.CTRLA.reg = TC_CTRLA_MODE_COUNT16 | TC_CTRLA_WAVEGEN_MFRQ | prescaler;
    tc3_sync();
    TC3->COUNT16.CC[0].reg = (uint16_t)(ticks - 1u);
    tc3_sync();
    TC3->COUNT16.INTENSET.reg = TC_INTENSET_MC0;
    NVIC_EnableIRQ(TC3_IRQn);
    TC3->COUNT16.CTRLA.reg |= TC_CTRLA_ENABLE;
    tc3_sync();
}
static void timer_stop(void)
{
    TC3->COUNT16.CTRLA.reg &= ~TC_CTRLA_ENABLE;
    tc3_sync();
    NVIC_DisableIRQ(TC3_IRQn);
}
void TC3_Handler(void)
{
    TC3->COUNT16.INTFLAG.reg = TC_INTFLAG_MC0;
    sample_isr();
}
#elif defined(__AVR__)
static void timer_start(uint32_t rate)
{
    /* Timer1 CTC: f = F_CPU / prescaler / (OCR1A + 1); prescaler 8 (2 MHz at 16 MHz) */
    uint32_t ticks = (F_CPU / 8UL) / rate;
    uint8_t cs = _BV(CS11);
    if (ticks > 65536UL) {
        ticks = (F_CPU / 256UL) / rate;
        cs = _BV(CS12);
    }
    noInterrupts();
    TCCR1A = 0;
    TCCR1B = 0;
    TCNT1 = 0;
    OCR1A = (uint16_t)(ticks - 1u);
    TCCR1B = (uint8_t)(_BV(WGM12) | cs);
    TIMSK1 |= _BV(OCIE1A);
    interrupts();
}
static void timer_stop(void)
{
    TIMSK1 &= (uint8_t)~_BV(OCIE1A);
    TCCR1B = 0;
}
ISR(TIMER1_COMPA_vect) { sample_isr(); }
#endif

/* ------------------------------------------------------------------ output */
static void send_payload(const uint8_t *p, size_t n)
{
    size_t len = emgkit_frame_encode(p, n, g_tx, sizeof g_tx);
    if (len != EMGKIT_ERROR) {
        Serial.write(g_tx, len);
    }
}

static void send_ack(uint8_t tag, uint8_t cmd)
{
    uint8_t p[4] = {EMGKIT_T_ACK, EMGKIT_PROTOCOL_VERSION, tag, cmd};
    send_payload(p, sizeof p);
}

static void send_nak(uint8_t tag, uint8_t cmd, uint8_t err)
{
    uint8_t p[5] = {EMGKIT_T_NAK, EMGKIT_PROTOCOL_VERSION, tag, cmd, err};
    send_payload(p, sizeof p);
}

static void send_status(uint8_t code, uint32_t seq, uint32_t value)
{
    uint8_t p[11] = {EMGKIT_T_STATUS, EMGKIT_PROTOCOL_VERSION, code};
    emgkit_put_u32le(p + 3, seq);
    emgkit_put_u32le(p + 7, value);
    send_payload(p, sizeof p);
}

static void send_info(uint8_t tag)
{
    static const char name[] = EMGKIT_BOARD_NAME;
    uint8_t *p = g_msg;
    size_t n = 0, i;
    uint8_t c;
    p[n++] = EMGKIT_T_INFO;
    p[n++] = EMGKIT_PROTOCOL_VERSION;
    p[n++] = tag;
    p[n++] = EMGKIT_FW_MAJOR;
    p[n++] = EMGKIT_FW_MINOR;
    p[n++] = EMGKIT_FW_PATCH;
    p[n++] = EMGKIT_ADC_BITS;
    emgkit_put_u16le(p + n, EMGKIT_VREF_MV);
    n += 2;
    p[n++] = EMGKIT_MAX_CHANNELS;
    emgkit_put_u16le(p + n, EMGKIT_MAX_FRAME_VALUES);
    n += 2;
    emgkit_put_u32le(p + n, EMGKIT_MAX_RATE_HZ);
    n += 4;
    p[n++] = g_streaming ? 1u : 0u;
    p[n++] = (uint8_t)(sizeof name - 1u);
    for (i = 0; i + 1u < sizeof name; ++i) {
        p[n++] = (uint8_t)name[i];
    }
    emgkit_put_u32le(p + n, g_rate);
    n += 4;
    p[n++] = g_n;
    p[n++] = g_k;
    {   /* the channel table is streamed straight into the encoder */
        emgkit_encoder_t enc;
        emgkit_encoder_begin(&enc, g_tx, sizeof g_tx);
        for (i = 0; i < n; ++i) {
            emgkit_encoder_put(&enc, p[i]);
        }
        for (c = 0; c < g_n; ++c) {
            emgkit_encoder_put(&enc, g_pin[c]);
            emgkit_encoder_put(&enc, g_kind[c]);
            emgkit_encoder_put_u32(&enc, g_pot[c]);
        }
        i = emgkit_encoder_end(&enc);
        if (i != EMGKIT_ERROR) {
            Serial.write(g_tx, i);
        }
    }
}

/* Send DATA frames: full frames of g_k samples; with flush, the remainder too. A frame also
 * ends early where the sequence jumps (samples dropped), so every frame is contiguous. */
static void pump_frames(bool flush)
{
    for (;;) {
        uint8_t head = g_head; /* 8-bit indices: atomic reads on AVR too */
        uint8_t tail = g_tail;
        uint8_t avail = (uint8_t)((head - tail) & EMGKIT_RING_MASK);
        uint8_t k = 0, c;
        emgkit_encoder_t enc;
        size_t len;
        if (avail == 0u || (avail < g_k && !flush)) {
            return;
        }
        const Slot *first = &g_ring[tail];
        while (k < g_k && k < avail &&
               g_ring[(tail + k) & EMGKIT_RING_MASK].seq == first->seq + k) {
            ++k;
        }
        emgkit_encoder_begin(&enc, g_tx, sizeof g_tx);
        emgkit_encoder_put(&enc, EMGKIT_T_DATA);
        emgkit_encoder_put(&enc, EMGKIT_PROTOCOL_VERSION);
        emgkit_encoder_put_u32(&enc, first->seq);
        emgkit_encoder_put_u32(&enc, first->t_us);
        emgkit_encoder_put(&enc, g_n);
        emgkit_encoder_put(&enc, k);
        for (uint8_t s = 0; s < k; ++s) {
            const Slot *sl = &g_ring[(tail + s) & EMGKIT_RING_MASK];
            for (c = 0; c < g_n; ++c) {
                emgkit_encoder_put_u16(&enc, sl->v[c]);
            }
        }
        len = emgkit_encoder_end(&enc);
        g_tail = (uint8_t)((tail + k) & EMGKIT_RING_MASK); /* free the slots before writing */
        if (len != EMGKIT_ERROR) {
            Serial.write(g_tx, len);
        }
    }
}

/* ------------------------------------------------------------------ commands */
static uint8_t default_k(uint32_t rate, uint8_t n)
{
    uint32_t k = (rate + 499UL) / 500UL; /* <= 500 frames/s */
    uint32_t cap = (EMGKIT_MAX_PAYLOAD - EMGKIT_DATA_HEADER_SIZE) / (2UL * n);
    if (cap > 255UL) {
        cap = 255UL;
    }
    if (k > cap) {
        k = cap;
    }
    if (k < 1UL) {
        k = 1UL;
    }
    if (k > EMGKIT_MAX_FRAME_VALUES / n) {
        k = EMGKIT_MAX_FRAME_VALUES / n;
    }
    return (uint8_t)(k < 1UL ? 1UL : k);
}

static void apply_pins(void)
{
    for (uint8_t c = 0; c < g_n; ++c) {
        g_pin_hw[c] = kAnalogPins[g_pin[c]];
    }
}

static void handle_configure(const uint8_t *p, size_t n)
{
    const uint8_t tag = p[2];
    uint32_t rate;
    uint8_t nch, k, c;
    if (n < 9u || n != 9u + 6u * (size_t)p[7]) {
        send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_LENGTH);
        return;
    }
    if (g_streaming) {
        send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BUSY);
        return;
    }
    rate = emgkit_get_u32le(p + 3);
    nch = p[7];
    k = p[8];
    if (nch == 0u || nch > EMGKIT_MAX_CHANNELS) {
        send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_CHANNELS);
        return;
    }
    for (c = 0; c < nch; ++c) {
        if (p[9u + 6u * c] >= EMGKIT_N_PINS) {
            send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_PIN);
            return;
        }
        if (p[10u + 6u * c] > EMGKIT_KIND_REF) {
            send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_KIND);
            return;
        }
    }
    if (rate == 0u || rate > EMGKIT_MAX_RATE_HZ / nch) {
        send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_RATE);
        return;
    }
    if (k == 0u) {
        k = default_k(rate, nch);
    }
    if ((uint32_t)k * nch > EMGKIT_MAX_FRAME_VALUES ||
        EMGKIT_DATA_HEADER_SIZE + 2UL * k * nch > EMGKIT_MAX_PAYLOAD) {
        send_nak(tag, EMGKIT_T_CONFIGURE, EMGKIT_E_BAD_FRAME_SIZE);
        return;
    }
    g_rate = rate;
    g_n = nch;
    g_k = k;
    for (c = 0; c < nch; ++c) {
        g_pin[c] = p[9u + 6u * c];
        g_kind[c] = p[10u + 6u * c];
        g_pot[c] = emgkit_get_u32le(p + 11u + 6u * c);
    }
    apply_pins();
    send_ack(tag, EMGKIT_T_CONFIGURE);
}

static void handle_command(const uint8_t *p, size_t n)
{
    const uint8_t t = p[0];
    const uint8_t tag = n > 2u ? p[2] : 0u;
    if (p[1] != EMGKIT_PROTOCOL_VERSION) {
        send_nak(tag, t, EMGKIT_E_BAD_VERSION);
        return;
    }
    if (t != EMGKIT_T_IDENTIFY && t != EMGKIT_T_CONFIGURE && t != EMGKIT_T_START &&
        t != EMGKIT_T_STOP && t != EMGKIT_T_PING) {
        send_nak(tag, t, EMGKIT_E_UNKNOWN_TYPE);
        return;
    }
    if (n < 3u) {
        send_nak(0, t, EMGKIT_E_BAD_LENGTH);
        return;
    }
    if (t == EMGKIT_T_CONFIGURE) {
        handle_configure(p, n);
        return;
    }
    if (n != 3u) {
        send_nak(tag, t, EMGKIT_E_BAD_LENGTH);
        return;
    }
    switch (t) {
    case EMGKIT_T_IDENTIFY:
        send_info(tag);
        break;
    case EMGKIT_T_PING:
        send_ack(tag, t);
        break;
    case EMGKIT_T_START:
        if (g_streaming) {
            send_nak(tag, t, EMGKIT_E_BUSY);
            break;
        }
        g_head = 0;
        g_tail = 0;
        g_clock = 0;
        g_dropped = 0;
        g_dropped_reported = 0;
        g_streaming = true;
        send_ack(tag, t); /* the ACK goes out before the first DATA frame */
        timer_start(g_rate);
        break;
    default: /* STOP: idempotent; samples already taken go out in a last, short frame */
        if (g_streaming) {
            timer_stop();
            pump_frames(true);
            g_streaming = false;
        }
        send_ack(tag, t);
        break;
    }
}

/* ------------------------------------------------------------------ Arduino entry points */
void setup()
{
#if defined(TEENSYDUINO)
    analogReadResolution(EMGKIT_ADC_BITS);
    analogReadAveraging(1);
#elif defined(ARDUINO_ARCH_SAMD)
    analogReadResolution(EMGKIT_ADC_BITS);
#if defined(ADC_CTRLB_PRESCALER_DIV32)
    /* the core's default ADC set-up takes ~420 us per conversion; make it ~20 us */
    ADC->CTRLB.reg = ADC_CTRLB_PRESCALER_DIV32 | ADC_CTRLB_RESSEL_12BIT;
    while (ADC->STATUS.bit.SYNCBUSY) {
    }
    ADC->SAMPCTRL.reg = 5;
    ADC->AVGCTRL.reg = ADC_AVGCTRL_SAMPLENUM_1;
    while (ADC->STATUS.bit.SYNCBUSY) {
    }
#endif
#endif
    Serial.begin(EMGKIT_BAUD);
    emgkit_decoder_init(&g_rx, g_rx_buf, sizeof g_rx_buf);
    g_k = default_k(g_rate, g_n);
    apply_pins();
    {
        const uint8_t zero = 0; /* ends whatever partial frame the host decoder holds */
        Serial.write(&zero, 1);
    }
    send_status(EMGKIT_S_BOOT, 0, 0);
}

void loop()
{
    while (Serial.available() > 0) {
        size_t plen = 0;
        int r = emgkit_decoder_push(&g_rx, (uint8_t)Serial.read(), &plen);
        if (r == EMGKIT_DEC_FRAME) {
            handle_command(g_rx_buf, plen);
        } else if (r == EMGKIT_DEC_BAD) {
            send_nak(0, 0, EMGKIT_E_BAD_FRAME);
        }
    }
    if (g_streaming) {
        uint32_t dropped;
        pump_frames(false);
        noInterrupts();
        dropped = g_dropped;
        interrupts();
        if (dropped != g_dropped_reported &&
            (uint32_t)(millis() - g_last_report_ms) >= EMGKIT_OVERRUN_REPORT_MS) {
            uint32_t seq;
            noInterrupts();
            seq = g_clock;
            interrupts();
            send_status(EMGKIT_S_OVERRUN, seq, dropped);
            g_dropped_reported = dropped;
            g_last_report_ms = millis();
        }
    }
}
