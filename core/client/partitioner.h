// The partition of a keyed record, exactly as Kafka's Java client picks it (its default
// partitioner, and librdkafka's `murmur2_random`): murmur2 of the key bytes with seed
// 0x9747b28c, the sign bit cleared, modulo the partition count. Same key, same partition, in
// Brook, Java and librdkafka producers alike.
//
//   PartitionId p = partition_for_key(key_bytes, /*partition_count=*/6);
//
// Records without a key are not hashed (the producer spreads them: sticky or round robin).
#pragma once

#include <cstdint>
#include <span>

#include "core/base/strong_type.h"

namespace brook::client {

// Kafka's Utils.murmur2: MurmurHash2 computed in Java's signed 32-bit arithmetic.
int32_t murmur2(std::span<const uint8_t> key);

// toPositive(murmur2(key)) % partition_count. partition_count must be positive.
PartitionId partition_for_key(std::span<const uint8_t> key, int32_t partition_count);

}  // namespace brook::client
