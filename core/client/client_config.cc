// ProducerConfig::set and ConsumerConfig::set: Kafka's option names onto the config structs, for
// the command line's --producer-property / --consumer-property and for tests.
#include <charconv>

#include "core/client/assignor.h"
#include "core/client/consumer.h"
#include "core/client/producer.h"

namespace brook::client {

namespace {

Error bad_value(std::string_view name, std::string_view value) {
    return Error(ErrorCode::invalid_argument, fmt::format("{}: bad value '{}'", name, value));
}

template <typename Integer>
Result<Integer> parse_integer(std::string_view name, std::string_view value) {
    Integer parsed{};
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc() || end != value.data() + value.size()) return bad_value(name, value);
    return parsed;
}

Result<bool> parse_bool(std::string_view name, std::string_view value) {
    if (value != "true" && value != "false") return bad_value(name, value);
    return value == "true";
}

Result<Duration> parse_ms(std::string_view name, std::string_view value) {
    TRY_ASSIGN(int64_t ms, parse_integer<int64_t>(name, value));
    if (ms < 0) return bad_value(name, value);
    return Duration(milliseconds(ms));
}

// The options every client shares. nullopt: not one of them.
std::optional<Result<void>> set_cluster_option(ClusterConfig& config, std::string_view name,
                                               std::string_view value) {
    auto assign_ms = [&](Duration& field) -> Result<void> {
        TRY_ASSIGN(field, parse_ms(name, value));
        return {};
    };
    if (name == "bootstrap.servers") {
        std::vector<Address> servers;
        while (!value.empty()) {
            std::size_t comma = value.find(',');
            std::string_view item = value.substr(0, comma);
            auto address = Address::parse(item);
            if (!address) return Result<void>(bad_value(name, item));
            servers.push_back(*address);
            value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        }
        if (servers.empty()) return Result<void>(bad_value(name, value));
        config.bootstrap_servers = std::move(servers);
        return Result<void>();
    }
    if (name == "client.id") {
        config.client_id = std::string(value);
        return Result<void>();
    }
    if (name == "request.timeout.ms") return assign_ms(config.request_timeout);
    if (name == "metadata.max.age.ms") return assign_ms(config.metadata_max_age);
    if (name == "reconnect.backoff.ms") return assign_ms(config.reconnect_backoff);
    if (name == "reconnect.backoff.max.ms") return assign_ms(config.reconnect_backoff_max);
    if (name == "retry.backoff.max.ms") return assign_ms(config.retry_backoff_max);
    if (name == "allow.auto.create.topics") {
        TRY_ASSIGN(config.allow_auto_create_topics, parse_bool(name, value));
        return Result<void>();
    }
    return std::nullopt;
}

// The consumer's group options: session.timeout.ms, heartbeat.interval.ms,
// max.poll.interval.ms, group.instance.id, partition.assignment.strategy, enable.auto.commit,
// auto.commit.interval.ms and Brook's commit.on.revoke. nullopt: not one of them.
std::optional<Result<void>> set_group_option(ConsumerConfig& config, std::string_view name,
                                             std::string_view value) {
    auto assign_ms = [&](Duration& field) -> Result<void> {
        TRY_ASSIGN(field, parse_ms(name, value));
        return {};
    };
    auto assign_bool = [&](bool& field) -> Result<void> {
        TRY_ASSIGN(field, parse_bool(name, value));
        return {};
    };
    GroupMemberConfig& group = config.group;
    if (name == "session.timeout.ms") return assign_ms(group.session_timeout);
    if (name == "heartbeat.interval.ms") return assign_ms(group.heartbeat_interval);
    if (name == "max.poll.interval.ms") return assign_ms(group.rebalance_timeout);
    if (name == "auto.commit.interval.ms") return assign_ms(config.auto_commit_interval);
    if (name == "enable.auto.commit") return assign_bool(config.enable_auto_commit);
    if (name == "commit.on.revoke") return assign_bool(config.commit_on_revoke);
    if (name == "group.instance.id") {
        group.group_instance_id = value.empty() ? std::nullopt : std::optional(std::string(value));
        return Result<void>();
    }
    if (name == "partition.assignment.strategy") {
        std::vector<std::string> names;
        for (std::string_view rest = value; !rest.empty();) {
            std::size_t comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            if (make_assignor(item) == nullptr) {
                return Result<void>(Error(ErrorCode::invalid_argument,
                                          fmt::format("{}: unknown assignor '{}'", name, item)));
            }
            names.emplace_back(item);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
        if (names.empty()) return Result<void>(Error(ErrorCode::invalid_argument, "no assignor"));
        group.assignors = std::move(names);
        return Result<void>();
    }
    return std::nullopt;
}

Error unknown_option(std::string_view name) {
    return Error(ErrorCode::invalid_argument, fmt::format("unknown option '{}'", name));
}

}  // namespace

Result<void> ProducerConfig::set(std::string_view name, std::string_view value) {
    if (auto shared = set_cluster_option(cluster, name, value)) return *shared;
    if (name == "retry.backoff.ms") {
        TRY_ASSIGN(retry_backoff, parse_ms(name, value));
        cluster.retry_backoff = retry_backoff;
        return {};
    }
    if (name == "acks") {
        if (value == "all" || value == "-1") {
            acks = -1;
        } else if (value == "1" || value == "0") {
            acks = static_cast<int16_t>(value[0] - '0');
        } else {
            return bad_value(name, value);
        }
        return {};
    }
    if (name == "compression.type") {
        std::optional<compression::Compression> codec = compression::parse_compression(value);
        if (!codec) return bad_value(name, value);
        compression = *codec;
        return {};
    }
    if (name == "linger.ms") {
        TRY_ASSIGN(linger, parse_ms(name, value));
        return {};
    }
    if (name == "delivery.timeout.ms") {
        TRY_ASSIGN(delivery_timeout, parse_ms(name, value));
        return {};
    }
    if (name == "max.block.ms") {
        TRY_ASSIGN(max_block, parse_ms(name, value));
        return {};
    }
    if (name == "batch.size") {
        TRY_ASSIGN(batch_size, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "retries") {
        TRY_ASSIGN(retries, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "max.in.flight.requests.per.connection") {
        TRY_ASSIGN(max_in_flight, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "buffer.memory") {
        TRY_ASSIGN(buffer_memory, parse_integer<int64_t>(name, value));
        return {};
    }
    if (name == "max.request.size") {
        TRY_ASSIGN(max_request_size, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "partitioner.class" || name == "partitioner") {
        if (value == "sticky" ||
            value == "org.apache.kafka.clients.producer.internals.DefaultPartitioner") {
            partitioner = Partitioner::sticky;
        } else if (value == "round_robin" ||
                   value == "org.apache.kafka.clients.producer.RoundRobinPartitioner") {
            partitioner = Partitioner::round_robin;
        } else {
            return bad_value(name, value);
        }
        return {};
    }
    return unknown_option(name);
}

Result<void> ProducerConfig::validate() const {
    auto invalid = [](std::string_view what) {
        return Error(ErrorCode::invalid_argument, std::string(what));
    };
    if (cluster.bootstrap_servers.empty()) return invalid("bootstrap.servers is empty");
    if (acks != 0 && acks != 1 && acks != -1) return invalid("acks must be 0, 1 or -1 (all)");
    if (batch_size <= 0) return invalid("batch.size must be positive");
    if (max_in_flight < 1) return invalid("max.in.flight.requests.per.connection must be >= 1");
    if (retries < 0) return invalid("retries must be >= 0");
    if (buffer_memory < batch_size) return invalid("buffer.memory must hold one batch.size");
    if (max_request_size <= static_cast<int32_t>(log::kBatchHeaderBytes)) {
        return invalid("max.request.size is below one batch header");
    }
    if (delivery_timeout < linger + cluster.request_timeout) {
        // Kafka's own rule: a batch must be able to wait out linger and one request.
        return invalid("delivery.timeout.ms must be >= linger.ms + request.timeout.ms");
    }
    return {};
}

Result<void> ConsumerConfig::set(std::string_view name, std::string_view value) {
    if (auto shared = set_cluster_option(cluster, name, value)) return *shared;
    if (auto group_option = set_group_option(*this, name, value)) return *group_option;
    if (name == "group.id") {
        group_id = std::string(value);
        return {};
    }
    if (name == "auto.offset.reset") {
        if (value == "earliest") {
            auto_offset_reset = OffsetReset::earliest;
        } else if (value == "latest") {
            auto_offset_reset = OffsetReset::latest;
        } else if (value == "none") {
            auto_offset_reset = OffsetReset::none;
        } else {
            return bad_value(name, value);
        }
        return {};
    }
    if (name == "fetch.max.wait.ms") {
        TRY_ASSIGN(fetch_max_wait, parse_ms(name, value));
        return {};
    }
    if (name == "retry.backoff.ms") {
        TRY_ASSIGN(cluster.retry_backoff, parse_ms(name, value));
        return {};
    }
    if (name == "fetch.min.bytes") {
        TRY_ASSIGN(fetch_min_bytes, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "fetch.max.bytes") {
        TRY_ASSIGN(fetch_max_bytes, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "max.partition.fetch.bytes") {
        TRY_ASSIGN(max_partition_fetch_bytes, parse_integer<int32_t>(name, value));
        return {};
    }
    if (name == "max.poll.records") {
        TRY_ASSIGN(max_poll_records, parse_integer<int32_t>(name, value));
        return {};
    }
    return unknown_option(name);
}

}  // namespace brook::client
