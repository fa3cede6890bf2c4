#include "core/base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace brook {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, reflected

// tables[k][b]: the CRC of byte b followed by k zero bytes. Slicing-by-8 folds eight input
// bytes per step with eight lookups instead of eight dependent shifts.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables make_tables() {
    Tables tables{};
    for (uint32_t b = 0; b < 256; ++b) {
        uint32_t crc = b;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
        tables[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; ++b) {
        for (int k = 1; k < 8; ++k) {
            uint32_t previous = tables[k - 1][b];
            tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xff];
        }
    }
    return tables;
}

constexpr Tables kTables = make_tables();

uint64_t load_little_endian_64(const uint8_t* bytes) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
    return value;
}

}  // namespace

uint32_t crc32c_extend_table(uint32_t crc, std::span<const uint8_t> bytes) {
    const uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    crc = ~crc;
    while (n >= 8) {
        uint64_t word = load_little_endian_64(p) ^ crc;
        crc = kTables[7][word & 0xff] ^ kTables[6][(word >> 8) & 0xff] ^
              kTables[5][(word >> 16) & 0xff] ^ kTables[4][(word >> 24) & 0xff] ^
              kTables[3][(word >> 32) & 0xff] ^ kTables[2][(word >> 40) & 0xff] ^
              kTables[1][(word >> 48) & 0xff] ^ kTables[0][word >> 56];
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        crc = (crc >> 8) ^ kTables[0][(crc ^ *p) & 0xff];
        ++p;
        --n;
    }
    return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_extend_hardware(uint32_t crc,
                                                                  std::span<const uint8_t> bytes) {
    const uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    uint64_t state = ~crc;
    while (n >= 8) {
        uint64_t word;
        std::memcpy(&word, p, sizeof word);  // unaligned-safe; x86 is little-endian
        state = _mm_crc32_u64(state, word);
        p += 8;
        n -= 8;
    }
    uint32_t state32 = static_cast<uint32_t>(state);
    while (n > 0) {
        state32 = _mm_crc32_u8(state32, *p);
        ++p;
        --n;
    }
    return ~state32;
}

bool crc32c_hardware_available() {
    static const bool available = __builtin_cpu_supports("sse4.2");
    return available;
}
#else
uint32_t crc32c_extend_hardware(uint32_t crc, std::span<const uint8_t> bytes) {
    return crc32c_extend_table(crc, bytes);
}
bool crc32c_hardware_available() { return false; }
#endif

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> bytes) {
    if (crc32c_hardware_available()) return crc32c_extend_hardware(crc, bytes);
    return crc32c_extend_table(crc, bytes);
}

}  // namespace brook
