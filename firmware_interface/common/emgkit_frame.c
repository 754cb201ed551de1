/*
 * emgkit_frame.c - framing of the emgkit serial protocol v1 (see ../PROTOCOL.md and emgkit_frame.h).
 * Plain C99, no malloc. Part of emgkit (MIT licence).
 */
#include "emgkit_frame.h"

uint16_t emgkit_crc16_update(uint16_t crc, uint8_t byte)
{
    uint8_t i;
    crc ^= (uint16_t)((uint16_t)byte << 8);
    for (i = 0; i < 8u; ++i) {
        if (crc & 0x8000u) {
            crc = (uint16_t)((crc << 1) ^ 0x1021u);
        } else {
            crc = (uint16_t)(crc << 1);
        }
    }
    return crc;
}

uint16_t emgkit_crc16(const uint8_t *data, size_t len)
{
    uint16_t crc = 0xFFFFu;
    size_t i;
    for (i = 0; i < len; ++i) {
        crc = emgkit_crc16_update(crc, data[i]);
    }
    return crc;
}

void emgkit_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

void emgkit_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

uint16_t emgkit_get_u16le(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | ((uint16_t)p[1] << 8));
}

uint32_t emgkit_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ------------------------------------------------------------------ streaming encoder */
static void enc_raw(emgkit_encoder_t *enc, uint8_t byte)
{
    if (enc->pos < enc->cap) {
        enc->out[enc->pos] = byte;
    } else {
        enc->error = 1;
    }
    enc->pos++;
}

static void enc_close_block(emgkit_encoder_t *enc, uint8_t full)
{
    if (enc->code_pos < enc->cap) {
        enc->out[enc->code_pos] = enc->code;
    } else {
        enc->error = 1;
    }
    enc->code_pos = enc->pos;
    enc_raw(enc, 0); /* placeholder for the next block's code */
    enc->code = 1;
    enc->after_full = full;
}

static void enc_cobs(emgkit_encoder_t *enc, uint8_t byte)
{
    if (byte == 0u) {
        enc_close_block(enc, 0);
    } else {
        enc_raw(enc, byte);
        enc->code++;
        if (enc->code == 0xFFu) {
            enc_close_block(enc, 1);
        }
    }
}

void emgkit_encoder_begin(emgkit_encoder_t *enc, uint8_t *out, size_t cap)
{
    enc->out = out;
    enc->cap = cap;
    enc->pos = 0;
    enc->code_pos = 0;
    enc->code = 1;
    enc->after_full = 0;
    enc->error = 0;
    enc->crc = 0xFFFFu;
    enc_raw(enc, 0); /* placeholder for the first code byte */
}

void emgkit_encoder_put(emgkit_encoder_t *enc, uint8_t byte)
{
    enc->crc = emgkit_crc16_update(enc->crc, byte);
    enc_cobs(enc, byte);
}

void emgkit_encoder_put_u16(emgkit_encoder_t *enc, uint16_t v)
{
    emgkit_encoder_put(enc, (uint8_t)(v & 0xFFu));
    emgkit_encoder_put(enc, (uint8_t)(v >> 8));
}

void emgkit_encoder_put_u32(emgkit_encoder_t *enc, uint32_t v)
{
    emgkit_encoder_put_u16(enc, (uint16_t)(v & 0xFFFFu));
    emgkit_encoder_put_u16(enc, (uint16_t)(v >> 16));
}

size_t emgkit_encoder_end(emgkit_encoder_t *enc)
{
    uint16_t crc = enc->crc;
    enc_cobs(enc, (uint8_t)(crc >> 8)); /* CRC most significant byte first */
    enc_cobs(enc, (uint8_t)(crc & 0xFFu));
    if (enc->code == 1u && enc->after_full) {
        /* the input ended exactly on a full 254-byte block: no empty block follows */
        enc->pos = enc->code_pos;
    } else if (enc->code_pos < enc->cap) {
        enc->out[enc->code_pos] = enc->code;
    } else {
        enc->error = 1;
    }
    enc_raw(enc, 0); /* frame delimiter */
    return enc->error ? EMGKIT_ERROR : enc->pos;
}

size_t emgkit_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
    emgkit_encoder_t enc;
    size_t i;
    emgkit_encoder_begin(&enc, out, cap);
    for (i = 0; i < len; ++i) {
        emgkit_encoder_put(&enc, payload[i]);
    }
    return emgkit_encoder_end(&enc);
}

