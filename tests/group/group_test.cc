// The group state machine with plain values: no fibers, no disk, time passed in by hand.
#include "core/group/group.h"

#include <catch2/catch.hpp>
#include <map>

namespace brook::group {
namespace {

const Protocol kRange{"range", Bytes{1}};
const Protocol kRoundRobin{"roundrobin", Bytes{2}};

// A group, a clock and the answers parked requests received.
struct Rig {
    explicit Rig(Duration initial_delay = milliseconds(0))
        : group("app", GroupLimits{.initial_rebalance_delay = initial_delay,
                                   .min_session_timeout = milliseconds(100),
                                   .max_session_timeout = seconds(60)}) {}

    JoinInput input(const std::string& member_id, std::vector<Protocol> protocols = {kRange}) {
        return JoinInput{.member_id = member_id,
                         .group_instance_id = std::nullopt,
                         .fresh_member_id = fmt::format("m{}", next_id++),
                         .client_id = "c",
                         .client_host = "/h",
                         .session_timeout = seconds(10),
                         .rebalance_timeout = seconds(30),
                         .protocol_type = "consumer",
                         .protocols = std::move(protocols),
                         .require_known_member_id = false};
    }
    // Joins; returns the ticket (answers land in `joined` when the round completes).
    uint64_t join(JoinInput in) {
        uint64_t ticket = next_ticket++;
        JoinReply reply = group.join(in, now, ticket);
        collect();
        if (!reply.parked()) joined[ticket] = *reply.now;
        return ticket;
    }
    uint64_t sync(const std::string& member, int32_t generation,
                  std::map<std::string, Bytes> assignments = {}) {
        uint64_t ticket = next_ticket++;
        SyncReply reply = group.sync(
            SyncInput{member, std::nullopt, generation, std::nullopt, std::nullopt, assignments},
            ticket);
        collect();
        if (!reply.parked()) synced[ticket] = *reply.now;
        return ticket;
    }
    void advance(Duration by) {
        now += by;
        group.advance(now);
        collect();
    }
    void collect() {
        for (Completion& done : group.take_completions()) {
            if (done.join) joined[done.ticket] = *done.join;
            if (done.sync) synced[done.ticket] = *done.sync;
        }
    }

