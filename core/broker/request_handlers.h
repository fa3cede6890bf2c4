// The broker's request handlers: one function per Kafka API, each declaring the version range it
// serves. ApiVersions answers from that table, and the connection refuses anything outside it.
//
//   const HandlerSpec* spec = find_handler(header.api_key);
//   if (spec == nullptr || !spec->serves(header.api_version)) close_connection();
//   std::optional<AnyResponse> response = dispatch(services, context, std::move(request));
//
// Handlers fill responses version-agnostically but leave fields a version cannot carry at their
// defaults (the codec ASSERTs otherwise; see docs/design/protocol.md). They map operating errors
// to Kafka's error codes per partition or topic; they never fail the whole request except as
// Kafka does. Every handler may suspend.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/base/logger.h"
#include "core/base/check.h"
#include "core/broker/broker_config.h"
#include "core/broker/controller_forwarder.h"
#include "core/broker/producer_id_blocks.h"
#include "core/cluster/cluster_nodes.h"
#include "core/cluster/producer_id_store.h"
#include "core/cluster/topic_manager.h"
#include "core/group/group_coordinator.h"
#include "core/io/network.h"
#include "core/protocol/error_code.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::broker {

// What handlers share: the node's environment, configuration and state.
struct BrokerServices {
    BrokerServices(Environment& env, const BrokerConfig& config,
                   const cluster::ClusterNodes& nodes, cluster::TopicManager& topics,
                   cluster::ProducerIdStore& producer_ids, group::GroupCoordinator& groups,
                   std::string cluster_id, ControllerForwarder* controller = nullptr,
                   ProducerIdBlocks* producer_id_blocks = nullptr)
        : env(env), config(config), nodes(nodes), topics(topics), producer_ids(producer_ids),
          groups(groups), cluster_id(std::move(cluster_id)), controller(controller),
          producer_id_blocks(producer_id_blocks), log(env.log_sink, "broker"),
          requests_idle(env.scheduler) {
        ASSERT((controller == nullptr) == (producer_id_blocks == nullptr));
    }

    // KRaft mode: the metadata log is the truth, the controller changes it.
    bool kraft() const { return controller != nullptr; }

    Environment& env;
    const BrokerConfig& config;
    const cluster::ClusterNodes& nodes;
    cluster::TopicManager& topics;
    cluster::ProducerIdStore& producer_ids;
    group::GroupCoordinator& groups;
    std::string cluster_id;
    // KRaft mode only (nullptr in single-node mode): the active controller, and the producer id
    // blocks it hands out (producer_ids is then unused).
    ControllerForwarder* controller;
    ProducerIdBlocks* producer_id_blocks;
    Logger log;
    // Handler fibers running; shutdown waits for requests_idle before closing the logs.
    std::size_t requests_in_flight = 0;
    WaitQueue requests_idle;
};

// Who asked, through which listener.
struct RequestContext {
    protocol::RequestHeader header;
    Address peer;
    // The address the client reached (with the listener's real port) and the listener's name:
    // Metadata advertises them back unless advertised.listeners says otherwise.
    Address local;
    std::string listener_name;
    int16_t version() const { return header.api_version; }
};

struct HandlerSpec {
    protocol::ApiKey api_key;
    int16_t min_version;
    int16_t max_version;
    // Served (and listed by ApiVersions) only by a KRaft broker: DescribeQuorum.
    bool kraft_only = false;
    bool serves(int16_t version) const { return version >= min_version && version <= max_version; }
    bool offered(bool kraft) const { return kraft || !kraft_only; }
};

// Every API the broker serves, ascending by key.
std::span<const HandlerSpec> handler_specs();
const HandlerSpec* find_handler(protocol::ApiKey api_key);

// Runs the request's handler. nullopt: no response is sent (Produce with acks=0).
// May suspend.
std::optional<protocol::AnyResponse> dispatch(BrokerServices& services,
                                              const RequestContext& context,
                                              protocol::AnyRequest&& request);

// The ApiVersions answer to a version the broker does not serve: UNSUPPORTED_VERSION with only
// the ApiVersions entry, always encoded as v0 (Kafka's KIP-511 fallback).
protocol::ApiVersionsResponse unsupported_api_versions_response();

// One function per API (handle_*.cc). May suspend.
protocol::ApiVersionsResponse handle_api_versions(BrokerServices&, const RequestContext&,
                                                  const protocol::ApiVersionsRequest&);
protocol::MetadataResponse handle_metadata(BrokerServices&, const RequestContext&,
                                           const protocol::MetadataRequest&);
protocol::DescribeClusterResponse handle_describe_cluster(BrokerServices&, const RequestContext&,
                                                          const protocol::DescribeClusterRequest&);
