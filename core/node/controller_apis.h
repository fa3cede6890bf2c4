// The controller's Kafka APIs, as Kafka's ControllerApis serves them on the controller listener:
// a request becomes a controller command run by the ActiveController, and its reply becomes the
// response, with Kafka's error codes and messages. The channel (KafkaQuorumChannel) hands every
// request that is not Raft's here.
//
//   ControllerApis apis(env.scheduler, active, cluster_id, Logger(env.log_sink, "controller"));
//   channel.set_request_handler([&](const RequestHeader& header, AnyRequest&& request) {
//       return apis.handle(header, std::move(request));              // May suspend.
//   });
//   ...
//   apis.wait_idle();   // before the ActiveController goes away
//
// Served (kControllerApis): ApiVersions (answered here, listing exactly these and the quorum's
// own RPCs), BrokerRegistration, BrokerHeartbeat, UnregisterBroker, CreateTopics, DeleteTopics
// (by name and by topic id), CreatePartitions, AlterConfigs, IncrementalAlterConfigs,
// AllocateProducerIds and AlterPartition. While this node is not the active controller every answer carries
// NOT_CONTROLLER where Kafka puts it: the top-level error code, or each topic's or resource's.
// Anything else is nullopt: the channel closes the connection with a log line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/base/logger.h"
#include "core/node/active_controller.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

struct ControllerApiSpec {
    protocol::ApiKey api_key;
    int16_t min_version;
    int16_t max_version;
};

// The versions served of each controller API: all the generated codec has (a static_assert in
// controller_apis.cc keeps them within it), so an ApiVersions the codec reads is one served, and
// a newer one, which the channel hands over undecoded, is answered UNSUPPORTED_VERSION at v0.
inline constexpr std::array<ControllerApiSpec, 11> kControllerApis = {{
    {protocol::ApiKey::api_versions, 0, 4},
    {protocol::ApiKey::create_topics, 0, 7},
    {protocol::ApiKey::delete_topics, 0, 6},
    {protocol::ApiKey::alter_configs, 0, 2},
    {protocol::ApiKey::create_partitions, 0, 3},
    {protocol::ApiKey::incremental_alter_configs, 0, 1},
    {protocol::ApiKey::broker_registration, 0, 4},
    {protocol::ApiKey::broker_heartbeat, 0, 1},
    {protocol::ApiKey::unregister_broker, 0, 0},
    {protocol::ApiKey::allocate_producer_ids, 0, 0},
    {protocol::ApiKey::alter_partition, 0, 3},
}};

class ControllerApis {
public:
    // `active` must outlive this; wait_idle() before destroying it.
    ControllerApis(Scheduler& scheduler, ActiveController& active, std::string cluster_id,
                   Logger logger);
    ControllerApis(const ControllerApis&) = delete;
    ControllerApis& operator=(const ControllerApis&) = delete;

    // The response to `request` (decoded at header.api_version), or nullopt for an API or version
    // not served here. May suspend (until the command is committed).
    std::optional<protocol::AnyResponse> handle(const protocol::RequestHeader& header,
                                                protocol::AnyRequest&& request);

    // Waits until no call is inside handle() (after the active controller was stopped, they end
    // promptly). May suspend.
    void wait_idle();

    // The ApiVersions answer of the controller listener: kControllerApis and the quorum's RPCs,
    // by api key.
    static protocol::ApiVersionsResponse api_versions();

private:
    std::optional<protocol::AnyResponse> dispatch(const protocol::RequestHeader& header,
                                                  protocol::AnyRequest&& request);

    // Brokers and producer ids (controller_apis.cc).
    protocol::BrokerRegistrationResponse register_broker(
        const protocol::BrokerRegistrationRequest& request);
    protocol::BrokerHeartbeatResponse heartbeat(const protocol::BrokerHeartbeatRequest& request);
    protocol::UnregisterBrokerResponse unregister_broker(
        const protocol::UnregisterBrokerRequest& request);
    protocol::AllocateProducerIdsResponse allocate_producer_ids(
        const protocol::AllocateProducerIdsRequest& request);

    // Topics and configs (controller_apis_topics.cc).
    protocol::CreateTopicsResponse create_topics(const protocol::CreateTopicsRequest& request,
                                                 int16_t version);
    protocol::DeleteTopicsResponse delete_topics(const protocol::DeleteTopicsRequest& request,
                                                 int16_t version);
    protocol::CreatePartitionsResponse create_partitions(
        const protocol::CreatePartitionsRequest& request);
    protocol::IncrementalAlterConfigsResponse incremental_alter_configs(
        const protocol::IncrementalAlterConfigsRequest& request);
    protocol::AlterConfigsResponse alter_configs(const protocol::AlterConfigsRequest& request);

    // Partitions (controller_apis_partitions.cc).
    protocol::AlterPartitionResponse alter_partition(const protocol::AlterPartitionRequest& request,
                                                     int16_t version);

    ActiveController& active_;
    std::string cluster_id_;
    Logger logger_;
    int calls_in_flight_ = 0;
    WaitQueue idle_;
};

}  // namespace brook::node
