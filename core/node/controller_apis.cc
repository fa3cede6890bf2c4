#include "core/node/controller_apis.h"

#include <algorithm>
#include <variant>

#include "core/base/check.h"
#include "core/protocol/api_schema.h"
#include "core/protocol/generated/api_schemas.h"
#include "core/quorum/quorum_codec.h"

namespace brook::node {

using controller::Controller;
using controller::ControllerResult;
using protocol::ApiKey;
using protocol::KafkaError;
using protocol::to_wire;

namespace {

constexpr bool specs_within_codec() {
    for (const ControllerApiSpec& spec : kControllerApis) {
        bool found = false;
        for (const protocol::ApiSchema& schema : protocol::kApiSchemas) {
            if (schema.api_key != spec.api_key) continue;
            found = spec.min_version >= schema.min_version &&
                    spec.max_version <= schema.max_version && spec.min_version <= spec.max_version;
        }
        if (!found) return false;
    }
    return true;
}
static_assert(specs_within_codec(), "a controller API declares versions the codec cannot decode");

const ControllerApiSpec* find_spec(ApiKey api_key) {
    for (const ControllerApiSpec& spec : kControllerApis) {
        if (spec.api_key == api_key) return &spec;
    }
    return nullptr;
}

// Counts a call in flight for wait_idle().
struct InFlight {
    int& count;
    WaitQueue& idle;
    InFlight(int& count, WaitQueue& idle) : count(count), idle(idle) { ++count; }
    ~InFlight() {
        if (--count == 0) idle.notify_all();
    }
};

}  // namespace

ControllerApis::ControllerApis(Scheduler& scheduler, ActiveController& active,
                               std::string cluster_id, Logger logger)
    : active_(active),
      cluster_id_(std::move(cluster_id)),
      logger_(std::move(logger)),
      idle_(scheduler) {}

void ControllerApis::wait_idle() {
    while (calls_in_flight_ > 0) idle_.wait();  // May suspend.
}

protocol::ApiVersionsResponse ControllerApis::api_versions() {
    protocol::ApiVersionsResponse response;
    for (const ControllerApiSpec& spec : kControllerApis) {
        response.api_keys.push_back(
            {static_cast<int16_t>(spec.api_key), spec.min_version, spec.max_version});
    }
    for (ApiKey api_key : quorum::kQuorumApis) {
        quorum::VersionRange range = quorum::accepted_versions(api_key);
        response.api_keys.push_back(
            {static_cast<int16_t>(api_key), range.min_version, range.max_version});
    }
    std::sort(response.api_keys.begin(), response.api_keys.end(),
              [](const auto& a, const auto& b) { return a.api_key < b.api_key; });
    return response;
}

std::optional<protocol::AnyResponse> ControllerApis::handle(const protocol::RequestHeader& header,
                                                            protocol::AnyRequest&& request) {
    InFlight in_flight(calls_in_flight_, idle_);
    const ControllerApiSpec* spec = find_spec(header.api_key);
    if (spec == nullptr) return std::nullopt;
    if (header.api_version < spec->min_version || header.api_version > spec->max_version) {
        if (header.api_key != ApiKey::api_versions) return std::nullopt;
        // KIP-511: an ApiVersions too new still learns which versions of it are served.
        protocol::ApiVersionsResponse response;
        response.error_code = to_wire(KafkaError::unsupported_version);
        response.api_keys.push_back(
            {static_cast<int16_t>(spec->api_key), spec->min_version, spec->max_version});
        return response;
    }
    ASSERT(protocol::api_key_of(request) == header.api_key);
    return dispatch(header, std::move(request));  // May suspend.
}

std::optional<protocol::AnyResponse> ControllerApis::dispatch(const protocol::RequestHeader& header,
                                                              protocol::AnyRequest&& request) {
    int16_t version = header.api_version;
    return std::visit(
        [&](auto& typed) -> std::optional<protocol::AnyResponse> {
            using Request = std::decay_t<decltype(typed)>;
            if constexpr (std::is_same_v<Request, protocol::ApiVersionsRequest>) {
                return api_versions();
            } else if constexpr (std::is_same_v<Request, protocol::BrokerRegistrationRequest>) {
                return register_broker(typed);
            } else if constexpr (std::is_same_v<Request, protocol::BrokerHeartbeatRequest>) {
                return heartbeat(typed);
            } else if constexpr (std::is_same_v<Request, protocol::UnregisterBrokerRequest>) {
                return unregister_broker(typed);
            } else if constexpr (std::is_same_v<Request, protocol::AllocateProducerIdsRequest>) {
                return allocate_producer_ids(typed);
            } else if constexpr (std::is_same_v<Request, protocol::CreateTopicsRequest>) {
                return create_topics(typed, version);
            } else if constexpr (std::is_same_v<Request, protocol::DeleteTopicsRequest>) {
                return delete_topics(typed, version);
            } else if constexpr (std::is_same_v<Request, protocol::CreatePartitionsRequest>) {
                return create_partitions(typed);
            } else if constexpr (std::is_same_v<Request,
                                                protocol::IncrementalAlterConfigsRequest>) {
                return incremental_alter_configs(typed);
            } else if constexpr (std::is_same_v<Request, protocol::AlterConfigsRequest>) {
                return alter_configs(typed);
            } else if constexpr (std::is_same_v<Request, protocol::AlterPartitionRequest>) {
                return alter_partition(typed, version);
            } else {
                return std::nullopt;  // find_spec() let through only the APIs above
            }
        },
        request);
}

// ---- brokers ---------------------------------------------------------------------------------

protocol::BrokerRegistrationResponse ControllerApis::register_broker(
    const protocol::BrokerRegistrationRequest& request) {
    protocol::BrokerRegistrationResponse response;
    if (request.cluster_id != cluster_id_) {
        logger_.warn("broker {} registers for cluster {}, this is {}", request.broker_id,
                     request.cluster_id, cluster_id_);
        response.error_code = to_wire(KafkaError::inconsistent_cluster_id);
        return response;
    }
    controller::RegisterBrokerCommand command{.broker_id = NodeId(request.broker_id),
                                              .incarnation_id = request.incarnation_id,
                                              .rack = request.rack};
    for (const auto& listener : request.listeners) {
        command.listeners.push_back(
            {listener.name, listener.host, listener.port, listener.security_protocol});
    }
    for (const auto& feature : request.features) {
        command.features.push_back(
            {feature.name, feature.min_supported_version, feature.max_supported_version});
    }
    std::optional<controller::RegisterBrokerReply> reply =
        active_.run_command<controller::RegisterBrokerReply>(
            [&](Controller& controller, Offset next, int64_t now_ms) {
                return controller.register_broker(command, next, now_ms);
            });  // May suspend.
    response.error_code = to_wire(reply ? reply->error : KafkaError::not_controller);
    if (!reply) return response;
    response.broker_epoch = reply->broker_epoch.value();
    return response;
}

protocol::BrokerHeartbeatResponse ControllerApis::heartbeat(
    const protocol::BrokerHeartbeatRequest& request) {
    protocol::BrokerHeartbeatResponse response;
    controller::HeartbeatCommand command{
        .broker_id = NodeId(request.broker_id),
        .broker_epoch = metadata::BrokerEpoch(request.broker_epoch),
        .current_metadata_offset = Offset(request.current_metadata_offset),
        .want_fence = request.want_fence,
        .want_shutdown = request.want_shut_down};
    std::optional<controller::HeartbeatReply> reply =
        active_.run_command<controller::HeartbeatReply>(
            [&](Controller& controller, Offset, int64_t now_ms) {
                return controller.heartbeat(command, now_ms);
            });  // May suspend.
    response.error_code = to_wire(reply ? reply->error : KafkaError::not_controller);
    if (!reply) return response;
    response.is_caught_up = reply->is_caught_up;
    response.is_fenced = reply->is_fenced;
    response.should_shut_down = reply->should_shut_down;
    return response;
}

protocol::UnregisterBrokerResponse ControllerApis::unregister_broker(
    const protocol::UnregisterBrokerRequest& request) {
    protocol::UnregisterBrokerResponse response;
    controller::UnregisterBrokerCommand command{.broker_id = NodeId(request.broker_id)};
    std::optional<KafkaError> reply =
        active_.run_command<KafkaError>([&](Controller& controller, Offset, int64_t) {
            return controller.unregister_broker(command);
        });  // May suspend.
    response.error_code = to_wire(reply.value_or(KafkaError::not_controller));
    response.error_message.reset();  // the code says it all, as Kafka's controller answers
    return response;
}

protocol::AllocateProducerIdsResponse ControllerApis::allocate_producer_ids(
    const protocol::AllocateProducerIdsRequest& request) {
    protocol::AllocateProducerIdsResponse response;
    controller::AllocateProducerIdsCommand command{
        .broker_id = NodeId(request.broker_id),
        .broker_epoch = metadata::BrokerEpoch(request.broker_epoch)};
    std::optional<controller::AllocateProducerIdsReply> reply =
        active_.run_command<controller::AllocateProducerIdsReply>(
            [&](Controller& controller, Offset, int64_t) {
                return controller.allocate_producer_ids(command);
            });  // May suspend.
    response.error_code = to_wire(reply ? reply->error : KafkaError::not_controller);
    if (!reply) return response;
    response.producer_id_start = reply->first_producer_id.value();
    response.producer_id_len = reply->producer_id_length;
    return response;
}

}  // namespace brook::node
