// Unit tests of RaftNode, one mechanism each, on the deterministic test bed of raft_cluster.h
// (reliable bus and immediate fsync unless a test says otherwise).
#include "core/raft/raft_node.h"

#include <catch2/catch.hpp>

#include "tests/raft/raft_cluster.h"

namespace brook::raft {
namespace {

using testing::Cluster;
using testing::ClusterSetup;

NodeId n(int id) { return NodeId(id); }

Entry entry(int64_t offset, int32_t epoch, std::string data = "x",
            EntryKind kind = EntryKind::data) {
    return Entry{Offset(offset), LeaderEpoch(epoch), kind, std::move(data)};
}

bool has_stable_leader(Cluster& cluster) {
    NodeId leader = cluster.leader();
    if (leader == kNoNode ||
        cluster.node(leader).high_watermark() <= cluster.node(leader).epoch_start_offset()) {
        return false;
    }
    for (NodeId voter : cluster.voters()) {
        if (cluster.alive(voter) && voter != leader &&
            (cluster.node(voter).role() != Role::follower ||
             cluster.node(voter).leader() != leader)) {
            return false;
        }
    }
    return true;
}

bool all_applied(Cluster& cluster, size_t count) {
    for (NodeId id : cluster.nodes()) {
        if (cluster.alive(id) && cluster.applied(id).size() < count) return false;
    }
    return true;
}

TEST_CASE("raft: three voters elect one leader whose LeaderChange entry commits first") {
    Cluster cluster(ClusterSetup{}, 1);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId leader = cluster.leader();
    RaftNode& node = cluster.node(leader);
    CHECK(node.epoch() >= LeaderEpoch(1));
    const Entry& first = node.log().at(node.epoch_start_offset());
    CHECK(first.kind == EntryKind::leader_change);
    CHECK(first.epoch == node.epoch());
    CHECK(cluster.disk(leader).quorum == QuorumState{node.epoch(), leader, leader});

    REQUIRE(cluster.propose("a"));
    REQUIRE(cluster.propose("b"));
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 3); }, 500));
    for (NodeId id : cluster.nodes()) {
        CHECK(cluster.applied(id).back().data == "b");
    }
    CHECK(!cluster.violation());
}

TEST_CASE("raft: five voters and an observer replicate; the observer never votes") {
    Cluster cluster(ClusterSetup{.voters = 5, .observers = 1}, 2);
    cluster.keep_sent = true;
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 3000));
    for (int i = 0; i < 20; ++i) REQUIRE(cluster.propose(fmt::format("r{}", i)));
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 21); }, 1000));
    CHECK(cluster.node(n(6)).role() == Role::follower);
    CHECK(!cluster.node(n(6)).is_voter());
    for (const Message& message : cluster.sent()) {
        if (message.from == n(6)) {
            CHECK(std::holds_alternative<FetchRequest>(message.body));
        }
    }
    CHECK(!cluster.violation());
}

TEST_CASE("raft: an observer's fetches never count toward the high watermark") {
    Cluster cluster(ClusterSetup{.voters = 3, .observers = 1}, 3);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId leader = cluster.leader();
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 1); }, 500));
    // Both other voters go down: only the observer still fetches.
    for (NodeId voter : cluster.voters()) {
        if (voter != leader) cluster.crash(voter);
    }
    Offset hw = cluster.node(leader).high_watermark();
    REQUIRE(cluster.propose("only the observer has it"));
    REQUIRE(cluster.run_until([&] { return cluster.node(n(4)).log_end() > hw; }, 200));
    cluster.run_for(50);
    CHECK(cluster.node(n(4)).durable_end() > hw);
    CHECK(cluster.node(leader).high_watermark() == hw);
    CHECK(!cluster.violation());
}

TEST_CASE("raft: a vote leaves only after the quorum state recording it is durable") {
    Cluster cluster(ClusterSetup{}, 4);
    cluster.keep_sent = true;
    cluster.hold_persist(n(2), true);
    cluster.hold_persist(n(3), true);
    // Let node 1 win the race to ask.
    cluster.filter = [](const Message& message) {
        return !std::holds_alternative<VoteRequest>(message.body) || message.from == NodeId(1);
    };
    auto granted_by = [&](NodeId voter) {
        for (const Message& message : cluster.sent()) {
            const auto* vote = std::get_if<VoteResponse>(&message.body);
            if (message.from == voter && vote && vote->vote_granted && !vote->pre_vote) {
                return true;
            }
        }
        return false;
    };
    // Node 1 gets pre-votes (nothing to persist), becomes a candidate once its own epoch bump
    // is durable, and asks; nodes 2 and 3 record their votes but cannot fsync them.
    REQUIRE(cluster.run_until([&] { return cluster.node(n(2)).quorum_state().voted_for == n(1); },
                              2000));
    cluster.run_for(50);
    CHECK(!granted_by(n(2)));
    CHECK(!granted_by(n(3)));
    CHECK(cluster.node(n(1)).role() == Role::candidate);
    cluster.persist(n(2));
    CHECK(granted_by(n(2)));
    REQUIRE(cluster.run_until([&] { return cluster.node(n(1)).role() == Role::leader; }, 100));
    CHECK(!cluster.violation());
}

