#include "cpoolkit_checksum.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int cpoolkit_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

/* One stream of 8-byte steps: the instruction's latency bounds it at about 8 bytes every 3 cycles,
   several times the table method. (Interleaving three streams would go faster but needs a
   shift-and-combine step; the simple loop is kept because it is obviously correct.) */
__attribute__((target("sse4.2")))
uint32_t cpoolkit_crc32c_hardware_update(uint32_t state, const void *data, size_t length) {
    const unsigned char *bytes = (const unsigned char *)data;
    uint64_t crc = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, sizeof word);
        crc = _mm_crc32_u64(crc, word);
        bytes += 8;
        length -= 8;
    }
    uint32_t crc32 = (uint32_t)crc;
    while (length > 0) {
        crc32 = _mm_crc32_u8(crc32, *bytes);
        bytes += 1;
        length -= 1;
    }
    return crc32;
}

#else

int cpoolkit_crc32c_hardware_available(void) { return 0; }

uint32_t cpoolkit_crc32c_hardware_update(uint32_t state, const void *data, size_t length) {
    (void)data;
    (void)length;
    return state;
}

#endif
