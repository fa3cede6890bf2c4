// Parsing of Kafka config values shared by the broker's configuration (core/broker/
// broker_config.h) and every topic's (topic_config.h): the whole text, within bounds, with an
// error naming the key and the value.
//
//   TRY_ASSIGN(int64_t ms, parse_config_integer("retention.ms", "3600000", -1, kInt64Max));
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/log/log_config.h"

namespace brook::cluster {

// The upper bounds of Kafka's int and long configs.
inline constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// invalid_argument: "invalid value '<value>' for <key>: <why>".
Error invalid_config_value(std::string_view key, std::string_view value, std::string_view why);

// The whole text as an integer within [low, high].
Result<int64_t> parse_config_integer(std::string_view key, std::string_view value, int64_t low,
                                     int64_t high);
Result<bool> parse_config_bool(std::string_view key, std::string_view value);
// A "host:port" value ("[::1]:9092" for IPv6), as listeners and quorum voters name addresses.
struct HostPort {
    std::string host;
    uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};
// The host may be empty (a listener's "PLAINTEXT://:9092" binds every address); the port must
// lie in [min_port, 65535] (a listener may ask for port 0: any free port).
Result<HostPort> parse_config_host_port(std::string_view key, std::string_view text,
                                        uint16_t min_port);

// The text without surrounding spaces, tabs and carriage returns (a properties file's line).
std::string_view trim_config_text(std::string_view text);
// The non-empty entries of a comma-separated list value, each trimmed.
std::vector<std::string_view> split_config_list(std::string_view text);

Result<log::TimestampType> parse_timestamp_type(std::string_view key, std::string_view value);
std::string_view timestamp_type_name(log::TimestampType type);

}  // namespace brook::cluster
