// The small value types every part of the client library shares: a topic-partition, record
// bytes, and a record header.
//
//   TopicPartition tp{"orders", PartitionId(3)};
//   std::map<TopicPartition, Offset> positions{{tp, Offset(42)}};
//   fmt::print("{}\n", tp.to_string());                // "orders-3", as Kafka prints it
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/strong_type.h"

namespace brook::client {

using Bytes = std::vector<uint8_t>;

struct TopicPartition {
    std::string topic;
    PartitionId partition{0};

    auto operator<=>(const TopicPartition&) const = default;
    bool operator==(const TopicPartition&) const = default;
    std::string to_string() const { return fmt::format("{}-{}", topic, partition.value()); }
};

// A record header: a string key and optional bytes (Kafka's headers allow a null value).
struct Header {
    std::string key;
    std::optional<Bytes> value;
    bool operator==(const Header&) const = default;
};

// Kafka's special timestamps for ListOffsets.
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kLatestTimestamp = -1;

}  // namespace brook::client
