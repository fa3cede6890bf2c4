// quorum_member_options(): what a server.properties in KRaft mode gives the quorum member.
#include <catch2/catch.hpp>

#include "core/broker/broker_config.h"
#include "core/node/quorum_member.h"

namespace brook::node {
namespace {

QuorumMemberOptions options_of(std::string_view properties, const std::string& cluster_id) {
    auto config = broker::BrokerConfig::parse(properties);
    REQUIRE(config.ok());
    return quorum_member_options(*config, cluster_id);
}

TEST_CASE("quorum member options: Kafka's keys become the member's options") {
    auto config = broker::BrokerConfig::parse(
        "process.roles=broker,controller\n"
        "node.id=2\n"
        "listeners=PLAINTEXT://h2:9092,CONTROLLER://h2:9093\n"
        "controller.listener.names=CONTROLLER\n"
        "controller.quorum.voters=1@h1:9093,2@h2:9093,3@h3:9093\n"
        "log.dirs=/data\n"
        "num.partitions=4\n"
        "broker.session.timeout.ms=6000\n"
        "broker.heartbeat.interval.ms=1000\n"
        "controller.quorum.election.timeout.ms=700\n");
    REQUIRE(config.ok());
    QuorumMemberOptions options = quorum_member_options(*config, "cluster-a");
    CHECK(options.self == NodeId(2));
    CHECK(options.voter());
    CHECK(options.listen == std::optional<Address>(Address{"h2", 9093}));
    CHECK(options.voters.size() == 3);
    CHECK(options.voters.at(NodeId(3)) == Address{"h3", 9093});
    CHECK(options.metadata_directory == "__cluster_metadata-0");  // on the Disk's root
    CHECK(options.quorum.raft.election_timeout_ms == 700);
    CHECK(options.quorum.raft.fetch_timeout_ms == 2000);  // Kafka's default
    CHECK(options.controller.controller.num_partitions == 4);
    CHECK(options.controller.controller.default_replication_factor == 1);
    CHECK(options.controller.controller.broker_session_timeout_ms == 6000);
    CHECK(options.controller.tick_interval == milliseconds(500));
    // Topic ids are seeded by the cluster id: another cluster draws others.
    CHECK(options.controller.controller.topic_id_seed !=
          quorum_member_options(*config, "cluster-b").controller.controller.topic_id_seed);
}

TEST_CASE(
    "quorum member options: a broker-only node is an observer, a wildcard host listens on all") {
    std::string voters =
        "controller.listener.names=CONTROLLER\ncontroller.quorum.voters=1@h1:9093\n";
    QuorumMemberOptions observer =
        options_of("process.roles=broker\nnode.id=4\nlisteners=PLAINTEXT://:9092\n" + voters, "c");
    CHECK_FALSE(observer.voter());
    CHECK_FALSE(observer.listen.has_value());
    QuorumMemberOptions wildcard = options_of(
        "process.roles=controller\nnode.id=1\nlisteners=CONTROLLER://:9093\n" + voters, "c");
    CHECK(wildcard.listen == std::optional<Address>(Address{"0.0.0.0", 9093}));
}

}  // namespace
}  // namespace brook::node
