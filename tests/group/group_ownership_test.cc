// The coordinator in KRaft mode (CoordinatorConfig::placed_by_partition_leaders): it serves the
// groups of the offsets partitions it was elected for, loads them from their logs, and drops
// them on resignation. Offsets are first committed by a single-node coordinator (which owns
// every partition) over the same topic table, as a previous leader would have left them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "core/cluster/topic_manager.h"
#include "core/group/group_coordinator.h"
#include "sim/simulation.h"
#include "tests/io/fiber_runner.h"

namespace brook::group {
namespace {

constexpr int32_t kPartitions = 3;
const std::vector<std::string> kGroups = {"alpha", "bravo",   "charlie", "delta",
                                          "echo",  "foxtrot", "golf",    "hotel"};

CoordinatorConfig config_of(bool kraft) {
    CoordinatorConfig config;
    config.limits.initial_rebalance_delay = seconds(3);
    config.limits.min_session_timeout = milliseconds(100);
    config.offsets_partitions = kPartitions;
    config.placed_by_partition_leaders = kraft;
    return config;
}

// A standalone consumer's commit (no member, no generation) of `offset` for orders-0.
CommitInput standalone_commit(int64_t offset) {
    CommitInput input;
    input.offsets.push_back({{"orders", PartitionId(0)}, {Offset(offset), -1, "", 0}});
    return input;
}

struct OwnershipRig {
    OwnershipRig() : sim(7) {
        sim.add_process("n1", [this](Environment& env) { node_env = &env; });
    }

    // Runs `body` in a fiber, given the node's topic table (created and loaded in that fiber).
    void run(const std::function<void(cluster::TopicManager&)>& body) {
        brook::testing::FiberRunner fibers(sim.scheduler());
        runner = &fibers;
        fibers.spawn("test", [&] {
            REQUIRE(node_env != nullptr);
            cluster::TopicManager topics(*node_env, NodeId(1), log_defaults);
            REQUIRE(topics.load().ok());
            body(topics);
            REQUIRE(topics.close_all().ok());
        });
        fibers.run(seconds(600));
        runner = nullptr;
    }

    // Offsets committed for every group by a single node, then `body` with a KRaft-mode
    // coordinator over the same topic table, loaded and owning no partition yet.
    void run_kraft(const std::function<void(cluster::TopicManager&, GroupCoordinator&)>& body,
                   CoordinatorConfig config = config_of(true)) {
        run([&](cluster::TopicManager& topics) {
            commit_everywhere(topics, 100);
            GroupCoordinator groups(*node_env, config, topics);
            REQUIRE(groups.load().ok());
            body(topics, groups);
            groups.stop();  // answers what is parked and ends a timers fiber
            // The coordinator dies with this scope: its timers fiber must have returned first.
            while (timers_running) sim.scheduler().yield();
        });
    }

    // Runs the coordinator's timers in a fiber that run_kraft() waits for before the end.
    void spawn_timers(GroupCoordinator& groups) {
        timers_running = true;
        spawn("timers", [this, &groups] {
            groups.run_timers();
            timers_running = false;
        });
    }

    void spawn(std::string name, std::function<void()> body) {
        runner->spawn(std::move(name), std::move(body));
    }
    void sleep(Duration duration) { brook::testing::sleep_for(sim.scheduler(), duration); }

    // Commits `offset + i` for kGroups[i] through a single-node coordinator. May suspend.
    void commit_everywhere(cluster::TopicManager& topics, int64_t offset) {
        GroupCoordinator single(*node_env, config_of(false), topics);
        REQUIRE(single.load().ok());
        REQUIRE(single.ensure_offsets_topic().ok());
        for (std::size_t i = 0; i < kGroups.size(); ++i) {
            auto results = single.commit(kGroups[i], standalone_commit(offset + int64_t(i)));
            REQUIRE(results == std::vector<KafkaError>{KafkaError::none});
        }
    }

