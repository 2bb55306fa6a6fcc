/*
 * Unit tests for common/crc64.c: the published check value, a CRC taken in pieces,
 * agreement with a bit-by-bit reference over many lengths and alignments, and the
 * trailer of a real DUMP payload taken from redis-server 7.0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/crc64.h"

static uint64_t ref_crc64(uint64_t crc, const unsigned char *p, size_t len)
{
    while (len--) {
        crc ^= *p++;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ UINT64_C(0x95ac9329ac4bc9b5) : crc >> 1;
    }
    return crc;
}

static void test_check_value(void **state)
{
    (void)state;
    assert_true(lc_crc64(0, "123456789", 9) == UINT64_C(0xe9c6d914c4b8d9ca));
    assert_true(lc_crc64(0, "", 0) == 0);
    assert_true(lc_crc64(0, NULL, 0) == 0);
}

static void test_pieces_and_reference(void **state)
{
    unsigned char data[1031];
    uint32_t seed = 12345;

    (void)state;
    for (size_t idx = 0; idx < sizeof(data); idx++) {
        seed = seed * 1103515245u + 12345u;
        data[idx] = (unsigned char)(seed >> 16);
    }
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len + off <= sizeof(data); len += 37) {
            uint64_t whole = lc_crc64(0, data + off, len);

            assert_true(whole == ref_crc64(0, data + off, len));
            for (size_t cut = 0; cut <= len; cut += 13) {
                uint64_t crc = lc_crc64(0, data + off, cut);

                assert_true(lc_crc64(crc, data + off + cut, len - cut) == whole);
            }
        }
    }
}

/* DUMP of a Thai string on redis 7.0.15: type, length, value, RDB version, CRC (LE). */
static void test_redis_dump_payload(void **state)
{
    static const unsigned char dump[] = {
        0x00, 0x12, 0xe0, 0xb8, 0xaa, 0xe0, 0xb8, 0xa7, 0xe0, 0xb8, 0xb1, 0xe0, 0xb8, 0xaa, 0xe0,
        0xb8, 0x94, 0xe0, 0xb8, 0xb5, 0x0a, 0x00, 0xab, 0x4a, 0x4b, 0x31, 0x36, 0x86, 0x69, 0xfe,
    };
    uint64_t stored = 0;

    (void)state;
    for (int idx = 7; idx >= 0; idx--)
        stored = stored << 8 | dump[sizeof(dump) - 8 + (size_t)idx];
    assert_true(lc_crc64(0, dump, sizeof(dump) - 8) == stored);
    /* The CRC of a message followed by its own little-endian CRC is zero. */
    assert_true(lc_crc64(0, dump, sizeof(dump)) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_pieces_and_reference),
        cmocka_unit_test(test_redis_dump_payload),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
