// What the handlers of a KRaft broker share to send a request on to the active controller
// (controller_forwarder.h): the deadline, the Kafka error a failed forward becomes, the
// response of the expected API, and the topic creations the broker itself asks for
// (auto-creation on Metadata, the offsets topic on FindCoordinator).
//
//   Result<CreateTopicsResponse> answer = forward_as<CreateTopicsResponse>(services, request,
//       context.version(), forward_deadline(services, request.timeout_ms));   // May suspend
//   if (!answer) return every_topic(forward_error_code(answer.error()));
#pragma once

#include <map>
#include <string>
#include <variant>

#include "core/broker/request_handlers.h"

namespace brook::broker {

// How long the broker waits for the controller: kForwardTimeoutMsDefault, or longer when the
// request's own timeout (CreateTopics' timeout_ms) asks for it, up to kForwardTimeoutMsMax. A
// client's 0 ("do not wait for the change") still lets the controller answer (Kafka's
// forwarding has its own timeout too).
inline constexpr int32_t kForwardTimeoutMsDefault = 15 * 1000;
inline constexpr int32_t kForwardTimeoutMsMax = 60 * 1000;

Instant forward_deadline(const BrokerServices& services,
                         int32_t timeout_ms = kForwardTimeoutMsDefault);

// Kafka's answer when no controller took the request: REQUEST_TIMED_OUT when the deadline
// passed, NOT_CONTROLLER otherwise (the client retries either).
protocol::KafkaError forward_error_code(const Error& error);

// Sends `request` at `version` to the controller and returns its answer, an error when no
// controller answered. Requires KRaft mode. May suspend.
template <typename Response, typename Request>
Result<Response> forward_as(BrokerServices& services, const Request& request, int16_t version,
                            Instant deadline) {
    ASSERT(services.kraft());
    TRY_ASSIGN(protocol::AnyResponse answer,
               services.controller->forward(protocol::AnyRequest(request), version, deadline));
    auto* response = std::get_if<Response>(&answer);
    ASSERT(response != nullptr, "the controller answered {} with another API",
           protocol::api_key_name(Request::api_key));
    return std::move(*response);
}

// Asks the controller to create `name` (the broker's own request: auto-creation, the offsets
// topic); the topic's error code in the answer, or forward_error_code's. May suspend.
protocol::KafkaError create_topic_through_controller(
    BrokerServices& services, const std::string& name, int32_t partitions,
    int16_t replication_factor, const std::map<std::string, std::string>& configs);

}  // namespace brook::broker
