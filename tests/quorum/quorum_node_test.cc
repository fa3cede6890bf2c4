// The quorum driver (QuorumNode) in the simulator: three nodes with their own disks, joined by
// the in-memory channel, crashed and restarted by the simulator.
#include "core/quorum/quorum_node.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "core/quorum/snapshot_file.h"
#include "tests/quorum/quorum_rig.h"

namespace brook::quorum::testing {
namespace {

std::vector<std::string> records(int from, int to) {
    std::vector<std::string> made;
    for (int i = from; i < to; ++i) made.push_back(fmt::format("r{}", i));
    return made;
}

// Proposes each record on whoever leads, waiting for a leader as needed.
void propose_all(QuorumRig& rig, const std::vector<std::string>& all) {
    for (const std::string& record : all) {
        REQUIRE(rig.run_until([&] { return rig.propose(record); }, seconds(20)));
        rig.run_for(milliseconds(5));
    }
}

TEST_CASE("quorum node: three nodes elect a leader and commit proposals on all") {
    QuorumRig rig(QuorumRigSetup{.voters = 3}, /*seed=*/11);
    REQUIRE(rig.elect());
    raft::NodeId leader = rig.leader();
    ProposeOutcome refused = rig.node(leader == raft::NodeId(1) ? raft::NodeId(2) : raft::NodeId(1))
                                 .propose({"not here"});
    REQUIRE(!refused.first_offset);
    REQUIRE(refused.leader == leader);  // the caller can forward

    propose_all(rig, records(0, 20));
    REQUIRE(rig.all_applied(20));
    for (raft::NodeId id : rig.voters()) REQUIRE(rig.applied_data(id) == records(0, 20));
    REQUIRE(rig.agreement().empty());
    REQUIRE(!rig.violation());

    QuorumStatus status = rig.node(leader).status();
    REQUIRE(status.leader_id == leader);
    REQUIRE(status.high_watermark >= Offset(21));  // LeaderChange + 20 records
    REQUIRE(status.voters.size() == 3);
    for (const ReplicaStatus& voter : status.voters) {
        REQUIRE(voter.log_end_offset >= Offset(0));
        REQUIRE(voter.last_fetch_ms > 0);
    }
}

TEST_CASE("quorum node: an observer (a broker-only node) follows the log without voting") {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .observers = 1}, /*seed=*/12);
    raft::NodeId observer(4);
    REQUIRE(rig.elect());
    propose_all(rig, records(0, 10));
    REQUIRE(rig.all_applied(10));
    REQUIRE(rig.applied_data(observer) == records(0, 10));
    REQUIRE(rig.node(observer).raft().role() == raft::Role::follower);
    ProposeOutcome refused = rig.node(observer).propose({"from a broker"});
    REQUIRE(!refused.first_offset);
    REQUIRE(refused.leader == rig.leader());

    QuorumStatus status = rig.node(rig.leader()).status();
    REQUIRE(status.voters.size() == 3);
    REQUIRE(status.observers.size() == 1);
    REQUIRE(status.observers[0].id == observer);
    REQUIRE(status.observers[0].log_end_offset >= Offset(11));

    // The voters alone make the majority: with the observer gone, commits go on.
    rig.crash(observer);
    propose_all(rig, records(10, 12));
    REQUIRE(rig.all_applied(12));
    REQUIRE(!rig.violation());
}

TEST_CASE("quorum node: a crashed leader loses no committed entry, before or after restart") {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
        INFO("seed " << seed);
        QuorumRig rig(QuorumRigSetup{.voters = 3}, seed);
        REQUIRE(rig.elect());
        propose_all(rig, records(0, 10));
        REQUIRE(rig.all_applied(10));
        raft::NodeId old_leader = rig.leader();
        // Proposals still in flight when it dies may be lost; the ten committed ones may not.
        rig.node(old_leader).propose({"maybe-lost-1", "maybe-lost-2"});
        rig.crash(old_leader);
        REQUIRE(rig.elect());
        REQUIRE(rig.leader() != old_leader);
        propose_all(rig, records(10, 20));
        rig.restart(old_leader);
        REQUIRE(rig.all_applied(20));
        REQUIRE(rig.agreement().empty());
        REQUIRE(!rig.violation());
        for (raft::NodeId id : rig.voters()) {
            std::vector<std::string> data = rig.applied_data(id);
            // The committed records, in order; the last proposals of the old leader may or may
            // not have made it, between the two runs.
            std::vector<std::string> without_lost;
            for (const std::string& record : data) {
                if (!record.starts_with("maybe-lost")) without_lost.push_back(record);
            }
            REQUIRE(without_lost == records(0, 20));
        }
    }
}

