#ifndef CPOOLKIT_CHECKSUM_H
#define CPOOLKIT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction PoolKit can use (x86-64 SSE4.2), else 0.
int cpoolkit_crc32c_hardware_available(void);

/// Advances a CRC-32C register (kept inverted, as the table method keeps it) over `length` bytes
/// with the CPU's CRC-32C instruction. Call only when cpoolkit_crc32c_hardware_available() is 1.
uint32_t cpoolkit_crc32c_hardware_update(uint32_t state, const void *data, size_t length);

#endif
