#include "core/cluster/topic_config.h"

#include <algorithm>
#include <limits>

#include "core/cluster/config_values.h"

namespace brook::cluster {
namespace {


struct KeyInfo {
    std::string_view name;
    ConfigType type;
    std::string_view broker_key;  // the broker default it falls back to, if any
};

constexpr KeyInfo kKeys[] = {
    {"cleanup.policy", ConfigType::list, ""},
    {"flush.messages", ConfigType::long_type, "log.flush.interval.messages"},
    {"flush.ms", ConfigType::long_type, "log.flush.interval.ms"},
    {"max.message.bytes", ConfigType::int_type, "message.max.bytes"},
    {"message.timestamp.type", ConfigType::string, "log.message.timestamp.type"},
    {"min.insync.replicas", ConfigType::int_type, ""},
    {"retention.bytes", ConfigType::long_type, "log.retention.bytes"},
    {"retention.ms", ConfigType::long_type, "log.retention.ms"},
    {"segment.bytes", ConfigType::int_type, "log.segment.bytes"},
    {"segment.ms", ConfigType::long_type, "log.roll.ms"},
};

const KeyInfo* find_key(std::string_view key) {
    for (const KeyInfo& info : kKeys) {
        if (info.name == key) return &info;
    }
    return nullptr;
}

Error unknown_key(std::string_view key, std::string_view value) {
    return Error(ErrorCode::invalid_argument,
                 fmt::format("unknown topic configuration key '{}' (value '{}')", key, value));
}

// Checks a value and applies it to `config` (so one routine both validates and resolves).
Result<void> apply(log::LogConfig& config, std::string_view key, std::string_view value) {
    if (key == "retention.ms") {
        TRY_ASSIGN(config.retention_ms, parse_config_integer(key, value, -1, kInt64Max));
    } else if (key == "retention.bytes") {
        TRY_ASSIGN(config.retention_bytes, parse_config_integer(key, value, -1, kInt64Max));
    } else if (key == "segment.bytes") {
        TRY_ASSIGN(int64_t n, parse_config_integer(key, value, 14,
                                                   log::LogConfig::kSegmentBytesMax));
        config.segment_bytes = static_cast<uint64_t>(std::max<int64_t>(n, log::kBatchHeaderBytes));
    } else if (key == "segment.ms") {
        TRY_ASSIGN(config.segment_ms, parse_config_integer(key, value, 1, kInt64Max));
    } else if (key == "max.message.bytes") {
        TRY_ASSIGN(int64_t n, parse_config_integer(key, value, log::kBatchHeaderBytes,
                                                   log::kBatchBytesMax));
        config.max_message_bytes = static_cast<uint32_t>(n);
    } else if (key == "message.timestamp.type") {
        TRY_ASSIGN(config.message_timestamp_type, parse_timestamp_type(key, value));
    } else if (key == "flush.messages") {
        TRY_ASSIGN(config.flush_messages, parse_config_integer(key, value, 1, kInt64Max));
    } else if (key == "flush.ms") {
        TRY_ASSIGN(config.flush_ms, parse_config_integer(key, value, 0, kInt64Max));
    } else if (key == "cleanup.policy") {
        if (value != "delete" && value != "compact" && value != "compact,delete" &&
            value != "delete,compact") {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("invalid value '{}' for cleanup.policy: must be delete, "
                                     "compact or both",
                                     value));
        }
    } else if (key == "min.insync.replicas") {
        TRY(parse_config_integer(key, value, 1, std::numeric_limits<int32_t>::max()));
    } else {
        return unknown_key(key, value);
    }
    return {};
}

}  // namespace

bool TopicConfig::known_key(std::string_view key) { return find_key(key) != nullptr; }

Result<void> TopicConfig::set(std::string_view key, std::string_view value) {
    log::LogConfig scratch;
    TRY(apply(scratch, key, value));
    overrides_[std::string(key)] = std::string(value);
    return {};
}

Result<void> TopicConfig::unset(std::string_view key) {
    if (!known_key(key)) return unknown_key(key, "");
    overrides_.erase(std::string(key));
    return {};
}

log::LogConfig TopicConfig::log_config(const log::LogConfig& defaults) const {
    log::LogConfig config = defaults;
    for (const auto& [key, value] : overrides_) {
        Result<void> applied = apply(config, key, value);
        ASSERT(applied.ok(), "override {}={} was validated when set", key, value);
    }
    return config;
}

std::vector<ConfigEntry> TopicConfig::describe(
    const log::LogConfig& defaults,
    const std::map<std::string, std::string>& broker_explicit) const {
    auto default_value = [&](std::string_view key) -> std::string {
        if (key == "retention.ms") return fmt::format("{}", defaults.retention_ms);
        if (key == "retention.bytes") return fmt::format("{}", defaults.retention_bytes);
        if (key == "segment.bytes") return fmt::format("{}", defaults.segment_bytes);
        if (key == "segment.ms") return fmt::format("{}", defaults.segment_ms);
        if (key == "max.message.bytes") return fmt::format("{}", defaults.max_message_bytes);
        if (key == "message.timestamp.type") {
            return std::string(timestamp_type_name(defaults.message_timestamp_type));
        }
        if (key == "flush.messages") return fmt::format("{}", defaults.flush_messages);
        if (key == "flush.ms") return fmt::format("{}", defaults.flush_ms);
        if (key == "cleanup.policy") return "delete";
        if (key == "min.insync.replicas") return "1";
        UNREACHABLE("topic key {} has no default", key);
    };
    std::vector<ConfigEntry> entries;
    for (const KeyInfo& info : kKeys) {
        ConfigEntry entry{std::string(info.name), {}, ConfigSource::default_config, info.type};
        if (auto it = overrides_.find(entry.name); it != overrides_.end()) {
            entry.value = it->second;
            entry.source = ConfigSource::dynamic_topic;
        } else {
            entry.value = default_value(info.name);
            if (!info.broker_key.empty() &&
                broker_explicit.contains(std::string(info.broker_key))) {
                entry.source = ConfigSource::static_broker;
            }
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace brook::cluster