    Group group;
    Instant now{seconds(1000)};
    int next_id = 1;
    uint64_t next_ticket = 1;
    std::map<uint64_t, JoinResult> joined;
    std::map<uint64_t, SyncResult> synced;
};

TEST_CASE("group: two members join, the leader assigns, both are Stable", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    REQUIRE(rig.joined.count(a) == 1);  // alone and no initial delay: completes at once
    REQUIRE(rig.joined[a].generation == 1);
    std::string first = rig.joined[a].member_id;
    uint64_t b = rig.join(rig.input(""));
    REQUIRE(rig.group.state() == GroupState::preparing_rebalance);
    REQUIRE(rig.joined.count(b) == 0);  // waits for the first member to rejoin
    uint64_t a2 = rig.join(rig.input(first));
    REQUIRE(rig.group.state() == GroupState::completing_rebalance);
    REQUIRE(rig.joined[a2].generation == 2);
    REQUIRE(rig.joined[a2].leader == first);
    REQUIRE(rig.joined[a2].members.size() == 2);  // the leader sees every member
    REQUIRE(rig.joined[b].members.empty());
    REQUIRE(rig.joined[b].protocol_name == "range");
    std::string second = rig.joined[b].member_id;

    uint64_t follower = rig.sync(second, 2);
    REQUIRE(rig.synced.count(follower) == 0);  // waits for the leader's assignment
    uint64_t leader = rig.sync(first, 2, {{first, Bytes{'A'}}, {second, Bytes{'B'}}});
    REQUIRE(rig.group.state() == GroupState::stable);
    REQUIRE(rig.synced[leader].assignment == Bytes{'A'});
    REQUIRE(rig.synced[follower].assignment == Bytes{'B'});
    REQUIRE(rig.group.heartbeat(second, std::nullopt, 2, rig.now) == KafkaError::none);
}

TEST_CASE("group: JoinGroup v4+ hands out a member id first (MEMBER_ID_REQUIRED)", "[group]") {
    Rig rig;
    JoinInput in = rig.input("");
    in.require_known_member_id = true;
    uint64_t first = rig.join(in);
    REQUIRE(rig.joined[first].error == KafkaError::member_id_required);
    std::string id = rig.joined[first].member_id;
    REQUIRE(id == in.fresh_member_id);
    REQUIRE(rig.group.members().empty());
    uint64_t second = rig.join(rig.input(id));
    REQUIRE(rig.joined[second].error == KafkaError::none);
    REQUIRE(rig.joined[second].member_id == id);
    // An id that was never handed out is unknown.
    uint64_t stranger = rig.join(rig.input("made-up"));
    REQUIRE(rig.joined[stranger].error == KafkaError::unknown_member_id);
}

TEST_CASE("group: the initial delay waits for more members, bounded", "[group]") {
    Rig rig(milliseconds(3000));
    uint64_t a = rig.join(rig.input(""));
    rig.advance(milliseconds(1000));
    uint64_t b = rig.join(rig.input(""));  // extends the delay to 4 s
    rig.advance(milliseconds(2500));
    REQUIRE(rig.joined.empty());
    rig.advance(milliseconds(600));
    REQUIRE(rig.joined.size() == 2);
    REQUIRE(rig.joined[a].generation == 1);
    REQUIRE(rig.joined[b].generation == 1);
}

TEST_CASE("group: a member that misses heartbeats is removed and the group rebalances", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    std::string first = rig.joined[a].member_id;
    uint64_t b = rig.join(rig.input(""));
    uint64_t a2 = rig.join(rig.input(first));
    std::string second = rig.joined[b].member_id;
    rig.sync(second, 2);
    rig.sync(first, 2, {{first, {}}, {second, {}}});
    REQUIRE(rig.joined[a2].generation == 2);
    // Only the first member heartbeats.
    for (int i = 0; i < 3; ++i) {
        rig.advance(seconds(3));
        REQUIRE(rig.group.heartbeat(first, std::nullopt, 2, rig.now) == KafkaError::none);
    }
    REQUIRE(rig.group.has_member(second));
    rig.advance(seconds(3));  // 12 s since the second member's last sign of life
    REQUIRE(!rig.group.has_member(second));
    REQUIRE(rig.group.heartbeat(first, std::nullopt, 2, rig.now) ==
            KafkaError::rebalance_in_progress);
    uint64_t again = rig.join(rig.input(first));
    REQUIRE(rig.joined[again].generation == 3);
    REQUIRE(rig.joined[again].members.size() == 1);
    REQUIRE(rig.group.heartbeat(second, std::nullopt, 3, rig.now) == KafkaError::unknown_member_id);
}

TEST_CASE("group: a member that does not rejoin in time is dropped from the round", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    std::string first = rig.joined[a].member_id;
    rig.sync(first, 1, {{first, {}}});
    uint64_t b = rig.join(rig.input(""));  // starts a round; the first member never rejoins
    rig.advance(seconds(5));
    REQUIRE(rig.group.heartbeat(first, std::nullopt, 1, rig.now) ==
            KafkaError::rebalance_in_progress);
    rig.advance(seconds(26));  // past the 30 s rebalance timeout
    REQUIRE(rig.joined[b].generation == 2);
    REQUIRE(rig.joined[b].leader == rig.joined[b].member_id);
    REQUIRE(!rig.group.has_member(first));
}

TEST_CASE("group: stale generations and unknown members are refused", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    std::string first = rig.joined[a].member_id;
    rig.sync(first, 1, {{first, {}}});
    REQUIRE(rig.group.heartbeat(first, std::nullopt, 0, rig.now) == KafkaError::illegal_generation);
    uint64_t stale = rig.sync(first, 7);
    REQUIRE(rig.synced[stale].error == KafkaError::illegal_generation);
    REQUIRE(rig.group.check_commit(first, std::nullopt, 0) == KafkaError::illegal_generation);
    REQUIRE(rig.group.check_commit("nobody", std::nullopt, 1) == KafkaError::unknown_member_id);
    REQUIRE(rig.group.check_commit(first, std::nullopt, 1) == KafkaError::none);
    // A standalone commit is refused while the group has members.
    REQUIRE(rig.group.check_commit("", std::nullopt, -1) == KafkaError::unknown_member_id);
}

TEST_CASE("group: protocols are chosen by vote among those every member supports", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input("", {kRoundRobin, kRange}));
    std::string first = rig.joined[a].member_id;
    uint64_t b = rig.join(rig.input("", {kRange}));
    rig.join(rig.input(first, {kRoundRobin, kRange}));
    REQUIRE(rig.joined[b].protocol_name == "range");  // the only common one
    JoinInput other = rig.input("", {Protocol{"cooperative-sticky", {}}});
    uint64_t c = rig.join(other);
    REQUIRE(rig.joined[c].error == KafkaError::inconsistent_group_protocol);
    JoinInput wrong_type = rig.input("");
    wrong_type.protocol_type = "connect";
    uint64_t d = rig.join(wrong_type);
    REQUIRE(rig.joined[d].error == KafkaError::inconsistent_group_protocol);
}

TEST_CASE("group: session timeouts outside the broker's bounds are refused", "[group]") {
    Rig rig;
    JoinInput in = rig.input("");
    in.session_timeout = milliseconds(50);
    uint64_t low = rig.join(in);
    REQUIRE(rig.joined[low].error == KafkaError::invalid_session_timeout);
    in.session_timeout = seconds(61);
    uint64_t high = rig.join(in);
    REQUIRE(rig.joined[high].error == KafkaError::invalid_session_timeout);
}

TEST_CASE("group: a static member rejoining unchanged keeps its assignment, no rebalance",
          "[group]") {
    Rig rig;
    JoinInput in = rig.input("");
    in.group_instance_id = "instance-1";
    uint64_t a = rig.join(in);
    std::string old_id = rig.joined[a].member_id;
    rig.sync(old_id, 1, {{old_id, Bytes{'X'}}});
    REQUIRE(rig.group.state() == GroupState::stable);

    JoinInput again = rig.input("");  // restarted: it lost its member id
    again.group_instance_id = "instance-1";
    uint64_t b = rig.join(again);
    REQUIRE(rig.joined[b].error == KafkaError::none);
    REQUIRE(rig.joined[b].generation == 1);  // no new generation
    std::string new_id = rig.joined[b].member_id;
    REQUIRE(new_id != old_id);
    REQUIRE(rig.group.state() == GroupState::stable);
    uint64_t synced = rig.sync(new_id, 1);
    REQUIRE(rig.synced[synced].assignment == Bytes{'X'});
    // The old id is fenced.
    REQUIRE(rig.group.heartbeat(old_id, std::string("instance-1"), 1, rig.now) ==
            KafkaError::fenced_instance_id);
    auto left = rig.group.leave({LeaveInput{old_id, std::string("instance-1")}}, rig.now);
    REQUIRE(left == std::vector<KafkaError>{KafkaError::fenced_instance_id});
}

TEST_CASE("group: a static member with changed protocols triggers a rebalance", "[group]") {
    Rig rig;
    JoinInput in = rig.input("");
    in.group_instance_id = "instance-1";
    uint64_t a = rig.join(in);
    rig.sync(rig.joined[a].member_id, 1, {});
    // A new subscription: the same protocol with other metadata.
    JoinInput changed = rig.input("", {Protocol{"range", Bytes{9}}});
    changed.group_instance_id = "instance-1";
    uint64_t b = rig.join(changed);
    REQUIRE(rig.joined[b].generation == 2);
    REQUIRE(rig.joined[b].members.size() == 1);
    REQUIRE(rig.joined[b].members[0].metadata == Bytes{9});
}

TEST_CASE("group: leaving (v3 batch) empties the group, and only then can it be deleted", "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    std::string first = rig.joined[a].member_id;
    uint64_t b = rig.join(rig.input(""));
    rig.join(rig.input(first));
    std::string second = rig.joined[b].member_id;
    REQUIRE(rig.group.mark_dead() == KafkaError::non_empty_group);
    auto left = rig.group.leave({{first, std::nullopt}, {"nobody", std::nullopt}}, rig.now);
    REQUIRE(left == std::vector<KafkaError>{KafkaError::none, KafkaError::unknown_member_id});
    REQUIRE(rig.group.state() == GroupState::preparing_rebalance);
    rig.group.leave({{second, std::nullopt}}, rig.now);
    rig.collect();
    REQUIRE(rig.group.state() == GroupState::empty);
    REQUIRE(rig.group.generation() == 3);
    REQUIRE(rig.group.mark_dead() == KafkaError::none);
    REQUIRE(rig.group.state() == GroupState::dead);
    uint64_t late = rig.join(rig.input(""));
    REQUIRE(rig.joined[late].error == KafkaError::coordinator_not_available);
}

TEST_CASE("group: a rebalance answers a waiting follower's SyncGroup with REBALANCE_IN_PROGRESS",
          "[group]") {
    Rig rig;
    uint64_t a = rig.join(rig.input(""));
    std::string first = rig.joined[a].member_id;
    uint64_t b = rig.join(rig.input(""));
    rig.join(rig.input(first));
    uint64_t waiting = rig.sync(rig.joined[b].member_id, 2);
    rig.join(rig.input(""));  // a third member arrives before the leader synced
    REQUIRE(rig.synced[waiting].error == KafkaError::rebalance_in_progress);
    REQUIRE(rig.group.state() == GroupState::preparing_rebalance);
    // Members may still commit for the generation they have while the next one forms.
    REQUIRE(rig.group.check_commit(first, std::nullopt, 2) == KafkaError::none);
}

TEST_CASE("group: a standalone consumer commits to a group without members", "[group]") {
    Rig rig;
    REQUIRE(rig.group.check_commit("", std::nullopt, -1) == KafkaError::none);
}

}  // namespace
}  // namespace brook::group
