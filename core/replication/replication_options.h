// What a partition's leader is configured with for its replicas: the topic's
// min.insync.replicas, replica.lag.time.max.ms, and the test-only planted bugs.
//
//   ReplicationOptions options{.self = NodeId(1), .min_insync_replicas = 2};
//   PartitionReplicas replicas(options, metadata, log_end, durable_end, high_watermark, now_ms);
#pragma once

#include <cstdint>

#include "core/base/strong_type.h"

namespace brook::replication {

// Bugs a test plants in PartitionReplicas to show that the model test of
// tests/replication/partition_replicas_model_test.cc sees them. Options rather than
// core/base/planted_bug.h switches because tests drive PartitionReplicas directly in every
// build, where those switches are compiled out (as RaftPlantedBug). Production code never sets
// this field. A planted bug also turns off the assertion of the invariant it breaks, so that the
// test's checks, not the assertion, have to see it.
enum class ReplicationPlantedBug : uint8_t {
    none,
    // The high watermark advances while the committed ISR is below min(min.insync.replicas, RF)
    // (breaks C2; Kafka before KAFKA-15583).
    advance_hw_under_min_isr,
    // A proposed shrink takes effect at once, before the controller committed it (breaks E1: the
    // high watermark can pass what a member of the committed ISR holds).
    shrink_before_commit,
    // A replica is proposed for the ISR once it fetches in the current epoch, durable or not
    // below the high watermark and the leader epoch's start (breaks E4).
    expand_before_caught_up,
};

// Kafka's replica.lag.time.max.ms default is 30 s; Brook's is 10 s, above the broker session
// timeout (KIP-537; ../shared/research/replication.md §5a "Defaults").
inline constexpr int64_t kReplicaLagTimeMaxMsDefault = 10000;

struct ReplicationOptions {
    NodeId self;                      // this broker: the partition's leader
    int32_t min_insync_replicas = 1;  // min.insync.replicas of the topic
    int64_t replica_lag_time_max_ms = kReplicaLagTimeMaxMsDefault;
    ReplicationPlantedBug planted_bug = ReplicationPlantedBug::none;  // tests only
};

}  // namespace brook::replication
