// A topic's own settings: the Kafka topic-level keys it overrides, on top of the broker's
// log defaults. Kept as the text the client sent (so DescribeConfigs echoes it and the
// metadata file stores it), validated on every change.
//
//   TopicConfig config;
//   TRY(config.set("retention.ms", "3600000"));      // invalid_argument names key and value
//   log::LogConfig effective = config.log_config(broker_config.log_defaults());
//
// Keys: retention.ms, retention.bytes, segment.bytes, segment.ms, max.message.bytes,
// message.timestamp.type, flush.messages, flush.ms, plus cleanup.policy (delete|compact; stored
// for the compaction to come) and min.insync.replicas (stored; one node has one replica).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/log/log_config.h"

namespace brook::cluster {

// How a config entry got its value, with Kafka's DescribeConfigs source numbers.
enum class ConfigSource : int8_t {
    dynamic_topic = 1,
    static_broker = 4,
    default_config = 5,
};

// Kafka's DescribeConfigs config types.
enum class ConfigType : int8_t { boolean = 1, string = 2, int_type = 3, long_type = 5, list = 7 };

struct ConfigEntry {
    std::string name;
    std::string value;
    ConfigSource source = ConfigSource::default_config;
    ConfigType type = ConfigType::string;
};

class TopicConfig {
public:
    // Validates and stores one override. invalid_argument names the key and value.
    Result<void> set(std::string_view key, std::string_view value);
    // Removes an override (the default applies again); unknown keys are invalid_argument.
    Result<void> unset(std::string_view key);

    const std::map<std::string, std::string>& overrides() const { return overrides_; }

    // The partition logs' configuration: the broker defaults with these overrides applied.
    log::LogConfig log_config(const log::LogConfig& defaults) const;

    // Every topic key with its effective value and source, sorted by name: an override, else
    // the broker's default from `defaults`, reported as static broker configuration when its
    // broker key is in `broker_explicit` (BrokerConfig::explicit_values()).
    std::vector<ConfigEntry> describe(
        const log::LogConfig& defaults,
        const std::map<std::string, std::string>& broker_explicit) const;

    static bool known_key(std::string_view key);

    bool operator==(const TopicConfig&) const = default;

private:
    std::map<std::string, std::string> overrides_;
};

}  // namespace brook::cluster
