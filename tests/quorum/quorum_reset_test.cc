#include "core/quorum/quorum_reset.h"

#include <catch2/catch.hpp>

#include "core/quorum/kafka_quorum_state_store.h"
#include "core/quorum/metadata_log.h"
#include "core/quorum/quorum_limits.h"
#include "core/quorum/quorum_node.h"
#include "scenarios/simulated_quorum.h"
#include "sim/simulation.h"
#include "tests/quorum/memory_quorum_channel.h"

namespace brook::quorum {
namespace {

const std::string kClusterA = "cluster-a";
// Where core/node's QuorumMember keeps them, and so where the reset must look (spelled out
// here, not taken from quorum_reset.h, so that a change there fails this test).
const std::string kLogDirectory = "__cluster_metadata-0";
const std::string kStatePath = "__cluster_metadata-0/quorum-state";
const std::vector<raft::NodeId> kOldVoters{raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)};

// What node 1 of a three-voter quorum holds after voters 2 and 3 are gone for good: voted for 2
// and followed it in epoch 5, ten entries of epochs 1 to 5 in its log. May suspend.
void leave_survivor_state(Environment& env) {
    NullLogSink sink;
    auto opened = MetadataLog::open(env.disk, Logger(sink, "log"), kLogDirectory, {});
    REQUIRE(opened.ok());
    KafkaQuorumStateStore store(env.disk, kStatePath, kClusterA, kOldVoters);
    REQUIRE(store.save({LeaderEpoch(5), raft::NodeId(2), raft::NodeId(2)}).ok());
    std::vector<raft::Entry> entries;
    for (int64_t offset = 0; offset < 10; ++offset) {
        entries.push_back({Offset(offset), LeaderEpoch(1 + static_cast<int32_t>(offset / 2)),
                           raft::EntryKind::data, fmt::format("record{}", offset)});
    }
    REQUIRE(opened->log->append(entries).ok());
    REQUIRE(opened->log->sync().ok());
}

Result<QuorumReset> reset_to(Environment& env, std::vector<raft::NodeId> voters,
                             std::string cluster = kClusterA) {
    NullLogSink sink;
    return unsafe_reset_quorum(env.disk, Logger(sink, "reset"),
                               {.self = raft::NodeId(1), .cluster_id = cluster,
                                .voters = std::move(voters)});
}

std::string file_text(Environment& env) {
    auto text = read_small_file(env.disk, kStatePath, kQuorumStateFileBytesMax);
    REQUIRE(text.ok());
    REQUIRE(text->has_value());
    return **text;
}

TEST_CASE("quorum reset: refuses a voter set without this node, a foreign file, no file",
          "[quorum]") {
    sim::Simulation sim(1);
    bool done = false;
    sim.add_process("q1", [&](Environment& env) {
        auto missing = reset_to(env, {raft::NodeId(1)});
        REQUIRE(!missing.ok());
        CHECK(missing.error().code() == ErrorCode::not_found);
        leave_survivor_state(env);
        std::string before = file_text(env);
        auto without_self = reset_to(env, {raft::NodeId(2)});
        REQUIRE(!without_self.ok());
        CHECK(without_self.error().code() == ErrorCode::invalid_argument);
        auto twice = reset_to(env, {raft::NodeId(1), raft::NodeId(1)});
        REQUIRE(!twice.ok());
        CHECK(twice.error().code() == ErrorCode::invalid_argument);
        auto foreign = reset_to(env, {raft::NodeId(1)}, "cluster-b");
        REQUIRE(!foreign.ok());
        CHECK(foreign.error().code() == ErrorCode::corruption);
        CHECK(file_text(env) == before);  // every refusal leaves the file as it was
        done = true;
    });
    sim.run_for(seconds(10));
    CHECK(done);
}

TEST_CASE("quorum reset: the lone survivor of three voters leads a quorum of one and keeps "
          "its log",
          "[quorum]") {
    sim::Simulation sim(7);
    testing::MemoryQuorumNetwork network(sim);
    std::vector<std::string> applied;
    std::optional<QuorumReset> reset;
    LeaderEpoch led_in(0);
    sim.add_process("q1", [&](Environment& env) {
        leave_survivor_state(env);
        auto done = reset_to(env, {raft::NodeId(1)});
        REQUIRE(done.ok());
        reset = *done;
        CHECK(file_text(env).find("\"currentVoters\":[{\"voterId\":1}]") != std::string::npos);

        // The node restarted with controller.quorum.voters=1@...: what `brook serve` then runs.
        std::vector<raft::NodeId> voters{raft::NodeId(1)};
        testing::MemoryQuorumChannel channel(network, raft::NodeId(1), env.scheduler);
        KafkaQuorumStateStore store(env.disk, kStatePath, kClusterA, voters);
        auto loaded = store.load();
        REQUIRE(loaded.ok());
        CHECK(**loaded == reset->after.state);
        QuorumCallbacks callbacks{
            .apply = [&](const raft::Entry& entry) {
                if (entry.kind == raft::EntryKind::data) applied.push_back(entry.data);
            },
            .load_snapshot = [](const raft::Snapshot&) {},
            .create_snapshot = [] { return std::string(); },
        };
        QuorumNodeOptions options =
            scenarios::simulated_quorum_options(raft::NodeId(1), voters, kClusterA, 11);
        options.directory = kLogDirectory;
        auto node = QuorumNode::open(env, channel, store, options, std::move(callbacks));
        REQUIRE(node.ok());
        env.scheduler.spawn("leader-watch", [&] {
            while ((*node)->raft().role() != raft::Role::leader || applied.size() < 10) {
                env.clock.sleep_for(milliseconds(10));
            }
            led_in = (*node)->raft().epoch();
            (*node)->stop();
        });
        REQUIRE((*node)->run().ok());
    });
    sim.run_for(seconds(30));

    REQUIRE(reset.has_value());
    CHECK(reset->before.state == raft::QuorumState{LeaderEpoch(5), raft::NodeId(2), raft::NodeId(2)});
    CHECK(reset->before.voters == kOldVoters);
    CHECK(reset->after.state == raft::QuorumState{LeaderEpoch(6), raft::kNoNode, raft::kNoNode});
    CHECK(reset->after.voters == std::vector<raft::NodeId>{raft::NodeId(1)});
    CHECK(reset->log_end_offset == Offset(10));
    CHECK(reset->last_log_epoch == LeaderEpoch(5));
    CHECK(led_in > LeaderEpoch(6));
    std::vector<std::string> expected;
    for (int i = 0; i < 10; ++i) expected.push_back(fmt::format("record{}", i));
    CHECK(applied == expected);
}

}  // namespace
}  // namespace brook::quorum
