// The consumer's embedded protocol inside the classic group protocol: the bytes a consumer puts
// in JoinGroup's protocol metadata (its Subscription) and the bytes the leader hands each
// member through SyncGroup (its Assignment). The broker never reads them; clients of every kind
// must, so the encoding is Kafka's ConsumerProtocolSubscription / ConsumerProtocolAssignment:
// an int16 version, then the version's fields, in the classic (non-flexible) encoding.
//
//   Bytes metadata = encode_subscription({.topics = {"orders"}}, kSubscriptionVersionMax);
//   TRY_ASSIGN(Subscription theirs, decode_subscription(member.metadata));
//
// Decoding follows Kafka's ConsumerProtocol: the version is read from the bytes; a version
// newer than Brook knows is read as the newest it knows (newer versions only append fields), so
// its trailing bytes are allowed; for known versions every byte must be accounted for. Anything
// malformed (a negative version, a short read, a null array) is ErrorCode::corruption.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"

namespace brook::protocol {

// Partitions by topic, each topic's partitions in the order they were listed.
using TopicPartitions = std::map<std::string, std::vector<PartitionId>>;

struct Subscription {
    std::vector<std::string> topics;
    std::optional<std::vector<uint8_t>> user_data;
    TopicPartitions owned_partitions;    // v1+: what the member holds now (cooperative assignors)
    int32_t generation_id = -1;          // v2+: the generation owned_partitions belong to
    std::optional<std::string> rack_id;  // v3+
    bool operator==(const Subscription&) const = default;
};

struct Assignment {
    TopicPartitions partitions;
    std::optional<std::vector<uint8_t>> user_data;
    bool operator==(const Assignment&) const = default;
};

inline constexpr int16_t kSubscriptionVersionMax = 3;
inline constexpr int16_t kAssignmentVersionMax = 3;

// Encodes the fields `version` has (0..kSubscriptionVersionMax); later fields are dropped.
std::vector<uint8_t> encode_subscription(const Subscription& subscription, int16_t version);
Result<Subscription> decode_subscription(std::span<const uint8_t> bytes);

// Every Assignment version (0..kAssignmentVersionMax) has the same fields.
std::vector<uint8_t> encode_assignment(const Assignment& assignment, int16_t version);
Result<Assignment> decode_assignment(std::span<const uint8_t> bytes);

}  // namespace brook::protocol
