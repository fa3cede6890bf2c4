#include "core/client/cluster_calls.h"

#include <catch2/catch.hpp>

#include "tests/quorum/quorum_rig.h"

namespace brook::client {
namespace {

using quorum::testing::QuorumRig;
using quorum::testing::QuorumRigSetup;

constexpr uint16_t kControllerPort = 9093;  // the rig's controller listener

// Runs `call` in a client process of the rig's world; its result once it returned.
template <typename Call>
auto ask(QuorumRig& rig, const std::string& host, Call call) {
    using Answer = decltype(call(std::declval<KafkaConnection&>(), Instant{}));
    std::optional<Answer> answer;
    rig.sim().add_process("cli-" + std::to_string(rig.sim().now().time_since_epoch().count()),
                          [&](Environment& env) {
                              Instant deadline = env.clock.now() + seconds(5);
                              auto kafka = KafkaConnection::connect(
                                  env.network, Address{host, kControllerPort}, deadline);
                              REQUIRE(kafka.ok());
                              answer = call(**kafka, deadline);
                          });
    REQUIRE(rig.run_until([&] { return answer.has_value(); }, seconds(10)));
    return std::move(*answer);
}

TEST_CASE("cluster calls: DescribeQuorum on a follower's controller listener names the leader",
          "[client]") {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .kafka_wire = true}, 5);
    REQUIRE(rig.elect());
    REQUIRE(rig.propose("x"));
    REQUIRE(rig.all_applied(1));
    raft::NodeId leader = rig.leader();
    raft::NodeId follower = leader == raft::NodeId(1) ? raft::NodeId(2) : raft::NodeId(1);

    auto at_follower = ask(rig, QuorumRig::name(follower), describe_quorum);
    REQUIRE(at_follower.ok());
    CHECK(at_follower->leader == leader);
    CHECK(at_follower->leader_epoch == rig.node(leader).raft().epoch());
    CHECK(at_follower->voters.size() == 3);

    auto at_leader = ask(rig, QuorumRig::name(leader), describe_quorum);
    REQUIRE(at_leader.ok());
    CHECK(at_leader->leader == leader);
    CHECK(at_leader->high_watermark.value() >= 2);  // the LeaderChange entry and "x"
    for (const QuorumReplica& voter : at_leader->voters) {
        CHECK(voter.log_end_offset == at_leader->high_watermark);  // all caught up
    }
    CHECK(at_leader->observers.empty());
}

TEST_CASE("cluster calls: a listener that does not serve DescribeCluster is an error, not a "
          "hang",
          "[client]") {
    QuorumRig rig(QuorumRigSetup{.voters = 3, .kafka_wire = true}, 6);
    REQUIRE(rig.elect());
    auto answer = ask(rig, QuorumRig::name(rig.leader()), describe_cluster);
    CHECK(!answer.ok());
}

}  // namespace
}  // namespace brook::client
