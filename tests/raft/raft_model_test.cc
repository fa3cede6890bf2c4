// Model test of the metadata quorum: 3 or 5 voters and an observer on the test bed of
// raft_cluster.h, under a seeded storm of dropped, delayed, duplicated and reordered messages,
// slow fsyncs, crashes that lose unsynced writes, partitions and heals, with proposals and
// snapshots meanwhile. After every step the bed checks: at most one leader per epoch, durable
// epochs never go back, no vote leaves before it is durable, every node applies the same
// committed entries, a majority of voters' disks hold every committed entry (nothing committed
// is ever lost), and a leader's high watermark moves only over an entry of its epoch. After the
// storm the network heals: a leader must appear and a proposal commit everywhere in bounded
// time. RapidCheck draws the seed and the fault rates; the negative tests plant bugs in the
// nodes and require the checks to see them.
#include <rapidcheck.h>

#include <catch2/catch.hpp>

#include "core/raft/raft_node.h"
#include "tests/bounded_property.h"
#include "tests/raft/raft_cluster.h"

namespace brook::raft {
namespace {

using testing::Cluster;
using testing::ClusterSetup;

struct StormParameters {
    uint64_t seed = 1;
    int voters = 3;
    int drop_per_mille = 50;
    int duplicate_per_mille = 20;
    int64_t delay_max_ms = 20;
    int persist_per_mille = 300;
    int crash_per_mille = 3;      // per step, of one random node
    int partition_per_mille = 3;  // per step, a new random cut (or a heal)
    int64_t storm_ms = 2500;
};

struct StormResult {
    std::optional<std::string> violation;
    bool live = true;  // a leader and a commit after the heal
    size_t committed = 0;
    int64_t recovery_ms = 0;
};

// The storm's own choices, independent of the bus's.
class Dice {
public:
    explicit Dice(uint64_t seed) : random_(seed * 0x9e3779b97f4a7c15ULL) {}
    int64_t below(int64_t bound) {
        return static_cast<int64_t>(random_.uniform(static_cast<uint64_t>(bound)));
    }
    bool chance(int per_mille) { return below(1000) < per_mille; }

private:
    testing::Xorshift random_;
};

bool settled(Cluster& cluster) {
    NodeId leader = cluster.leader();
    if (leader == kNoNode) return false;
    RaftNode& node = cluster.node(leader);
    if (node.high_watermark() <= node.epoch_start_offset()) return false;
    for (NodeId id : cluster.nodes()) {
        if (id != leader &&
            (cluster.node(id).role() != Role::follower || cluster.node(id).leader() != leader)) {
            return false;
        }
    }
    return true;
}

StormResult run_storm(const StormParameters& p, RaftPlantedBug bug) {
    Cluster cluster(ClusterSetup{.voters = p.voters, .observers = 1, .planted_bug = bug}, p.seed);
    Dice dice(p.seed);
    cluster.faults.drop_per_mille = p.drop_per_mille;
    cluster.faults.duplicate_per_mille = p.duplicate_per_mille;
    cluster.faults.delay_max_ms = p.delay_max_ms;
    cluster.faults.persist_per_mille = p.persist_per_mille;
    std::vector<NodeId> nodes = cluster.nodes();
    int proposals = 0;
    for (int64_t t = 0; t < p.storm_ms && !cluster.violation(); ++t) {
        cluster.step(1);
        NodeId someone = nodes[static_cast<size_t>(dice.below(static_cast<int64_t>(nodes.size())))];
        if (dice.chance(p.crash_per_mille)) {
            if (cluster.alive(someone)) {
                cluster.crash(someone);
            } else {
                cluster.restart(someone);
            }
        }
        if (dice.chance(100)) {  // dead nodes come back
            for (NodeId id : nodes) {
                if (!cluster.alive(id) && dice.chance(300)) cluster.restart(id);
            }
        }
        if (dice.chance(p.partition_per_mille)) {
            if (dice.chance(400)) {
                cluster.heal();
            } else {
                NodeId other =
                    nodes[static_cast<size_t>(dice.below(static_cast<int64_t>(nodes.size())))];
                if (other != someone) {
                    cluster.block(someone, other);
                    if (dice.chance(700)) cluster.block(other, someone);  // else one way
                }
            }
        }
        if (dice.chance(60)) cluster.propose(fmt::format("p{}", proposals++));
        if (dice.chance(5) && cluster.alive(someone)) cluster.take_snapshot(someone);
    }
    StormResult result;
    // Heal: a reliable network, every node up, fsyncs on time.
    cluster.heal();
    cluster.faults = testing::Faults{};
    for (NodeId id : nodes) cluster.restart(id);
    int64_t healed_ms = cluster.now_ms();
    if (!cluster.violation()) {
        // Pre-vote backoff, an election, the LeaderChange commit: well under 2 s with 100 ms
        // election and 200 ms fetch timeouts.
        result.live = cluster.run_until([&] { return settled(cluster); }, 2000) &&
                      cluster.propose("after the heal") &&
                      cluster.run_until(
                          [&] {
                              for (NodeId id : nodes) {
                                  const auto& applied = cluster.applied(id);
                                  if (applied.empty() || applied.back().data != "after the heal") {
                                      return false;
                                  }
                              }
                              return true;
                          },
                          1000);
    }
    result.recovery_ms = cluster.now_ms() - healed_ms;
    result.violation = cluster.violation();
    result.committed = cluster.committed().size();
    return result;
}

std::string describe(const StormParameters& p) {
    return fmt::format(
        "seed={} voters={} drop={}‰ dup={}‰ delay<={}ms persist={}‰ crash={}‰ partition={}‰",
        p.seed, p.voters, p.drop_per_mille, p.duplicate_per_mille, p.delay_max_ms,
        p.persist_per_mille, p.crash_per_mille, p.partition_per_mille);
}

rc::Gen<StormParameters> storm_parameters(int voters) {
    return rc::gen::apply(
        [voters](uint64_t seed, int drop, int duplicate, int delay, int persist, int crash,
                 int partition) {
            StormParameters p;
            p.seed = seed;
            p.voters = voters;
            p.drop_per_mille = drop;
            p.duplicate_per_mille = duplicate;
            p.delay_max_ms = delay;
            p.persist_per_mille = persist;
            p.crash_per_mille = crash;
            p.partition_per_mille = partition;
            return p;
        },
        rc::gen::inRange<uint64_t>(1, 1'000'000'000), rc::gen::inRange(0, 300),
        rc::gen::inRange(0, 100), rc::gen::inRange(1, 40), rc::gen::inRange(50, 1000),
        rc::gen::inRange(0, 10), rc::gen::inRange(0, 10));
}

void check_storms(int voters, int runs) {
    brook::testing::bounded_property("storm", runs, [voters] {
        StormParameters p = *storm_parameters(voters);
        StormResult result = run_storm(p, RaftPlantedBug::none);
        RC_LOG() << describe(p) << "\n";
        if (result.violation) RC_FAIL(*result.violation);
        RC_ASSERT(result.live);
        RC_TAG(result.committed > 20 ? "many commits" : "few commits");
    });
}

TEST_CASE("raft model: three voters and an observer stay safe and live through storms") {
    check_storms(3, 40);
}

TEST_CASE("raft model: five voters and an observer stay safe and live through storms") {
    check_storms(5, 25);
}

TEST_CASE("raft model: a seeded storm commits entries and recovers in bounded time") {
    // A fixed, harsh storm as a regression anchor: it must commit a fair amount and heal.
    StormParameters p;
    p.seed = 20261204;
    StormResult result = run_storm(p, RaftPlantedBug::none);
    INFO(describe(p));
    CHECK(!result.violation);
    CHECK(result.live);
    CHECK(result.committed > 20);
    CHECK(result.recovery_ms < 3000);
}

// Each planted bug must be seen by the checks within a few seeds.
std::optional<std::string> first_violation(RaftPlantedBug bug, int voters, int seeds) {
    for (int seed = 1; seed <= seeds; ++seed) {
        StormParameters p;
        p.seed = static_cast<uint64_t>(seed);
        p.voters = voters;
        StormResult result = run_storm(p, bug);
        if (result.violation) return fmt::format("seed {}: {}", seed, *result.violation);
    }
    return std::nullopt;
}

TEST_CASE("raft model: voting before the vote is durable is caught") {
    auto found = first_violation(RaftPlantedBug::vote_before_durable, 3, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("before it is durable") != std::string::npos);
}

TEST_CASE("raft model: fetching before the append is durable is caught") {
    auto found = first_violation(RaftPlantedBug::fetch_before_durable, 3, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("durable on only") != std::string::npos);
}

TEST_CASE("raft model: committing an older epoch's entries by counting is caught") {
    auto found = first_violation(RaftPlantedBug::commit_older_epoch, 3, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("over an entry of epoch") != std::string::npos);
}

TEST_CASE("raft model: the same seed gives the same run") {
    StormParameters p;
    p.seed = 99;
    StormResult a = run_storm(p, RaftPlantedBug::none);
    StormResult b = run_storm(p, RaftPlantedBug::none);
    CHECK(a.committed == b.committed);
    CHECK(a.recovery_ms == b.recovery_ms);
}

}  // namespace
}  // namespace brook::raft
