#include "core/quorum/kafka_quorum_state_store.h"

#include <catch2/catch.hpp>

#include "core/quorum/quorum_limits.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "tests/io/fiber_runner.h"

namespace brook::quorum {
namespace {

struct StoreRig {
    StoreRig() : disk(scheduler, Random(1), trace, "n1") {}

    void run(std::function<void()> body) {
        brook::testing::FiberRunner runner(scheduler);
        runner.spawn("test", std::move(body));
        runner.run(seconds(60));
    }

    void write(std::string_view path, std::string_view text) {
        REQUIRE(replace_file_durably(
                    disk, path,
                    std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()))
                    .ok());
    }

    sim::SimReactor reactor;
    Scheduler scheduler{reactor};
    sim::Trace trace;
    sim::SimDisk disk;
};

const std::vector<raft::NodeId> kVoters{raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)};

TEST_CASE("kafka quorum state store: a saved state loads back, a new node has none",
          "[quorum]") {
    StoreRig rig;
    rig.run([&] {
        KafkaQuorumStateStore store(rig.disk, "quorum-state", "cluster-a", kVoters);
        auto empty = store.load();
        REQUIRE(empty.ok());
        CHECK(!empty->has_value());
        raft::QuorumState state{LeaderEpoch(4), raft::NodeId(2), raft::NodeId(2)};
        REQUIRE(store.save(state).ok());
        auto loaded = store.load();
        REQUIRE(loaded.ok());
        REQUIRE(loaded->has_value());
        CHECK(**loaded == state);
    });
}

TEST_CASE("kafka quorum state store: another cluster's file or garbage is refused, not reset",
          "[quorum]") {
    StoreRig rig;
    rig.run([&] {
        KafkaQuorumStateStore theirs(rig.disk, "quorum-state", "cluster-b", kVoters);
        REQUIRE(theirs.save({LeaderEpoch(9), raft::NodeId(1), raft::kNoNode}).ok());
        KafkaQuorumStateStore ours(rig.disk, "quorum-state", "cluster-a", kVoters);
        auto foreign = ours.load();
        REQUIRE(!foreign.ok());
        CHECK(foreign.error().code() == ErrorCode::corruption);
        CHECK(foreign.error().describe().find("cluster-b") != std::string::npos);

        rig.write("quorum-state", "{\"leaderId\":");
        auto torn = ours.load();
        REQUIRE(!torn.ok());
        CHECK(torn.error().code() == ErrorCode::corruption);

        rig.write("quorum-state", std::string(kQuorumStateFileBytesMax + 1, ' '));
        auto oversized = ours.load();
        REQUIRE(!oversized.ok());
        CHECK(oversized.error().code() == ErrorCode::corruption);
        // Refused for its size, not merely as bad JSON (which spaces also are).
        CHECK(oversized.error().describe().find("more than the") != std::string::npos);
    });
}

TEST_CASE("kafka quorum state store: Kafka's v1 file (no cluster id) is read", "[quorum]") {
    StoreRig rig;
    rig.run([&] {
        rig.write("quorum-state",
                  "{\"leaderId\":3,\"leaderEpoch\":7,\"votedId\":3,\"appliedOffset\":0,"
                  "\"currentVoters\":null,\"data_version\":1}");
        KafkaQuorumStateStore store(rig.disk, "quorum-state", "cluster-a", kVoters);
        auto loaded = store.load();
        REQUIRE(loaded.ok());
        REQUIRE(loaded->has_value());
        CHECK(**loaded == raft::QuorumState{LeaderEpoch(7), raft::NodeId(3), raft::NodeId(3)});
    });
}

}  // namespace
}  // namespace brook::quorum