TEST_CASE("quorum node: every node crashing at once keeps the committed prefix") {
    QuorumRig rig(QuorumRigSetup{.voters = 3}, /*seed=*/4);
    REQUIRE(rig.elect());
    propose_all(rig, records(0, 15));
    REQUIRE(rig.all_applied(15));
    for (raft::NodeId id : rig.voters()) rig.crash(id);
    for (raft::NodeId id : rig.voters()) rig.restart(id);
    REQUIRE(rig.elect());
    propose_all(rig, records(15, 18));
    REQUIRE(rig.all_applied(18));
    for (raft::NodeId id : rig.voters()) REQUIRE(rig.applied_data(id) == records(0, 18));
}

TEST_CASE("quorum node: snapshots trim the log and a lagging node catches up from one") {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .snapshot_every_entries = 6, .segment_bytes = 128},
                  /*seed=*/3);
    REQUIRE(rig.elect());
    raft::NodeId leader = rig.leader();
    raft::NodeId lagging = leader == raft::NodeId(3) ? raft::NodeId(2) : raft::NodeId(3);
    rig.crash(lagging);
    propose_all(rig, records(0, 40));
    REQUIRE(rig.all_applied(40));
    leader = rig.leader();
    REQUIRE(rig.node(leader).raft().log_start() > Offset(20));  // trimmed below a snapshot

    // The leader's disk: a snapshot file, and the segments below it are gone.
    auto names = rig.sim().disk(QuorumRig::name(leader)).list_directory("__cluster_metadata-0");
    REQUIRE(names.ok());
    int snapshots = 0;
    for (const std::string& name : *names) {
        if (parse_snapshot_file_name(name)) ++snapshots;
        if (name.ends_with(".log")) {
            REQUIRE(name != "00000000000000000000.log");
        }
    }
    // Older ones go with the log below the newest (one more may wait for its trim).
    REQUIRE(snapshots >= 1);
    REQUIRE(snapshots <= 2);

    rig.restart(lagging);
    REQUIRE(rig.all_applied(40));

    REQUIRE(rig.member(lagging).snapshot_loads >= 1);  // it installed the leader's snapshot
    REQUIRE(rig.applied_data(lagging) == records(0, 40));
    REQUIRE(rig.agreement().empty());
    REQUIRE(!rig.violation());

    // And it recovers from its own snapshot after a crash.
    rig.crash(lagging);
    rig.restart(lagging);
    REQUIRE(rig.all_applied(40));

    REQUIRE(rig.applied_data(lagging) == records(0, 40));
}

TEST_CASE("quorum node: a failed metadata fsync is never acknowledged and the node stops") {
    QuorumRig rig(QuorumRigSetup{.voters = 3}, /*seed=*/8);
    REQUIRE(rig.elect());
    raft::NodeId leader = rig.leader();
    raft::NodeId broken = leader == raft::NodeId(1) ? raft::NodeId(2) : raft::NodeId(1);
    propose_all(rig, records(0, 3));
    REQUIRE(rig.all_applied(3));
    Offset durable_before = rig.node(broken).raft().durable_end();
    rig.sim().disk(QuorumRig::name(broken)).set_faults({.sync_error_ppm = 1'000'000});
    propose_all(rig, records(3, 10));
    REQUIRE(rig.run_until([&] { return rig.member(broken).node == nullptr; }, seconds(10)));
    REQUIRE(rig.member(broken).run_result.find("io_error") != std::string::npos);
    // The leader never counted anything past what the broken node had made durable before.
    auto progress = rig.node(leader).raft().replicas().find(broken);
    REQUIRE(progress != rig.node(leader).raft().replicas().end());
    REQUIRE(progress->second.end_offset <= durable_before);
    // The other two go on.
    propose_all(rig, records(10, 12));
    REQUIRE(rig.run_until([&] { return rig.applied_data(leader).size() == 12; }, seconds(10)));
}

