#include "tools/brook/quorum_report.h"

#include <catch2/catch.hpp>

namespace brook::tools {
namespace {

using client::QuorumDescription;
using client::QuorumReplica;

// Kafka's documented example: leader 2 at 61, voter 3 caught up, voter 1 behind, broker 4 an
// observer.
QuorumDescription three_voters() {
    return QuorumDescription{
        .leader = NodeId(2),
        .leader_epoch = LeaderEpoch(7),
        .high_watermark = Offset(61),
        .voters = {{NodeId(1), Offset(55), 1'700'000'000'100, 1'700'000'000'050},
                   {NodeId(2), Offset(61), -1, 1'700'000'000'500},
                   {NodeId(3), Offset(61), 1'700'000'000'400, 1'700'000'000'400}},
        .observers = {{NodeId(4), Offset(60), 1'700'000'000'300, 1'700'000'000'200}}};
}

TEST_CASE("quorum report: --status prints Kafka's eight lines with the slowest voter's lag") {
    CHECK(quorum_status_text(std::string("fMCL8kv1SWm87L_Md-I2hg"), three_voters()) ==
          "ClusterId:              fMCL8kv1SWm87L_Md-I2hg\n"
          "LeaderId:               2\n"
          "LeaderEpoch:            7\n"
          "HighWatermark:          61\n"
          "MaxFollowerLag:         6\n"
          "MaxFollowerLagTimeMs:   450\n"
          "CurrentVoters:          [1,2,3]\n"
          "CurrentObservers:       [4]\n");
}

TEST_CASE("quorum report: --status with every voter caught up, an unknown time, no leader") {
    QuorumDescription quorum = three_voters();
    quorum.voters[0].log_end_offset = Offset(61);
    quorum.voters[0].last_caught_up_ms = -1;
    // Voter 1 is the first of the smallest log ends (61), not the leader: its time is unknown.
    CHECK(quorum_status_text(std::nullopt, quorum).find("ClusterId:              unknown\n") == 0);
    CHECK(quorum_status_text(std::nullopt, quorum).find("MaxFollowerLag:         0\n"
                                                        "MaxFollowerLagTimeMs:   -1\n") !=
          std::string::npos);
    quorum.voters.erase(quorum.voters.begin());  // now the leader is the first of the slowest
    CHECK(quorum_status_text(std::nullopt, quorum).find("MaxFollowerLagTimeMs:   0\n") !=
          std::string::npos);
    quorum.leader = NodeId(-1);  // an election in progress
    std::string text = quorum_status_text(std::nullopt, quorum);
    CHECK(text.find("LeaderId:               -1\n") != std::string::npos);
    CHECK(text.find("MaxFollowerLag:         -1\nMaxFollowerLagTimeMs:   -1\n") !=
          std::string::npos);
}

TEST_CASE("quorum report: --replication rows go leader, followers, observers, padded") {
    CHECK(quorum_replication_text(three_voters(), ReplicationTimes::raw, 0) ==
          "NodeId  LogEndOffset  Lag  LastFetchTimestamp  LastCaughtUpTimestamp  Status\n"
          "2       61            0    -1                  1700000000500          Leader\n"
          "1       55            6    1700000000100       1700000000050          Follower\n"
          "3       61            0    1700000000400       1700000000400          Follower\n"
          "4       60            1    1700000000300       1700000000200          Observer\n");
}

TEST_CASE("quorum report: --human-readable times are ms ago; unknown lags are -1") {
    QuorumDescription quorum = three_voters();
    quorum.observers[0].log_end_offset = Offset(-1);
    std::string text = quorum_replication_text(quorum, ReplicationTimes::relative,
                                               1'700'000'001'000);
    CHECK(text.find("3       61            0    600 ms ago          600 ms ago             "
                    "Follower\n") != std::string::npos);
    CHECK(text.find("4       -1            -1   700 ms ago          800 ms ago             "
                    "Observer\n") != std::string::npos);
    quorum.leader = NodeId(-1);  // no leader row; every voter a follower, lags unknown
    text = quorum_replication_text(quorum, ReplicationTimes::raw, 0);
    CHECK(text.find("Leader") == std::string::npos);
    CHECK(text.find("1       55            -1") != std::string::npos);
}

TEST_CASE("quorum report: describe prints the cluster id, controller and each broker") {
    client::ClusterDescription cluster{
        "abc", NodeId(2), {{NodeId(1), "127.0.0.1", 9091, std::nullopt},
                           {NodeId(2), "127.0.0.1", 9092, std::string("rack-b")}}};
    CHECK(cluster_description_text(cluster) ==
          "ClusterId:    abc\n"
          "ControllerId: 2\n"
          "Brokers:      2\n"
          "  id: 1\thost: 127.0.0.1\tport: 9091\track: null\n"
          "  id: 2\thost: 127.0.0.1\tport: 9092\track: rack-b\n");
}

}  // namespace
}  // namespace brook::tools
