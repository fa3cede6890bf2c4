#include "core/client/partitioner.h"

#include "core/base/check.h"

namespace brook::client {

// Java's int arithmetic wraps modulo 2^32 and `>>>` is a logical shift, so computing in uint32_t
// and reinterpreting the result as int32_t at the end gives Java's bits exactly.
int32_t murmur2(std::span<const uint8_t> key) {
    constexpr uint32_t kSeed = 0x9747b28c;
    constexpr uint32_t kMultiplier = 0x5bd1e995;
    constexpr int kShift = 24;
    const std::size_t length = key.size();
    uint32_t hash = kSeed ^ static_cast<uint32_t>(length);
    const std::size_t words = length / 4;
    for (std::size_t i = 0; i < words; ++i) {
        const uint8_t* p = key.data() + 4 * i;
        uint32_t k = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                     static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
        k *= kMultiplier;
        k ^= k >> kShift;
        k *= kMultiplier;
        hash *= kMultiplier;
        hash ^= k;
    }
    // The tail: Java's switch falls through from 3 to 2 to 1, and only case 1 multiplies.
    const uint8_t* tail = key.data() + 4 * words;
    switch (length % 4) {
        case 3:
            hash ^= static_cast<uint32_t>(tail[2]) << 16;
            [[fallthrough]];
        case 2:
            hash ^= static_cast<uint32_t>(tail[1]) << 8;
            [[fallthrough]];
        case 1:
            hash ^= static_cast<uint32_t>(tail[0]);
            hash *= kMultiplier;
    }
    hash ^= hash >> 13;
    hash *= kMultiplier;
    hash ^= hash >> 15;
    return static_cast<int32_t>(hash);
}

PartitionId partition_for_key(std::span<const uint8_t> key, int32_t partition_count) {
    ASSERT(partition_count > 0, "partition count {}", partition_count);
    // Utils.toPositive: clears the sign bit rather than taking an absolute value, so
    // Integer.MIN_VALUE maps to 0 instead of staying negative.
    int32_t positive = murmur2(key) & 0x7fffffff;
    return PartitionId(positive % partition_count);
}

}  // namespace brook::client
