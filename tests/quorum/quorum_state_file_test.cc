#include "core/quorum/quorum_state_file.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <string>
#include <vector>

namespace brook::quorum {
namespace {

using raft::LeaderEpoch;
using raft::NodeId;

rc::Gen<NodeId> id_or_none() {
    return rc::gen::map(rc::gen::inRange<int32_t>(-1, 1'000'000), [](int32_t id) { return NodeId(id); });
}

TEST_CASE("quorum-state: any state round-trips through the file", "[quorum]") {
    rc::prop("format then parse", [] {
        QuorumStateFile file;
        file.state = raft::QuorumState{LeaderEpoch(*rc::gen::inRange<int32_t>(0, INT32_MAX)),
                                       *id_or_none(), *id_or_none()};
        file.cluster_id = *rc::gen::arbitrary<std::string>();
        file.voters = *rc::gen::container<std::vector<NodeId>>(rc::gen::map(
            rc::gen::inRange<int32_t>(0, INT32_MAX), [](int32_t id) { return NodeId(id); }));
        Result<QuorumStateFile> back = parse_quorum_state(format_quorum_state(file));
        RC_ASSERT(back.ok());
        RC_ASSERT(*back == file);
    });
}

TEST_CASE("quorum-state: the file is Kafka's", "[quorum]") {
    QuorumStateFile file{raft::QuorumState{LeaderEpoch(3), NodeId(2), NodeId(-1)}, "Xy_9-A",
                         {NodeId(1), NodeId(2), NodeId(3)}};
    CHECK(format_quorum_state(file) ==
          R"({"clusterId":"Xy_9-A","leaderId":-1,"leaderEpoch":3,"votedId":2,"appliedOffset":0,)"
          R"("currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0})");
}

TEST_CASE("quorum-state: Kafka's files parse", "[quorum]") {
    // As Kafka 3.x writes it (v0), with spaces a hand edit might add.
    Result<QuorumStateFile> v0 = parse_quorum_state(
        R"({"clusterId":"","leaderId":1,"leaderEpoch":7,"votedId":-1,"appliedOffset":0, )"
        R"("currentVoters":[{"voterId":1}, {"voterId":2}],"data_version":0})");
    REQUIRE(v0.ok());
    CHECK(v0->state == raft::QuorumState{LeaderEpoch(7), NodeId(-1), NodeId(1)});
    CHECK(v0->voters == std::vector<NodeId>{NodeId(1), NodeId(2)});
    // Kafka 3.8+ (v1): no clusterId, a votedDirectoryId, currentVoters null.
    Result<QuorumStateFile> v1 = parse_quorum_state(
        R"({"leaderId":-1,"leaderEpoch":2,"votedId":3,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("appliedOffset":0,"currentVoters":null,"data_version":1})");
    REQUIRE(v1.ok());
    CHECK(v1->state == raft::QuorumState{LeaderEpoch(2), NodeId(3), NodeId(-1)});
    CHECK(v1->cluster_id.empty());
    CHECK(v1->voters.empty());
}

TEST_CASE("quorum-state: bad files are errors", "[quorum]") {
    std::string good = format_quorum_state(
        {raft::QuorumState{LeaderEpoch(3), NodeId(2), NodeId(-1)}, "c", {NodeId(1)}});
    for (std::size_t n = 0; n < good.size(); ++n) {
        CHECK_FALSE(parse_quorum_state(good.substr(0, n)).ok());
    }
    for (std::string_view bad : {
             R"({"leaderId":1,"leaderEpoch":-1,"votedId":-1,"data_version":0})",
             R"({"leaderId":-2,"leaderEpoch":1,"votedId":-1,"data_version":0})",
             R"({"leaderId":1,"leaderEpoch":4294967296,"votedId":-1,"data_version":0})",
             R"({"leaderId":1,"leaderEpoch":1,"votedId":-1,"data_version":2})",
             R"({"leaderId":1,"leaderEpoch":1.5,"votedId":-1,"data_version":0})",
             R"({"leaderId":1,"leaderEpoch":1,"votedId":-1})",
             R"({"leaderId":1,"leaderEpoch":1,"votedId":-1,"data_version":0} x)",
             R"({"leaderId":1,"leaderEpoch":1,"votedId":-1,"data_version":0,"currentVoters":[{}]})",
             R"({"leaderId":"1","leaderEpoch":1,"votedId":-1,"data_version":0})",
             R"([])",
         }) {
        INFO(bad);
        CHECK(parse_quorum_state(bad).error().code() == ErrorCode::corruption);
    }
    // An unknown key is skipped, but not at any depth: the reader's recursion is bounded.
    std::string deep = std::string(40, '[') + std::string(40, ']');
    CHECK_FALSE(parse_quorum_state(R"({"x":)" + deep +
                                   R"(,"leaderId":1,"leaderEpoch":1,"votedId":-1,"data_version":0})")
                    .ok());
    std::string shallow = std::string(3, '[') + std::string(3, ']');
    CHECK(parse_quorum_state(R"({"x":)" + shallow +
                             R"(,"leaderId":1,"leaderEpoch":1,"votedId":-1,"data_version":0})")
              .ok());
}

}  // namespace
}  // namespace brook::quorum