protocol::FindCoordinatorResponse handle_find_coordinator(BrokerServices&, const RequestContext&,
                                                          const protocol::FindCoordinatorRequest&);
protocol::InitProducerIdResponse handle_init_producer_id(BrokerServices&, const RequestContext&,
                                                         const protocol::InitProducerIdRequest&);
std::optional<protocol::ProduceResponse> handle_produce(BrokerServices&, const RequestContext&,
                                                        const protocol::ProduceRequest&);
protocol::FetchResponse handle_fetch(BrokerServices&, const RequestContext&,
                                     const protocol::FetchRequest&);
protocol::ListOffsetsResponse handle_list_offsets(BrokerServices&, const RequestContext&,
                                                  const protocol::ListOffsetsRequest&);
protocol::OffsetForLeaderEpochResponse handle_offset_for_leader_epoch(
    BrokerServices&, const RequestContext&, const protocol::OffsetForLeaderEpochRequest&);
protocol::CreateTopicsResponse handle_create_topics(BrokerServices&, const RequestContext&,
                                                    const protocol::CreateTopicsRequest&);
protocol::DeleteTopicsResponse handle_delete_topics(BrokerServices&, const RequestContext&,
                                                    const protocol::DeleteTopicsRequest&);
protocol::CreatePartitionsResponse handle_create_partitions(
    BrokerServices&, const RequestContext&, const protocol::CreatePartitionsRequest&);
protocol::DescribeConfigsResponse handle_describe_configs(BrokerServices&, const RequestContext&,
                                                          const protocol::DescribeConfigsRequest&);
protocol::AlterConfigsResponse handle_alter_configs(BrokerServices&, const RequestContext&,
                                                    const protocol::AlterConfigsRequest&);
protocol::IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    BrokerServices&, const RequestContext&, const protocol::IncrementalAlterConfigsRequest&);
protocol::DescribeQuorumResponse handle_describe_quorum(BrokerServices&, const RequestContext&,
                                                        const protocol::DescribeQuorumRequest&);

protocol::JoinGroupResponse handle_join_group(BrokerServices&, const RequestContext&,
                                              const protocol::JoinGroupRequest&);
protocol::SyncGroupResponse handle_sync_group(BrokerServices&, const RequestContext&,
                                              const protocol::SyncGroupRequest&);
protocol::HeartbeatResponse handle_heartbeat(BrokerServices&, const RequestContext&,
                                             const protocol::HeartbeatRequest&);
protocol::LeaveGroupResponse handle_leave_group(BrokerServices&, const RequestContext&,
                                                const protocol::LeaveGroupRequest&);
protocol::OffsetCommitResponse handle_offset_commit(BrokerServices&, const RequestContext&,
                                                    const protocol::OffsetCommitRequest&);
protocol::OffsetFetchResponse handle_offset_fetch(BrokerServices&, const RequestContext&,
                                                  const protocol::OffsetFetchRequest&);
protocol::DescribeGroupsResponse handle_describe_groups(BrokerServices&, const RequestContext&,
                                                        const protocol::DescribeGroupsRequest&);
protocol::ListGroupsResponse handle_list_groups(BrokerServices&, const RequestContext&,
                                                const protocol::ListGroupsRequest&);
protocol::DeleteGroupsResponse handle_delete_groups(BrokerServices&, const RequestContext&,
                                                    const protocol::DeleteGroupsRequest&);
protocol::OffsetDeleteResponse handle_offset_delete(BrokerServices&, const RequestContext&,
                                                    const protocol::OffsetDeleteRequest&);

// The address this node advertises to a client that came through `context`'s listener.
Address advertised_address(const BrokerServices& services, const RequestContext& context);

// A request's current_leader_epoch when the client names none.
inline constexpr int32_t kNoLeaderEpoch = -1;

// The partition `topic`/`index` when this node leads it and `current_leader_epoch` (or
// kNoLeaderEpoch) is its leader epoch; otherwise nullptr and `error` is Kafka's answer:
// UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (another broker's, or led by none),
// FENCED_LEADER_EPOCH (the client's epoch is older), UNKNOWN_LEADER_EPOCH (newer than ours).
std::shared_ptr<cluster::Partition> led_partition(const BrokerServices& services,
                                                  std::string_view topic, int32_t index,
                                                  int32_t current_leader_epoch,
                                                  protocol::KafkaError& error);

// Kafka's error code for an operating error of the log or the disk.
protocol::KafkaError storage_error_code(const Error& error);

// Why a request refused one of its resources (a topic, a config): the error code and the
// message of Kafka's answer.
struct Refusal {
    protocol::KafkaError error;
    std::string message;
};

}  // namespace brook::broker
