#include "core/cluster/config_values.h"

#include <fmt/format.h>

#include <charconv>

namespace brook::cluster {

Error invalid_config_value(std::string_view key, std::string_view value, std::string_view why) {
    return Error(ErrorCode::invalid_argument,
                 fmt::format("invalid value '{}' for {}: {}", value, key, why));
}

Result<HostPort> parse_config_host_port(std::string_view key, std::string_view text,
                                        uint16_t min_port) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return invalid_config_value(key, text, "expected host:port");
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    TRY_ASSIGN(int64_t port, parse_config_integer(key, text.substr(colon + 1), min_port, 65535));
    return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

std::string_view trim_config_text(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

std::vector<std::string_view> split_config_list(std::string_view text) {
    std::vector<std::string_view> entries;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view entry = trim_config_text(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (!entry.empty()) entries.push_back(entry);
    }
    return entries;
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
