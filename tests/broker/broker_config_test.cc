#include <catch2/catch.hpp>

#include "core/broker/broker_config.h"
#include "core/cluster/topic_config.h"

namespace brook::broker {
namespace {

using cluster::ConfigEntry;
using cluster::ConfigSource;
using cluster::TopicConfig;

TEST_CASE("broker config: defaults") {
    auto config = BrokerConfig::parse("");
    REQUIRE(config.ok());
    REQUIRE(config->listeners == std::vector<ListenerSpec>{{"PLAINTEXT", "127.0.0.1", 9092}});
    REQUIRE(config->log_dir == "./data");
    REQUIRE(config->node_id == NodeId(1));
    REQUIRE(config->num_partitions == 1);
    REQUIRE(config->auto_create_topics_enable);
    REQUIRE(config->log_defaults().retention_ms == 168LL * 3600 * 1000);
    REQUIRE(config->log_defaults().flush_messages == 1);
    REQUIRE(config->log_defaults().segment_ms == 168LL * 3600 * 1000);
    REQUIRE(config->explicit_values().empty());
}

TEST_CASE("broker config: a server.properties file with comments, blanks and every key") {
    auto config = BrokerConfig::parse(R"(# Brook
! also a comment

listeners=PLAINTEXT://:9093
advertised.listeners=PLAINTEXT://broker.example:19093
log.dirs = /var/lib/brook
broker.id: 7
num.partitions 3
default.replication.factor=1
log.retention.minutes=90
log.retention.bytes=1048576
log.segment.bytes=16777216
log.roll.hours=2
log.flush.interval.messages=10
log.flush.interval.ms=500
auto.create.topics.enable=false
socket.request.max.bytes=1000000
connections.max.idle.ms=60000
max.connections=50
message.max.bytes=2000000
log.message.timestamp.type=LogAppendTime
offsets.topic.num.partitions=5
group.initial.rebalance.delay.ms=0
num.network.threads=3
)");
    REQUIRE(config.ok());
    REQUIRE(config->listeners[0].host.empty());
    REQUIRE(config->listeners[0].wildcard_host());
    REQUIRE(config->listeners[0].port == 9093);
    REQUIRE(config->advertised_listeners[0].host == "broker.example");
    REQUIRE(config->log_dir == "/var/lib/brook");
    REQUIRE(config->node_id == NodeId(7));
    REQUIRE(config->num_partitions == 3);
    REQUIRE(config->log_defaults().retention_ms == 90 * 60'000);
    REQUIRE(config->log_defaults().retention_bytes == 1048576);
    REQUIRE(config->log_defaults().segment_bytes == 16777216);
    REQUIRE(config->log_defaults().segment_ms == 2 * 3'600'000);
    REQUIRE(config->log_defaults().flush_messages == 10);
    REQUIRE(config->log_defaults().flush_ms == 500);
    REQUIRE_FALSE(config->auto_create_topics_enable);
    REQUIRE(config->socket_request_max_bytes == 1000000);
    REQUIRE(config->connections_max_idle_ms == 60000);
    REQUIRE(config->max_connections == 50);
    REQUIRE(config->log_defaults().max_message_bytes == 2000000);
    REQUIRE(config->log_defaults().message_timestamp_type == log::TimestampType::log_append_time);
    REQUIRE(config->offsets_topic_num_partitions == 5);
    REQUIRE(config->group_initial_rebalance_delay_ms == 0);
    REQUIRE(config->ignored_keys() == std::vector<std::string>{"num.network.threads"});
    REQUIRE(config->explicit_values().at("broker.id") == "7");
}

TEST_CASE("broker config: the group coordinator's keys, with Kafka's defaults") {
    BrokerConfig defaults;
    REQUIRE(defaults.group_min_session_timeout_ms == 6000);
    REQUIRE(defaults.group_max_session_timeout_ms == 1800000);
    REQUIRE(defaults.offsets_retention_minutes == 10080);
    auto config = BrokerConfig::parse(
        "group.min.session.timeout.ms=100\ngroup.max.session.timeout.ms=5000\n"
        "offsets.retention.minutes=60\noffsets.retention.check.interval.ms=1000\n"
        "offset.metadata.max.bytes=10\noffsets.rewrite.threshold.bytes=4096\n");
    REQUIRE(config.ok());
    REQUIRE(config->group_min_session_timeout_ms == 100);
    REQUIRE(config->group_max_session_timeout_ms == 5000);
    REQUIRE(config->offsets_retention_minutes == 60);
    REQUIRE(config->offsets_retention_check_interval_ms == 1000);
    REQUIRE(config->offset_metadata_max_bytes == 10);
    REQUIRE(config->offsets_rewrite_threshold_bytes == 4096);
    auto crossed = BrokerConfig::parse(
        "group.min.session.timeout.ms=9000\ngroup.max.session.timeout.ms=8000\n");
    REQUIRE_FALSE(crossed.ok());
    REQUIRE_FALSE(BrokerConfig::parse("offsets.retention.minutes=0\n").ok());
}

TEST_CASE("broker config: retention precedence is ms, then minutes, then hours") {
    auto hours = BrokerConfig::parse("log.retention.hours=2\n");
    REQUIRE(hours->log_defaults().retention_ms == 7'200'000);
    auto both = BrokerConfig::parse("log.retention.ms=5\nlog.retention.hours=2\n");
    REQUIRE(both->log_defaults().retention_ms == 5);
    auto forever = BrokerConfig::parse("log.retention.hours=-1\n");
    REQUIRE(forever->log_defaults().retention_ms == -1);
    auto roll = BrokerConfig::parse("log.roll.ms=1000\nlog.roll.hours=3\n");
    REQUIRE(roll->log_defaults().segment_ms == 1000);
}

TEST_CASE("broker config: errors name the key and the value") {
    auto unknown = BrokerConfig::parse("# fine\nlog.retention.parsecs=12\n");
    REQUIRE_FALSE(unknown.ok());
    REQUIRE(unknown.error().context().find("line 2") != std::string::npos);
    REQUIRE(unknown.error().context().find("log.retention.parsecs") != std::string::npos);
    REQUIRE(unknown.error().context().find("12") != std::string::npos);

    auto invalid = BrokerConfig::parse("num.partitions=three\n");
    REQUIRE_FALSE(invalid.ok());
    REQUIRE(invalid.error().context().find("num.partitions") != std::string::npos);
    REQUIRE(invalid.error().context().find("three") != std::string::npos);

    auto replication = BrokerConfig::parse("default.replication.factor=3\n");
    REQUIRE_FALSE(replication.ok());
    REQUIRE(replication.error().context().find("only 1") != std::string::npos);

    REQUIRE_FALSE(BrokerConfig::parse("listeners=SSL://:9093\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("listeners=PLAINTEXT://host\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("listeners=PLAINTEXT://:70000\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("auto.create.topics.enable=yes\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("log.dirs=/a,/b\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("log.message.timestamp.type=Now\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("socket.request.max.bytes=999999999999\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("just-a-key\n").ok());
    REQUIRE_FALSE(BrokerConfig::parse("advertised.listeners=PLAINTEXT://:9092\n").ok());
}

TEST_CASE("broker config: --override applies on top of the file") {
    auto config = BrokerConfig::parse("num.partitions=3\nlog.retention.hours=5\n");
    REQUIRE(config.ok());
    REQUIRE(config->set_override("num.partitions=8").ok());
    REQUIRE(config->set_override("log.retention.ms = 1000").ok());
    REQUIRE(config->finish().ok());
    REQUIRE(config->num_partitions == 8);
    REQUIRE(config->log_defaults().retention_ms == 1000);
    auto bad = config->set_override("num.partitions");
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().context().find("key=value") != std::string::npos);
    REQUIRE_FALSE(config->set_override("nonsense.key=1").ok());
}

TEST_CASE("topic config: validated overrides resolve over the broker defaults") {
    auto broker = BrokerConfig::parse("log.segment.bytes=1048576\n");
    REQUIRE(broker.ok());
    TopicConfig config;
    REQUIRE(config.set("retention.ms", "1000").ok());
    REQUIRE(config.set("cleanup.policy", "compact").ok());
    REQUIRE(config.set("message.timestamp.type", "LogAppendTime").ok());
    REQUIRE(config.set("min.insync.replicas", "1").ok());
    log::LogConfig effective = config.log_config(broker->log_defaults());
    REQUIRE(effective.retention_ms == 1000);
    REQUIRE(effective.segment_bytes == 1048576);
    REQUIRE(effective.message_timestamp_type == log::TimestampType::log_append_time);

    auto unknown = config.set("retention.parsecs", "1");
    REQUIRE_FALSE(unknown.ok());
    REQUIRE(unknown.error().context().find("retention.parsecs") != std::string::npos);
    REQUIRE_FALSE(config.set("retention.ms", "soon").ok());
    REQUIRE_FALSE(config.set("cleanup.policy", "shred").ok());
    REQUIRE_FALSE(config.set("flush.messages", "0").ok());

    std::vector<ConfigEntry> described =
        config.describe(broker->log_defaults(), broker->explicit_values());
    auto find = [&](std::string_view name) {
        for (const ConfigEntry& entry : described) {
            if (entry.name == name) return entry;
        }
        FAIL("no entry " << name);
        return ConfigEntry{};
    };
    REQUIRE(find("retention.ms").value == "1000");
    REQUIRE(find("retention.ms").source == ConfigSource::dynamic_topic);
    REQUIRE(find("segment.bytes").value == "1048576");
    REQUIRE(find("segment.bytes").source == ConfigSource::static_broker);
    REQUIRE(find("retention.bytes").source == ConfigSource::default_config);

    REQUIRE(config.unset("retention.ms").ok());
    REQUIRE(config.log_config(broker->log_defaults()).retention_ms ==
            broker->log_defaults().retention_ms);
}

}  // namespace
}  // namespace brook::broker
