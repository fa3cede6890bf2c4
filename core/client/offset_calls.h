// The offset calls both the consumer and the admin client make: ListOffsets for many
// partitions (one request per leader), and a group's OffsetCommit and OffsetFetch at its
// coordinator.
//
//   TRY_ASSIGN(auto ends, list_offsets(cluster, {{tp, kLatestTimestamp}}, deadline));
//   TRY_ASSIGN(auto results, commit_offsets(cluster, "billing", GroupGeneration{}, offsets,
//   deadline)); TRY_ASSIGN(GroupOffsets committed, fetch_committed(cluster, "billing",
//   std::nullopt, deadline));
//
// A Result error means a call could not be made; per-partition Kafka errors are in the items.
// Coordinator errors (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...) and stale leaders are
// retried until the deadline.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/client/cluster.h"
#include "core/client/topic_partition.h"

namespace brook::client {

struct ListedOffset {
    TopicPartition tp;
    KafkaError error = KafkaError::none;
    Offset offset{-1};
    int64_t timestamp_ms = -1;
};

struct CommittedOffset {
    Offset offset{-1};  // -1: nothing committed
    std::optional<std::string> metadata;
    KafkaError error = KafkaError::none;
};

struct GroupOffsets {
    std::string group_id;
    KafkaError error = KafkaError::none;
    std::map<TopicPartition, CommittedOffset> offsets;
};

// The group membership commits are made under. Assign mode (the default) commits as the Java
// client does for it: generation -1, empty member id.
struct GroupGeneration {
    int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
};

// ListOffsets: per partition, kEarliestTimestamp, kLatestTimestamp or a time in ms. Items in
// the order of `query`. May suspend.
Result<std::vector<ListedOffset>> list_offsets(Cluster& cluster,
                                               const std::map<TopicPartition, int64_t>& query,
                                               Instant deadline);

// OffsetCommit to the group's coordinator; the Kafka error of each partition. May suspend.
Result<std::map<TopicPartition, KafkaError>> commit_offsets(
    Cluster& cluster, const std::string& group_id, const GroupGeneration& generation,
    const std::map<TopicPartition, Offset>& offsets, Instant deadline);

// OffsetFetch from the group's coordinator: the partitions given, or (nullopt) all the group
// committed. May suspend.
Result<GroupOffsets> fetch_committed(Cluster& cluster, const std::string& group_id,
                                     const std::optional<std::vector<TopicPartition>>& partitions,
                                     Instant deadline);

}  // namespace brook::client
