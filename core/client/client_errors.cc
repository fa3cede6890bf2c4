#include "core/client/client_errors.h"

#include <array>

#include <fmt/format.h>

namespace brook::client {

namespace {

// What the client makes of each Kafka error it treats specially; any other error is io_error,
// final, and says nothing about metadata. One row per error, so the three questions below can
// never disagree about which errors exist.
struct ErrorTraits {
    KafkaError error;
    ErrorCode code;
    bool retriable;  // Kafka's RetriableException
    bool stale;      // the leaders the client knows are out of date
};

constexpr std::array kTraits = {
    // clang-format off
    ErrorTraits{KafkaError::unknown_topic_or_partition,      ErrorCode::not_found,        true,  true},
    ErrorTraits{KafkaError::leader_not_available,            ErrorCode::disconnected,     true,  true},
    ErrorTraits{KafkaError::not_leader_or_follower,          ErrorCode::disconnected,     true,  true},
    ErrorTraits{KafkaError::broker_not_available,            ErrorCode::disconnected,     true,  true},
    ErrorTraits{KafkaError::replica_not_available,           ErrorCode::io_error,         true,  true},
    ErrorTraits{KafkaError::not_controller,                  ErrorCode::io_error,         true,  true},
    ErrorTraits{KafkaError::kafka_storage_error,             ErrorCode::io_error,         true,  true},
    ErrorTraits{KafkaError::fenced_leader_epoch,             ErrorCode::io_error,         true,  true},
    ErrorTraits{KafkaError::unknown_leader_epoch,            ErrorCode::io_error,         true,  true},
    ErrorTraits{KafkaError::corrupt_message,                 ErrorCode::corruption,       true,  false},
    ErrorTraits{KafkaError::request_timed_out,               ErrorCode::timeout,          true,  false},
    ErrorTraits{KafkaError::network_exception,               ErrorCode::disconnected,     true,  false},
    ErrorTraits{KafkaError::coordinator_load_in_progress,    ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::coordinator_not_available,       ErrorCode::disconnected,     true,  false},
    ErrorTraits{KafkaError::not_coordinator,                 ErrorCode::disconnected,     true,  false},
    ErrorTraits{KafkaError::not_enough_replicas,             ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::not_enough_replicas_after_append, ErrorCode::io_error,        true,  false},
    ErrorTraits{KafkaError::offset_not_available,            ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::preferred_leader_not_available,  ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::eligible_leaders_not_available,  ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::throttling_quota_exceeded,       ErrorCode::io_error,         true,  false},
    ErrorTraits{KafkaError::group_id_not_found,              ErrorCode::not_found,        false, false},
    ErrorTraits{KafkaError::resource_not_found,              ErrorCode::not_found,        false, false},
    ErrorTraits{KafkaError::topic_already_exists,            ErrorCode::already_exists,   false, false},
    ErrorTraits{KafkaError::offset_out_of_range,             ErrorCode::out_of_range,     false, false},
    ErrorTraits{KafkaError::message_too_large,               ErrorCode::too_large,        false, false},
    ErrorTraits{KafkaError::record_list_too_large,           ErrorCode::too_large,        false, false},
    ErrorTraits{KafkaError::unsupported_version,             ErrorCode::unsupported,      false, false},
    ErrorTraits{KafkaError::unsupported_compression_type,    ErrorCode::unsupported,      false, false},
    ErrorTraits{KafkaError::unsupported_for_message_format,  ErrorCode::unsupported,      false, false},
    ErrorTraits{KafkaError::invalid_partitions,              ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_replication_factor,      ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_config,                  ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_request,                 ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_topic_exception,         ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_required_acks,           ErrorCode::invalid_argument, false, false},
    ErrorTraits{KafkaError::invalid_group_id,                ErrorCode::invalid_argument, false, false},
    // clang-format on
};

const ErrorTraits* traits_of(KafkaError error) {
    for (const ErrorTraits& traits : kTraits) {
        if (traits.error == error) return &traits;
    }
    return nullptr;
}

}  // namespace

Error kafka_failure(const std::string& where, KafkaError error) {
    const ErrorTraits* traits = traits_of(error);
    return Error(traits != nullptr ? traits->code : ErrorCode::io_error,
                 fmt::format("{}: {}", where, protocol::kafka_error_name(error)));
}

bool is_retriable(KafkaError error) {
    const ErrorTraits* traits = traits_of(error);
    return traits != nullptr && traits->retriable;
}

bool means_stale_metadata(KafkaError error) {
    const ErrorTraits* traits = traits_of(error);
    return traits != nullptr && traits->stale;
}

}  // namespace brook::client
