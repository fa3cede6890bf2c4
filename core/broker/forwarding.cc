#include "core/broker/forwarding.h"

#include <algorithm>

namespace brook::broker {

using protocol::KafkaError;

Instant forward_deadline(const BrokerServices& services, int32_t timeout_ms) {
    int32_t wait_ms = std::clamp(timeout_ms, kForwardTimeoutMsDefault, kForwardTimeoutMsMax);
    return services.env.clock.now() + milliseconds(wait_ms);
}

KafkaError forward_error_code(const Error& error) {
    return error.code() == ErrorCode::timeout ? KafkaError::request_timed_out
                                              : KafkaError::not_controller;
}

KafkaError create_topic_through_controller(BrokerServices& services, const std::string& name,
                                           int32_t partitions, int16_t replication_factor,
                                           const std::map<std::string, std::string>& configs) {
    protocol::CreateTopicsRequest request;
    auto& topic = request.topics.emplace_back();
    topic.name = name;
    topic.num_partitions = partitions;
    topic.replication_factor = replication_factor;
    for (const auto& [key, value] : configs) topic.configs.push_back({key, value});
    request.timeout_ms = kForwardTimeoutMsDefault;
    // Version 4 and later let the controller's defaults fill in -1s; every field here is set.
    constexpr int16_t kVersion = 5;
    Result<protocol::CreateTopicsResponse> answer = forward_as<protocol::CreateTopicsResponse>(
        services, request, kVersion, forward_deadline(services));  // May suspend.
    if (!answer) {
        services.log.warn("creating topic {} through the controller: {}", name,
                          answer.error().describe());
        return forward_error_code(answer.error());
    }
    for (const auto& created : answer->topics) {
        if (created.name == name) return protocol::kafka_error_from_wire(created.error_code);
    }
    return KafkaError::unknown_server_error;
}

}  // namespace brook::broker
