#include "scenarios/group_checker.h"

#include <catch2/catch.hpp>

#include "tests/scenarios/instant_at.h"

namespace brook::scenarios {
namespace {

using testing::at;

const client::TopicPartition kP0{"events", PartitionId(0)};
const client::TopicPartition kP1{"events", PartitionId(1)};

TEST_CASE("group checker: a clean run passes") {
    GroupChecker checker;
    checker.acknowledged(kP0, Offset(0));
    checker.acknowledged(kP0, Offset(1));
    checker.assigned("g1", "a", 1, {kP0});
    checker.assigned("g1", "b", 1, {kP1});
    checker.assigned("g1", "b", 2, {kP0, kP1});  // the next generation may move it
    checker.started("g1", "a", kP0, Offset(0), at(1));
    checker.delivered("g1", kP0, Offset(0));
    checker.commit_acknowledged("g1", kP0, Offset(1), at(2), at(2));
    checker.started("g1", "b", kP0, Offset(1), at(3));
    checker.delivered("g1", kP0, Offset(1));
    checker.delivered("g1", kP0, Offset(1));  // at least once: twice is fine
    checker.commit_acknowledged("g1", kP0, Offset(2), at(4), at(4));
    CHECK(checker.check({"g1"}) == std::nullopt);
    CHECK(checker.commit_count() == 2);
}

TEST_CASE("group checker: two owners of a partition in one generation") {
    GroupChecker checker;
    checker.assigned("g1", "a", 3, {kP0});
    checker.assigned("g1", "b", 3, {kP0, kP1});
    auto anomaly = checker.check({"g1"});
    REQUIRE(anomaly);
    CHECK(anomaly->find("split-ownership: group g1 generation 3: events-0 owned by a and b") !=
          std::string::npos);
    // Other groups, and the same member again, are not a split.
    GroupChecker fine;
    fine.assigned("g1", "a", 3, {kP0});
    fine.assigned("g2", "b", 3, {kP0});
    fine.assigned("g1", "a", 3, {kP0});
    CHECK(fine.check({"g1", "g2"}) == std::nullopt);
}

TEST_CASE("group checker: a commit that goes backward") {
    GroupChecker checker;
    checker.commit_acknowledged("g1", kP0, Offset(79), at(10), at(10));
    // Sent before 79 was acknowledged, answered after: it may have landed first (a stalled
    // member's commit whose answer the network held).
    checker.commit_acknowledged("g1", kP0, Offset(60), at(9), at(12));
    CHECK(checker.check({"g1"}) == std::nullopt);
    checker.commit_acknowledged("g1", kP0, Offset(0), at(11), at(13));
    auto anomaly = checker.check({"g1"});
    REQUIRE(anomaly);
    CHECK(anomaly->find("commit-went-backward: group g1 events-0: 0") != std::string::npos);
}

TEST_CASE("group checker: a start below the last commit acknowledged before the OffsetFetch") {
    GroupChecker checker;
    checker.commit_acknowledged("g1", kP0, Offset(10), at(4), at(5));
    checker.commit_acknowledged("g1", kP0, Offset(20), at(6), at(8));
    // Asked before the second commit was acknowledged: 10 was the answer to expect at least.
    checker.started("g1", "a", kP0, Offset(10), at(7));
    CHECK(checker.check({"g1"}) == std::nullopt);
    checker.started("g1", "b", kP0, Offset(15), at(9));
    auto anomaly = checker.check({"g1"});
    REQUIRE(anomaly);
    CHECK(anomaly->find("commit-not-honoured: group g1 member b started events-0 at 15, below the "
                        "commit 20") != std::string::npos);
}

TEST_CASE("group checker: an acknowledged record a group never got") {
    GroupChecker checker;
    checker.acknowledged(kP0, Offset(0));
    checker.acknowledged(kP1, Offset(0));
    checker.delivered("g1", kP0, Offset(0));
    checker.delivered("g1", kP1, Offset(0));
    checker.delivered("g2", kP0, Offset(0));
    CHECK(checker.undelivered("g1", 5).empty());
    CHECK(checker.undelivered("g2", 5) ==
          std::vector<std::pair<client::TopicPartition, Offset>>{{kP1, Offset(0)}});
    auto anomaly = checker.check({"g1", "g2"});
    REQUIRE(anomaly);
    CHECK(*anomaly == "lost-record: group g2 never delivered acknowledged records: events-1@0");
}

}  // namespace
}  // namespace brook::scenarios
