#include "core/broker/kraft_config.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "core/broker/broker_config.h"

namespace brook::broker {
namespace {

constexpr std::string_view kCombined = R"(process.roles=broker,controller
node.id=2
controller.quorum.voters=1@localhost:19091,2@localhost:19092,3@localhost:19093
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://localhost:9192,CONTROLLER://localhost:19092
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
)";

// The error text of parsing `text`, "" when it parses.
std::string error_of(std::string_view text) {
    auto config = BrokerConfig::parse(text);
    return config.ok() ? "" : config.error().context();
}

bool mentions(const std::string& text, std::string_view part) {
    INFO(text);
    return text.find(part) != std::string::npos;
}

TEST_CASE("kraft config: Kafka's defaults, off without process.roles") {
    auto config = BrokerConfig::parse("");
    REQUIRE(config.ok());
    const KraftConfig& kraft = config->kraft;
    REQUIRE_FALSE(kraft.enabled());
    REQUIRE(kraft.broker_session_timeout_ms == 9000);
    REQUIRE(kraft.broker_heartbeat_interval_ms == 2000);
    REQUIRE(kraft.election_timeout_ms == 1000);
    REQUIRE(kraft.fetch_timeout_ms == 2000);
    REQUIRE(kraft.request_timeout_ms == 2000);
    REQUIRE_FALSE(kraft.broker_rack.has_value());
    REQUIRE(kraft.metadata_log_dir.empty());
    REQUIRE(config->default_replication_factor == 1);
    REQUIRE(config->ignored_keys().empty());
}

TEST_CASE("kraft config: a combined-mode node parses into typed fields") {
    std::string text(kCombined);
    text += "broker.session.timeout.ms=12000\nbroker.heartbeat.interval.ms=3000\n"
            "controller.quorum.election.timeout.ms=1500\ncontroller.quorum.fetch.timeout.ms=2500\n"
            "controller.quorum.request.timeout.ms=2200\nbroker.rack=rack-a\n"
            "metadata.log.dir=/var/brook/meta\n";
    auto config = BrokerConfig::parse(text);
    INFO((config.ok() ? "" : config.error().context()));
    REQUIRE(config.ok());
    const KraftConfig& kraft = config->kraft;
    REQUIRE(kraft.enabled());
    REQUIRE(kraft.broker_role);
    REQUIRE(kraft.controller_role);
    REQUIRE(kraft.quorum_voters == std::vector<QuorumVoter>{{NodeId(1), "localhost", 19091},
                                                            {NodeId(2), "localhost", 19092},
                                                            {NodeId(3), "localhost", 19093}});
    REQUIRE(kraft.controller_listener_names == std::vector<std::string>{"CONTROLLER"});
    REQUIRE(kraft.is_controller_listener("CONTROLLER"));
    REQUIRE(kraft.security_protocol("CONTROLLER") == "PLAINTEXT");
    REQUIRE(kraft.broker_session_timeout_ms == 12000);
    REQUIRE(kraft.broker_heartbeat_interval_ms == 3000);
    REQUIRE(kraft.election_timeout_ms == 1500);
    REQUIRE(kraft.fetch_timeout_ms == 2500);
    REQUIRE(kraft.request_timeout_ms == 2200);
    REQUIRE(kraft.broker_rack == "rack-a");
    REQUIRE(kraft.metadata_log_dir == "/var/brook/meta");
    REQUIRE(config->listeners.size() == 2);
    REQUIRE(config->listeners[1] == ListenerSpec{"CONTROLLER", "localhost", 19092});
    // DescribeConfigs reports them, still sorted.
    auto described = config->describe();
    REQUIRE(std::is_sorted(described.begin(), described.end()));
    REQUIRE(std::find(described.begin(), described.end(),
                      std::pair<std::string, std::string>{"process.roles", "broker,controller"}) !=
            described.end());
}

TEST_CASE("kraft config: roles, voters and bootstrap servers are checked entry by entry") {
    REQUIRE(mentions(error_of("process.roles=broker,observer\n"), "unknown process role 'observer'"));
    REQUIRE(mentions(error_of("process.roles=broker,broker\n"), "duplicate role names"));
    REQUIRE(mentions(error_of("controller.quorum.voters=1@localhost\n"), "expected host:port"));
    REQUIRE(mentions(error_of("controller.quorum.voters=localhost:9093\n"), "expected id@host:port"));
    REQUIRE(mentions(error_of("controller.quorum.voters=1@a:1,1@b:2\n"), "a voter id appears twice"));
    REQUIRE(mentions(error_of("controller.quorum.voters=x@a:1\n"), "controller.quorum.voters"));
    REQUIRE(mentions(error_of("controller.quorum.bootstrap.servers=a:0\n"),
                     "controller.quorum.bootstrap.servers"));
    REQUIRE(mentions(error_of("broker.session.timeout.ms=0\n"), "broker.session.timeout.ms"));
    REQUIRE(mentions(error_of("listener.security.protocol.map=CONTROLLER\n"),
                     "expected LISTENER_NAME:PROTOCOL"));
    REQUIRE(mentions(error_of("default.replication.factor=3\n"), "one replica"));
}

TEST_CASE("kraft config: rules across keys fail with Kafka's messages") {
    std::string combined(kCombined);
    auto with = [&](std::string_view extra) { return error_of(combined + std::string(extra)); };
    REQUIRE(error_of(combined).empty());
    REQUIRE(mentions(with("node.id=4\n"),
                     "If process.roles contains the 'controller' role, the node id 4 must be "
                     "included in the set of voters controller.quorum.voters={1,2,3}"));
    REQUIRE(mentions(with("listeners=PLAINTEXT://localhost:9192\n"),
                     "controller.listener.names must contain at least one value appearing in the "
                     "'listeners' configuration when running the KRaft controller role"));
    REQUIRE(mentions(with("controller.quorum.voters=\n"),
                     "either controller.quorum.bootstrap.servers must contain"));
    REQUIRE(mentions(with("controller.listener.names=\n"),
                     "controller.listener.names must contain at least one value"));
    REQUIRE(mentions(with("advertised.listeners=CONTROLLER://localhost:19092\n"),
                     "The advertised.listeners config must not contain KRaft controller listeners"));
    REQUIRE(mentions(with("listener.security.protocol.map=PLAINTEXT:PLAINTEXT\n"),
                     "no security protocol defined for listener CONTROLLER"));
    REQUIRE(mentions(with("listener.security.protocol.map=CONTROLLER:SSL,PLAINTEXT:PLAINTEXT\n"),
                     "only PLAINTEXT is supported"));
    REQUIRE(mentions(with("broker.heartbeat.interval.ms=9000\n"), "broker.session.timeout.ms"));
    // Broker only: not a voter, no controller listener of its own, the quorum found by voters or
    // bootstrap servers.
    REQUIRE(mentions(with("process.roles=broker\n"),
                     "If process.roles contains just the 'broker' role, the node id 2 must not be "
                     "included"));
    std::string broker_only =
        "process.roles=broker\nnode.id=4\ncontroller.listener.names=CONTROLLER\n"
        "controller.quorum.bootstrap.servers=localhost:19091\nlisteners=PLAINTEXT://:9194\n";
    REQUIRE(error_of(broker_only).empty());
    REQUIRE(mentions(error_of(broker_only + "listeners=PLAINTEXT://:9194,CONTROLLER://:19094\n"),
                     "must not contain a value appearing in the 'listeners' configuration when "
                     "running KRaft with just the broker role"));
    // Controller only: nothing but controller listeners.
    REQUIRE(mentions(with("process.roles=controller\n"),
                     "The listeners config must only contain KRaft controller listeners"));
    REQUIRE(error_of(combined + "process.roles=controller\nlisteners=CONTROLLER://:19092\n").empty());
}

TEST_CASE("kraft config: listener names beyond PLAINTEXT need a PLAINTEXT mapping") {
    REQUIRE(error_of("listeners=INTERNAL://:9092\n").find("no security protocol defined") !=
            std::string::npos);
    REQUIRE(error_of("listeners=INTERNAL://:9092\nlistener.security.protocol.map=INTERNAL:"
                     "PLAINTEXT\n")
                .empty());
    auto lower = BrokerConfig::parse("listeners=plaintext://:9092\n");
    REQUIRE(lower.ok());
    REQUIRE(lower->listeners[0].name == "PLAINTEXT");  // Kafka compares names upper-cased
    REQUIRE(mentions(error_of("listeners=SSL://:9093\n"), "only PLAINTEXT is supported"));
    REQUIRE(mentions(error_of("listeners=PLAIN-TEXT://:9093\n"), "letters, digits and '_'"));
}

TEST_CASE("kraft config: the three-node example configs validate, with distinct ports and dirs") {
    std::set<uint16_t> ports;
    std::set<std::string> directories;
    for (int node = 1; node <= 3; ++node) {
        std::string path = fmt::format("{}/tools/cluster/node{}.properties", BROOK_SOURCE_DIR, node);
        std::ifstream in(path);
        REQUIRE(in.good());
        std::ostringstream text;
        text << in.rdbuf();
        auto config = BrokerConfig::parse(text.str());
        INFO(path << ": " << (config.ok() ? "" : config.error().context()));
        REQUIRE(config.ok());
        REQUIRE(config->node_id == NodeId(node));
        REQUIRE(config->kraft.broker_role);
        REQUIRE(config->kraft.controller_role);
        REQUIRE(config->kraft.quorum_voters.size() == 3);
        for (const ListenerSpec& listener : config->listeners) ports.insert(listener.port);
        directories.insert(config->log_dir);
    }
    REQUIRE(ports.size() == 6);
    REQUIRE(directories.size() == 3);
}

}  // namespace
}  // namespace brook::broker
