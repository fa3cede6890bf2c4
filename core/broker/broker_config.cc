#include "core/broker/broker_config.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/broker/limits.h"
#include "core/cluster/limits.h"

namespace brook::broker {
namespace {

using cluster::invalid_config_value;
using cluster::kInt32Max;
using cluster::kInt64Max;

// Kafka keys that configure things Brook does not have (thread pools, socket buffers,
// replication of internal topics, ZooKeeper). Accepted so a stock file loads.
constexpr std::string_view kIgnoredKeys[] = {
    "num.network.threads",
    "num.io.threads",
    "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes",
    "num.recovery.threads.per.data.dir",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "log.retention.check.interval.ms",
    "inter.broker.listener.name",
    "zookeeper.connect",
    "zookeeper.connection.timeout.ms",
};

}  // namespace

Result<std::vector<ListenerSpec>> parse_listeners(std::string_view key, std::string_view text) {
    std::vector<ListenerSpec> listeners;
    for (std::string_view entry : cluster::split_config_list(text)) {
        std::size_t scheme = entry.find("://");
        if (scheme == std::string_view::npos || scheme == 0) {
            return invalid_config_value(key, entry, "expected NAME://host:port");
        }
        ListenerSpec spec;
        // Kafka compares listener names upper-cased; the protocol behind a name is checked
        // against listener.security.protocol.map in finish().
        for (char c : entry.substr(0, scheme)) {
            bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
            if (!letter && !(c >= '0' && c <= '9') && c != '_') {
                return invalid_config_value(key, entry,
                                            "a listener name is letters, digits and '_'");
            }
            spec.name += letter && c >= 'a' ? static_cast<char>(c - 'a' + 'A') : c;
        }
        TRY_ASSIGN(cluster::HostPort address,
                   cluster::parse_config_host_port(key, entry.substr(scheme + 3), 0));
        spec.host = std::move(address.host);
        spec.port = address.port;
        for (const ListenerSpec& other : listeners) {
            if (other.name == spec.name) {
                return invalid_config_value(key, entry, "listener name used twice");
            }
        }
        listeners.push_back(std::move(spec));
    }
    if (listeners.empty()) {
        return invalid_config_value(key, "", "at least one listener is required");
    }
    return listeners;
}

BrokerConfig::BrokerConfig() {
    listeners.push_back(ListenerSpec{"PLAINTEXT", "127.0.0.1", 9092});
    log_defaults_.segment_bytes = 1024 * 1024 * 1024;
    log_defaults_.retention_ms = 168LL * 3600 * 1000;
    log_defaults_.retention_bytes = -1;
    log_defaults_.flush_messages = 1;
    log_defaults_.max_message_bytes = 1024 * 1024 + 12;
}

Result<BrokerConfig> BrokerConfig::parse(std::string_view text) {
    BrokerConfig config;
    int line_number = 0;
    while (!text.empty()) {
        ++line_number;
        std::size_t newline = text.find('\n');
        std::string_view line = cluster::trim_config_text(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        if (line.empty() || line.front() == '#' || line.front() == '!') continue;
        std::size_t separator = line.find_first_of("=: \t");
        if (separator == std::string_view::npos) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("line {}: '{}' has no value", line_number, line));
        }
        std::string_view key = cluster::trim_config_text(line.substr(0, separator));
        std::string_view value = cluster::trim_config_text(line.substr(separator + 1));
        if (line[separator] == ' ' || line[separator] == '\t') {
            // "key = value": the separator may follow spaces.
            if (!value.empty() && (value.front() == '=' || value.front() == ':')) {
                value = cluster::trim_config_text(value.substr(1));
            }
        }
        Result<void> set = config.set(key, value);
        if (!set) return set.error().wrap(fmt::format("line {}", line_number));
    }
    TRY(config.finish());
    return config;
}

Result<void> BrokerConfig::set_override(std::string_view assignment) {
    std::size_t equals = assignment.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("override '{}' is not key=value", assignment));
    }
    return set(cluster::trim_config_text(assignment.substr(0, equals)),
               cluster::trim_config_text(assignment.substr(equals + 1)));
}

