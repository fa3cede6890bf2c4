// A seeded pseudo-random source (xoshiro256**), identical on every machine and compiler.
//
//   Random random(seed);
//   uint64_t pick = random.uniform(10);           // 0..9, unbiased
//   if (random.chance(1, 1000)) inject_fault();   // integer odds, no floating point
//   Random network_random = random.fork();        // an independent sub-stream
//
// Decisions use integers only: <random>'s distributions differ between standard libraries and
// would break replay of a seed. Production seeds it once from the OS (tools/); the simulator
// derives every stream from the run's seed.
#pragma once

#include <cstdint>

namespace brook {

// The unit of fault odds: "ppm" fields count chances in a million.
inline constexpr uint32_t kPartsPerMillion = 1'000'000;

class Random {
public:
    explicit Random(uint64_t seed);

    uint64_t next();

    // Uniform in [0, bound); bound must be > 0.
    uint64_t uniform(uint64_t bound);

    // Uniform in [low, high] inclusive.
    int64_t between(int64_t low, int64_t high);

    // True with probability numerator/denominator.
    bool chance(uint64_t numerator, uint64_t denominator);

    // A new generator seeded from this one; drawing from either does not disturb the other.
    Random fork();

private:
    uint64_t state_[4];
};

// splitmix64: the standard way to spread one seed over many independent seeds.
uint64_t mix_seed(uint64_t value);

}  // namespace brook
