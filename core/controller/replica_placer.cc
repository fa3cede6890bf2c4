#include "core/controller/replica_placer.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/base/check.h"

namespace brook::controller {
namespace {

// The brokers striped over their racks: the first broker of each rack, then the second of
// each, and so on; racks in name order (no rack first), brokers in id order.
std::vector<PlacementBroker> striped_ring(const std::vector<PlacementBroker>& brokers) {
    std::map<std::optional<std::string>, std::vector<NodeId>> racks;
    for (const PlacementBroker& broker : brokers) racks[broker.rack].push_back(broker.id);
    std::size_t deepest = 0;
    for (auto& [rack, ids] : racks) {
        std::sort(ids.begin(), ids.end());
        deepest = std::max(deepest, ids.size());
    }
    std::vector<PlacementBroker> ring;
    for (std::size_t depth = 0; depth < deepest; ++depth) {
        for (const auto& [rack, ids] : racks) {
            if (depth < ids.size()) ring.push_back({ids[depth], rack});
        }
    }
    return ring;
}

// The ring slots of one partition's replicas, from `start`: one per unused rack first, then the
// rest in ring order.
std::vector<std::size_t> pick_slots(const std::vector<PlacementBroker>& ring, std::size_t start,
                                    std::size_t count) {
    std::vector<std::size_t> slots;
    std::set<std::optional<std::string>> racks_used;
    for (std::size_t step = 0; step < ring.size() && slots.size() < count; ++step) {
        std::size_t slot = (start + step) % ring.size();
        if (racks_used.insert(ring[slot].rack).second) slots.push_back(slot);
    }
    for (std::size_t step = 0; step < ring.size() && slots.size() < count; ++step) {
        std::size_t slot = (start + step) % ring.size();
        if (std::find(slots.begin(), slots.end(), slot) == slots.end()) slots.push_back(slot);
    }
    return slots;
}

}  // namespace

std::vector<std::vector<NodeId>> place_replicas(const std::vector<PlacementBroker>& brokers,
                                                const PlacementRequest& request,
                                                ControllerPlantedBug planted_bug) {
    ASSERT(request.replication_factor >= 1 &&
               static_cast<std::size_t>(request.replication_factor) <= brokers.size(),
           "replication factor {} over {} brokers", request.replication_factor, brokers.size());
    ASSERT(request.first_partition >= 0 && request.partitions >= 0, "partitions {}+{}",
           request.first_partition, request.partitions);
    const std::vector<PlacementBroker> ring = striped_ring(brokers);
    const std::size_t size = ring.size();
    const std::size_t replication_factor = static_cast<std::size_t>(request.replication_factor);
    std::map<NodeId, int32_t> leaderships;
    std::vector<std::vector<NodeId>> placement;
    for (int32_t i = 0; i < request.partitions; ++i) {
        uint64_t partition = static_cast<uint64_t>(request.first_partition) + i;
        std::size_t start =
            (request.rotation % size + (partition % size) * replication_factor) % size;
        std::vector<std::size_t> slots = pick_slots(ring, start, replication_factor);
        ASSERT(slots.size() == replication_factor, "placed {} of {}", slots.size(),
               replication_factor);
        std::vector<NodeId> replicas;
        for (std::size_t slot : slots) replicas.push_back(ring[slot].id);
        // The replica leading the fewest so far leads, the earliest on a tie; it moves to the
        // front and the others keep their order.
        auto leader = std::min_element(replicas.begin(), replicas.end(), [&](NodeId a, NodeId b) {
            return leaderships[a] < leaderships[b];
        });
        std::rotate(replicas.begin(), leader, leader + 1);
        ++leaderships[replicas.front()];
        if (planted_bug == ControllerPlantedBug::place_twice_on_one_broker &&
            replicas.size() >= 2) {
            replicas.back() = replicas.front();
        }
        placement.push_back(std::move(replicas));
    }
    return placement;
}

}  // namespace brook::controller