Result<void> BrokerConfig::set(std::string_view key, std::string_view value) {
    auto integer = [&](int64_t low, int64_t high) {
        return parse_config_integer(key, value, low, high);
    };
    if (key == "listeners") {
        TRY_ASSIGN(listeners, parse_listeners(key, value));
    } else if (key == "advertised.listeners") {
        TRY_ASSIGN(advertised_listeners, parse_listeners(key, value));
        for (const ListenerSpec& spec : advertised_listeners) {
            if (spec.wildcard_host() || spec.port == 0) {
                return invalid_config_value(key, value,
                                            "an advertised listener needs a host and a port");
            }
        }
    } else if (key == "log.dirs" || key == "log.dir") {
        if (value.empty()) return invalid_config_value(key, value, "must name a directory");
        if (value.find(',') != std::string_view::npos) {
            return invalid_config_value(key, value, "Brook uses exactly one log directory");
        }
        log_dir = std::string(value);
    } else if (key == "node.id" || key == "broker.id") {
        TRY_ASSIGN(int64_t id, integer(0, kInt32Max));
        node_id = NodeId(static_cast<int32_t>(id));
    } else if (key == "num.partitions") {
        TRY_ASSIGN(int64_t n, integer(1, cluster::kPartitionsPerTopicMax));
        num_partitions = static_cast<int32_t>(n);
    } else if (key == "default.replication.factor") {
        TRY_ASSIGN(int64_t n, integer(1, 32767));
        if (n != 1) {
            return invalid_config_value(
                key, value, "only 1: partitions have one replica until Brook replicates them");
        }
        default_replication_factor = 1;
    } else if (key == "log.retention.ms") {
        TRY_ASSIGN(retention_ms_, integer(-1, kInt64Max));
    } else if (key == "log.retention.minutes") {
        TRY_ASSIGN(retention_minutes_, integer(-1, kInt64Max / 60'000));
    } else if (key == "log.retention.hours") {
        TRY_ASSIGN(retention_hours_, integer(-1, kInt64Max / 3'600'000));
    } else if (key == "log.retention.bytes") {
        TRY_ASSIGN(log_defaults_.retention_bytes, integer(-1, kInt64Max));
    } else if (key == "log.segment.bytes") {
        TRY_ASSIGN(int64_t n, integer(log::kBatchHeaderBytes, log::LogConfig::kSegmentBytesMax));
        log_defaults_.segment_bytes = static_cast<uint64_t>(n);
    } else if (key == "log.roll.ms") {
        TRY_ASSIGN(roll_ms_, integer(1, kInt64Max));
    } else if (key == "log.roll.hours") {
        TRY_ASSIGN(roll_hours_, integer(1, kInt64Max / 3'600'000));
    } else if (key == "log.flush.interval.messages") {
        TRY_ASSIGN(log_defaults_.flush_messages, integer(1, kInt64Max));
    } else if (key == "log.flush.interval.ms") {
        TRY_ASSIGN(log_defaults_.flush_ms, integer(0, kInt64Max));
    } else if (key == "auto.create.topics.enable") {
        TRY_ASSIGN(auto_create_topics_enable, parse_config_bool(key, value));
    } else if (key == "socket.request.max.bytes") {
        TRY_ASSIGN(socket_request_max_bytes, integer(kRequestBytesMin, kRequestBytesMax));
    } else if (key == "connections.max.idle.ms") {
        TRY_ASSIGN(connections_max_idle_ms, integer(1, kInt64Max / 1'000'000));
    } else if (key == "max.connections") {
        TRY_ASSIGN(int64_t n, integer(1, kInt32Max));
        max_connections = static_cast<int32_t>(n);
    } else if (key == "message.max.bytes") {
        TRY_ASSIGN(int64_t n, integer(log::kBatchHeaderBytes, log::kBatchBytesMax));
        log_defaults_.max_message_bytes = static_cast<uint32_t>(n);
    } else if (key == "log.message.timestamp.type") {
        TRY_ASSIGN(log_defaults_.message_timestamp_type, parse_timestamp_type(key, value));
    } else if (key == "offsets.topic.num.partitions") {
        TRY_ASSIGN(int64_t n, integer(1, cluster::kPartitionsPerTopicMax));
        offsets_topic_num_partitions = static_cast<int32_t>(n);
    } else if (key == "offsets.topic.replication.factor") {
        TRY_ASSIGN(int64_t n, integer(1, 32767));
        offsets_topic_replication_factor = static_cast<int16_t>(n);
    } else if (key == "group.initial.rebalance.delay.ms") {
        TRY_ASSIGN(int64_t n, integer(0, kInt32Max));
        group_initial_rebalance_delay_ms = static_cast<int32_t>(n);
    } else if (key == "group.min.session.timeout.ms") {
        TRY_ASSIGN(int64_t n, integer(1, kInt32Max));
        group_min_session_timeout_ms = static_cast<int32_t>(n);
    } else if (key == "group.max.session.timeout.ms") {
        TRY_ASSIGN(int64_t n, integer(1, kInt32Max));
        group_max_session_timeout_ms = static_cast<int32_t>(n);
    } else if (key == "offsets.retention.minutes") {
        TRY_ASSIGN(offsets_retention_minutes, integer(1, kInt32Max));
    } else if (key == "offsets.retention.check.interval.ms") {
        TRY_ASSIGN(offsets_retention_check_interval_ms, integer(1, kInt64Max));
    } else if (key == "offset.metadata.max.bytes") {
        TRY_ASSIGN(int64_t n, integer(0, 32767));
        offset_metadata_max_bytes = static_cast<int32_t>(n);
    } else if (key == "offsets.rewrite.threshold.bytes") {
        TRY_ASSIGN(offsets_rewrite_threshold_bytes, integer(1024, kInt64Max));
    } else if (Result<bool> kraft_key = kraft.set(key, value); !kraft_key || *kraft_key) {
        if (!kraft_key) return kraft_key.error();
    } else if (std::find(std::begin(kIgnoredKeys), std::end(kIgnoredKeys), key) !=
               std::end(kIgnoredKeys)) {
        ignored_.emplace_back(key);
        return {};
    } else {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("unknown configuration key '{}' (value '{}')", key, value));
    }
    explicit_[std::string(key)] = std::string(value);
    return {};
}

Result<void> BrokerConfig::finish() {
    // Kafka's precedence: log.retention.ms, then .minutes, then .hours; -1 anywhere = for ever.
    int64_t retention = -1;
    if (retention_ms_) {
        retention = *retention_ms_;
    } else if (retention_minutes_) {
        retention = *retention_minutes_ < 0 ? -1 : *retention_minutes_ * 60'000;
    } else if (retention_hours_) {
        retention = *retention_hours_ < 0 ? -1 : *retention_hours_ * 3'600'000;
    }
    log_defaults_.retention_ms = retention;
    log_defaults_.segment_ms = roll_ms_ ? *roll_ms_ : *roll_hours_ * 3'600'000;
    if (!advertised_listeners.empty()) {
        for (const ListenerSpec& advertised : advertised_listeners) {
            bool known =
                std::any_of(listeners.begin(), listeners.end(),
                            [&](const ListenerSpec& l) { return l.name == advertised.name; });
            if (!known) {
                return invalid_config_value("advertised.listeners", advertised.to_string(),
                                            "no listener of that name in listeners");
            }
        }
    }
    TRY(kraft.validate(node_id, listeners, advertised_listeners));
    if (group_min_session_timeout_ms > group_max_session_timeout_ms) {
        return invalid_config_value("group.min.session.timeout.ms",
                                    fmt::format("{}", group_min_session_timeout_ms),
                                    "above group.max.session.timeout.ms");
    }
    Result<void> valid = log_defaults_.validate();
    if (!valid) return valid.error().wrap("log defaults");
    return {};
}

std::vector<std::pair<std::string, std::string>> BrokerConfig::describe() const {
    auto join = [](const std::vector<ListenerSpec>& specs) {
        std::string text;
        for (const ListenerSpec& spec : specs) {
            if (!text.empty()) text += ',';
            text += spec.to_string();
        }
        return text;
    };
    std::vector<std::pair<std::string, std::string>> entries = {
        {"advertised.listeners", join(advertised_listeners)},
        {"auto.create.topics.enable", auto_create_topics_enable ? "true" : "false"},
        {"broker.id", fmt::format("{}", node_id)},
        {"connections.max.idle.ms", fmt::format("{}", connections_max_idle_ms)},
        {"default.replication.factor", fmt::format("{}", default_replication_factor)},
        {"group.initial.rebalance.delay.ms", fmt::format("{}", group_initial_rebalance_delay_ms)},
        {"group.max.session.timeout.ms", fmt::format("{}", group_max_session_timeout_ms)},
        {"group.min.session.timeout.ms", fmt::format("{}", group_min_session_timeout_ms)},
        {"listeners", join(listeners)},
        {"log.dirs", log_dir},
        {"log.flush.interval.messages", fmt::format("{}", log_defaults_.flush_messages)},
        {"log.flush.interval.ms", fmt::format("{}", log_defaults_.flush_ms)},
        {"log.message.timestamp.type",
         std::string(timestamp_type_name(log_defaults_.message_timestamp_type))},
        {"log.retention.bytes", fmt::format("{}", log_defaults_.retention_bytes)},
        {"log.retention.ms", fmt::format("{}", log_defaults_.retention_ms)},
        {"log.roll.ms", fmt::format("{}", log_defaults_.segment_ms)},
        {"log.segment.bytes", fmt::format("{}", log_defaults_.segment_bytes)},
        {"max.connections", fmt::format("{}", max_connections)},
        {"message.max.bytes", fmt::format("{}", log_defaults_.max_message_bytes)},
        {"node.id", fmt::format("{}", node_id)},
        {"num.partitions", fmt::format("{}", num_partitions)},
        {"offset.metadata.max.bytes", fmt::format("{}", offset_metadata_max_bytes)},
        {"offsets.retention.check.interval.ms",
         fmt::format("{}", offsets_retention_check_interval_ms)},
        {"offsets.retention.minutes", fmt::format("{}", offsets_retention_minutes)},
        {"offsets.rewrite.threshold.bytes", fmt::format("{}", offsets_rewrite_threshold_bytes)},
        {"offsets.topic.num.partitions", fmt::format("{}", offsets_topic_num_partitions)},
        {"offsets.topic.replication.factor", fmt::format("{}", offsets_topic_replication_factor)},
        {"socket.request.max.bytes", fmt::format("{}", socket_request_max_bytes)},
    };
    kraft.describe(entries);
    std::sort(entries.begin(), entries.end());
    return entries;
}

}  // namespace brook::broker
