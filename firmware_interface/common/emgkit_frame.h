/*
 * emgkit_frame.h - framing of the emgkit serial protocol v1 (see ../PROTOCOL.md).
 *
 * Wire frame: COBS(payload || CRC-16/CCITT-FALSE(payload), CRC most significant byte first) || 0x00
 * Payload:    type (1 byte) || protocol version (1 byte) || type-specific body (little-endian)
 *
 * Plain C99, no malloc, no floating point, no stdio: builds for AVR (avr-gcc), ARM Cortex-M
 * (Teensy, SAMD) and the host (tests). All buffers are supplied by the caller.
 * Part of emgkit (MIT licence).
 */
#ifndef EMGKIT_FRAME_H
#define EMGKIT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMGKIT_PROTOCOL_VERSION 1u
/* Largest payload (type byte .. last body byte, CRC excluded) a v1 receiver must accept. */
#define EMGKIT_MAX_PAYLOAD 1024u
/* DATA header: type, version, seq u32, t_us u32, n_channels u8, n_samples u8. */
#define EMGKIT_DATA_HEADER_SIZE 12u
/* Bytes COBS may add to n input bytes: max(1, ceil(n / 254)). */
#define EMGKIT_COBS_OVERHEAD(n) ((n) == 0u ? 1u : (((n) + 253u) / 254u))
/* Worst-case wire size of a frame carrying a payload of n bytes (CRC, COBS, 0x00 included). */
#define EMGKIT_FRAME_MAX_SIZE(n) ((n) + 2u + EMGKIT_COBS_OVERHEAD((n) + 2u) + 1u)
/* Returned by the encoders/decoders on error (buffer too small, malformed input). */
#define EMGKIT_ERROR ((size_t)-1)

/* Payload types. 0x01-0x3F device data, 0x40-0x7F commands, 0x80-0xBF replies. */
enum emgkit_type {
    EMGKIT_T_DATA = 0x01,
    EMGKIT_T_IDENTIFY = 0x40,
    EMGKIT_T_CONFIGURE = 0x41,
    EMGKIT_T_START = 0x42,
    EMGKIT_T_STOP = 0x43,
    EMGKIT_T_PING = 0x44,
    EMGKIT_T_INFO = 0x80,
    EMGKIT_T_ACK = 0x81,
    EMGKIT_T_NAK = 0x82,
    EMGKIT_T_STATUS = 0x83
};

/* Channel kinds (which MyoWare 2.0 output the pin reads). */
enum emgkit_kind { EMGKIT_KIND_RAW = 0, EMGKIT_KIND_ENV = 1, EMGKIT_KIND_RECT = 2, EMGKIT_KIND_REF = 3 };

/* NAK error codes. */
enum emgkit_error {
    EMGKIT_E_BAD_LENGTH = 1,
    EMGKIT_E_UNKNOWN_TYPE = 2,
    EMGKIT_E_BAD_VERSION = 3,
    EMGKIT_E_BAD_RATE = 4,
    EMGKIT_E_BAD_CHANNELS = 5,
    EMGKIT_E_BAD_PIN = 6,
    EMGKIT_E_BAD_KIND = 7,
    EMGKIT_E_BAD_FRAME_SIZE = 8,
    EMGKIT_E_BUSY = 9,
    EMGKIT_E_BAD_FRAME = 10
};

/* STATUS codes. */
enum emgkit_status { EMGKIT_S_BOOT = 1, EMGKIT_S_OVERRUN = 2, EMGKIT_S_TX_STALL = 3 };

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, not reflected, no final XOR.
 * emgkit_crc16("123456789", 9) == 0x29B1. */
uint16_t emgkit_crc16_update(uint16_t crc, uint8_t byte);
uint16_t emgkit_crc16(const uint8_t *data, size_t len);

/* COBS (Cheshire & Baker): a run of 254 non-zero bytes that ends the input is not followed by
 * an empty block. Return the number of bytes written, or EMGKIT_ERROR if out is too small
 * (encode) or the input is malformed / out too small (decode). Decode takes a body without
 * its 0x00 delimiter. */
size_t emgkit_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
size_t emgkit_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Streaming COBS + CRC encoder: frames a payload handed over piece by piece, so a DATA frame
 * can be written straight from the ring buffer without a second payload buffer. */
typedef struct {
    uint8_t *out;
    size_t cap;
    size_t pos;      /* bytes written so far */
    size_t code_pos; /* where the current block's code byte goes */
    uint8_t code;    /* 1 + data bytes in the current block */
    uint8_t after_full; /* current block was opened because the previous one reached 254 bytes */
    uint8_t error;
    uint16_t crc;
} emgkit_encoder_t;

void emgkit_encoder_begin(emgkit_encoder_t *enc, uint8_t *out, size_t cap);
void emgkit_encoder_put(emgkit_encoder_t *enc, uint8_t byte);
void emgkit_encoder_put_u16(emgkit_encoder_t *enc, uint16_t v); /* little-endian */
void emgkit_encoder_put_u32(emgkit_encoder_t *enc, uint32_t v); /* little-endian */
/* Append the CRC and the 0x00 delimiter. Returns the frame length or EMGKIT_ERROR. */
size_t emgkit_encoder_end(emgkit_encoder_t *enc);

/* Frame a complete payload. Returns bytes written to out (delimiter included) or EMGKIT_ERROR. */
size_t emgkit_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/* Frame one DATA payload: k samples x n_channels counts, sample-major (samples[i * n + c]). */
size_t emgkit_data_frame_encode(uint32_t seq, uint32_t t_us, uint8_t n_channels, uint8_t k,
                                const uint16_t *samples, uint8_t *out, size_t cap);

/* Byte-at-a-time frame decoder with resynchronisation on 0x00. */
typedef struct {
    uint8_t *buf;     /* caller's buffer: receives payload || CRC */
    size_t cap;
    size_t len;       /* decoded bytes so far */
    size_t n_raw;     /* wire bytes of the current frame so far */
    uint8_t remaining; /* data bytes left in the current COBS block */
    uint8_t code;     /* code byte of the current block */
    uint8_t overflow; /* frame longer than cap: discard up to the next 0x00 */
    uint32_t n_frames;    /* good frames */
    uint32_t n_bad_frames;
    uint32_t n_bad_bytes; /* wire bytes of dropped frames, delimiters included */
} emgkit_decoder_t;

#define EMGKIT_DEC_NONE 0  /* need more bytes */
#define EMGKIT_DEC_FRAME 1 /* buf[0 .. payload_len) holds a checked payload */
#define EMGKIT_DEC_BAD (-1) /* a frame was dropped (COBS, length or CRC); decoder resynced */

void emgkit_decoder_init(emgkit_decoder_t *dec, uint8_t *buf, size_t cap);
void emgkit_decoder_reset(emgkit_decoder_t *dec);
/* Push one received byte. On EMGKIT_DEC_FRAME, *payload_len is set (buf holds the payload). */
int emgkit_decoder_push(emgkit_decoder_t *dec, uint8_t byte, size_t *payload_len);

/* Little-endian helpers. */
void emgkit_put_u16le(uint8_t *p, uint16_t v);
void emgkit_put_u32le(uint8_t *p, uint32_t v);
uint16_t emgkit_get_u16le(const uint8_t *p);
uint32_t emgkit_get_u32le(const uint8_t *p);

#ifdef __cplusplus
}
#endif

#endif /* EMGKIT_FRAME_H */
