// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78): the checksum of Kafka's
// magic-v2 record batches, and of Brook's own checkpoint files.
//
//   uint32_t crc = crc32c(bytes);                      // one shot
//   uint32_t crc = crc32c_extend(crc32c(a), b);        // == crc32c(a followed by b)
//
// The fast path uses the SSE4.2 crc32 instruction (8 bytes per instruction), chosen once at
// run time with __builtin_cpu_supports, which reads CPUID and makes no OS call. Elsewhere a
// slicing-by-8 table computes the same value at about a byte per cycle. Both are exported so a
// test can prove that they agree.
#pragma once

#include <cstdint>
#include <span>

namespace brook {

// The CRC32C of `bytes` continued from a previous `crc` (0 for a fresh start).
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> bytes);

inline uint32_t crc32c(std::span<const uint8_t> bytes) { return crc32c_extend(0, bytes); }

// The two implementations behind crc32c_extend, for tests and benchmarks.
uint32_t crc32c_extend_table(uint32_t crc, std::span<const uint8_t> bytes);
// Only callable where crc32c_hardware_available() is true.
uint32_t crc32c_extend_hardware(uint32_t crc, std::span<const uint8_t> bytes);
bool crc32c_hardware_available();

}  // namespace brook