    sim::Simulation sim;
    Environment* node_env = nullptr;
    log::LogConfig log_defaults;
    brook::testing::FiberRunner* runner = nullptr;
    bool timers_running = false;
};

PartitionId partition_of(const std::string& group) {
    return offsets_partition_for(group, kPartitions);
}

// The group's committed offset for orders-0 (-1 when none), or the coordinator's error.
std::pair<KafkaError, int64_t> fetch(const GroupCoordinator& groups, const std::string& group) {
    std::map<TopicPartitionKey, CommittedOffset> out;
    KafkaError error = groups.committed(group, std::nullopt, out);
    auto found = out.find({"orders", PartitionId(0)});
    return {error, found == out.end() ? -1 : found->second.offset.value()};
}

JoinInput join_input() {
    JoinInput input;
    input.client_id = "c";
    input.session_timeout = seconds(10);
    input.rebalance_timeout = seconds(10);
    input.protocol_type = "consumer";
    input.protocols.push_back({"range", {1}});
    return input;
}

TEST_CASE("group ownership: the test's groups spread over every offsets partition", "[group]") {
    std::set<PartitionId> used;
    for (const std::string& group : kGroups) used.insert(partition_of(group));
    REQUIRE(used.size() == std::size_t(kPartitions));
}

TEST_CASE("group ownership: elect loads exactly the groups and offsets of its partition",
          "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        REQUIRE(groups.loaded());
        REQUIRE(groups.group_count() == 0);  // KRaft mode: nothing before an election
        REQUIRE(fetch(groups, "alpha").first == KafkaError::not_coordinator);

        PartitionId elected = partition_of("alpha");
        REQUIRE(groups.elect(elected).ok());
        REQUIRE(groups.owns(elected));
        REQUIRE(groups.elect(elected).ok());  // idempotent
        std::size_t mine = 0;
        for (std::size_t i = 0; i < kGroups.size(); ++i) {
            const std::string& group = kGroups[i];
            auto [error, offset] = fetch(groups, group);
            if (partition_of(group) == elected) {
                ++mine;
                REQUIRE(error == KafkaError::none);
                REQUIRE(offset == 100 + int64_t(i));
                REQUIRE(groups.describe(group).error == KafkaError::none);
                continue;
            }
            REQUIRE(error == KafkaError::not_coordinator);
            REQUIRE(groups.describe(group).error == KafkaError::not_coordinator);
            REQUIRE(groups.join(group, join_input()).error == KafkaError::not_coordinator);
            REQUIRE(groups.commit(group, standalone_commit(1)) ==
                    std::vector<KafkaError>{KafkaError::not_coordinator});
            REQUIRE(groups.heartbeat(group, "m", std::nullopt, 1) == KafkaError::not_coordinator);
            REQUIRE(groups.delete_group(group) == KafkaError::not_coordinator);
        }
        REQUIRE(mine > 0);
        REQUIRE(groups.group_count() == mine);
        std::vector<ListedGroup> listed = groups.list();
        REQUIRE(listed.size() == mine);
        for (const ListedGroup& group : listed) REQUIRE(partition_of(group.group_id) == elected);
        // Commits to a group of the owned partition are served.
        REQUIRE(groups.commit("alpha", standalone_commit(500)) ==
                std::vector<KafkaError>{KafkaError::none});
        REQUIRE(fetch(groups, "alpha").second == 500);
    });
}

TEST_CASE("group ownership: resign drops the groups, parked joins answer NOT_COORDINATOR",
          "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        PartitionId elected = partition_of("alpha");
        REQUIRE(groups.elect(elected).ok());
        // The first member of a group parks for the 3 s initial delay.
        std::optional<JoinResult> joined;
        rig.spawn("join", [&] { joined = groups.join("alpha", join_input()); });
        rig.sleep(milliseconds(100));
        REQUIRE(!joined.has_value());
        REQUIRE(groups.find_group("alpha")->state() == GroupState::preparing_rebalance);

        groups.resign(elected);
        REQUIRE(!groups.owns(elected));
        REQUIRE(groups.group_count() == 0);
        rig.sleep(milliseconds(1));
        REQUIRE(joined.has_value());
        REQUIRE(joined->error == KafkaError::not_coordinator);
        REQUIRE(fetch(groups, "alpha").first == KafkaError::not_coordinator);
        REQUIRE(groups.list().empty());
        groups.resign(elected);  // not owned: nothing to do
    });
}

