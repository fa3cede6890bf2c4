// What a Controller is configured with: Kafka's defaults for the session timeout, producer id
// blocks and topic defaults, the seed of topic ids, and the test-only planted bugs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace brook::controller {

// Bugs a test can plant in the controller to prove its properties find them
// (tests/controller/controller_property_test.cc). Options, not core/base/planted_bug.h
// switches, because tests drive the Controller directly in every build; production code never
// sets this field. A planted bug also turns off the controller's own assertion of the invariant
// it breaks, so that the test's property, not the assertion, has to see it.
enum class ControllerPlantedBug : uint8_t {
    none,
    // Leader election forgets to check that the new leader is unfenced.
    elect_fenced_leader,
    // Replica placement puts a partition's last replica on its leader's broker.
    place_twice_on_one_broker,
};

struct ControllerOptions {
    int64_t broker_session_timeout_ms = 9000;  // broker.session.timeout.ms
    int32_t num_partitions = 1;                // num.partitions: CreateTopics' default
    int16_t default_replication_factor = 1;    // default.replication.factor
    // Mixed into every topic id, so two clusters do not draw the same ids (e.g. a hash of the
    // cluster id). Ids depend only on it, the record's offset and the name: deterministic.
    uint64_t topic_id_seed = 0;
    ControllerPlantedBug planted_bug = ControllerPlantedBug::none;  // tests only
};

// Kafka's producer id block (ProducerIdControlManager): 1000 ids per allocation.
inline constexpr int64_t kProducerIdBlockSize = 1000;
// The metadata.version Brook bootstraps a cluster with: Kafka's 3.3-IV3, the first level at
// which BrokerRegistrationChangeRecord replaces Fence/UnfenceBrokerRecord and brokers register
// with InControlledShutdown (RegisterBrokerRecord v1), the versions Brook writes.
inline constexpr int16_t kMetadataVersionLevel = 7;

}  // namespace brook::controller

namespace brook::controller {

// The bounds the controller holds topic commands to (core/cluster/limits.h has the same for the
// node's own table, which this folder may not include).
inline constexpr std::size_t kTopicNameBytesMax = 249;  // Kafka's rule
inline constexpr int32_t kPartitionsPerTopicMax = 10000;
inline constexpr std::size_t kTopicsMax = 100000;

}  // namespace brook::controller
