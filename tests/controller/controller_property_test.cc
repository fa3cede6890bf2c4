// Properties of the controller under a seeded random workload of registrations, heartbeats
// (some asking to be fenced or to shut down), silences that expire sessions, ticks, topic and
// partition commands, config changes, producer id allocations and unregistrations:
//   (b) a follower that applies the controller's records at their offsets has the controller's
//       image, and so does a controller rebuilt from the log or from a snapshot of the image;
//   (c) a new topic's replicas are all brokers that may lead (replica_placer_test.cc checks
//       the placement's balance and racks);
//   (d) after every step no partition is led by a broker that may not lead, every leader is in
//       its ISR, the ISR is inside the replicas and the replicas are distinct;
//   producer id blocks never overlap, and the same seed writes the same log, byte for byte.
// The negative test plants a bug in the election and requires the properties to see it.
#include <fmt/format.h>
#include <rapidcheck.h>

#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/controller/controller.h"
#include "core/metadata/metadata_record_codec.h"
#include "core/metadata/metadata_snapshot.h"
#include "tests/bounded_property.h"
#include "tests/controller/controller_harness.h"

namespace brook::controller {
namespace {

using metadata::MetadataImage;
using testing::ControllerHarness;

// The workload's own dice: splitmix64, integers only.
class Dice {
public:
    explicit Dice(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int bound) { return static_cast<int>(next() % static_cast<uint64_t>(bound)); }
    bool chance(int per_mille) { return below(1000) < per_mille; }

private:
    uint64_t state_;
};

// Why the image breaks property (d), or nullopt.
std::optional<std::string> leadership_problem(const MetadataImage& image) {
    for (const auto& [id, topic] : image.topics()) {
        for (const auto& [partition, state] : topic.partitions) {
            if (auto problem = metadata::partition_state_problem(state)) {
                return topic.name + ": " + *problem;
            }
            if (state.leader == metadata::kNoLeader) continue;
            const metadata::BrokerRegistration* leader = image.broker(state.leader);
            if (leader == nullptr || !leader->active()) {
                return fmt::format("{}-{} led by {}, which may not lead", topic.name, partition,
                                   state.leader);
            }
        }
    }
    return std::nullopt;
}

const std::string kTopics[] = {"orders", "audit", "clicks", "a.b", "a_b"};

// One random step of the workload; what it saw wrong, if anything.
std::optional<std::string> step(ControllerHarness& cluster, Dice& dice) {
    const int broker = 1 + dice.below(6);
    const std::string& topic = kTopics[dice.below(5)];
    switch (dice.below(11)) {
        case 0: {
            static const std::optional<std::string> kRacks[] = {std::nullopt, "a", "b", "c"};
            cluster.register_broker(broker, kRacks[dice.below(4)], dice.below(2));
            break;
        }
        case 1:
        case 2:
        case 3:
            cluster.heartbeat(broker, dice.chance(100), dice.chance(80));
            break;
        case 4:
            cluster.now_ms += dice.below(7000);
            break;
        case 5:
            cluster.tick();
            break;
        case 6: {
            // (c) in the controller: a new topic's replicas are all brokers that may lead, so
            // its ISR is all of them.
            auto created = cluster.create_topic(topic, 1 + dice.below(8),
                                                static_cast<int16_t>(1 + dice.below(4)));
            if (created.error != KafkaError::none) break;
            for (const auto& [id, state] : cluster.controller.image().topic(topic)->partitions) {
                if (state.isr != state.replicas)
                    return topic + " placed on a broker out of service";
            }
            break;
        }
        case 7:
            cluster.commit(cluster.controller.delete_topics({{topic}}));
            break;
        case 8: {
            const metadata::TopicImage* image = cluster.controller.image().topic(topic);
            int32_t count = image == nullptr ? 1 : static_cast<int32_t>(image->partitions.size());
            cluster.commit(
                cluster.controller.create_partitions({topic, count + 1 + dice.below(3)}));
            break;
        }
        case 9: {
            AlterConfigsCommand alter{
                metadata::ConfigResourceType::topic,
                topic,
                {{"retention.ms", dice.chance(500) ? ConfigOperation::set : ConfigOperation::remove,
                  std::to_string(dice.below(100000))}}};
            cluster.commit(cluster.controller.alter_configs(alter));
            break;
        }
        default:
            if (dice.chance(100)) {
                cluster.commit(cluster.controller.unregister_broker({NodeId(broker)}));
            } else if (const auto* registration =
                           cluster.controller.image().broker(NodeId(broker))) {
                cluster.commit(cluster.controller.allocate_producer_ids(
                    {NodeId(broker), registration->epoch}));
            }
            break;
    }
    return std::nullopt;
}

// Runs the workload; the first violation found, or nullopt.
std::optional<std::string> run_workload(uint64_t seed, int steps, ControllerPlantedBug bug) {
    Dice dice(seed);
    ControllerHarness cluster(ControllerOptions{.topic_id_seed = seed, .planted_bug = bug});
    for (int i = 0; i < steps; ++i) {
        const ProducerId next_producer_id = cluster.controller.image().next_producer_id();
        if (auto problem = step(cluster, dice)) return problem;
        if (!cluster.problem.empty()) return "a record did not replay: " + cluster.problem;
        if (!(cluster.follower == cluster.controller.image())) return "the follower differs";
        if (auto problem = leadership_problem(cluster.controller.image())) return problem;
        if (cluster.controller.image().next_producer_id() < next_producer_id) {
            return "producer ids went back";
        }
    }
    // Rebuilt from a snapshot of the image: the same image.
    const MetadataImage& image = cluster.controller.image();
    auto rebuilt = metadata::decode_snapshot(metadata::encode_snapshot(image), cluster.next_offset);
    if (!rebuilt.ok()) return "snapshot: " + rebuilt.error().describe();
    if (!(*rebuilt == image)) return "the snapshot's image differs";
    return std::nullopt;
}

TEST_CASE("controller properties: followers agree, leaders are live and in their ISR") {
    brook::testing::bounded_property("controller workload", 60, [] {
        const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
        const int steps = *rc::gen::inRange(1, 300);
        auto violation = run_workload(seed, steps, ControllerPlantedBug::none);
        RC_LOG() << "seed " << seed << " steps " << steps;
        RC_ASSERT(!violation.has_value());
    });
}

TEST_CASE("controller properties: a controller rebuilt from the log is the same controller") {
    Dice dice(7);
    ControllerHarness cluster;
    for (int i = 0; i < 300; ++i) REQUIRE_FALSE(step(cluster, dice));
    // A controller started from a snapshot of the image, and one that replayed the image as
    // records, have its image; all three answer the next command with the same records.
    auto snapshot = metadata::decode_snapshot(metadata::encode_snapshot(cluster.controller.image()),
                                              cluster.next_offset);
    REQUIRE(snapshot.ok());
    Controller from_snapshot(ControllerOptions{}, *snapshot);
    REQUIRE(from_snapshot.image() == cluster.controller.image());
    Controller rebuilt(ControllerOptions{});
    for (const MetadataRecord& record : cluster.controller.image().to_records()) {
        REQUIRE(rebuilt.replay({record}, rebuilt.image().applied_offset() + 1).ok());
    }
    REQUIRE(rebuilt.image().topics() == cluster.controller.image().topics());
    REQUIRE(rebuilt.image().brokers() == cluster.controller.image().brokers());
    CreateTopicsCommand command{{{"fresh", 6, 2}}};
    auto expected = cluster.controller.create_topics(command, cluster.next_offset).records;
    REQUIRE(rebuilt.create_topics(command, cluster.next_offset).records == expected);
    REQUIRE(from_snapshot.create_topics(command, cluster.next_offset).records == expected);
    REQUIRE_FALSE(expected.empty());
}

TEST_CASE("controller properties: the same seed writes the same log") {
    auto log_of = [](uint64_t seed) {
        Dice dice(seed);
        ControllerHarness cluster(ControllerOptions{.topic_id_seed = seed});
        for (int i = 0; i < 300; ++i) REQUIRE_FALSE(step(cluster, dice));
        std::vector<uint8_t> bytes;
        for (const MetadataRecord& record : cluster.log) {
            std::vector<uint8_t> encoded = metadata::encode_record(record);
            bytes.insert(bytes.end(), encoded.begin(), encoded.end());
        }
        return bytes;
    };
    for (uint64_t seed : {1, 2, 3}) {
        std::vector<uint8_t> first = log_of(seed);
        REQUIRE(first.size() > 1000);
        REQUIRE(log_of(seed) == first);
        REQUIRE(log_of(seed + 100) != first);
    }
}

TEST_CASE("controller properties: a planted election bug is seen") {
    int seen = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        if (run_workload(seed, 300, ControllerPlantedBug::elect_fenced_leader)) ++seen;
    }
    INFO(seen << " of 40 seeds saw the fenced leader");
    REQUIRE(seen > 0);
}

}  // namespace
}  // namespace brook::controller