size_t emgkit_data_frame_encode(uint32_t seq, uint32_t t_us, uint8_t n_channels, uint8_t k,
                                const uint16_t *samples, uint8_t *out, size_t cap)
{
    emgkit_encoder_t enc;
    size_t i;
    size_t n = (size_t)n_channels * (size_t)k;
    if (n == 0u || EMGKIT_DATA_HEADER_SIZE + 2u * n > EMGKIT_MAX_PAYLOAD) {
        return EMGKIT_ERROR;
    }
    emgkit_encoder_begin(&enc, out, cap);
    emgkit_encoder_put(&enc, (uint8_t)EMGKIT_T_DATA);
    emgkit_encoder_put(&enc, (uint8_t)EMGKIT_PROTOCOL_VERSION);
    emgkit_encoder_put_u32(&enc, seq);
    emgkit_encoder_put_u32(&enc, t_us);
    emgkit_encoder_put(&enc, n_channels);
    emgkit_encoder_put(&enc, k);
    for (i = 0; i < n; ++i) {
        emgkit_encoder_put_u16(&enc, samples[i]);
    }
    return emgkit_encoder_end(&enc);
}

/* ------------------------------------------------------------------ one-shot COBS */
size_t emgkit_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    emgkit_encoder_t enc;
    size_t i;
    emgkit_encoder_begin(&enc, out, cap);
    for (i = 0; i < len; ++i) {
        enc_cobs(&enc, in[i]);
    }
    if (enc.code == 1u && enc.after_full) {
        enc.pos = enc.code_pos;
    } else if (enc.code_pos < enc.cap) {
        enc.out[enc.code_pos] = enc.code;
    } else {
        enc.error = 1;
    }
    return enc.error ? EMGKIT_ERROR : enc.pos;
}

size_t emgkit_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t i = 0;
    size_t o = 0;
    while (i < len) {
        uint8_t code = in[i];
        size_t j;
        if (code == 0u || i + code > len) {
            return EMGKIT_ERROR;
        }
        for (j = i + 1u; j < i + code; ++j) {
            if (in[j] == 0u || o >= cap) {
                return EMGKIT_ERROR;
            }
            out[o++] = in[j];
        }
        i += code;
        if (code != 0xFFu && i < len) {
            if (o >= cap) {
                return EMGKIT_ERROR;
            }
            out[o++] = 0;
        }
    }
    return o;
}

/* ------------------------------------------------------------------ byte-at-a-time decoder */
void emgkit_decoder_reset(emgkit_decoder_t *dec)
{
    dec->len = 0;
    dec->n_raw = 0;
    dec->remaining = 0;
    dec->code = 0;
    dec->overflow = 0;
}

void emgkit_decoder_init(emgkit_decoder_t *dec, uint8_t *buf, size_t cap)
{
    dec->buf = buf;
    dec->cap = cap;
    dec->n_frames = 0;
    dec->n_bad_frames = 0;
    dec->n_bad_bytes = 0;
    emgkit_decoder_reset(dec);
}

static void dec_append(emgkit_decoder_t *dec, uint8_t byte)
{
    if (dec->len < dec->cap) {
        dec->buf[dec->len++] = byte;
    } else {
        dec->overflow = 1;
    }
}

int emgkit_decoder_push(emgkit_decoder_t *dec, uint8_t byte, size_t *payload_len)
{
    if (byte == 0u) {
        int bad;
        if (dec->n_raw == 0u) {
            return EMGKIT_DEC_NONE; /* empty frame: idle line or a leading delimiter */
        }
        bad = dec->overflow || dec->remaining != 0u || dec->len < 4u ||
              emgkit_crc16(dec->buf, dec->len) != 0u;
        if (bad) {
            dec->n_bad_frames++;
            dec->n_bad_bytes += (uint32_t)dec->n_raw + 1u;
            emgkit_decoder_reset(dec);
            return EMGKIT_DEC_BAD;
        }
        if (payload_len != NULL) {
            *payload_len = dec->len - 2u;
        }
        dec->n_frames++;
        emgkit_decoder_reset(dec);
        return EMGKIT_DEC_FRAME;
    }
    dec->n_raw++;
    if (dec->overflow) {
        return EMGKIT_DEC_NONE;
    }
    if (dec->remaining == 0u) {
        /* a code byte: the previous block (if any, and not a full one) ended with a zero */
        if (dec->n_raw > 1u && dec->code != 0xFFu) {
            dec_append(dec, 0);
        }
        dec->code = byte;
        dec->remaining = (uint8_t)(byte - 1u);
    } else {
        dec_append(dec, byte);
        dec->remaining--;
    }
    return EMGKIT_DEC_NONE;
}
