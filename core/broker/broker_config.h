// The broker's configuration, read from Kafka's server.properties format with Kafka's key names,
// so an existing Kafka configuration file mostly works unchanged.
//
//   TRY_ASSIGN(BrokerConfig config, BrokerConfig::parse(file_text));
//   TRY(config.set("log.retention.hours", "24"));          // `--override key=value`
//   TRY(config.finish());                                   // cross-key rules, derived values
//   log::LogConfig defaults = config.log_defaults();        // for topics without overrides
//
// Format: one `key=value` (or `key: value`, `key value`) per line; `#` and `!` start comments;
// blank lines are ignored; surrounding spaces are trimmed. An unknown key or an invalid value is
// an error naming the key and the value. A few Kafka keys that make no sense for Brook (thread
// pool sizes, socket buffer sizes, ZooKeeper settings) are accepted and reported by
// ignored_keys(), so a stock Kafka file loads. The KRaft keys (process.roles, the quorum's
// voters, ...) are in `kraft` (kraft_config.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/broker/kraft_config.h"
#include "core/cluster/config_values.h"
#include "core/log/log_config.h"

namespace brook::broker {

// One entry of `listeners` or `advertised.listeners`: NAME://host:port, the name upper-cased.
struct ListenerSpec {
    std::string name;  // "PLAINTEXT"
    std::string host;  // "" or "0.0.0.0" = every interface
    uint16_t port = 0;

    bool wildcard_host() const { return host.empty() || host == "0.0.0.0" || host == "::"; }
    std::string to_string() const { return fmt::format("{}://{}:{}", name, host, port); }
    bool operator==(const ListenerSpec&) const = default;
};

class BrokerConfig {
public:
    // Defaults: listeners=PLAINTEXT://127.0.0.1:9092, log.dirs=./data, node.id=1.
    BrokerConfig();

    // Parses server.properties text on top of the defaults (then finish()).
    static Result<BrokerConfig> parse(std::string_view text);

    // Sets one key (as a line of the file or an --override would). Call finish() afterwards.
    Result<void> set(std::string_view key, std::string_view value);
    // "key=value", as given to --override.
    Result<void> set_override(std::string_view assignment);
    // Resolves keys that depend on each other (log.retention.ms over .minutes over .hours) and
    // checks rules across keys.
    Result<void> finish();

    std::vector<ListenerSpec> listeners;
    std::vector<ListenerSpec> advertised_listeners;  // empty: advertise what the client reached
    std::string log_dir = "./data";
    NodeId node_id{1};
    int32_t num_partitions = 1;
    int16_t default_replication_factor = 1;
    bool auto_create_topics_enable = true;
    int64_t socket_request_max_bytes = 100 * 1024 * 1024;
    int64_t connections_max_idle_ms = 10 * 60 * 1000;
    int32_t max_connections = 10000;
    // The group coordinator (core/group/), with Kafka's defaults.
    int32_t offsets_topic_num_partitions = 50;
    // KRaft mode: the replicas the offsets topic is created with, at most the live brokers.
    int16_t offsets_topic_replication_factor = 3;
    int32_t group_initial_rebalance_delay_ms = 3000;
    int32_t group_min_session_timeout_ms = 6000;
    int32_t group_max_session_timeout_ms = 1800000;
    int64_t offsets_retention_minutes = 7 * 24 * 60;
    int64_t offsets_retention_check_interval_ms = 600000;
    int32_t offset_metadata_max_bytes = 4096;
    // Brook's own key: an offsets partition above this size and twice its live state is
    // rewritten (docs/design/groups.md), since the topic is not compacted.
    int64_t offsets_rewrite_threshold_bytes = 16 * 1024 * 1024;
    // process.roles, the metadata quorum, broker sessions (KRaft mode).
    KraftConfig kraft;

    // Defaults of every topic's log, from log.* keys and message.max.bytes.
    const log::LogConfig& log_defaults() const { return log_defaults_; }

    // Keys explicitly set (file or override), with their values as given: DescribeConfigs
    // reports them as static broker configuration, everything else as a default.
    const std::map<std::string, std::string>& explicit_values() const { return explicit_; }
    // Known Kafka keys that Brook accepts and ignores, in the order they were seen.
    const std::vector<std::string>& ignored_keys() const { return ignored_; }

    // Every key Brook understands with its current value, sorted, for DescribeConfigs.
    std::vector<std::pair<std::string, std::string>> describe() const;

private:
    log::LogConfig log_defaults_;
    std::optional<int64_t> retention_ms_, retention_minutes_, retention_hours_{168};
    std::optional<int64_t> roll_ms_, roll_hours_{168};
    std::map<std::string, std::string> explicit_;
    std::vector<std::string> ignored_;
};

// Parses "PLAINTEXT://host:port[,NAME://host:port...]".
Result<std::vector<ListenerSpec>> parse_listeners(std::string_view key, std::string_view text);

// Value parsing shared with topic configs (core/cluster/config_values.h).
using cluster::parse_config_bool;
using cluster::parse_config_integer;
using cluster::parse_timestamp_type;
using cluster::timestamp_type_name;

}  // namespace brook::broker