TEST_CASE("group ownership: re-election reloads the same committed offsets", "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        PartitionId elected = partition_of("bravo");
        REQUIRE(groups.elect(elected).ok());
        REQUIRE(groups.commit("bravo", standalone_commit(42)) ==
                std::vector<KafkaError>{KafkaError::none});
        std::size_t owned = groups.group_count();
        groups.resign(elected);
        REQUIRE(fetch(groups, "bravo").first == KafkaError::not_coordinator);
        REQUIRE(groups.elect(elected).ok());
        REQUIRE(groups.group_count() == owned);
        REQUIRE(fetch(groups, "bravo") == std::pair{KafkaError::none, int64_t(42)});
    });
}

TEST_CASE("group ownership: a resign during the load installs nothing", "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        PartitionId elected = partition_of("charlie");
        std::optional<Result<void>> loaded;
        rig.spawn("elect", [&] { loaded = groups.elect(elected); });
        while (!groups.owns(elected)) rig.sim.scheduler().yield();
        // The replay yields to other fibers before each read.
        REQUIRE(!loaded.has_value());
        REQUIRE(!groups.loaded());
        REQUIRE(fetch(groups, "charlie").first == KafkaError::coordinator_load_in_progress);
        REQUIRE(groups.commit("charlie", standalone_commit(1)) ==
                std::vector<KafkaError>{KafkaError::coordinator_load_in_progress});
        groups.resign(elected);
        while (!loaded.has_value()) rig.sleep(milliseconds(1));
        REQUIRE(loaded->ok());
        REQUIRE(groups.group_count() == 0);
        REQUIRE(!groups.owns(elected));
        REQUIRE(groups.loaded());
        REQUIRE(fetch(groups, "charlie").first == KafkaError::not_coordinator);
        // Elected again, it loads the partition whole.
        REQUIRE(groups.elect(elected).ok());
        REQUIRE(fetch(groups, "charlie").second == 100 + 2);
    });
}

TEST_CASE("group ownership: a failed load leaves the partition unowned", "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        // A partition the topic table does not hold: its log cannot be replayed.
        PartitionId missing(kPartitions);
        Result<void> loaded = groups.elect(missing);
        REQUIRE(!loaded.ok());
        REQUIRE(loaded.error().code() == ErrorCode::not_found);
        REQUIRE(!groups.owns(missing));
        REQUIRE(groups.loaded());
    });
}

TEST_CASE("group ownership: a commit racing a resign is not acknowledged", "[group]") {
    OwnershipRig rig;
    rig.run_kraft([&](cluster::TopicManager&, GroupCoordinator& groups) {
        PartitionId elected = partition_of("delta");
        REQUIRE(groups.elect(elected).ok());
        std::optional<std::vector<KafkaError>> committed;
        rig.spawn("commit", [&] { committed = groups.commit("delta", standalone_commit(7)); });
        rig.sleep(microseconds(1));
        REQUIRE(!committed.has_value());  // waiting for its fsync
        groups.resign(elected);
        while (!committed.has_value()) rig.sleep(milliseconds(1));
        REQUIRE(*committed == std::vector<KafkaError>{KafkaError::not_coordinator});
    });
}

TEST_CASE("group ownership: a SyncGroup racing a resign answers NOT_COORDINATOR", "[group]") {
    OwnershipRig rig;
    CoordinatorConfig config = config_of(true);
    config.limits.initial_rebalance_delay = milliseconds(0);
    rig.run_kraft(
        [&](cluster::TopicManager&, GroupCoordinator& groups) {
            PartitionId elected = partition_of("golf");
            REQUIRE(groups.elect(elected).ok());
            rig.spawn_timers(groups);
            JoinResult joined = groups.join("golf", join_input());
            REQUIRE(joined.error == KafkaError::none);
            REQUIRE(joined.leader == joined.member_id);
            // The leader's SyncGroup writes the generation's record and waits for its fsync.
            std::optional<SyncResult> synced;
            rig.spawn("sync", [&] {
                SyncInput input;
                input.member_id = joined.member_id;
                input.generation = joined.generation;
                input.assignments[joined.member_id] = {7};
                synced = groups.sync("golf", input);
            });
            rig.sleep(microseconds(1));
            REQUIRE(!synced.has_value());
            groups.resign(elected);
            while (!synced.has_value()) rig.sleep(milliseconds(1));
            REQUIRE(synced->error == KafkaError::not_coordinator);
            REQUIRE(synced->assignment.empty());
        },
        config);
}

