// The records of the `__consumer_offsets` topic, in Kafka's own key and value layouts, so tools
// that read Kafka's offsets topic (kafka-console-consumer with the offsets formatter) can read
// Brook's. Every key and value starts with an int16 version:
//
//   key v0/v1  OffsetCommitKey     group, topic, partition          value v3: OffsetCommitValue
//   key v2     GroupMetadataKey    group                            value v3: GroupMetadataValue
//
// A null value is a tombstone: the offset (or the whole group) is gone. Strings are int16-length
// prefixed, bytes int32-length prefixed, as in Kafka's non-flexible encoding.
//
//   Bytes key = encode_offset_key({"app", "orders", PartitionId(3)});
//   Bytes value = encode_offset_value({Offset(42), -1, "", 1'800'000'000'000});
//   TRY_ASSIGN(OffsetsRecordKey decoded, decode_key(key));
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"

namespace brook::group {

using Bytes = std::vector<uint8_t>;

struct OffsetKey {
    std::string group;
    std::string topic;
    PartitionId partition{0};
    auto operator<=>(const OffsetKey&) const = default;
};

struct GroupKey {
    std::string group;
    bool operator==(const GroupKey&) const = default;
};

using OffsetsRecordKey = std::variant<OffsetKey, GroupKey>;

struct CommittedOffset {
    Offset offset{-1};
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp_ms = 0;
    bool operator==(const CommittedOffset&) const = default;
};

struct StoredMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout_ms = 0;
    int32_t session_timeout_ms = 0;
    Bytes subscription;
    Bytes assignment;
    bool operator==(const StoredMember&) const = default;
};

struct GroupMetadata {
    std::string protocol_type;
    int32_t generation = 0;
    std::optional<std::string> protocol_name;
    std::optional<std::string> leader;
    int64_t state_timestamp_ms = -1;
    std::vector<StoredMember> members;
    bool operator==(const GroupMetadata&) const = default;
};

Bytes encode_offset_key(const OffsetKey& key);
Bytes encode_group_key(const GroupKey& key);
Bytes encode_offset_value(const CommittedOffset& value);
Bytes encode_group_value(const GroupMetadata& value);

// corruption for an unknown version or a truncated field.
Result<OffsetsRecordKey> decode_key(std::span<const uint8_t> bytes);
// Value versions 0-3 of OffsetCommitValue (Kafka's older layouts included).
Result<CommittedOffset> decode_offset_value(std::span<const uint8_t> bytes);
// Value versions 0-3 of GroupMetadataValue.
Result<GroupMetadata> decode_group_value(std::span<const uint8_t> bytes);

// Kafka's partition of a group in the offsets topic: abs(Java String.hashCode(group)) % count,
// with Java's hash over UTF-16 code units and Kafka's abs (the sign bit masked off).
PartitionId offsets_partition_for(std::string_view group, int32_t partition_count);

}  // namespace brook::group
