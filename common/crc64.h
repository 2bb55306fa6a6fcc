/*
 * The CRC-64 that Redis puts at the end of every RDB file and DUMP payload: the Jones
 * polynomial (0xad93d23594c935a9), reflected input and output, initial value 0, no
 * final xor ("CRC-64/REDIS"; the check value of "123456789" is 0xe9c6d914c4b8d9ca).
 * Table-driven, eight bytes at a time, so that checking a multi-gigabyte RDB while it
 * streams costs little next to the network and the compressor.
 */
#ifndef LC_CRC64_H
#define LC_CRC64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC over `len` more bytes: start with crc = 0, feed the data in any
 * number of pieces, the result is the same as one call over the whole. Thread-safe.
 */
uint64_t lc_crc64(uint64_t crc, const void *data, size_t len);

#endif
