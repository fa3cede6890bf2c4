#include "core/controller/replica_placer.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

namespace brook::controller {
namespace {

std::vector<PlacementBroker> brokers_without_racks(int count) {
    std::vector<PlacementBroker> brokers;
    for (int id = 1; id <= count; ++id) brokers.push_back({NodeId(id), std::nullopt});
    return brokers;
}

bool replicas_distinct(const std::vector<NodeId>& replicas) {
    return std::set<NodeId>(replicas.begin(), replicas.end()).size() == replicas.size();
}

// Max minus min of the counts over every broker (brokers with none count as 0).
int spread(const std::vector<PlacementBroker>& brokers, const std::map<NodeId, int>& counts) {
    int low = 1 << 30, high = 0;
    for (const PlacementBroker& broker : brokers) {
        auto found = counts.find(broker.id);
        int count = found == counts.end() ? 0 : found->second;
        low = std::min(low, count);
        high = std::max(high, count);
    }
    return high - low;
}

struct Balance {
    bool distinct = true;
    int replica_spread = 0;
    int leader_spread = 0;
};

Balance balance_of(const std::vector<PlacementBroker>& brokers, const PlacementRequest& request,
                   ControllerPlantedBug planted_bug = ControllerPlantedBug::none) {
    std::map<NodeId, int> replicas, leaders;
    Balance balance;
    for (const auto& partition : place_replicas(brokers, request, planted_bug)) {
        balance.distinct = balance.distinct && replicas_distinct(partition) &&
                           partition.size() == static_cast<std::size_t>(request.replication_factor);
        ++leaders[partition.front()];
        for (NodeId replica : partition) ++replicas[replica];
    }
    balance.replica_spread = spread(brokers, replicas);
    balance.leader_spread = spread(brokers, leaders);
    return balance;
}

TEST_CASE("replica placer: without racks, replicas and leaders are even within one") {
    // Every cluster of up to 8 brokers, every replication factor, up to 30 partitions, every
    // rotation and first partition of a few.
    for (int count = 1; count <= 8; ++count) {
        auto brokers = brokers_without_racks(count);
        for (int16_t factor = 1; factor <= count; ++factor) {
            for (int32_t partitions = 1; partitions <= 30; ++partitions) {
                for (uint64_t rotation = 0; rotation < 3; ++rotation) {
                    for (int32_t first : {0, 5}) {
                        Balance balance =
                            balance_of(brokers, {first, partitions, factor, rotation});
                        INFO(count << " brokers, rf " << factor << ", " << partitions
                                   << " partitions from " << first << ", rotation " << rotation);
                        REQUIRE(balance.distinct);
                        REQUIRE(balance.replica_spread <= 1);
                        REQUIRE(balance.leader_spread <= 1);
                    }
                }
            }
        }
    }
}

TEST_CASE("replica placer: the same inputs give the same placement") {
    auto brokers = brokers_without_racks(5);
    PlacementRequest request{0, 12, 3, 42};
    REQUIRE(place_replicas(brokers, request) == place_replicas(brokers, request));
    std::reverse(brokers.begin(), brokers.end());  // the order the brokers come in does not matter
    REQUIRE(place_replicas(brokers, request) == place_replicas(brokers_without_racks(5), request));
}

TEST_CASE("replica placer: every rack is used before any is used twice") {
    rc::prop("racks first", [] {
        const int broker_count = *rc::gen::inRange(1, 10);
        const int rack_count = *rc::gen::inRange(1, broker_count + 1);
        std::vector<PlacementBroker> brokers;
        for (int id = 0; id < broker_count; ++id) {
            // Every rack gets a broker, the rest go anywhere.
            int rack = id < rack_count ? id : *rc::gen::inRange(0, rack_count);
            brokers.push_back({NodeId(id * 3 + 1), "rack-" + std::to_string(rack)});
        }
        const int16_t factor =
            *rc::gen::inRange<int16_t>(1, static_cast<int16_t>(broker_count + 1));
        PlacementRequest request{*rc::gen::inRange(0, 20), *rc::gen::inRange(1, 40), factor,
                                 *rc::gen::arbitrary<uint64_t>()};
        std::map<NodeId, std::string> rack_of;
        for (const PlacementBroker& broker : brokers) rack_of[broker.id] = *broker.rack;
        for (const auto& partition : place_replicas(brokers, request)) {
            RC_ASSERT(replicas_distinct(partition));
            RC_ASSERT(partition.size() == static_cast<std::size_t>(factor));
            std::set<std::string> racks;
            for (NodeId replica : partition) racks.insert(rack_of.at(replica));
            RC_ASSERT(racks.size() == std::min<std::size_t>(factor, rack_count));
        }
    });
}

TEST_CASE("replica placer: the planted bug puts two replicas on one broker, and is seen") {
    auto brokers = brokers_without_racks(4);
    Balance balance =
        balance_of(brokers, {0, 4, 3, 0}, ControllerPlantedBug::place_twice_on_one_broker);
    REQUIRE_FALSE(balance.distinct);
}

}  // namespace
}  // namespace brook::controller