TEST_CASE("quorum node: resign hands leadership over and stop ends run cleanly") {
    QuorumRig rig(QuorumRigSetup{.voters = 3}, /*seed=*/6);
    REQUIRE(rig.elect());
    propose_all(rig, records(0, 3));
    REQUIRE(rig.all_applied(3));
    raft::NodeId old_leader = rig.leader();
    LeaderEpoch old_epoch = rig.node(old_leader).raft().epoch();
    rig.node(old_leader).resign();
    // EndQuorumEpoch lets a successor start at once, well before an election timeout (300 ms).
    REQUIRE(rig.run_until(
        [&] {
            raft::NodeId now = rig.leader();
            return now != raft::kNoNode && now != old_leader;
        },
        milliseconds(250)));
    REQUIRE(rig.node(rig.leader()).raft().epoch() > old_epoch);
    rig.node(old_leader).stop();
    REQUIRE(rig.run_until([&] { return rig.member(old_leader).node == nullptr; }, seconds(1)));
    REQUIRE(rig.member(old_leader).run_result == "ok");
    propose_all(rig, records(3, 5));
    REQUIRE(rig.run_until(
        [&] {
            for (raft::NodeId id : rig.voters()) {
                if (id != old_leader && rig.applied_data(id) != records(0, 5)) return false;
            }
            return true;
        },
        seconds(10)));
    REQUIRE(!rig.violation());
}

TEST_CASE("quorum node: the owner may propose from inside apply") {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .echo_pings = true}, /*seed=*/9);
    REQUIRE(rig.elect());
    propose_all(rig, {"ping1", "ping2"});
    REQUIRE(rig.all_applied(4));
    for (raft::NodeId id : rig.voters()) {
        std::vector<std::string> data = rig.applied_data(id);
        std::sort(data.begin(), data.end());  // a pong may commit before the next ping
        REQUIRE(data == std::vector<std::string>{"ping1", "ping2", "pong1", "pong2"});
    }
    REQUIRE(!rig.violation());
}

// The median time from a proposal to its being applied on every node.
int64_t median_commit_us(Duration fetch_park_time) {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .fetch_park_time = fetch_park_time}, /*seed=*/2);
    REQUIRE(rig.elect());
    rig.run_for(milliseconds(500));
    std::vector<int64_t> latencies_us;
    for (int i = 0; i < 21; ++i) {
        Instant start = rig.sim().now();
        REQUIRE(rig.propose(fmt::format("m{}", i)));
        auto everywhere = [&] {
            for (raft::NodeId id : rig.voters()) {
                if (rig.applied_data(id).size() != static_cast<size_t>(i + 1)) return false;
            }
            return true;
        };
        while (!everywhere()) rig.sim().run_for(microseconds(200));
        latencies_us.push_back(
            std::chrono::duration_cast<microseconds>(rig.sim().now() - start).count());
        rig.run_for(milliseconds(37));
    }
    std::sort(latencies_us.begin(), latencies_us.end());
    return latencies_us[latencies_us.size() / 2];
}

TEST_CASE("quorum node: parked fetches answer followers as soon as there is news") {
    // Measured: 16.0 ms without parking, 11.6 ms with it (the rig polls every 10 ms; Kafka's
    // default poll of the metadata log is far longer, and so is the gain).
    REQUIRE(median_commit_us(milliseconds(50)) < median_commit_us(Duration(0)));

    // An idle quorum with parked fetches stays quiet: no follower gives up on its leader.
    QuorumRig rig(QuorumRigSetup{.voters = 3, .fetch_park_time = milliseconds(50)}, /*seed=*/2);
    REQUIRE(rig.elect());
    raft::NodeId leader = rig.leader();
    LeaderEpoch epoch = rig.node(leader).raft().epoch();
    rig.run_for(seconds(5));
    REQUIRE(rig.leader() == leader);
    for (raft::NodeId id : rig.voters()) REQUIRE(rig.node(id).raft().epoch() == epoch);
}

