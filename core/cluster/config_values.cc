#include "core/cluster/config_values.h"

#include <fmt/format.h>

#include <charconv>

namespace brook::cluster {

Error invalid_config_value(std::string_view key, std::string_view value, std::string_view why) {
    return Error(ErrorCode::invalid_argument,
                 fmt::format("invalid value '{}' for {}: {}", value, key, why));
}

Result<int64_t> parse_config_integer(std::string_view key, std::string_view value, int64_t low,
                                     int64_t high) {
    int64_t parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
        return invalid_config_value(key, value, "not an integer");
    }
    if (parsed < low || parsed > high) {
        return invalid_config_value(key, value,
                                    fmt::format("must be between {} and {}", low, high));
    }
    return parsed;
}

Result<bool> parse_config_bool(std::string_view key, std::string_view value) {
    if (value == "true") return true;
    if (value == "false") return false;
    return invalid_config_value(key, value, "must be true or false");
}

Result<log::TimestampType> parse_timestamp_type(std::string_view key, std::string_view value) {
    if (value == "CreateTime") return log::TimestampType::create_time;
    if (value == "LogAppendTime") return log::TimestampType::log_append_time;
    return invalid_config_value(key, value, "must be CreateTime or LogAppendTime");
}

std::string_view timestamp_type_name(log::TimestampType type) {
    return type == log::TimestampType::log_append_time ? "LogAppendTime" : "CreateTime";
}

}  // namespace brook::cluster