TEST_CASE("raft: a partitioned voter's pre-votes are refused and do not move the epoch") {
    Cluster cluster(ClusterSetup{}, 5);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId leader = cluster.leader();
    LeaderEpoch epoch = cluster.node(leader).epoch();
    NodeId lonely = leader == n(3) ? n(2) : n(3);
    // One way: it hears nobody but everyone hears it, so its pre-votes arrive and are refused.
    for (NodeId other : cluster.nodes()) {
        if (other != lonely) cluster.block(other, lonely);
    }
    cluster.run_for(1000);
    CHECK(cluster.node(lonely).role() == Role::prospective);
    CHECK(cluster.node(lonely).epoch() == epoch);  // a pre-vote bumps nothing
    CHECK(cluster.leader() == leader);
    CHECK(cluster.node(leader).epoch() == epoch);
    cluster.heal();
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 1000));
    CHECK(cluster.leader() == leader);
    CHECK(cluster.node(leader).epoch() == epoch);
    CHECK(!cluster.violation());
}

TEST_CASE("raft: check-quorum makes an isolated leader resign; the majority elects another") {
    Cluster cluster(ClusterSetup{}, 6);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId old_leader = cluster.leader();
    LeaderEpoch old_epoch = cluster.node(old_leader).epoch();
    cluster.isolate(old_leader);
    // 1.5 fetch timeouts (300 ms) without a majority's fetches.
    REQUIRE(
        cluster.run_until([&] { return cluster.node(old_leader).role() == Role::resigned; }, 400));
    REQUIRE(cluster.run_until(
        [&] { return cluster.leader() != kNoNode && cluster.leader() != old_leader; }, 2000));
    CHECK(cluster.node(cluster.leader()).epoch() > old_epoch);
    cluster.heal();
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 1000));
    CHECK(cluster.node(old_leader).role() == Role::follower);
    CHECK(!cluster.violation());
}

TEST_CASE("raft: a resigning leader hands over to its preferred successor") {
    Cluster cluster(ClusterSetup{.voters = 5}, 7);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 3000));
    NodeId old_leader = cluster.leader();
    int64_t started_ms = cluster.now_ms();
    cluster.node(old_leader).resign();
    REQUIRE(cluster.run_until(
        [&] { return cluster.leader() != kNoNode && cluster.leader() != old_leader; }, 1000));
    // The first successor starts at once, well before any election timeout (100-200 ms).
    CHECK(cluster.now_ms() - started_ms < 100);
    CHECK(!cluster.violation());
}

TEST_CASE("raft: a follower with a diverging tail truncates it and takes the leader's log") {
    Cluster cluster(ClusterSetup{}, 8);
    // Epoch 2's tail on node 2 was never committed; epoch 3 wrote over it on nodes 1 and 3.
    cluster.set_disk(n(1), RecoveredState{QuorumState{LeaderEpoch(3), kNoNode, kNoNode},
                                          std::nullopt,
                                          {entry(0, 1), entry(1, 1), entry(2, 3), entry(3, 3)}});
    cluster.set_disk(n(2), RecoveredState{QuorumState{LeaderEpoch(2), kNoNode, kNoNode},
                                          std::nullopt,
                                          {entry(0, 1), entry(1, 1), entry(2, 2, "stale"),
                                           entry(3, 2, "stale"), entry(4, 2, "stale")}});
    cluster.set_disk(n(3), RecoveredState{QuorumState{LeaderEpoch(3), kNoNode, kNoNode},
                                          std::nullopt,
                                          {entry(0, 1), entry(1, 1), entry(2, 3)}});
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    CHECK(cluster.leader() != n(2));  // its log's last epoch is older
    REQUIRE(cluster.run_until(
        [&] { return cluster.node(n(2)).log_end() == cluster.node(cluster.leader()).log_end(); },
        500));
    CHECK(cluster.truncations(n(2)) >= 1);
    const RaftLog& log = cluster.node(n(2)).log();
    CHECK(log.at(Offset(2)).epoch == LeaderEpoch(3));  // epoch 2's tail is gone
    for (int64_t offset = 0; offset < log.end_offset().value(); ++offset) {
        CHECK(log.at(Offset(offset)) == cluster.node(cluster.leader()).log().at(Offset(offset)));
    }
    // The truncation reached node 2's disk too.
    cluster.run_for(20);
    for (const Entry& kept : cluster.disk(n(2)).log) CHECK(kept.data != "stale");
    CHECK(!cluster.violation());
}

