// Metadata, DescribeCluster and InitProducerId: what the cluster looks like to a client.
//
// One node is the whole cluster: it is every partition's leader, its only replica and in-sync
// replica, and the controller. The address it advertises is, in order: the advertised listener
// of the same name as the listener the client came through; that listener's host if it names
// one; otherwise the local address of the client's own connection (the client demonstrably
// reached it), with the listener's bound port.
#include "core/broker/request_handlers.h"

namespace brook::broker {

using protocol::KafkaError;
using protocol::MetadataRequest;
using protocol::MetadataResponse;

Address advertised_address(const BrokerServices& services, const RequestContext& context) {
    for (const ListenerSpec& spec : services.config.advertised_listeners) {
        if (spec.name == context.listener_name) return Address{spec.host, spec.port};
    }
    Address address = context.local;
    for (const ListenerSpec& spec : services.config.listeners) {
        if (spec.name == context.listener_name && !spec.wildcard_host()) address.host = spec.host;
    }
    return address;
}

namespace {

MetadataResponse::MetadataResponseTopic describe_topic(const Topic& topic, int16_t version,
                                                       NodeId node) {
    MetadataResponse::MetadataResponseTopic out;
    out.name = topic.name;
    if (version >= 1) out.is_internal = topic.name == group::kOffsetsTopic;
    for (const auto& partition : topic.partitions) {
        auto& p = out.partitions.emplace_back();
        p.partition_index = partition->id().value();
        p.leader_id = node.value();
        if (version >= 7) p.leader_epoch = 0;
        p.replica_nodes = {node.value()};
        p.isr_nodes = {node.value()};
        std::shared_ptr<log::PartitionLog> log = partition->log();
        if (!log || log->offline()) {
            p.error_code = to_wire(KafkaError::kafka_storage_error);
            if (version >= 5) p.offline_replicas = {node.value()};
        }
    }
    return out;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::string& name, KafkaError error) {
    MetadataResponse::MetadataResponseTopic out;
    out.name = name;
    out.error_code = to_wire(error);
    return out;
}

}  // namespace

MetadataResponse handle_metadata(BrokerServices& services, const RequestContext& context,
                                 const MetadataRequest& request) {
    int16_t version = context.version();
    NodeId node = services.config.node_id;
    MetadataResponse response;
    Address advertised = advertised_address(services, context);
    response.brokers.push_back({node.value(), advertised.host, advertised.port, std::nullopt});
    if (version >= 2) response.cluster_id = services.cluster_id;
    if (version >= 1) response.controller_id = node.value();

    // v0: an empty list means every topic; v1+: null means every topic, empty means none.
    bool all_topics = !request.topics.has_value() || (version == 0 && request.topics->empty());
    if (all_topics) {
        for (const std::string& name : services.topics.topic_names()) {
            // The offsets topic is the coordinator's; it is described only when named.
            if (name == group::kOffsetsTopic) continue;
            if (const Topic* topic = services.topics.find(name)) {
                response.topics.push_back(describe_topic(*topic, version, node));
            }
        }
        return response;
    }
    // v4+ lets the client forbid auto-creation; before v4 the broker decides alone.
    bool may_create = services.config.auto_create_topics_enable &&
                      (version < 4 || request.allow_auto_topic_creation);
    for (const auto& requested : *request.topics) {
        std::string name = requested.name.value_or("");
        if (!validate_topic_name(name)) {
            response.topics.push_back(topic_error(name, KafkaError::invalid_topic_exception));
            continue;
        }
        const Topic* topic = services.topics.find(name);
        if (topic == nullptr && may_create && name != group::kOffsetsTopic) {
            Result<void> created = services.topics.create_topic(
                name, services.config.num_partitions, TopicConfig{});  // May suspend.
            if (!created && created.error().code() != ErrorCode::already_exists) {
                services.log.warn("auto-creating topic {}: {}", name, created.error().describe());
            }
            topic = services.topics.find(name);  // re-check: other fibers ran meanwhile
        }
        if (topic == nullptr) {
            KafkaError error = may_create ? KafkaError::leader_not_available
                                          : KafkaError::unknown_topic_or_partition;
            response.topics.push_back(topic_error(name, error));
            continue;
        }
        response.topics.push_back(describe_topic(*topic, version, node));
    }
    return response;
}

protocol::DescribeClusterResponse handle_describe_cluster(
    BrokerServices& services, const RequestContext& context,
    const protocol::DescribeClusterRequest& request) {
    protocol::DescribeClusterResponse response;
    if (request.endpoint_type != 1) {  // 1 = brokers; 2 = controllers (KRaft)
        response.error_code = to_wire(KafkaError::unsupported_endpoint_type);
        response.error_message = "Brook has only broker endpoints";
        return response;
    }
    Address advertised = advertised_address(services, context);
    response.cluster_id = services.cluster_id;
    response.controller_id = services.config.node_id.value();
    response.brokers.push_back(
        {services.config.node_id.value(), advertised.host, advertised.port, std::nullopt});
    return response;
}

protocol::InitProducerIdResponse handle_init_producer_id(
    BrokerServices& services, const RequestContext& context,
    const protocol::InitProducerIdRequest& request) {
    protocol::InitProducerIdResponse response;
    if (request.transactional_id.has_value() && !request.transactional_id->empty()) {
        // Transactions need a transaction coordinator, which Brook does not have yet.
        response.error_code = to_wire(KafkaError::transactional_id_authorization_failed);
        return response;
    }
    Result<ProducerId> id = services.producer_ids.allocate();  // May suspend.
    if (!id) {
        services.log.warn("allocating a producer id: {}", id.error().describe());
        response.error_code = to_wire(KafkaError::kafka_storage_error);
        return response;
    }
    response.producer_id = id->value();
    response.producer_epoch = 0;
    return response;
}

}  // namespace brook::broker
