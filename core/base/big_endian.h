// Big-endian integer access on byte spans, the byte order of Kafka's wire and disk formats.
//
//   int64_t base = load_big_endian<int64_t>(bytes.data());
//   store_big_endian<int32_t>(bytes.data() + 8, length);
//
// Callers check bounds first; these read and write exactly sizeof(T) bytes.
#pragma once

#include <cstdint>
#include <type_traits>

namespace brook {

template <typename T>
T load_big_endian(const uint8_t* bytes) {
    static_assert(std::is_integral_v<T>);
    using Unsigned = std::make_unsigned_t<T>;
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<Unsigned>((value << 8) | bytes[i]);
    return static_cast<T>(value);
}

template <typename T>
void store_big_endian(uint8_t* bytes, T value) {
    static_assert(std::is_integral_v<T>);
    using Unsigned = std::make_unsigned_t<T>;
    auto bits = static_cast<Unsigned>(value);
    for (std::size_t i = sizeof(T); i > 0; --i) {
        bytes[i - 1] = static_cast<uint8_t>(bits & 0xff);
        bits = static_cast<Unsigned>(bits >> 8);
    }
}

}  // namespace brook