TEST_CASE("raft: a lagging voter fetches the leader's snapshot in chunks and installs it") {
    Cluster cluster(ClusterSetup{.snapshot_chunk_bytes = 50}, 9);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId leader = cluster.leader();
    NodeId lagging = leader == n(1) ? n(2) : n(1);
    cluster.crash(lagging);
    for (int i = 0; i < 30; ++i) REQUIRE(cluster.propose(fmt::format("record-{}", i)));
    REQUIRE(cluster.run_until(
        [&] { return cluster.applied(leader).size() == 31 && all_applied(cluster, 31); }, 500));
    cluster.take_snapshot(leader);
    Offset start = cluster.node(leader).log_start();
    CHECK(start == Offset(31));
    CHECK(cluster.node(leader).log_end() == Offset(31));
    REQUIRE(cluster.propose("after the snapshot"));

    cluster.keep_sent = true;
    cluster.restart(lagging);
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 32); }, 2000));
    CHECK(cluster.installs(lagging) == 1);
    CHECK(cluster.node(lagging).log_start() == start);
    CHECK(cluster.disk(lagging).snapshot->id == cluster.node(leader).snapshot()->id);
    CHECK(cluster.applied(lagging) == cluster.applied(leader));
    int chunks = 0;
    for (const Message& message : cluster.sent()) {
        if (std::holds_alternative<FetchSnapshotResponse>(message.body)) ++chunks;
    }
    CHECK(chunks > 3);  // the snapshot is well over 3 chunks of 50 bytes
    CHECK(!cluster.violation());
}

TEST_CASE("raft: the leader's log is trimmed only below a snapshot; its followers keep fetching") {
    Cluster cluster(ClusterSetup{}, 10);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 10; ++i) REQUIRE(cluster.propose("r"));
        size_t count = cluster.committed().size() + 10;
        REQUIRE(cluster.run_until([&] { return all_applied(cluster, count); }, 500));
        for (NodeId id : cluster.nodes()) cluster.take_snapshot(id);
    }
    REQUIRE(cluster.propose("last"));
    size_t count = cluster.committed().size() + 1;
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, count); }, 500));
    for (NodeId id : cluster.nodes()) CHECK(cluster.installs(id) == 0);
    CHECK(!cluster.violation());
}

// Raft's figure 8 in KRaft's terms. Offsets 1-2 of epoch 2 are on nodes 1-3; node 5 led epoch
// 3 and wrote its own offsets 1-2 that nobody else has. Node 1 wins epoch 4, appends its
// LeaderChange at offset 3 and sees offsets 1-2 on a majority. Were it to commit them by
// counting (the planted bug), node 5 could still win epoch 5 (its last epoch, 3, beats their 2)
// and overwrite them: a committed entry lost. The rule "commit only through an entry of your
// own epoch" keeps node 1 from committing before its LeaderChange is on a majority.
void figure_eight(RaftPlantedBug bug) {
    Cluster cluster(ClusterSetup{.voters = 5, .planted_bug = bug, .check_commit_epoch_rule = false},
                    11);
    QuorumState epoch3{LeaderEpoch(3), kNoNode, kNoNode};
    QuorumState voted5{LeaderEpoch(3), n(5), kNoNode};
    std::vector<Entry> epoch2_tail = {entry(0, 1, "base"), entry(1, 2, "two"), entry(2, 2, "two")};
    cluster.set_disk(n(1), RecoveredState{epoch3, std::nullopt, epoch2_tail});
    cluster.set_disk(n(2), RecoveredState{epoch3, std::nullopt, epoch2_tail});
    cluster.set_disk(n(3), RecoveredState{voted5, std::nullopt, epoch2_tail});
    cluster.set_disk(n(4), RecoveredState{voted5, std::nullopt, {entry(0, 1, "base")}});
    cluster.set_disk(
        n(5), RecoveredState{voted5,
                             std::nullopt,
                             {entry(0, 1, "base"), entry(1, 3, "three"), entry(2, 3, "three")}});
    cluster.crash(n(5));
    // Node 1 alone may ask for votes; its epoch-4 entries never reach anyone.
    cluster.filter = [](const Message& message) {
        if (std::holds_alternative<VoteRequest>(message.body)) return message.from == NodeId(1);
        if (const auto* fetch = std::get_if<FetchResponse>(&message.body)) {
            for (const Entry& record : fetch->records) {
                if (record.epoch == LeaderEpoch(4)) return false;
            }
        }
        return true;
    };
    REQUIRE(cluster.run_until([&] { return cluster.leader() == n(1); }, 2000));
    cluster.run_for(100);
    if (bug == RaftPlantedBug::commit_older_epoch) {
        CHECK(cluster.node(n(1)).high_watermark() == Offset(3));  // counted epoch 2's entries
    } else {
        CHECK(cluster.node(n(1)).high_watermark() == Offset(0));
    }
    cluster.crash(n(1));
    cluster.restart(n(5));
    cluster.filter = [](const Message& message) {
        return !std::holds_alternative<VoteRequest>(message.body) || message.from == NodeId(5);
    };
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 3000));
    CHECK(cluster.leader() == n(5));
    cluster.run_for(100);
    if (bug == RaftPlantedBug::commit_older_epoch) {
        REQUIRE(cluster.violation());
        INFO(*cluster.violation());
        CHECK(cluster.violation()->find("committed") != std::string::npos);
    } else {
        CHECK(!cluster.violation());
        CHECK(cluster.node(n(2)).log().at(Offset(1)).data == "three");
    }
}

