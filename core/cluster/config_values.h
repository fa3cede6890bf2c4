// Parsing of Kafka config values shared by the broker's configuration (core/broker/
// broker_config.h) and every topic's (topic_config.h): the whole text, within bounds, with an
// error naming the key and the value.
//
//   TRY_ASSIGN(int64_t ms, parse_config_integer("retention.ms", "3600000", -1, kInt64Max));
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/result.h"
#include "core/log/log_config.h"

namespace brook::cluster {

// invalid_argument: "invalid value '<value>' for <key>: <why>".
Error invalid_config_value(std::string_view key, std::string_view value, std::string_view why);

// The whole text as an integer within [low, high].
Result<int64_t> parse_config_integer(std::string_view key, std::string_view value, int64_t low,
                                     int64_t high);
Result<bool> parse_config_bool(std::string_view key, std::string_view value);
Result<log::TimestampType> parse_timestamp_type(std::string_view key, std::string_view value);
std::string_view timestamp_type_name(log::TimestampType type);

}  // namespace brook::cluster