TEST_CASE("group ownership: a group's records in a partition not its own are skipped on load",
          "[group]") {
    bool kraft = GENERATE(false, true);
    INFO("KRaft mode " << kraft);
    // A group of partition 0, so that the partition holding the stray record loads after its own.
    auto group = std::find_if(kGroups.begin(), kGroups.end(), [](const std::string& g) {
        return partition_of(g) == PartitionId(0);
    });
    REQUIRE(group != kGroups.end());
    auto index = static_cast<int64_t>(group - kGroups.begin());
    OwnershipRig rig;
    rig.run([&](cluster::TopicManager& topics) {
        rig.commit_everywhere(topics, 100);
        // A later offset of that group in partition 1, as written under another partition count.
        OffsetsLog offsets(*rig.node_env, topics, kPartitions);
        std::vector<log::Record> stray = {{encode_offset_key({*group, "orders", PartitionId(0)}),
                                           encode_offset_value({Offset(999), -1, "", 0}),
                                           {},
                                           0}};
        Result<Offset> end = offsets.write(PartitionId(1), stray);
        REQUIRE(end.ok());
        REQUIRE(offsets.wait_durable(PartitionId(1), *end).ok());

        GroupCoordinator groups(*rig.node_env, config_of(kraft), topics);
        REQUIRE(groups.load().ok());
        if (kraft) {
            for (int32_t p = 0; p < kPartitions; ++p) REQUIRE(groups.elect(PartitionId(p)).ok());
        }
        REQUIRE(groups.group_count() == kGroups.size());
        REQUIRE(fetch(groups, *group) == std::pair{KafkaError::none, 100 + index});
        groups.stop();
    });
}

TEST_CASE("group ownership: the bounding rewrite touches only owned partitions", "[group]") {
    OwnershipRig rig;
    rig.run([&](cluster::TopicManager& topics) {
        // Many commits of the same offsets: every partition holds far more than its live state.
        for (int round = 0; round < 20; ++round) rig.commit_everywhere(topics, round * 10);
        CoordinatorConfig config = config_of(true);
        config.rewrite_threshold_bytes = 1;
        GroupCoordinator groups(*rig.node_env, config, topics);
        REQUIRE(groups.load().ok());
        PartitionId elected = partition_of("echo");
        REQUIRE(groups.elect(elected).ok());
        groups.tick();
        for (int32_t p = 0; p < kPartitions; ++p) {
            auto partition = topics.partition(kOffsetsTopic, PartitionId(p));
            bool rewritten = partition->log()->log_start_offset() > Offset(0);
            REQUIRE(rewritten == (PartitionId(p) == elected));
        }
        // What the rewrite kept is the live state: a fresh election reads the same offsets.
        groups.resign(elected);
        REQUIRE(groups.elect(elected).ok());
        REQUIRE(fetch(groups, "echo").second == 190 + 4);
    });
}

TEST_CASE("group ownership: a resign while the rewrite waits for durability drops no offset",
          "[group]") {
    OwnershipRig rig;
    CoordinatorConfig config = config_of(true);
    config.rewrite_threshold_bytes = 1;
    rig.run_kraft(
        [&](cluster::TopicManager& topics, GroupCoordinator& groups) {
            for (int round = 1; round < 20; ++round) rig.commit_everywhere(topics, round * 10);
            PartitionId elected = partition_of("echo");
            REQUIRE(groups.elect(elected).ok());
            bool ticked = false;
            rig.spawn("tick", [&] {
                groups.tick();
                ticked = true;
            });
            // The rewrite builds its snapshot at once and suspends until it is durable.
            rig.sim.scheduler().yield();
            REQUIRE(!ticked);
            groups.resign(elected);
            while (!ticked) rig.sleep(milliseconds(1));
            // The rewrite went through, from the state it captured while the partition was owned.
            auto partition = topics.partition(kOffsetsTopic, elected);
            REQUIRE(partition->log()->log_start_offset() > Offset(0));
            REQUIRE(groups.elect(elected).ok());
            REQUIRE(fetch(groups, "echo").second == 190 + 4);
        },
        config);
}

}  // namespace
}  // namespace brook::group