TEST_CASE("raft: figure 8: a new leader does not commit older epochs' entries by counting") {
    figure_eight(RaftPlantedBug::none);
}

TEST_CASE("raft: figure 8: with the planted bug a committed entry is lost, and it is seen") {
    figure_eight(RaftPlantedBug::commit_older_epoch);
}

TEST_CASE("raft: a restarted leader comes back resigned and another voter leads") {
    Cluster cluster(ClusterSetup{}, 12);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    NodeId leader = cluster.leader();
    REQUIRE(cluster.propose("kept"));
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 2); }, 500));
    cluster.crash(leader);
    cluster.restart(leader);
    CHECK(cluster.node(leader).role() == Role::resigned);
    REQUIRE(cluster.run_until([&] { return has_stable_leader(cluster); }, 2000));
    REQUIRE(cluster.run_until([&] { return all_applied(cluster, 3); }, 500));
    CHECK(cluster.applied(leader)[1].data == "kept");
    CHECK(!cluster.violation());
}

TEST_CASE("raft log: end offsets for epochs answer the diverging-epoch question") {
    RaftLog log(SnapshotId{}, {entry(0, 1), entry(1, 1), entry(2, 3), entry(3, 3), entry(4, 5)});
    CHECK(!log.end_offset_for_epoch(LeaderEpoch(0)));
    auto one = log.end_offset_for_epoch(LeaderEpoch(1));
    REQUIRE(one);
    CHECK(one->epoch == LeaderEpoch(1));
    CHECK(one->end_offset == Offset(2));
    auto two = log.end_offset_for_epoch(LeaderEpoch(2));  // largest epoch <= 2 is 1
    REQUIRE(two);
    CHECK(two->epoch == LeaderEpoch(1));
    CHECK(two->end_offset == Offset(2));
    auto five = log.end_offset_for_epoch(LeaderEpoch(9));
    CHECK(five->epoch == LeaderEpoch(5));
    CHECK(five->end_offset == Offset(5));

    log.truncate_to(Offset(3));
    CHECK(log.last_epoch() == LeaderEpoch(3));
    CHECK(log.end_offset_for_epoch(LeaderEpoch(9))->end_offset == Offset(3));

    log.trim_to_snapshot(SnapshotId{Offset(2), LeaderEpoch(1)});
    CHECK(log.start_offset() == Offset(2));
    auto below = log.end_offset_for_epoch(LeaderEpoch(2));  // only the snapshot's epoch
    REQUIRE(below);
    CHECK(below->epoch == LeaderEpoch(1));
    CHECK(below->end_offset == Offset(2));
    CHECK(!log.end_offset_for_epoch(LeaderEpoch(0)));
}

TEST_CASE("raft log: a slice stays within its bytes but for its first entry") {
    RaftLog log(SnapshotId{}, {entry(0, 1, std::string(10, 'a')), entry(1, 1, std::string(10, 'b')),
                               entry(2, 1, std::string(30, 'c')), entry(3, 1, "d")});
    CHECK(log.slice(Offset(0), 10, 20).size() == 2);
    CHECK(log.slice(Offset(0), 10, 19).size() == 1);
    CHECK(log.slice(Offset(2), 10, 5).size() == 1);  // a large first entry still comes
    CHECK(log.slice(Offset(0), 3).size() == 3);
    CHECK(log.slice(Offset(4), 10, 5).empty());
}

}  // namespace
}  // namespace brook::raft
