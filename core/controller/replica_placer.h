// Where a topic's new partitions go: which brokers hold each replica, and which one leads.
// Kafka's StripedReplicaPlacer idea, made exactly even and deterministic:
//
//   std::vector<PlacementBroker> brokers = {{NodeId(1), "a"}, {NodeId(2), "b"}, {NodeId(3), "a"}};
//   auto replicas = place_replicas(brokers, {.first_partition = 0, .partitions = 6,
//                                            .replication_factor = 2, .rotation = 17});
//   // replicas[p][0] leads partition p
//
// The brokers are striped over their racks (racks by name, brokers by id within a rack, one of
// each rack in turn) into one ring. Partition p takes the replicas of ring slots
// rotation + p * replication_factor onwards: first one broker of each rack not yet used, then
// the rest in ring order, so every rack is used before any twice. Of its replicas, the one that
// leads the fewest of this call's partitions so far leads it. Without racks that is a window of
// consecutive slots, and then each broker holds within one of every other's share of the
// replicas, and of the leaders (tests/controller/replica_placer_test.cc checks it exhaustively
// for small clusters). A broker without a rack is in a rack of its own kind: with no racks set
// anywhere, all brokers share one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/strong_type.h"
#include "core/controller/controller_options.h"

namespace brook::controller {

struct PlacementBroker {
    NodeId id;
    std::optional<std::string> rack;
};

struct PlacementRequest {
    int32_t first_partition = 0;  // the id of the first new partition
    int32_t partitions = 0;       // how many to place
    int16_t replication_factor = 1;
    uint64_t rotation = 0;  // where in the ring partition 0 starts (e.g. a hash of the topic)
};

// One replica list per new partition, its leader first. Preconditions: the brokers are
// distinct, and 1 <= replication_factor <= brokers.size().
std::vector<std::vector<NodeId>> place_replicas(
    const std::vector<PlacementBroker>& brokers, const PlacementRequest& request,
    ControllerPlantedBug planted_bug = ControllerPlantedBug::none);

}  // namespace brook::controller