TEST_CASE("quorum node: same seed, same run") {
    auto trace_hash = [](uint64_t seed) {
        QuorumRig rig(QuorumRigSetup{.voters = 3}, seed);
        REQUIRE(rig.elect());
        propose_all(rig, records(0, 5));
        rig.crash(rig.leader());
        REQUIRE(rig.elect());
        return rig.sim().trace().hash();
    };
    REQUIRE(trace_hash(21) == trace_hash(21));
}

}  // namespace
}  // namespace brook::quorum::testing

namespace brook::quorum::testing {
namespace {

struct StormOutcome {
    std::optional<std::string> violation;
    bool healed = false;  // a leader and a commit on every node after healing
    size_t committed = 0;
    size_t disk_failures = 0;  // nodes that left the quorum after a failed sync
    uint64_t trace_hash = 0;
};

// Crashes (one node, or every node at once, losing unsynced writes), failing syncs (the node
// leaves the quorum until restarted), partitions and bursts of proposals, with the invariants
// checked after every step; then everything heals and restarts.
StormOutcome storm(uint64_t seed, int voters, QuorumPlantedBug bug) {
    QuorumRig rig(QuorumRigSetup{.voters = voters,
                                 .snapshot_every_entries = 10,
                                 .segment_bytes = 256,
                                 .planted_bug = bug},
                  seed);
    Random& random = rig.sim().random();
    // Slow syncs widen the window between a write and its durability; failing ones stop a node.
    auto set_sync_errors = [&](raft::NodeId id, uint32_t sync_error_ppm) {
        rig.sim()
            .disk(QuorumRig::name(id))
            .set_faults({.sync_error_ppm = sync_error_ppm,
                         .sync_latency_min = milliseconds(1),
                         .sync_latency_max = milliseconds(15)});
    };
    for (raft::NodeId id : rig.voters()) set_sync_errors(id, 0);
    auto pick = [&] { return rig.voters()[random.uniform(rig.voters().size())]; };
    auto up = [&](raft::NodeId id) { return rig.sim().is_up(QuorumRig::name(id)); };
    // A node that left the quorum after a failed sync comes back only by a restart.
    auto revive = [&](raft::NodeId id) {
        set_sync_errors(id, 0);
        if (up(id) && rig.member(id).node == nullptr) rig.crash(id);
        if (!up(id)) rig.restart(id);
    };
    int proposed = 0;
    for (int event = 0; event < 60 && !rig.violation(); ++event) {
        rig.run_for(milliseconds(50 + static_cast<int64_t>(random.uniform(300))));
        switch (random.uniform(12)) {
            case 0:
            case 1:
            case 2:
            case 3: {
                raft::NodeId leader = rig.leader();
                if (leader == raft::kNoNode) break;
                std::vector<std::string> burst;
                for (int i = 0; i < 4; ++i) burst.push_back(fmt::format("s{}", proposed++));
                rig.node(leader).propose(std::move(burst));
                break;
            }
            case 4: {
                raft::NodeId victim = pick();
                if (up(victim)) rig.crash(victim);
                break;
            }
            case 5:
                revive(pick());
                break;
            case 9:
                set_sync_errors(pick(), 200'000);
                break;
            case 6:
                rig.network().isolate(pick(), rig.voters());
                break;
            case 7:
                rig.network().heal();
                break;
            case 8: {
                // Proposals, then every node dies while some of their writes are unsynced.
                raft::NodeId leader = rig.leader();
                if (leader != raft::kNoNode) {
                    rig.node(leader).propose({fmt::format("s{}", proposed++)});
                }
                rig.run_for(milliseconds(5 + static_cast<int64_t>(random.uniform(40))));
                for (raft::NodeId id : rig.voters()) {
                    if (up(id)) rig.crash(id);
                }
                for (raft::NodeId id : rig.voters()) revive(id);
                break;
            }
            default:
                break;
        }
    }
    StormOutcome outcome;
    rig.network().heal();
    for (raft::NodeId id : rig.voters()) revive(id);
    if (!rig.violation() && rig.elect(seconds(30))) {
        // A proposal the leader accepted may still be lost to a change of leader (it was never
        // committed): it is proposed again every 2 s until every node applied it.
        std::string last = "after-the-storm";
        Instant proposed_at = rig.sim().now() - seconds(10);
        outcome.healed = rig.run_until(
            [&] {
                // A sync that failed just before the heal can still stop a node now.
                for (raft::NodeId id : rig.voters()) {
                    if (rig.member(id).node == nullptr) revive(id);
                }
                bool everywhere = true;
                for (raft::NodeId id : rig.voters()) {
                    auto data = rig.applied_data(id);
                    everywhere = everywhere && !data.empty() && data.back() == last;
                }
                if (!everywhere && rig.sim().now() - proposed_at >= seconds(2) &&
                    rig.propose(last)) {
                    proposed_at = rig.sim().now();
                }
                return everywhere;
            },
            seconds(30));
    }
    outcome.violation = rig.violation();
    outcome.committed = rig.committed().size();
    outcome.trace_hash = rig.sim().trace().hash();
    const std::string& lines = rig.sim().trace().lines();
    for (size_t at = lines.find("leaving the quorum"); at != std::string::npos;
         at = lines.find("leaving the quorum", at + 1)) {
        ++outcome.disk_failures;
    }
    return outcome;
}

TEST_CASE("quorum node: storms of crashes and partitions keep every invariant, then heal") {
    size_t disk_failures = 0;
    for (int voters : {3, 5}) {
        for (uint64_t seed = 1; seed <= (voters == 3 ? 12u : 6u); ++seed) {
            StormOutcome outcome = storm(seed, voters, QuorumPlantedBug::none);
            INFO("voters " << voters << " seed " << seed << ": "
                           << outcome.violation.value_or("no violation"));
            REQUIRE(!outcome.violation);
            REQUIRE(outcome.healed);
            REQUIRE(outcome.committed > 1);
            disk_failures += outcome.disk_failures;
        }
    }
    REQUIRE(disk_failures > 0);  // the storms did take nodes out with failed syncs
}

TEST_CASE("quorum node: a storm replays exactly from its seed") {
    REQUIRE(storm(5, 3, QuorumPlantedBug::none).trace_hash ==
            storm(5, 3, QuorumPlantedBug::none).trace_hash);
    REQUIRE(storm(5, 3, QuorumPlantedBug::none).trace_hash !=
            storm(6, 3, QuorumPlantedBug::none).trace_hash);
}

// 4 of the first 20 seeds catch it (seed 3 first); the budget is those 20.
TEST_CASE("quorum node: the storm catches a driver that says persisted before the sync") {
    int caught = 0;
    for (uint64_t seed = 1; seed <= 20 && caught == 0; ++seed) {
        if (storm(seed, 3, QuorumPlantedBug::persist_before_sync).violation) ++caught;
    }
    REQUIRE(caught > 0);
}

}  // namespace
}  // namespace brook::quorum::testing

namespace brook::quorum::testing {
namespace {

// The driver and the wire together: QuorumNodes speaking Kafka's KRaft RPCs to each other
// through KafkaQuorumChannel over the simulated network, with a leader crash and restart.
TEST_CASE("quorum node: over the Kafka wire, elects, commits and survives a leader crash") {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        INFO("seed " << seed);
        QuorumRig rig(QuorumRigSetup{.voters = 3, .snapshot_every_entries = 8, .kafka_wire = true},
                      seed);
        REQUIRE(rig.elect());
        propose_all(rig, records(0, 12));
        REQUIRE(rig.all_applied(12));
        raft::NodeId old_leader = rig.leader();
        rig.crash(old_leader);
        REQUIRE(rig.elect());
        REQUIRE(rig.leader() != old_leader);
        propose_all(rig, records(12, 24));
        rig.restart(old_leader);
        REQUIRE(rig.all_applied(24));
        REQUIRE(rig.agreement().empty());
        REQUIRE(!rig.violation());
        for (raft::NodeId id : rig.voters()) REQUIRE(rig.applied_data(id) == records(0, 24));
    }
}

}  // namespace
}  // namespace brook::quorum::testing
