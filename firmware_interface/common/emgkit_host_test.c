/*
 * emgkit_host_test.c - host-side wrapper around emgkit_frame.c for the Python tests (ctypes).
 * Not part of the firmware. Build: cc -std=c99 -Wall -Wextra -Werror -O2 -fPIC -shared
 *   -o libemgkit_frame.so emgkit_frame.c emgkit_host_test.c
 */
#include "emgkit_frame.h"

/* Feed `len` wire bytes through one byte-at-a-time decoder. Each good payload is appended to
 * `out` as a little-endian u16 length followed by the payload. stats[0..2] receive good frames,
 * bad frames and bad bytes. Returns the bytes written to out, or EMGKIT_ERROR if out is full. */
size_t emgkit_test_decode_stream(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                 uint32_t *stats)
{
    static uint8_t buf[EMGKIT_MAX_PAYLOAD + 2u];
    emgkit_decoder_t dec;
    size_t i;
    size_t o = 0;
    emgkit_decoder_init(&dec, buf, sizeof buf);
    for (i = 0; i < len; ++i) {
        size_t plen = 0;
        if (emgkit_decoder_push(&dec, in[i], &plen) == EMGKIT_DEC_FRAME) {
            size_t j;
            if (o + 2u + plen > cap) {
                return EMGKIT_ERROR;
            }
            emgkit_put_u16le(out + o, (uint16_t)plen);
            o += 2u;
            for (j = 0; j < plen; ++j) {
                out[o++] = buf[j];
            }
        }
    }
    stats[0] = dec.n_frames;
    stats[1] = dec.n_bad_frames;
    stats[2] = dec.n_bad_bytes;
    return o;
}
