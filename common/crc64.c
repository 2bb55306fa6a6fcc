/*
 * CRC-64/REDIS (see crc64.h), slicing-by-8: eight 256-entry tables built once from the
 * reflected polynomial, so the inner loop folds one 64-bit word per step. Byte-order
 * independent: the word is assembled from bytes explicitly.
 */
#include "common/crc64.h"

#include <pthread.h>

/* 0xad93d23594c935a9 with its bits reversed, for the reflected (LSB-first) algorithm. */
#define CRC64_POLY_REFLECTED UINT64_C(0x95ac9329ac4bc9b5)

static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_init_tables(void)
{
    for (unsigned n = 0; n < 256; n++) {
        uint64_t crc = n;

        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ CRC64_POLY_REFLECTED : crc >> 1;
        crc64_table[0][n] = crc;
    }
    for (unsigned n = 0; n < 256; n++) {
        uint64_t crc = crc64_table[0][n];

        for (int k = 1; k < 8; k++) {
            crc = crc64_table[0][crc & 0xff] ^ (crc >> 8);
            crc64_table[k][n] = crc;
        }
    }
}

uint64_t lc_crc64(uint64_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;

    pthread_once(&crc64_once, crc64_init_tables);
    while (len >= 8) {
        uint64_t word = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                        (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                        (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;

        crc ^= word;
        crc = crc64_table[7][crc & 0xff] ^ crc64_table[6][(crc >> 8) & 0xff] ^
              crc64_table[5][(crc >> 16) & 0xff] ^ crc64_table[4][(crc >> 24) & 0xff] ^
              crc64_table[3][(crc >> 32) & 0xff] ^ crc64_table[2][(crc >> 40) & 0xff] ^
              crc64_table[1][(crc >> 48) & 0xff] ^ crc64_table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc64_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
