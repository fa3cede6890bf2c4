// The bounds of the topic table and the cluster's durable metadata files, in one place.
// Configuration may lower some of them; nothing raises them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace brook::cluster {

// Topic names: Kafka's rule (legal characters [a-zA-Z0-9._-], at most 249 of them).
inline constexpr std::size_t kTopicNameBytesMax = 249;
// Partitions per topic and topics per broker: far above what one node serves, but bounded.
inline constexpr int32_t kPartitionsPerTopicMax = 10000;
inline constexpr std::size_t kTopicsMax = 100000;

// Topic metadata and other small metadata files are read whole; they never exceed this.
inline constexpr std::size_t kSmallFileBytesMax = 64 * 1024;

// Producer ids are reserved durably in blocks of this many.
inline constexpr int64_t kProducerIdBlock = 1000;

}  // namespace brook::cluster
