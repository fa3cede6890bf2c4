#include "core/io/random.h"

#include "core/base/check.h"

namespace brook {
namespace {
uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t mix_seed(uint64_t value) {
    uint64_t z = value + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Random::Random(uint64_t seed) {
    for (uint64_t& word : state_) {
        seed = mix_seed(seed);
        word = seed;
    }
}

uint64_t Random::next() {
    uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotate_left(state_[3], 45);
    return result;
}

uint64_t Random::uniform(uint64_t bound) {
    ASSERT(bound > 0);
    // Lemire's multiply-shift with rejection: unbiased and usually one multiplication.
    unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
    uint64_t low = static_cast<uint64_t>(product);
    if (low < bound) {
        uint64_t threshold = -bound % bound;
        while (low < threshold) {
            product = static_cast<unsigned __int128>(next()) * bound;
            low = static_cast<uint64_t>(product);
        }
    }
    return static_cast<uint64_t>(product >> 64);
}

int64_t Random::between(int64_t low, int64_t high) {
    ASSERT(low <= high);
    uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
    if (span == UINT64_MAX) return static_cast<int64_t>(next());
    return static_cast<int64_t>(static_cast<uint64_t>(low) + uniform(span + 1));
}

bool Random::chance(uint64_t numerator, uint64_t denominator) {
    ASSERT(denominator > 0 && numerator <= denominator);
    if (numerator == 0) return false;
    return uniform(denominator) < numerator;
}

Random Random::fork() { return Random(next()); }

}  // namespace brook
