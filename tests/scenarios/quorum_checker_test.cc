#include "scenarios/quorum_checker.h"

#include <catch2/catch.hpp>

namespace brook::scenarios {
namespace {

raft::Entry entry(int64_t offset, int32_t epoch, std::string data) {
    return raft::Entry{Offset(offset), LeaderEpoch(epoch), raft::EntryKind::data, std::move(data)};
}

QuorumChecker make_checker() {
    return QuorumChecker([] { return Instant(seconds(7)); });
}

TEST_CASE("quorum checker: a clean history passes") {
    QuorumChecker checker = make_checker();
    checker.state_saved(NodeId(1), {LeaderEpoch(1), NodeId(1), raft::kNoNode});
    checker.state_saved(NodeId(1), {LeaderEpoch(1), NodeId(1), NodeId(1)});
    checker.leader_seen(NodeId(1), LeaderEpoch(1));
    checker.leader_seen(NodeId(1), LeaderEpoch(1));
    checker.leader_seen(NodeId(2), LeaderEpoch(2));
    checker.applied(NodeId(1), entry(0, 1, "a"));
    checker.applied(NodeId(2), entry(0, 1, "a"));
    checker.applied(NodeId(2), entry(1, 2, "b"));
    REQUIRE(!checker.violation());
    REQUIRE(checker.committed().size() == 2);
}

TEST_CASE("quorum checker: each broken invariant is reported") {
    SECTION("two leaders in one epoch") {
        QuorumChecker checker = make_checker();
        checker.leader_seen(NodeId(1), LeaderEpoch(3));
        checker.leader_seen(NodeId(2), LeaderEpoch(3));
        REQUIRE(checker.violation());
        REQUIRE(checker.violation()->find("two leaders in epoch 3") != std::string::npos);
    }
    SECTION("a durable epoch that goes back") {
        QuorumChecker checker = make_checker();
        checker.state_saved(NodeId(1), {LeaderEpoch(4), raft::kNoNode, raft::kNoNode});
        checker.state_saved(NodeId(1), {LeaderEpoch(3), raft::kNoNode, raft::kNoNode});
        REQUIRE(checker.violation()->find("goes back from 4 to 3") != std::string::npos);
    }
    SECTION("two votes in one epoch") {
        QuorumChecker checker = make_checker();
        checker.state_saved(NodeId(1), {LeaderEpoch(4), NodeId(2), raft::kNoNode});
        checker.state_saved(NodeId(1), {LeaderEpoch(4), NodeId(3), raft::kNoNode});
        REQUIRE(checker.violation()->find("votes for 2 and then 3") != std::string::npos);
    }
    SECTION("another entry applied at a committed offset") {
        QuorumChecker checker = make_checker();
        checker.applied(NodeId(1), entry(0, 1, "a"));
        checker.applied(NodeId(2), entry(0, 2, "lost a"));
        REQUIRE(checker.violation()->find("at offset 0") != std::string::npos);
        REQUIRE(checker.violation()->starts_with("7.000000s"));
    }
}

}  // namespace
}  // namespace brook::scenarios
